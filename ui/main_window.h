// The main window: picture side and chat side in a splitter, menus, the message bar and the
// status bar. It wires widgets to the ChatController (model, pictures, questions, replies) and
// to the off-thread file jobs; it owns no model and never waits on the inference thread,
// except to join it when the window closes.
#pragma once

#include <QMainWindow>
#include <QPointer>

#include "app/app_settings.h"
#include "app/chat_backend.h"
#include "app/engine_bridge.h"
#include "app/file_jobs.h"

class QLabel;
class QMenu;
class QSplitter;

namespace qwenvl::app {
class Autosaver;
class ChatController;
class LanguageManager;
}  // namespace qwenvl::app

namespace qwenvl::ui {

class Actions;
class ChatPane;
class MessageBar;
class PicturePane;

struct MainWindowOptions {
  app::BackendFactory backendFactory;
  app::AppSettings* settings = nullptr;
  app::LanguageManager* language = nullptr;
  app::CudaStatus cuda;
  QString autosavePath;       // empty: no autosave
  bool restoreAutosave = false;
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const MainWindowOptions& options, QWidget* parent = nullptr);
  ~MainWindow() override;

  app::ChatController* controller() const { return m_controller; }
  Actions* actions() const { return m_actions; }
  PicturePane* picturePane() const { return m_picturePane; }
  ChatPane* chatPane() const { return m_chatPane; }
  MessageBar* messageBar() const { return m_messageBar; }
  app::Autosaver* autosaver() const { return m_autosaver; }
  app::FileJobs* fileJobs() const { return m_files; }

  // What the menus and dialogs end in; callable directly (tests, command line).
  void loadModel(const QString& dir);
  void addPictureFiles(const QStringList& paths);
  void openConversationFile(const QString& path);
  void saveConversationTo(const QString& path);
  void exportMarkdownTo(const QString& path);
  void saveAnnotatedTo(const QString& path);
  void setLanguage(const QString& code);
  BackendKind effectiveBackend() const;

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void connectActions();
  void connectController();
  void retranslateUi();
  void updateModelUi();
  void updateBusyUi();
  void sendQuestion();
  void pastePicture();
  void askAboutRegion(int pictureId, const QRect& pixels, const QString& phrase = {});
  void askAboutRegionByKeys();
  void onChatRefHovered(int messageId, int ref);
  void onFileJobFinished(app::FileJobs::Kind kind, const QString& path, const QString& error);
  void chooseFile(bool save, const QString& title, const QString& filter, const QString& suffix,
                  std::function<void(const QString&)> then);
  void chooseModelFolder();
  void setBackendChoice(app::BackendChoice choice);
  void showShortcuts();
  void showAbout();
  void showHowToGetModel();
  QString suggestedName(const QString& suffix) const;

  app::AppSettings* m_settings;
  app::LanguageManager* m_language;
  app::CudaStatus m_cuda;
  app::ChatController* m_controller;
  app::FileJobs* m_files;
  app::Autosaver* m_autosaver = nullptr;
  bool m_restoring = false;
  QString m_conversationPath;
  Actions* m_actions;
  MessageBar* m_messageBar;
  PicturePane* m_picturePane;
  ChatPane* m_chatPane;
  QSplitter* m_splitter;
  QLabel* m_modelStatus;
  QMenu* m_fileMenu;
  QMenu* m_editMenu;
  QMenu* m_viewMenu;
  QMenu* m_chatMenu;
  QMenu* m_modelMenu;
  QMenu* m_languageMenu;
  QMenu* m_helpMenu;
};

}  // namespace qwenvl::ui
