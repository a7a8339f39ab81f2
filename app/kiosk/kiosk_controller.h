// The kiosk's policy without widgets: a visit (pictures from the camera or the configured
// folder, preset or typed questions), the idle clock with its "Still there?" countdown, and the
// privacy wipe that ends every visit: the reply still streaming is cancelled, the conversation
// and its pictures, the engine session's history and KV cache, the clipboard and the typed text
// are gone. It owns no parts: it drives the StudioApp it is given (made without a library, on
// memory-only settings, so nothing of a visit reaches the disk). The clock is injectable so
// tests drive the idle time instead of waiting for it.
#pragma once

#include <QObject>
#include <QStringList>
#include <QTimer>
#include <functional>

#include "app/kiosk/kiosk_config.h"

namespace qwenvl::app {

class StudioApp;

class KioskController : public QObject {
  Q_OBJECT
 public:
  enum class Phase { Attract, Visit };
  using Clock = std::function<qint64()>;  // milliseconds, monotonic

  KioskController(StudioApp* app, KioskConfig config, QObject* parent = nullptr);
  ~KioskController() override;

  const KioskConfig& config() const { return m_config; }
  StudioApp* studio() const { return m_app; }
  Phase phase() const { return m_phase; }
  QString language() const;

  // The time source and the check it drives (a timer calls checkIdle() four times a second;
  // tests replace the clock and call it themselves).
  void setClock(Clock clock);
  qint64 now() const { return m_clock(); }
  void setIdleTimerEnabled(bool enabled);
  void checkIdle();

  // The visitor touched the screen or typed: the idle clock starts again, a countdown ends.
  void noteActivity();
  bool isWarning() const { return m_warning; }
  int secondsLeft() const { return m_secondsLeft; }  // of the countdown

  void startVisit();  // from the attract screen
  // Ends the visit and wipes it; back to the attract screen.
  void resetVisit();
  // Applies a language the configuration offers; false otherwise.
  bool setLanguage(const QString& code);

  // The pictures of the configured folder (JPEG, PNG, ...), sorted; empty without one.
  QStringList folderPictures() const;
  // A picture of the folder (others are refused) or a camera frame becomes the visit's picture;
  // a picture chosen earlier in the visit starts a fresh conversation first.
  bool choosePicture(const QString& path);
  void useCameraFrame(const QImage& frame);
  // The preset questions in the current language.
  QStringList presetQuestions() const;
  // Sends a question about the picture; returns why not (for the visitor), or empty.
  QString ask(const QString& text);

 signals:
  void phaseChanged(qwenvl::app::KioskController::Phase phase);
  void warningStarted(int secondsLeft);
  void countdownChanged(int secondsLeft);
  void warningCancelled();
  // The visit was wiped; the window clears what it shows (typed text included).
  void visitReset();

 private:
  void setPhase(Phase phase);
  void clearVisit();

  StudioApp* m_app;
  KioskConfig m_config;
  Phase m_phase = Phase::Attract;
  Clock m_clock;
  QTimer m_timer;
  qint64 m_lastActivity = 0;
  bool m_warning = false;
  int m_secondsLeft = 0;
  int m_cameraPictures = 0;
};

}  // namespace qwenvl::app
