// Conversation <-> inference worker; see chat_controller.h and docs/threading.md.
#include "app/chat_controller.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>

#include "app/engine_text.h"

namespace qwenvl::app {

ChatController::ChatController(BackendFactory factory, AppSettings* settings, QObject* parent)
    : QObject(parent),
      m_settings(settings),
      m_conversation(new Conversation(this)),
      m_client(std::move(factory)),
      m_importer() {
  m_conversation->setSystemPrompt(settings->systemPrompt());
  connect(&m_importer, &PictureImporter::imported, this, &ChatController::onImported);
  connect(&m_client, &InferenceClient::loadProgress, this, [this](quint64 id, double fraction, const QString& stage) {
    if (id != m_loadId) return;
    m_loadFraction = fraction;
    emit loadProgress(fraction, stage);
  });
  connect(&m_client, &InferenceClient::loaded, this, &ChatController::onLoaded);
  connect(&m_client, &InferenceClient::loadFailed, this, &ChatController::onLoadFailed);
  connect(&m_client, &InferenceClient::pictureRegistered, m_conversation, &Conversation::setPictureLabel);
  connect(&m_client, &InferenceClient::pictureRejected, this, [this](int id, const QString& message) {
    const PictureItem* p = m_conversation->picture(id);
    const QString name = p ? p->name : QString();
    if (p && !p->sent) m_conversation->removePicture(id);
    emit errorOccurred(tr("The model cannot use the picture “%1”: %2").arg(name, message));
  });
  connect(&m_client, &InferenceClient::replyStarted, this, &ChatController::onReplyStarted);
  connect(&m_client, &InferenceClient::replyText, this, &ChatController::onReplyText);
  connect(&m_client, &InferenceClient::replyFinished, this, &ChatController::onReplyFinished);
  connect(&m_client, &InferenceClient::replyFailed, this, &ChatController::onReplyFailed);
  connect(&m_client, &InferenceClient::replyWarning, this,
          [this](quint64, const QString& message) { emit errorOccurred(message); });
  // The worker unloaded the model (its session could not be set up): shown as a failed load.
  connect(&m_client, &InferenceClient::sessionLost, this, [this](const QString& message) {
    m_device.clear();
    m_modelError = message;
    setModelState(ModelState::Failed);
  });
}

ChatController::~ChatController() { shutdown(); }

void ChatController::shutdown() {
  if (m_shutDown) return;
  m_shutDown = true;
  m_client.shutdown();
  // The worker's last words (the final text of a reply just stopped) were queued before its
  // thread ended: take them now, so the last save has them, then stop listening for good.
  QCoreApplication::sendPostedEvents(&m_client, QEvent::MetaCall);
  disconnect(&m_client, nullptr, this, nullptr);
  disconnect(&m_client, nullptr, m_conversation, nullptr);
  disconnect(&m_importer, nullptr, this, nullptr);
}

void ChatController::setModelState(ModelState state) {
  m_modelState = state;
  emit modelStateChanged();
}

void ChatController::loadModel(const QString& dir, BackendKind backend) {
  if (isBusy()) stop();
  m_modelDir = QDir::cleanPath(dir);
  m_modelError.clear();
  m_device.clear();
  m_loadFraction = 0;
  m_loadCancelRequested = false;
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
    m_modelError = tr("The model folder “%1” does not exist.").arg(QDir::toNativeSeparators(dir));
    setModelState(ModelState::Failed);
    return;
  }
  LoadOptions options;
  options.model_dir = m_modelDir.toStdString();
  options.backend = backend;
  options.cpu_threads = m_settings->cpuThreads();
  // Only the CUDA backend has a low-memory mode; it also chooses it itself when the card is short.
  options.low_memory = backend == BackendKind::Cuda && m_settings->lowMemory();
  m_loadId = m_client.load(options);
  setModelState(ModelState::Loading);
}

void ChatController::loadServer(const QString& url) {
  if (isBusy()) stop();
  m_modelDir = url;
  m_modelError.clear();
  m_device.clear();
  m_loadFraction = 0;
  m_loadCancelRequested = false;
  LoadOptions options;
  options.model_dir = url.toStdString();
  m_loadId = m_client.load(options);
  setModelState(ModelState::Loading);
}

void ChatController::cancelLoad() {
  if (m_modelState != ModelState::Loading) return;
  m_loadCancelRequested = true;
  m_client.cancelLoad();
}

QString ChatController::device() const { return EngineText::device(m_device); }

void ChatController::onLoaded(quint64 id, const QString& device) {
  if (id != m_loadId) return;
  m_device = device;
  m_loadFraction = 1;
  syncSession();
  setModelState(ModelState::Ready);
}

void ChatController::onLoadFailed(quint64 id, const QString& message) {
  if (id != m_loadId) return;
  if (m_loadCancelRequested) {
    m_modelError.clear();
    setModelState(ModelState::None);
    return;
  }
  m_modelError = message;
  setModelState(ModelState::Failed);
}

void ChatController::syncSession() {
  SessionSnapshot snapshot;
  snapshot.systemPrompt = m_conversation->systemPrompt();
  for (const PictureItem& p : m_conversation->pictures()) snapshot.pictures.push_back({p.id, p.label, p.picture});
  const QVector<Message>& messages = m_conversation->messages();
  for (qsizetype i = 0; i + 1 < messages.size(); ++i) {
    const Message& q = messages[i];
    const Message& a = messages[i + 1];
    // Only exchanges the model really saw: a question without its query never reached it.
    if (q.role != Role::User || a.role != Role::Assistant || q.query.isEmpty()) continue;
    if (a.state == ReplyState::Failed || a.state == ReplyState::Streaming) continue;
    snapshot.history.push_back({q.query, a.text});
  }
  m_client.reset(snapshot);
}

void ChatController::importPictures(const QList<PictureSource>& sources) { m_importer.import(sources); }

void ChatController::onImported(const QList<ImportResult>& results) {
  QStringList errors, notes;
  QStringList duplicates;
  QList<int> added;
  for (const ImportResult& r : results) {
    if (!r.error.isEmpty()) {
      errors << r.error;
      continue;
    }
    if (!r.note.isEmpty()) notes << r.note;
    // The same picture twice is allowed (to ask about it again), but never without a word.
    for (const PictureItem& p : m_conversation->pictures()) {
      if (p.bytes == r.item.bytes) {
        duplicates << r.item.name;
        break;
      }
    }
    const int id = m_conversation->addPicture(r.item);
    added << id;
    if (m_modelState == ModelState::Ready) {
      const PictureItem* p = m_conversation->picture(id);
      m_client.addPicture({id, QString(), p->picture});
    }
  }
  if (!added.isEmpty()) emit picturesAdded(added);
  // One message for all: a duplicate, and what the model sees differently (EXIF, animation).
  QStringList info;
  if (!duplicates.isEmpty())
    info << tr("Already in this conversation, added once more: %1").arg(duplicates.join(QStringLiteral(", ")));
  info << notes;
  if (!info.isEmpty()) emit information(info.join(QLatin1Char('\n')));
  if (!errors.isEmpty()) emit errorOccurred(errors.join(QLatin1Char('\n')));
}

bool ChatController::removePicture(int pictureId) { return m_conversation->removePicture(pictureId); }

SamplingParams ChatController::samplingForNextReply() const {
  return m_settings->sampling().toParams(QRandomGenerator::global()->generate64());
}

QString ChatController::send(const QString& rawText) {
  const QString text = rawText.trimmed();
  const QVector<int> pictures = m_conversation->pendingPictureIds();
  if (m_modelState == ModelState::Loading) return tr("The model is still loading.");
  if (m_modelState != ModelState::Ready) return tr("Load a model first (Model › Open Model Folder…).");
  if (isBusy()) return tr("Wait for the reply to finish, or stop it.");
  if (m_importer.isBusy()) return tr("Pictures are still being opened.");
  if (text.isEmpty() && pictures.isEmpty()) return tr("Write a question or add a picture first.");

  m_active = Active();
  m_active.text = text;
  m_active.userId = m_conversation->addUserMessage(text, pictures);
  m_active.replyId = m_conversation->addAssistantMessage(m_conversation->latestSentPictureId());
  m_active.requestId = m_client.generate(pictures, text, samplingForNextReply());
  emit busyChanged(true);
  return {};
}

QString ChatController::editQuestion(int messageId, const QString& rawText) {
  const QString text = rawText.trimmed();
  if (m_modelState == ModelState::Loading) return tr("The model is still loading.");
  if (m_modelState != ModelState::Ready) return tr("Load a model first (Model › Open Model Folder…).");
  if (isBusy()) return tr("Wait for the reply to finish, or stop it.");
  const qsizetype at = m_conversation->indexOf(messageId);
  if (at < 0 || m_conversation->messages()[at].role != Role::User) return tr("There is no such question.");
  const QVector<int> pictures = m_conversation->messages()[at].pictureIds;
  if (text.isEmpty() && pictures.isEmpty()) return tr("Write a question or add a picture first.");
  m_active = Active();
  m_active.text = text;
  m_active.editAt = at;
  m_active.editedTail = m_conversation->messages().mid(at);
  m_active.userId = m_conversation->editQuestion(messageId, text);
  // The model's history ends before the edited question; its pictures go with it again.
  syncSession();
  m_active.replyId = m_conversation->addAssistantMessage(m_conversation->latestSentPictureId());
  m_active.requestId = m_client.generate(pictures, text, samplingForNextReply());
  emit busyChanged(true);
  return {};
}

QString ChatController::showBranch(int messageId, int index) {
  if (isBusy()) return tr("Wait for the reply to finish, or stop it.");
  if (!m_conversation->showBranch(messageId, index)) return tr("There is no such branch of the conversation.");
  if (m_modelState == ModelState::Ready) syncSession();
  return {};
}

QString ChatController::regenerate() {
  if (m_modelState != ModelState::Ready) return tr("Load a model first (Model › Open Model Folder…).");
  if (isBusy()) return tr("Wait for the reply to finish, or stop it.");
  const int replyId = m_conversation->lastAssistantMessageId();
  const Message* reply = m_conversation->message(replyId);
  if (!reply || m_conversation->messages().back().id != replyId) return tr("There is no reply to regenerate.");
  m_active = Active();
  m_active.regenerate = true;
  m_active.replyId = replyId;
  m_active.previous = *reply;
  m_conversation->restartReply(replyId);
  m_active.requestId = m_client.regenerate(samplingForNextReply());
  emit busyChanged(true);
  return {};
}

void ChatController::stop() {
  if (!isBusy()) return;
  m_client.stop();
  // The reply ends on screen now; the worker's last words arrive within one token and only
  // settle the final text.
  const Message* reply = m_conversation->message(m_active.replyId);
  if (reply) m_conversation->finishReply(reply->id, ReplyState::Stopped, reply->text, reply->stats);
  m_stopping.insert(m_active.requestId, m_active.replyId);
  endActive();
}

void ChatController::endActive() {
  const int replyId = m_active.replyId;
  m_active = Active();
  emit busyChanged(false);
  if (replyId >= 0) emit replyFinished(replyId);
}

void ChatController::onReplyStarted(quint64 id, const QString& query) {
  if (id != m_active.requestId || m_active.regenerate) return;
  m_conversation->setQuery(m_active.userId, query);
}

void ChatController::onReplyText(quint64 id, const QByteArray& piece) {
  if (id != m_active.requestId) return;
  m_conversation->appendReplyText(m_active.replyId, piece);
}

void ChatController::onReplyFinished(quint64 id, const QByteArray& utf8, const ReplyStats& stats, bool cancelled) {
  const QString reply = QString::fromUtf8(utf8);
  if (m_stopping.contains(id)) {
    m_conversation->finishReply(m_stopping.take(id), cancelled ? ReplyState::Stopped : ReplyState::Done, reply, stats);
    return;
  }
  if (id != m_active.requestId) return;
  m_conversation->finishReply(m_active.replyId, cancelled ? ReplyState::Stopped : ReplyState::Done, reply, stats);
  endActive();
}

void ChatController::onReplyFailed(quint64 id, const QString& message) {
  if (m_stopping.contains(id)) {
    const int replyId = m_stopping.take(id);
    if (const Message* m = m_conversation->message(replyId)) {
      m_conversation->finishReply(replyId, ReplyState::Failed, m->text, m->stats, message);
    }
    return;
  }
  if (id != m_active.requestId) return;
  const Active failed = m_active;
  if (failed.regenerate) {
    m_conversation->restoreMessage(failed.previous);  // with its earlier versions, as before
  } else if (failed.editAt >= 0) {
    // The edit never got an answer: the conversation goes back to what it was, the edit to the
    // question box.
    m_conversation->replaceTail(failed.editAt, failed.editedTail);
    if (m_modelState == ModelState::Ready) syncSession();
    emit draftReturned(failed.text);
  } else {
    // The model never answered: take the question back so the user can edit and resend it.
    m_conversation->removeMessage(failed.replyId);
    m_conversation->removeMessage(failed.userId);
    emit draftReturned(failed.text);
  }
  m_active.replyId = -1;
  endActive();
  emit errorOccurred(tr("The model could not answer: %1").arg(message));
}

void ChatController::newConversation() {
  stop();
  // Message ids start again in the new conversation: a stopped reply's late final text must
  // not land on a message of it.
  m_stopping.clear();
  m_conversation->clear(m_settings->systemPrompt());
  if (m_modelState == ModelState::Ready) syncSession();
}

void ChatController::replaceConversation(const OpenedConversation& opened) {
  stop();
  m_stopping.clear();  // as in newConversation
  m_conversation->replace(opened.data, opened.pictures);
  if (m_modelState == ModelState::Ready) syncSession();
}

QString ChatController::showReplyVersion(int messageId, int index) {
  if (isBusy()) return tr("Wait for the reply to finish, or stop it.");
  if (!m_conversation->showReplyVersion(messageId, index)) return tr("There is no such version of the reply.");
  // The model's history must hold the answer the user now sees.
  if (m_modelState == ModelState::Ready) syncSession();
  return {};
}

void ChatController::setSystemPrompt(const QString& prompt) {
  m_conversation->setSystemPrompt(prompt);
  if (m_modelState == ModelState::Ready) m_client.setSystemPrompt(prompt);
}

}  // namespace qwenvl::app
