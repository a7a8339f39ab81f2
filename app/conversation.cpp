// The conversation model; see conversation.h.
#include "app/conversation.h"

#include <QSet>
#include <algorithm>
#include <functional>

#include "qwenvl/engine.h"

namespace qwenvl::app {

Conversation::Conversation(QObject* parent) : QObject(parent) {
  m_systemPrompt = QString::fromLatin1(ChatSession::kDefaultSystemPrompt);
}

const PictureItem* Conversation::picture(int id) const {
  for (const PictureItem& p : m_pictures) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

int Conversation::addPicture(PictureItem item) {
  item.id = m_nextId++;
  item.sent = false;
  m_pictures.push_back(std::move(item));
  const int id = m_pictures.back().id;
  emit pictureAdded(id);
  emit committed();
  return id;
}

bool Conversation::removePicture(int id) {
  for (qsizetype i = 0; i < m_pictures.size(); ++i) {
    if (m_pictures[i].id != id) continue;
    if (m_pictures[i].sent) return false;
    m_pictures.removeAt(i);
    emit pictureRemoved(id);
    emit committed();
    return true;
  }
  return false;
}

void Conversation::setPictureLabel(int id, const QString& label) {
  for (PictureItem& p : m_pictures) {
    if (p.id == id && p.label != label) {
      p.label = label;
      emit committed();
    }
  }
}

QVector<int> Conversation::pendingPictureIds() const {
  QVector<int> ids;
  for (const PictureItem& p : m_pictures) {
    if (!p.sent) ids.push_back(p.id);
  }
  return ids;
}

int Conversation::latestSentPictureId() const {
  for (auto it = m_messages.crbegin(); it != m_messages.crend(); ++it) {
    if (it->role == Role::User && !it->pictureIds.isEmpty()) return it->pictureIds.back();
  }
  return -1;
}

Message* Conversation::find(int id) {
  for (Message& m : m_messages) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

const Message* Conversation::message(int id) const { return const_cast<Conversation*>(this)->find(id); }

int Conversation::lastAssistantMessageId() const {
  for (auto it = m_messages.crbegin(); it != m_messages.crend(); ++it) {
    if (it->role == Role::Assistant) return it->id;
  }
  return -1;
}

int Conversation::addUserMessage(const QString& text, const QVector<int>& pictureIds) {
  Message m;
  m.id = m_nextId++;
  m.role = Role::User;
  m.text = text;
  m.pictureIds = pictureIds;
  m.time = QDateTime::currentDateTime();
  for (PictureItem& p : m_pictures) {
    if (pictureIds.contains(p.id)) p.sent = true;
  }
  m_messages.push_back(m);
  emit messageAdded(m.id);
  return m.id;
}

int Conversation::addAssistantMessage(int targetPictureId) {
  Message m;
  m.id = m_nextId++;
  m.role = Role::Assistant;
  m.targetPictureId = targetPictureId;
  m.state = ReplyState::Streaming;
  m.time = QDateTime::currentDateTime();
  m_messages.push_back(m);
  m_chosenReply = -1;  // a new reply takes over its picture
  emit messageAdded(m.id);
  emit shownReplyChanged();
  return m.id;
}

void Conversation::setQuery(int messageId, const QString& query) {
  if (Message* m = find(messageId)) {
    m->query = query;
    emit committed();
  }
}

void Conversation::appendReplyText(int messageId, const QByteArray& piece) {
  Message* m = find(messageId);
  if (!m || m->role != Role::Assistant || piece.isEmpty()) return;
  m->text += QString::fromUtf8(piece);
  std::shared_ptr<GroundingStreamer>& stream = m_streams[messageId];
  if (!stream) stream = std::make_shared<GroundingStreamer>();
  const bool newBoxes = stream->feed(piece, &m->grounding);
  emit messageChanged(messageId);
  if (newBoxes) emit shownReplyChanged();
}

namespace {
QVector<ReplyVersion> allVersions(const Message& m) {
  QVector<ReplyVersion> all = m.otherVersions;
  const int at = std::clamp(m.versionIndex, 0, int(all.size()));
  all.insert(at, ReplyVersion{m.text, m.state, m.stats, m.error, m.time});
  return all;
}
}  // namespace

bool Conversation::showReplyVersion(int messageId, int index) {
  Message* m = find(messageId);
  if (!m || m->role != Role::Assistant || m->state == ReplyState::Streaming) return false;
  if (index < 0 || index >= m->versionCount() || index == m->versionIndex) return false;
  QVector<ReplyVersion> all = allVersions(*m);
  const ReplyVersion shown = all.takeAt(index);
  m->otherVersions = all;
  m->versionIndex = index;
  m->text = shown.text;
  m->state = shown.state;
  m->stats = shown.stats;
  m->error = shown.error;
  m->time = shown.time;
  m->grounding = Grounding::parse(m->text, true);
  emit messageChanged(messageId);
  emit shownReplyChanged();
  emit committed();
  return true;
}

qsizetype Conversation::indexOf(int id) const {
  for (qsizetype i = 0; i < m_messages.size(); ++i) {
    if (m_messages[i].id == id) return i;
  }
  return -1;
}

void Conversation::updateSentPictures() {
  // A picture counts as sent when a question of the branch shown sent it; pictures of another
  // branch go with the next question again.
  QSet<int> sent;
  for (const Message& m : m_messages) {
    for (int id : m.pictureIds) sent.insert(id);
  }
  for (PictureItem& p : m_pictures) p.sent = sent.contains(p.id);
}

void Conversation::replaceTail(qsizetype at, QVector<Message> tail) {
  while (m_messages.size() > at) {
    const int id = m_messages.back().id;
    m_messages.removeLast();
    m_streams.remove(id);
    if (m_chosenReply == id) m_chosenReply = -1;
    emit messageRemoved(id);
  }
  for (Message& m : tail) {
    if (m.role == Role::Assistant) m.grounding = Grounding::parse(m.text, true);
    m_messages.push_back(m);
    emit messageAdded(m.id);
  }
  updateSentPictures();
  emit shownReplyChanged();
  emit committed();
}

int Conversation::editQuestion(int messageId, const QString& text) {
  const qsizetype at = indexOf(messageId);
  if (at < 0 || m_messages[at].role != Role::User) return -1;
  QVector<Message> old = m_messages.mid(at);
  Message q;
  q.id = m_nextId++;
  q.role = Role::User;
  q.text = text;
  q.pictureIds = old.front().pictureIds;
  q.time = QDateTime::currentDateTime();
  q.otherBranches = old.front().otherBranches;
  old.front().otherBranches.clear();
  old.front().branchIndex = 0;
  q.otherBranches.push_back(old);
  q.branchIndex = int(q.otherBranches.size());
  replaceTail(at, {q});
  return q.id;
}

bool Conversation::showBranch(int messageId, int index) {
  const qsizetype at = indexOf(messageId);
  if (at < 0 || m_messages[at].role != Role::User) return false;
  const Message& q = m_messages[at];
  if (index < 0 || index >= q.branchCount() || index == q.branchIndex) return false;
  for (qsizetype i = at; i < m_messages.size(); ++i) {
    if (m_messages[i].state == ReplyState::Streaming && m_messages[i].role == Role::Assistant) return false;
  }
  QVector<QVector<Message>> all = q.otherBranches;
  QVector<Message> shown = m_messages.mid(at);
  shown.front().otherBranches.clear();
  shown.front().branchIndex = 0;
  all.insert(std::clamp(q.branchIndex, 0, int(all.size())), shown);
  QVector<Message> tail = all.takeAt(index);
  tail.front().otherBranches = all;
  tail.front().branchIndex = index;
  replaceTail(at, tail);
  return true;
}

void Conversation::restoreMessage(const Message& message) {
  Message* m = find(message.id);
  if (!m) return;
  m_streams.remove(message.id);
  *m = message;
  if (m->role == Role::Assistant) m->grounding = Grounding::parse(m->text, true);
  emit messageChanged(message.id);
  emit shownReplyChanged();
  emit committed();
}

void Conversation::setDraft(const QString& text) {
  if (text == m_draft) return;
  m_draft = text;
  emit draftChanged();
}

void Conversation::restartReply(int messageId) {
  Message* m = find(messageId);
  if (!m || m->role != Role::Assistant) return;
  m_streams.remove(messageId);
  // The reply shown is kept as an earlier version (an empty failure is not worth keeping); the
  // new one comes last.
  if (!m->text.isEmpty() || m->state != ReplyState::Failed) {
    m->otherVersions = allVersions(*m);
    m->versionIndex = int(m->otherVersions.size());
  }
  m->text.clear();
  m->grounding = Grounding();
  m->state = ReplyState::Streaming;
  m->stats = ReplyStats();
  m->error.clear();
  m->time = QDateTime::currentDateTime();
  emit messageChanged(messageId);
  emit shownReplyChanged();
}

void Conversation::finishReply(int messageId, ReplyState state, const QString& fullText, const ReplyStats& stats,
                               const QString& error) {
  Message* m = find(messageId);
  if (!m || m->role != Role::Assistant) return;
  // The streamed grounding only needs finishing when the final text is what streamed.
  const std::shared_ptr<GroundingStreamer> stream = m_streams.take(messageId);
  if (stream && fullText == m->text) {
    stream->finish(&m->grounding);
  } else {
    m->text = fullText;
    m->grounding = Grounding::parse(m->text, true);
  }
  m->state = state;
  m->stats = stats;
  m->error = error;
  emit messageChanged(messageId);
  emit shownReplyChanged();
  emit committed();
}

void Conversation::removeMessage(int messageId) {
  for (qsizetype i = 0; i < m_messages.size(); ++i) {
    if (m_messages[i].id != messageId) continue;
    // A user message taken back returns its pictures to the pending ones.
    if (m_messages[i].role == Role::User) {
      for (PictureItem& p : m_pictures) {
        if (m_messages[i].pictureIds.contains(p.id)) p.sent = false;
      }
    }
    m_messages.removeAt(i);
    m_streams.remove(messageId);
    if (m_chosenReply == messageId) m_chosenReply = -1;
    emit messageRemoved(messageId);
    emit shownReplyChanged();
    emit committed();
    return;
  }
}

int Conversation::replyShownOn(int pictureId) const {
  if (pictureId < 0) return -1;
  if (const Message* chosen = message(m_chosenReply); chosen && chosen->targetPictureId == pictureId) {
    return chosen->id;
  }
  for (auto it = m_messages.crbegin(); it != m_messages.crend(); ++it) {
    if (it->role == Role::Assistant && it->targetPictureId == pictureId && !it->grounding.boxes.isEmpty()) {
      return it->id;
    }
  }
  return -1;
}

void Conversation::chooseReply(int messageId) {
  if (m_chosenReply == messageId) return;
  m_chosenReply = messageId;
  emit shownReplyChanged();
}

void Conversation::setSystemPrompt(const QString& prompt) {
  if (prompt == m_systemPrompt) return;
  m_systemPrompt = prompt;
  emit committed();
}

ConversationData Conversation::data() const {
  ConversationData d;
  d.systemPrompt = m_systemPrompt;
  for (const PictureItem& p : m_pictures) d.pictures.push_back(p);
  d.messages = m_messages;
  d.draft = m_draft;
  return d;
}

void Conversation::replace(const ConversationData& data, const QVector<PictureItem>& pictures) {
  m_systemPrompt = data.systemPrompt;
  m_draft = data.draft;
  m_pictures = pictures;
  m_messages = data.messages;
  m_streams.clear();
  m_chosenReply = -1;
  int maxId = 0;
  for (const PictureItem& p : m_pictures) maxId = std::max(maxId, p.id);
  // Ids of messages in other branches stay taken too: a branch can come back.
  std::function<void(const QVector<Message>&)> count = [&](const QVector<Message>& list) {
    for (const Message& m : list) {
      maxId = std::max(maxId, m.id);
      for (const QVector<Message>& b : m.otherBranches) count(b);
    }
  };
  count(m_messages);
  for (Message& m : m_messages) {
    if (m.role == Role::Assistant) {
      // A reply cut off by a crash was never finished; keep what arrived, marked as stopped.
      if (m.state == ReplyState::Streaming) m.state = ReplyState::Stopped;
      m.grounding = Grounding::parse(m.text, true);
    }
  }
  m_nextId = maxId + 1;
  emit reset();
  emit shownReplyChanged();
  emit draftChanged();
  emit committed();
}

void Conversation::clear(const QString& systemPrompt) { replace(ConversationData{systemPrompt, {}, {}, {}}, {}); }

}  // namespace qwenvl::app
