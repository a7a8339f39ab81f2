// The application without widgets: it owns the chat controller (model, pictures, replies), the
// file jobs, the conversations library and the autosaver, chooses the backend, restores the last
// conversation at start and keeps a damaged autosave aside. Every conversation autosaves into
// its own library folder, so none is ever written over by another. The desktop window is one owner of a StudioApp (it
// shows its state and forwards what the user asks for); a kiosk or a local server can be others.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include "app/app_settings.h"
#include "app/chat_backend.h"
#include "app/conversation_library.h"
#include "app/engine_bridge.h"
#include "app/file_jobs.h"

#include <memory>

namespace qwenvl::app {

class Autosaver;
class ChatController;
class Conversation;
class LanguageManager;

struct StudioAppOptions {
  BackendFactory backendFactory;
  AppSettings* settings = nullptr;      // required; outlives the StudioApp
  LanguageManager* language = nullptr;  // optional: without it the language stays as it is
  CudaStatus cuda;
  QString libraryDir;          // the conversations library; empty: no library and no autosave
  bool restoreLast = false;    // reopen the conversation shown last (if it is still there)
  bool cpuSpeedProbe = false;  // measureCpuSpeed() measures (the real app; tests leave it off)
};

class StudioApp : public QObject {
  Q_OBJECT
 public:
  explicit StudioApp(const StudioAppOptions& options, QObject* parent = nullptr);
  ~StudioApp() override;

  ChatController* controller() const { return m_controller; }
  Conversation* conversation() const;
  AppSettings* settings() const { return m_settings; }
  LanguageManager* language() const { return m_language; }
  FileJobs* fileJobs() const { return m_files; }
  Autosaver* autosaver() const { return m_autosaver; }                    // null without a library
  const ConversationLibrary* library() const { return m_library.get(); }  // null without one
  const CudaStatus& cuda() const { return m_cuda; }
  // The speed the CPU backend should reach here: measureCpuSpeed() starts one short measurement
  // off the GUI thread (once, and only with cpuSpeedProbe); cpuSpeedChanged() says it ended.
  void measureCpuSpeed();
  const CpuSpeedEstimate& cpuSpeed() const { return m_cpuSpeed; }
  bool cpuSpeedPending() const { return m_cpuSpeedStarted && !m_cpuSpeed.measured && !m_cpuSpeedDone; }

  // The model: which folder and backend a load uses.
  struct ModelChoice {
    QString dir;
    BackendKind backend = BackendKind::Cpu;
    RemoteServer server;
    bool lowMemory = false;  // the CUDA backend's low-memory mode asked for (local CUDA loads only)
    bool operator==(const ModelChoice&) const = default;
  };
  ModelChoice modelChoice() const;
  // The backend a load uses: the one chosen, else CUDA when a GPU can be used, else the CPU.
  BackendKind effectiveBackend() const;
  // Remembers the choice; reloads the model when the backend in use changes.
  void setBackendChoice(BackendChoice choice);
  // Loads the folder with the effective backend; the settings remember it once it has loaded.
  // With a server set in the settings, connects to it instead (the folder is not used).
  void loadModel(const QString& dir);
  bool usesServer() const;
  // After the settings were edited: language, system prompt, and a reload when the folder, the
  // backend or the low-memory mode differs from `before`.
  void applySettings(const ModelChoice& before);
  bool setLanguage(const QString& code);  // false: unknown or not available

  // Pictures and conversation files. Each file job ends in fileJobFinished.
  void addPictureFiles(const QStringList& paths);
  QString conversationPath() const { return m_conversationPath; }  // empty: never saved
  // A conversation saved under a name has changes made since it was saved or opened.
  bool isModified() const { return m_modified; }
  // Starts an empty conversation; the one shown until now stays in the library (its file is
  // returned, empty when it held nothing and was not kept).
  QString newConversation();
  // Pictures from the command line, "Open With" or a second launch: they start a new
  // conversation unless the current one is still blank; the previous one stays saved.
  void openPictures(const QStringList& paths);
  void openConversation(const QString& path);
  void saveConversation(const QString& path);
  void exportMarkdown(const QString& path);
  // The picture with the boxes of the reply shown on it. Returns why not (for the user), or
  // an empty string when the job started.
  QString saveAnnotated(int pictureId, const QString& path);
  // The name "save with boxes" suggests for a picture: "photo.jpg" -> "photo-boxes".
  static QString annotatedFileStem(const QString& pictureName);
  // Nothing in flight that would change what is shown: no load, import or file job.
  bool isSettled() const;

  // Ends the worker thread (at most one token's wait), writes the autosave, waits for files.
  void shutdown();

 signals:
  void conversationPathChanged();
  void modifiedChanged(bool modified);
  void backendChoiceChanged();
  void languageChanged(const QString& code);
  // A file job the user asked for has ended (the restore at start is not reported here).
  void fileJobFinished(qwenvl::app::FileJobs::Kind kind, const QString& path, const QString& error);
  // Something went wrong outside a request: the restore at start, an autosave.
  void errorOccurred(const QString& message);
  void cpuSpeedChanged();

 private:
  void onOpened(const OpenedConversation& opened, const QString& path);
  void onFileJobFinished(FileJobs::Kind kind, const QString& path, const QString& error);
  void setConversationPath(const QString& path);
  void setModified(bool modified);
  void onModelStateChanged();
  bool isBlank() const;
  // Points the autosave at a new library entry; returns the file the old conversation keeps.
  QString switchEntry(const QString& entry);

  struct ServerCell;  // the server a load uses, read by the backend factory on the worker thread
  std::shared_ptr<ServerCell> m_server;
  AppSettings* m_settings;
  LanguageManager* m_language;
  CudaStatus m_cuda;
  bool m_cpuSpeedProbe = false, m_cpuSpeedStarted = false, m_cpuSpeedDone = false;
  CpuSpeedEstimate m_cpuSpeed;
  ChatController* m_controller;
  FileJobs* m_files;
  std::unique_ptr<ConversationLibrary> m_library;
  Autosaver* m_autosaver = nullptr;
  bool m_restoring = false;
  bool m_shutDown = false;
  bool m_modified = false;
  QString m_conversationPath;
  QStringList m_picturesAfterRestore;      // arrived while the last conversation was being read
  quint64 m_generation = 0;                // counts the conversations shown (new, opened)
  QHash<QString, quint64> m_pendingSaves;  // path -> the conversation it was started for
};

}  // namespace qwenvl::app
