// One conversation as the app holds it: the pictures (encoded bytes as read, the decoded RGB the
// model sees, a thumbnail) and the messages (user text and the exact query sent; replies with
// their markup, parsed grounding and statistics). Lives on the GUI thread; widgets observe it.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QString>
#include <QVector>
#include <memory>

#include "app/grounding.h"
#include "qwenvl/picture.h"

namespace qwenvl::app {

// The part of a picture that is saved with the conversation.
struct PictureData {
  int id = 0;
  QString name;        // shown to the user, e.g. the file name
  QString sourcePath;  // where it was read from; empty when pasted
  QByteArray bytes;    // the encoded file exactly as read (saved beside the conversation)
  QString label;       // its label between <img> and </img>, once the session registered it
  bool sent = false;   // part of a question already sent
};

struct PictureItem : PictureData {
  std::shared_ptr<const Picture> picture;  // decoded as the model sees it
  QImage image;                            // shares picture->rgb, no copy
  QImage thumbnail;
};

enum class Role { User, Assistant };
enum class ReplyState { Streaming, Done, Stopped, Failed };

struct ReplyStats {
  bool valid = false;
  int promptTokens = 0;
  double promptSeconds = 0;
  int imagesEncoded = 0;
  int generatedTokens = 0;
  double generationSeconds = 0;
  double tokensPerSecond = 0;
  bool hitMaxTokens = false;
  bool contextFull = false;
};

// A reply as one answer to its question: Regenerate keeps the earlier ones (see Message).
struct ReplyVersion {
  QString text;
  ReplyState state = ReplyState::Done;
  ReplyStats stats;
  QString error;
  QDateTime time;
};

struct Message {
  int id = 0;
  Role role = Role::User;
  QString text;              // user: as typed; assistant: the reply with its markup
  QString query;             // user: the query as sent to the model (with <img> tags)
  QVector<int> pictureIds;   // user: pictures sent with this question
  int targetPictureId = -1;  // assistant: the latest picture before it (boxes are drawn there)
  ReplyState state = ReplyState::Done;
  ReplyStats stats;
  QString error;
  QDateTime time;
  Grounding grounding;  // assistant: parsed from text, kept in step with it
  // assistant: the other answers to the same question (Regenerate keeps the one it replaces),
  // and where the shown one stands among all of them: all = otherVersions with it at
  // versionIndex, oldest first.
  QVector<ReplyVersion> otherVersions;
  int versionIndex = 0;
  int versionCount() const { return int(otherVersions.size()) + 1; }
  // user: the other branches from this question on (the question edited and sent again keeps
  // the one it replaced: that question and every message after it), and where the shown
  // branch stands among all of them: all = otherBranches with it at branchIndex, oldest first.
  QVector<QVector<Message>> otherBranches;
  int branchIndex = 0;
  int branchCount() const { return int(otherBranches.size()) + 1; }
};

struct ConversationData {
  QString systemPrompt;
  QVector<PictureData> pictures;
  QVector<Message> messages;
  QString draft;  // the question typed but not sent yet
};

class Conversation : public QObject {
  Q_OBJECT
 public:
  explicit Conversation(QObject* parent = nullptr);

  const QVector<PictureItem>& pictures() const { return m_pictures; }
  const PictureItem* picture(int id) const;
  int addPicture(PictureItem item);  // returns its id
  bool removePicture(int id);        // only a picture not sent yet
  void setPictureLabel(int id, const QString& label);
  QVector<int> pendingPictureIds() const;
  // The picture the official drawer would draw a new reply's boxes on: the latest one sent.
  int latestSentPictureId() const;

  const QVector<Message>& messages() const { return m_messages; }
  const Message* message(int id) const;
  int lastAssistantMessageId() const;
  int addUserMessage(const QString& text, const QVector<int>& pictureIds);  // marks them sent
  int addAssistantMessage(int targetPictureId);
  void setQuery(int messageId, const QString& query);
  // A streamed batch of the reply, UTF-8 as the engine wrote it.
  void appendReplyText(int messageId, const QByteArray& piece);
  // Regenerate: the reply shown becomes an earlier version, and a new, empty one streams.
  void restartReply(int messageId);
  // Shows another version of a reply (0-based among all of them, oldest first).
  bool showReplyVersion(int messageId, int index);
  // Edit and resend: the question and everything after it become an earlier branch, and a new
  // question with `text` (and the same pictures) takes its place. Returns the new question's id,
  // or -1 when `messageId` is not a question.
  int editQuestion(int messageId, const QString& text);
  // Shows another branch at a question (0-based among all of them, oldest first).
  bool showBranch(int messageId, int index);
  // Replaces the messages from index `at` on with `tail` (an edit that failed puts them back).
  void replaceTail(qsizetype at, QVector<Message> tail);
  // Puts a message back as it was (a Regenerate that failed).
  void restoreMessage(const Message& message);
  void finishReply(int messageId, ReplyState state, const QString& fullText, const ReplyStats& stats,
                   const QString& error = {});
  void removeMessage(int messageId);
  // The reply whose boxes a picture shows: the chosen one if it grounds on that picture,
  // else the latest reply with boxes on it; -1 when none.
  int replyShownOn(int pictureId) const;
  void chooseReply(int messageId);

  QString systemPrompt() const { return m_systemPrompt; }
  void setSystemPrompt(const QString& prompt);
  QString draft() const { return m_draft; }
  void setDraft(const QString& text);  // emits draftChanged, not committed (no write per key)

  bool isEmpty() const { return m_pictures.isEmpty() && m_messages.isEmpty(); }
  ConversationData data() const;
  // Replaces everything; `pictures` must hold the decoded pictures of data.pictures, in order.
  void replace(const ConversationData& data, const QVector<PictureItem>& pictures);
  void clear(const QString& systemPrompt);

 signals:
  void pictureAdded(int id);
  void pictureRemoved(int id);
  void messageAdded(int id);
  void messageChanged(int id);
  void messageRemoved(int id);
  void shownReplyChanged();
  void reset();
  // Something that is saved changed (not emitted for every streamed piece): autosave hook.
  void committed();
  void draftChanged();

 private:
  Message* find(int id);

 public:
  qsizetype indexOf(int id) const;

 private:
  void updateSentPictures();
  int m_nextId = 1;
  int m_chosenReply = -1;
  QString m_systemPrompt;
  QString m_draft;
  QVector<PictureItem> m_pictures;
  QVector<Message> m_messages;
  QHash<int, std::shared_ptr<GroundingStreamer>> m_streams;  // replies streaming now
};

}  // namespace qwenvl::app
