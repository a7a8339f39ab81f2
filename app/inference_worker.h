// The object that owns the chat backend (the model and its session). It lives on the inference
// thread; every slot runs there, one at a time, in the order the GUI queued them. It reports
// back only with signals; streamed text goes out in batches at most 30 times a second.
#pragma once

#include <QMap>
#include <QObject>
#include <memory>

#include "app/chat_backend.h"
#include "app/inference_types.h"

namespace qwenvl::app {

class InferenceWorker : public QObject {
  Q_OBJECT
 public:
  explicit InferenceWorker(BackendFactory factory);
  ~InferenceWorker() override;

  static constexpr int kBatchIntervalMs = 34;  // <= 30 text updates per second

 public slots:
  void load(const qwenvl::app::LoadSpec& spec);
  void reset(const qwenvl::app::SessionSnapshot& snapshot);
  void addPicture(const qwenvl::app::SessionPicture& picture);
  void setSystemPrompt(const QString& prompt);
  void generate(const qwenvl::app::GenerateRequest& request);

 signals:
  void loadProgress(quint64 id, double fraction, const QString& stage);
  void loaded(quint64 id, const QString& device);
  void loadFailed(quint64 id, const QString& message);
  void pictureRegistered(int pictureId, const QString& label);
  void pictureRejected(int pictureId, const QString& message);
  void replyStarted(quint64 requestId, const QString& query);
  void replyText(quint64 requestId, const QString& piece);
  void replyFinished(quint64 requestId, const QString& reply, const qwenvl::app::ReplyStats& stats, bool cancelled);
  void replyFailed(quint64 requestId, const QString& message);

 private:
  bool registerPicture(const SessionPicture& picture, QString* label);

  BackendFactory m_factory;
  std::unique_ptr<ChatBackend> m_backend;
  QMap<int, QString> m_labels;  // picture id -> label in the current session
};

}  // namespace qwenvl::app
