// The headless heart of the app: ties the conversation to the inference worker. It loads the
// model, adds decoded pictures, sends questions with the pictures new since the last one,
// streams replies into the conversation, stops and regenerates, and keeps the worker's session
// in step with the conversation (after a load, a new or an opened conversation). No widgets.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include "app/app_settings.h"
#include "app/chat_backend.h"
#include "app/conversation.h"
#include "app/conversation_store.h"
#include "app/inference_client.h"
#include "app/picture_importer.h"

namespace qwenvl::app {

enum class ModelState { None, Loading, Ready, Failed };

class ChatController : public QObject {
  Q_OBJECT
 public:
  ChatController(BackendFactory factory, AppSettings* settings, QObject* parent = nullptr);
  ~ChatController() override;

  Conversation* conversation() const { return m_conversation; }
  AppSettings* settings() const { return m_settings; }
  InferenceClient* client() { return &m_client; }

  ModelState modelState() const { return m_modelState; }
  QString modelError() const { return m_modelError; }
  QString modelDir() const { return m_modelDir; }
  QString device() const;  // in the user's language
  double loadFraction() const { return m_loadFraction; }
  bool isBusy() const { return m_active.replyId >= 0; }
  int streamingReplyId() const { return m_active.replyId; }

  void loadModel(const QString& dir, BackendKind backend);
  void cancelLoad();

  void importPictures(const QList<PictureSource>& sources);
  bool isImporting() const { return m_importer.isBusy(); }
  bool removePicture(int pictureId);

  // Sends `text` with the pictures added since the last question. Returns an empty string when
  // sent, else why not (in words for the user); nothing changes then.
  QString send(const QString& text);
  void stop();
  QString regenerate();
  // Shows another version of a reply (kept by Regenerate); the model's history follows.
  // Returns why not, or an empty string.
  QString showReplyVersion(int messageId, int index);
  // Edit and resend an earlier question: what followed it stays as another branch (flip with
  // showBranch). Returns why not, or an empty string.
  QString editQuestion(int messageId, const QString& text);
  QString showBranch(int messageId, int index);
  void newConversation();
  void replaceConversation(const OpenedConversation& opened);
  void setSystemPrompt(const QString& prompt);

  // Ends the worker thread: cancels a running load or generation, waits for it, settles the
  // reply it was writing, and from then on ignores the worker and the importer.
  void shutdown();

 signals:
  void modelStateChanged();
  void loadProgress(double fraction, const QString& stage);
  void busyChanged(bool busy);
  void errorOccurred(const QString& message);
  void information(const QString& message);  // worth saying, not an error
  void picturesAdded(const QList<int>& ids);
  // A question that could not be answered comes back for editing.
  void draftReturned(const QString& text);
  void replyFinished(int messageId);

 private:
  struct Active {
    quint64 requestId = 0;
    int userId = -1;
    int replyId = -1;
    bool regenerate = false;
    QString text;
    Message previous;  // the reply Regenerate replaces, restored if it fails
    // An edited question: the messages from it on before the edit, restored if it fails.
    qsizetype editAt = -1;
    QVector<Message> editedTail;
  };

  void onImported(const QList<ImportResult>& results);
  void onLoaded(quint64 id, const QString& device);
  void onLoadFailed(quint64 id, const QString& message);
  void onReplyStarted(quint64 id, const QString& query);
  void onReplyText(quint64 id, const QByteArray& piece);
  void onReplyFinished(quint64 id, const QByteArray& reply, const ReplyStats& stats, bool cancelled);
  void onReplyFailed(quint64 id, const QString& message);
  void syncSession();
  void setModelState(ModelState state);
  void endActive();
  SamplingParams samplingForNextReply() const;

  AppSettings* m_settings;
  Conversation* m_conversation;
  InferenceClient m_client;
  PictureImporter m_importer;
  ModelState m_modelState = ModelState::None;
  QString m_modelError;
  QString m_modelDir;
  QString m_device;
  double m_loadFraction = 0;
  quint64 m_loadId = 0;
  bool m_loadCancelRequested = false;
  Active m_active;
  // Requests stopped by the user whose final text is still on its way: request -> message.
  QHash<quint64, int> m_stopping;
  bool m_shutDown = false;
};

}  // namespace qwenvl::app
