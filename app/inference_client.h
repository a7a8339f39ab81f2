// The GUI thread's handle on the inference worker: starts its QThread, forwards requests as
// queued signals, and holds the cancel flags so that Stop, Cancel and quitting act at once,
// even while the worker is busy inside a generation or a model load.
#pragma once

#include <QObject>
#include <QThread>
#include <QVector>

#include "app/chat_backend.h"
#include "app/inference_types.h"

namespace qwenvl::app {

class InferenceWorker;

class InferenceClient : public QObject {
  Q_OBJECT
 public:
  explicit InferenceClient(BackendFactory factory, QObject* parent = nullptr);
  ~InferenceClient() override;

  // `options.on_progress` is not used: progress comes back as loadProgress.
  quint64 load(const LoadOptions& options);
  void cancelLoad();
  void reset(const SessionSnapshot& snapshot);
  void addPicture(const SessionPicture& picture);
  void setSystemPrompt(const QString& prompt);
  quint64 generate(const QVector<int>& pictureIds, const QString& text, const SamplingParams& sampling);
  quint64 regenerate(const SamplingParams& sampling);
  // Cancels every generation sent so far; the worker ends the running one within a token.
  void stop();
  // Cancels everything, stops the thread and waits for it (at most one token or load step).
  void shutdown();
  bool isRunning() const { return m_thread.isRunning(); }

 signals:
  // Forwarded from the worker; delivered on the GUI thread.
  void loadProgress(quint64 id, double fraction, const QString& stage);
  void loaded(quint64 id, const QString& device);
  void loadFailed(quint64 id, const QString& message);
  void pictureRegistered(int pictureId, const QString& label);
  void pictureRejected(int pictureId, const QString& message);
  void replyStarted(quint64 requestId, const QString& query);
  void replyText(quint64 requestId, const QByteArray& piece);  // UTF-8
  void replyFinished(quint64 requestId, const QByteArray& reply, const qwenvl::app::ReplyStats& stats, bool cancelled);
  void replyFailed(quint64 requestId, const QString& message);
  void replyWarning(quint64 requestId, const QString& message);
  void sessionLost(const QString& message);  // the worker unloaded the model; see InferenceWorker

  // To the worker (queued across the thread boundary).
  void requestLoad(const qwenvl::app::LoadSpec& spec);
  void requestReset(const qwenvl::app::SessionSnapshot& snapshot);
  void requestAddPicture(const qwenvl::app::SessionPicture& picture);
  void requestSystemPrompt(const QString& prompt);
  void requestGenerate(const qwenvl::app::GenerateRequest& request);

 private:
  void forget(quint64 requestId);

  QThread m_thread;
  InferenceWorker* m_worker = nullptr;
  quint64 m_nextId = 1;
  CancelFlag m_loadCancel;
  QVector<QPair<quint64, CancelFlag>> m_generations;  // sent, not yet answered
};

}  // namespace qwenvl::app
