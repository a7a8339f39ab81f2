// The object that owns the chat backend (the model and its session). It lives on the inference
// thread; every slot runs there, one at a time, in the order the GUI queued them. It reports
// back only with signals; streamed text goes out in batches at most 30 times a second. No slot
// lets an exception out (Qt would abort): each one becomes the slot's error signal.
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
  // Reply text stays UTF-8 as the engine wrote it; the GUI converts only what it shows.
  void replyText(quint64 requestId, const QByteArray& piece);
  void replyFinished(quint64 requestId, const QByteArray& reply, const qwenvl::app::ReplyStats& stats, bool cancelled);
  void replyFailed(quint64 requestId, const QString& message);
  // The reply succeeded, but the user should know something about it (ChatBackend::take_warning).
  void replyWarning(quint64 requestId, const QString& message);
  // The session could not be set up (reset, system prompt); the model was unloaded with it,
  // since its state is no longer known. Load again to go on.
  void sessionLost(const QString& message);

 private:
  // Runs `work`; an exception from it (out of memory, or a backend that breaks the engine's
  // "no call throws") is handed to `report` in words instead of escaping into Qt's event loop.
  template <class Work, class Report>
  static void guarded(Work&& work, Report&& report);
  static QString whatWasThrown();  // only inside a catch block
  void loadUnguarded(const LoadSpec& spec);
  void resetUnguarded(const SessionSnapshot& snapshot);
  void generateUnguarded(const GenerateRequest& request);
  void loseSession(const QString& why);
  bool registerPicture(const SessionPicture& picture);

  BackendFactory m_factory;
  std::unique_ptr<ChatBackend> m_backend;
  // The app's picture id -> the session's; the label is asked from the session when needed.
  QMap<int, PictureId> m_pictures;
};

}  // namespace qwenvl::app
