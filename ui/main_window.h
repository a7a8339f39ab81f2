// The main window: picture side and chat side in a splitter, menus, the message bar and the
// status bar. It shows the state of an app::StudioApp (the headless application: model,
// conversation, files, backend choice) and forwards what the user asks for; it owns no policy
// and no model, and never waits on the inference thread except through StudioApp::shutdown.
#pragma once

#include <QMainWindow>
#include <QPointer>

#include "app/app_settings.h"
#include "app/file_jobs.h"

class QLabel;
class QMenu;
class QSplitter;

namespace qwenvl::app {
class ChatController;
class StudioApp;
}  // namespace qwenvl::app

namespace qwenvl::ui {

class Actions;
class ChatPane;
class LibrarySidebar;
class MessageBar;
class PicturePane;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // `studio` outlives the window.
  explicit MainWindow(app::StudioApp* studio, QWidget* parent = nullptr);
  ~MainWindow() override;

  app::StudioApp* studio() const { return m_app; }
  app::ChatController* controller() const { return m_controller; }
  Actions* actions() const { return m_actions; }
  PicturePane* picturePane() const { return m_picturePane; }
  ChatPane* chatPane() const { return m_chatPane; }
  LibrarySidebar* librarySidebar() const { return m_library; }
  MessageBar* messageBar() const { return m_messageBar; }
  bool isDropHighlighted() const;

  // What the menus and dialogs end in; callable directly (tests, command line).
  void loadModel(const QString& dir);
  void addPictureFiles(const QStringList& paths);
  // Hides the window, grabs the screen and lets the user pick the part to add as a picture.
  void takeScreenshot();
  // The second half: a grabbed screen (null when the desktop refused) to choose from.
  void chooseScreenPart(const QImage& screen);
  void openConversationFile(const QString& path);
  void saveConversationTo(const QString& path);
  // Ctrl+N: asks first whether to save a named conversation that changed since it was saved.
  void startNewConversation();
  void exportMarkdownTo(const QString& path);
  void saveAnnotatedTo(const QString& path);
  void setLanguage(const QString& code);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dragLeaveEvent(QDragLeaveEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void setDropHighlight(bool on);
  void updateLibraryVisibility();
  void connectActions();
  void connectController();
  void retranslateUi();
  void updateModelUi();
  void updateBusyUi();
  void sendQuestion();
  void newConversationNow();
  void pastePicture();
  void askAboutRegion(int pictureId, const QRect& pixels, const QString& phrase = {});
  void askAboutRegionByKeys();
  void editQuestion(int messageId);
  void cancelEdit();
  void onChatRefHovered(int messageId, int ref);
  void onFileJobFinished(app::FileJobs::Kind kind, const QString& path, const QString& error);
  void chooseFile(bool save, const QString& title, const QString& filter, const QString& suffix,
                  std::function<void(const QString&)> then, const QString& stem = {});
  void chooseModelFolder();
  void updateBackendChecks();
  void updateLanguageChecks();
  void showShortcuts();
  void showAbout();
  void showHowToGetModel();
  QString suggestedName(const QString& suffix, const QString& stem = {}) const;

  app::StudioApp* m_app;
  app::AppSettings* m_settings;  // window geometry, last folder, what the strip shows
  app::ChatController* m_controller;
  Actions* m_actions;
  MessageBar* m_messageBar;
  PicturePane* m_picturePane;
  ChatPane* m_chatPane;
  LibrarySidebar* m_library;
  int m_editingMessageId = -1;  // the question being edited in the question box
  QSplitter* m_splitter;
  QLabel* m_modelStatus;
  QLabel* m_dropOverlay;
  QMenu* m_fileMenu;
  QMenu* m_editMenu;
  QMenu* m_viewMenu;
  QMenu* m_chatMenu;
  QMenu* m_modelMenu;
  QMenu* m_languageMenu;
  QMenu* m_helpMenu;
};

}  // namespace qwenvl::ui
