// The GUI side of the inference thread; see inference_client.h and docs/threading.md.
#include "app/inference_client.h"

#include "app/inference_worker.h"

namespace qwenvl::app {

InferenceClient::InferenceClient(BackendFactory factory, QObject* parent) : QObject(parent) {
  qRegisterMetaType<LoadSpec>();
  qRegisterMetaType<SessionPicture>();
  qRegisterMetaType<SessionSnapshot>();
  qRegisterMetaType<GenerateRequest>();
  qRegisterMetaType<ReplyStats>();

  m_thread.setObjectName(QStringLiteral("inference"));
  m_worker = new InferenceWorker(std::move(factory));
  m_worker->moveToThread(&m_thread);

  connect(this, &InferenceClient::requestLoad, m_worker, &InferenceWorker::load);
  connect(this, &InferenceClient::requestReset, m_worker, &InferenceWorker::reset);
  connect(this, &InferenceClient::requestAddPicture, m_worker, &InferenceWorker::addPicture);
  connect(this, &InferenceClient::requestSystemPrompt, m_worker, &InferenceWorker::setSystemPrompt);
  connect(this, &InferenceClient::requestGenerate, m_worker, &InferenceWorker::generate);

  connect(m_worker, &InferenceWorker::loadProgress, this, &InferenceClient::loadProgress);
  connect(m_worker, &InferenceWorker::loaded, this, &InferenceClient::loaded);
  connect(m_worker, &InferenceWorker::loadFailed, this, &InferenceClient::loadFailed);
  connect(m_worker, &InferenceWorker::pictureRegistered, this, &InferenceClient::pictureRegistered);
  connect(m_worker, &InferenceWorker::pictureRejected, this, &InferenceClient::pictureRejected);
  connect(m_worker, &InferenceWorker::replyStarted, this, &InferenceClient::replyStarted);
  connect(m_worker, &InferenceWorker::replyText, this, &InferenceClient::replyText);
  connect(m_worker, &InferenceWorker::sessionLost, this, &InferenceClient::sessionLost);
  connect(m_worker, &InferenceWorker::replyWarning, this, &InferenceClient::replyWarning);
  connect(m_worker, &InferenceWorker::replyFinished, this,
          [this](quint64 id, const QByteArray& reply, const ReplyStats& stats, bool cancelled) {
            forget(id);
            emit replyFinished(id, reply, stats, cancelled);
          });
  connect(m_worker, &InferenceWorker::replyFailed, this, [this](quint64 id, const QString& message) {
    forget(id);
    emit replyFailed(id, message);
  });
  m_thread.start();
}

InferenceClient::~InferenceClient() { shutdown(); }

quint64 InferenceClient::load(const LoadOptions& options) {
  if (m_loadCancel) m_loadCancel->store(true);  // a newer load replaces one still running
  LoadSpec spec;
  spec.id = m_nextId++;
  spec.options = options;
  spec.options.on_progress = nullptr;  // a GUI-thread callback must not run on the worker
  spec.cancel = m_loadCancel = makeCancelFlag();
  emit requestLoad(spec);
  return spec.id;
}

void InferenceClient::cancelLoad() {
  if (m_loadCancel) m_loadCancel->store(true);
}

void InferenceClient::reset(const SessionSnapshot& snapshot) { emit requestReset(snapshot); }

void InferenceClient::addPicture(const SessionPicture& picture) { emit requestAddPicture(picture); }

void InferenceClient::setSystemPrompt(const QString& prompt) { emit requestSystemPrompt(prompt); }

quint64 InferenceClient::generate(const QVector<int>& pictureIds, const QString& text, const SamplingParams& sampling) {
  GenerateRequest request;
  request.id = m_nextId++;
  request.pictureIds = pictureIds;
  request.text = text;
  request.sampling = sampling;
  request.cancel = makeCancelFlag();
  m_generations.push_back({request.id, request.cancel});
  emit requestGenerate(request);
  return request.id;
}

quint64 InferenceClient::regenerate(const SamplingParams& sampling) {
  GenerateRequest request;
  request.id = m_nextId++;
  request.regenerate = true;
  request.sampling = sampling;
  request.cancel = makeCancelFlag();
  m_generations.push_back({request.id, request.cancel});
  emit requestGenerate(request);
  return request.id;
}

void InferenceClient::stop() {
  for (const auto& g : m_generations) g.second->store(true);
}

void InferenceClient::forget(quint64 requestId) {
  for (qsizetype i = 0; i < m_generations.size(); ++i) {
    if (m_generations[i].first == requestId) {
      m_generations.removeAt(i);
      return;
    }
  }
}

void InferenceClient::shutdown() {
  if (!m_worker) return;
  stop();
  cancelLoad();
  m_thread.quit();
  m_thread.wait();
  // The thread has ended, so the worker (and the model it owns) can go from here.
  delete m_worker;
  m_worker = nullptr;
}

}  // namespace qwenvl::app
