// The kiosk's one window: full screen, frameless, touch first. It shows a KioskController's
// visit and forwards what the visitor taps; the policy (idle clock, wipe, which pictures) is
// the controller's. Screens: attract (sample pictures with their boxes, cycling) → choose a
// picture (camera or the configured folder, big tiles) → the visit (the picture with the boxes
// drawn live, preset questions, optional typing, the streamed answer; tapping a box or a
// phrase lights up its partner) → Start over. A hidden gesture (five taps in the top-left
// corner) opens the PIN pad, the only way out.
#pragma once

#include <QHash>
#include <QImage>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include "app/camera_source.h"
#include "app/kiosk/kiosk_controller.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QVBoxLayout;
class QGridLayout;

namespace qwenvl::ui {

class GroundingOverlay;
class ImageCanvas;
class KioskAnswerView;
class KioskCountdown;
class KioskLockdown;
class KioskPinPad;

class KioskWindow : public QWidget {
  Q_OBJECT
 public:
  enum class Screen { Attract, Choose, Camera, Visit, Pin, Error };

  // `camera` may be null or unavailable: the camera is then not offered.
  KioskWindow(app::KioskController* controller, app::CameraSource* camera, QWidget* parent = nullptr);
  ~KioskWindow() override;

  Screen screen() const { return m_screen; }
  app::KioskController* controller() const { return m_controller; }
  KioskLockdown* lockdown() const { return m_lockdown; }
  bool isCameraOffered() const;

  // For tests and the screenshot script.
  QPushButton* startButton() const { return m_start; }
  QPushButton* cameraTile() const { return m_cameraTile; }
  QList<QPushButton*> pictureTiles() const { return m_tiles; }
  QPushButton* takePictureButton() const { return m_take; }
  QList<QPushButton*> questionButtons() const { return m_questionButtons; }
  QLineEdit* typedQuestion() const { return m_typed; }
  QPushButton* askButton() const { return m_ask; }
  QPushButton* startOverButton() const { return m_startOver; }
  QPushButton* languageButton() const { return m_language; }
  KioskAnswerView* answerView() const { return m_answer; }
  ImageCanvas* canvas() const { return m_canvas; }
  GroundingOverlay* overlay() const { return m_overlay; }
  KioskCountdown* countdown() const { return m_countdown; }
  KioskPinPad* pinPad() const { return m_pinPad; }
  QLabel* statusLabel() const { return m_status; }
  int highlightedRef() const { return m_highlight; }
  int attractIndex() const { return m_attractIndex; }  // the sample picture shown
  const QImage& attractImage() const;
  void setHighlightedRef(int ref);

 signals:
  // The admin entered the right PIN: the kiosk may end.
  void exitRequested();

 protected:
  void changeEvent(QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QWidget* buildTopBar();
  QWidget* buildAttract();
  QWidget* buildChoose();
  QWidget* buildCamera();
  QWidget* buildVisit();
  void applyStyle();
  void retranslateUi();
  void rebuildQuestions();
  void showScreen(Screen screen);
  void showAttractItem(int index);
  void refreshVisit();
  void onModelStateChanged();
  void askQuestion(const QString& text);
  void openAdmin();
  void onPinSubmitted(const QString& pin);
  void onVisitReset();

  app::KioskController* m_controller;
  QPointer<app::CameraSource> m_camera;
  KioskLockdown* m_lockdown;
  Screen m_screen = Screen::Attract;
  Screen m_beforePin = Screen::Attract;
  bool m_allowClose = false;
  int m_wrongPins = 0;           // since the last pause
  qint64 m_pinPausedUntil = -1;  // on the controller's clock
  static constexpr int kPinTries = 5;
  static constexpr int kPinPauseMs = 60000;
  int m_highlight = -1;
  int m_shownPicture = -1;

  QLabel* m_logo = nullptr;
  QLabel* m_title = nullptr;
  QPushButton* m_startOver = nullptr;
  QPushButton* m_language = nullptr;
  QStackedWidget* m_stack = nullptr;
  QHash<Screen, QWidget*> m_pages;

  // Attract
  ImageCanvas* m_attractCanvas = nullptr;
  GroundingOverlay* m_attractOverlay = nullptr;
  QLabel* m_attractCaption = nullptr;
  QLabel* m_attractHint = nullptr;
  QPushButton* m_start = nullptr;
  QTimer m_attractTimer;
  int m_attractIndex = 0;
  QVector<QImage> m_attractImages;

  // Choose
  QLabel* m_chooseTitle = nullptr;
  QPushButton* m_cameraTile = nullptr;
  QList<QPushButton*> m_tiles;

  // Camera
  QLabel* m_preview = nullptr;
  QLabel* m_cameraStatus = nullptr;
  QPushButton* m_take = nullptr;
  QPushButton* m_cameraBack = nullptr;

  // Visit
  ImageCanvas* m_canvas = nullptr;
  GroundingOverlay* m_overlay = nullptr;
  QLabel* m_status = nullptr;
  QLabel* m_question = nullptr;  // the visitor's question above the answer
  KioskAnswerView* m_answer = nullptr;
  QLabel* m_questionsTitle = nullptr;
  QGridLayout* m_questionsLayout = nullptr;
  QList<QPushButton*> m_questionButtons;
  QLineEdit* m_typed = nullptr;
  QPushButton* m_ask = nullptr;
  QPushButton* m_otherPicture = nullptr;
  QString m_error;

  KioskCountdown* m_countdown = nullptr;
  KioskPinPad* m_pinPad = nullptr;
  QLabel* m_errorText = nullptr;
};

}  // namespace qwenvl::ui
