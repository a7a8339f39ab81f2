// The headless application object; see studio_app.h.
#include "app/studio_app.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentRun>
#include <mutex>

#include "app/annotation_painter.h"
#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/language_manager.h"
#include "app/remote_chat_backend.h"

namespace qwenvl::app {

struct StudioApp::ServerCell {
  std::mutex mutex;
  RemoteServer server;
};

StudioApp::StudioApp(const StudioAppOptions& options, QObject* parent)
    : QObject(parent),
      m_server(std::make_shared<ServerCell>()),
      m_settings(options.settings),
      m_language(options.language),
      m_cuda(options.cuda),
      m_cpuSpeedProbe(options.cpuSpeedProbe) {
  Q_ASSERT(m_settings);
  // Every load makes a fresh backend: the remote one while a server is set, else the given one.
  BackendFactory factory = [local = options.backendFactory, cell = m_server]() -> std::unique_ptr<ChatBackend> {
    RemoteServer server;
    {
      std::lock_guard<std::mutex> lock(cell->mutex);
      server = cell->server;
    }
    if (!server.url.isEmpty()) return std::make_unique<RemoteChatBackend>(server);
    return local ? local() : nullptr;
  };
  m_controller = new ChatController(factory, m_settings, this);
  connect(m_controller, &ChatController::modelStateChanged, this, &StudioApp::onModelStateChanged);
  m_files = new FileJobs(this);
  connect(m_files, &FileJobs::opened, this, &StudioApp::onOpened);
  connect(m_files, &FileJobs::finished, this, &StudioApp::onFileJobFinished);
  connect(m_controller->conversation(), &Conversation::committed, this, [this] {
    if (!m_conversationPath.isEmpty()) setModified(true);
  });
  if (!options.libraryDir.isEmpty()) {
    m_library = std::make_unique<ConversationLibrary>(options.libraryDir);
    const QString last = m_settings->currentConversation();
    QString current;
    if (options.restoreLast && m_library->contains(last) && QFile::exists(last)) {
      current = last;
      m_restoring = true;
      m_files->open(last);
    } else {
      current = m_library->createEntry();
      m_settings->setCurrentConversation(current);
    }
    m_autosaver = new Autosaver(m_controller->conversation(), current, this);
    m_autosaver->setEnabled(!m_restoring);  // don't overwrite it before it is read
    connect(m_autosaver, &Autosaver::failed, this, &StudioApp::errorOccurred);
  }
}

StudioApp::~StudioApp() {
  shutdown();
  // A defined order, not the order of QObject's children: the autosaver and the file jobs refer
  // to the conversation, which the controller owns, so they go first.
  delete m_autosaver;
  m_autosaver = nullptr;
  delete m_files;
  m_files = nullptr;
  delete m_controller;
  m_controller = nullptr;
}

Conversation* StudioApp::conversation() const { return m_controller->conversation(); }

void StudioApp::shutdown() {
  if (m_shutDown) return;
  m_shutDown = true;
  // Cancel a running reply or load and join the inference thread: at most one token's wait.
  // The controller then settles the stopped reply and ignores the worker, so nothing changes
  // the conversation after the last save below.
  m_controller->stop();
  m_controller->shutdown();
  if (m_autosaver) {
    m_autosaver->close();
    // A conversation that never held anything leaves no empty folder behind.
    QDir().rmdir(QFileInfo(m_autosaver->path()).absolutePath());
  }
  m_files->waitForAll();
  // A file job that ended meanwhile must not reach a window being closed.
  disconnect(m_files, nullptr, this, nullptr);
}

StudioApp::ModelChoice StudioApp::modelChoice() const {
  ModelChoice c{m_settings->modelDir(), effectiveBackend(), m_settings->server()};
  c.lowMemory = c.backend == BackendKind::Cuda && c.server.url.isEmpty() && m_settings->lowMemory();
  return c;
}

bool StudioApp::usesServer() const { return !m_settings->server().url.isEmpty(); }

BackendKind StudioApp::effectiveBackend() const {
  // On first start without a usable GPU the CPU backend is used (the model strip says so).
  if (!m_settings->backendChosen()) return m_cuda.available ? BackendKind::Cuda : BackendKind::Cpu;
  return m_settings->backend() == BackendChoice::Cpu ? BackendKind::Cpu : BackendKind::Cuda;
}

void StudioApp::setBackendChoice(BackendChoice choice) {
  const BackendKind before = effectiveBackend();
  m_settings->setBackend(choice);
  const ModelState state = m_controller->modelState();
  if (effectiveBackend() != before && !m_settings->modelDir().isEmpty() && state != ModelState::None) {
    loadModel(m_settings->modelDir());
  }
  emit backendChoiceChanged();
}

void StudioApp::loadModel(const QString& dir) {
  const RemoteServer server = m_settings->server();
  {
    std::lock_guard<std::mutex> lock(m_server->mutex);
    m_server->server = server;
  }
  if (!server.url.isEmpty())
    m_controller->loadServer(server.url);
  else
    m_controller->loadModel(dir, effectiveBackend());
}

void StudioApp::onModelStateChanged() {
  // Remembered only once it loaded: a folder that fails, or brings the loader down, must not
  // be tried again at every start.
  if (m_controller->modelState() == ModelState::Ready && !usesServer())
    m_settings->setModelDir(m_controller->modelDir());
}

void StudioApp::applySettings(const ModelChoice& before) {
  setLanguage(m_settings->language());
  m_controller->setSystemPrompt(m_settings->systemPrompt());
  const ModelChoice now = modelChoice();
  if (now != before && (!now.dir.isEmpty() || !now.server.url.isEmpty())) {
    // The dialog wrote the new folder into the settings; it stays there only if it loads.
    if (now.dir != before.dir) m_settings->setModelDir(before.dir);
    loadModel(now.dir);
  }
  emit backendChoiceChanged();
}

bool StudioApp::setLanguage(const QString& code) {
  if (!m_language || !m_language->setLanguage(code)) return false;
  m_settings->setLanguage(code);
  emit languageChanged(code);
  return true;
}

void StudioApp::addPictureFiles(const QStringList& paths) {
  QList<PictureSource> sources;
  for (const QString& p : paths) {
    PictureSource s;
    s.path = p;
    sources << s;
  }
  m_controller->importPictures(sources);
}

void StudioApp::setConversationPath(const QString& path) {
  if (path == m_conversationPath) return;
  m_conversationPath = path;
  emit conversationPathChanged();
}

void StudioApp::setModified(bool modified) {
  if (modified == m_modified) return;
  m_modified = modified;
  emit modifiedChanged(modified);
}

bool StudioApp::isBlank() const { return conversation()->isEmpty() && conversation()->draft().isEmpty(); }

QString StudioApp::switchEntry(const QString& entry) {
  if (!m_autosaver) return {};
  const QString old = m_autosaver->path();
  m_autosaver->setPath(entry);  // what is pending is written to the old file first
  m_settings->setCurrentConversation(entry);
  QDir().rmdir(QFileInfo(old).absolutePath());  // only if it never held anything
  return QFile::exists(old) ? old : QString();
}

QString StudioApp::newConversation() {
  // A blank conversation is simply reused; anything else keeps its library file.
  QString kept;
  if (m_library && !isBlank()) kept = switchEntry(m_library->createEntry());
  ++m_generation;
  m_controller->newConversation();
  setConversationPath({});
  setModified(false);
  return kept;
}

void StudioApp::openPictures(const QStringList& paths) {
  if (paths.isEmpty()) return;
  if (m_restoring) {
    // The last conversation is still being read; the pictures go into a new one after it.
    m_picturesAfterRestore << paths;
    return;
  }
  if (!isBlank()) newConversation();
  addPictureFiles(paths);
}

void StudioApp::openConversation(const QString& path) {
  if (m_restoring) {
    // The user's choice wins over a restore still under way; the restore's file stays as it is.
    m_restoring = false;
    if (m_autosaver) m_autosaver->setEnabled(true);
  }
  m_files->open(path);
}

void StudioApp::saveConversation(const QString& path) {
  // The save names the conversation only if it is still the one shown when the save ends.
  m_pendingSaves.insert(path, m_generation);
  m_files->save(conversation()->data(), path);
}

void StudioApp::exportMarkdown(const QString& path) {
  QVector<QImage> images;
  for (const PictureItem& p : conversation()->pictures()) images << p.image;
  m_files->exportMarkdown(conversation()->data(), images, path);
}

QString StudioApp::saveAnnotated(int pictureId, const QString& path) {
  const Conversation* c = conversation();
  const PictureItem* p = c->picture(pictureId);
  if (!p) return tr("There is no picture to save yet.");
  const Message* reply = c->message(c->replyShownOn(p->id));
  // "with boxes" even while they are hidden on screen: hiding is a way of looking, not an edit.
  const QVector<AnnotationBox> boxes =
      reply ? annotationBoxes(reply->grounding, p->image.size()) : QVector<AnnotationBox>();
  m_files->saveAnnotated(p->image, boxes, path);
  return {};
}

QString StudioApp::annotatedFileStem(const QString& pictureName) {
  QString stem = QFileInfo(pictureName).completeBaseName();
  // A pasted picture's name may say anything; keep what a file name can hold.
  stem.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|]")), QStringLiteral("_"));
  if (stem.isEmpty()) stem = tr("picture");
  return stem + QStringLiteral("-boxes");
}

bool StudioApp::isSettled() const {
  return m_controller->modelState() != ModelState::Loading && !m_controller->isImporting() && !m_files->isBusy();
}

void StudioApp::onOpened(const OpenedConversation& opened, const QString& path) {
  if (!m_restoring && m_library) {
    // The opened conversation autosaves into a library file of its own (its own file when it
    // is one of the library's), never over the conversation shown until now.
    if (m_library->contains(path))
      switchEntry(path);
    else if (!isBlank())
      switchEntry(m_library->createEntry());
  }
  ++m_generation;
  m_controller->replaceConversation(opened);
  if (!m_restoring) setConversationPath(m_library && m_library->contains(path) ? QString() : path);
  setModified(false);
}

void StudioApp::onFileJobFinished(FileJobs::Kind kind, const QString& path, const QString& error) {
  if (kind == FileJobs::Kind::Open && m_restoring) {
    // The autosave of the last session; if it is damaged, keep it aside and start afresh.
    m_restoring = false;
    if (!error.isEmpty()) {
      const QString aside = path + QStringLiteral(".damaged");
      QFile::remove(aside);
      if (QFile::rename(path, aside)) {
        emit errorOccurred(tr("The last conversation could not be restored and was kept aside as “%1”. %2")
                               .arg(QDir::toNativeSeparators(aside), error));
      } else {
        // Left in place, the next autosave would overwrite it: say so rather than lose it silently.
        emit errorOccurred(tr("The last conversation could not be restored, and “%1” could not be renamed; it will "
                              "be overwritten by the next autosave. %2")
                               .arg(QDir::toNativeSeparators(path), error));
      }
    }
    if (m_autosaver) m_autosaver->setEnabled(true);
    const QStringList pictures = std::exchange(m_picturesAfterRestore, {});
    openPictures(pictures);
    return;
  }
  if (kind == FileJobs::Kind::Save && m_pendingSaves.take(path) == m_generation && error.isEmpty()) {
    setConversationPath(path);
    setModified(false);
  }
  emit fileJobFinished(kind, path, error);
}

void StudioApp::measureCpuSpeed() {
  if (!m_cpuSpeedProbe || m_cpuSpeedStarted) return;
  m_cpuSpeedStarted = true;
  auto* watcher = new QFutureWatcher<CpuSpeedEstimate>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
    m_cpuSpeed = watcher->result();
    m_cpuSpeedDone = true;
    watcher->deleteLater();
    emit cpuSpeedChanged();
  });
  watcher->setFuture(QtConcurrent::run([dir = m_settings->modelDir()] { return app::measureCpuSpeed(dir); }));
}

}  // namespace qwenvl::app
