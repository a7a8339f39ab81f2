// The conversation column; see chat_view.h.
#include "ui/chat_view.h"

#include <QEvent>
#include <QLabel>
#include <QScrollBar>
#include <QVBoxLayout>

#include "app/conversation.h"
#include "ui/message_view.h"

namespace qwenvl::ui {

ChatView::ChatView(QWidget* parent) : QScrollArea(parent) {
  setWidgetResizable(true);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFrameShape(QFrame::NoFrame);
  m_column = new QWidget;
  m_layout = new QVBoxLayout(m_column);
  m_layout->setContentsMargins(8, 8, 8, 8);
  m_layout->setSpacing(8);
  m_placeholder = new QLabel(m_column);
  m_placeholder->setWordWrap(true);
  m_placeholder->setAlignment(Qt::AlignCenter);
  m_placeholder->setForegroundRole(QPalette::PlaceholderText);
  m_layout->addWidget(m_placeholder);
  m_layout->addStretch(1);
  setWidget(m_column);
  // Follow a streaming reply only while the reader is at the bottom.
  connect(verticalScrollBar(), &QScrollBar::valueChanged, this,
          [this](int v) { m_stickToBottom = v >= verticalScrollBar()->maximum() - 24; });
  connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
    if (m_stickToBottom) verticalScrollBar()->setValue(max);
  });
  retranslateUi();
}

void ChatView::retranslateUi() {
  setAccessibleName(tr("Conversation"));
  m_placeholder->setText(
      tr("Drop pictures anywhere on the window, paste one with Ctrl+V or add them with "
         "Ctrl+I, then ask about them below. Ask “Where is the cat?” and the boxes appear "
         "on the picture."));
}

void ChatView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QScrollArea::changeEvent(event);
}

void ChatView::setConversation(app::Conversation* conversation) {
  m_conversation = conversation;
  connect(conversation, &app::Conversation::messageAdded, this, &ChatView::add);
  connect(conversation, &app::Conversation::messageChanged, this, &ChatView::refresh);
  connect(conversation, &app::Conversation::messageRemoved, this, &ChatView::remove);
  connect(conversation, &app::Conversation::reset, this, &ChatView::rebuild);
  rebuild();
}

QList<MessageView*> ChatView::views() const {
  QList<MessageView*> out;
  for (const app::Message& m : m_conversation->messages()) {
    if (MessageView* v = m_views.value(m.id)) out << v;
  }
  return out;
}

void ChatView::rebuild() {
  qDeleteAll(m_views);
  m_views.clear();
  for (const app::Message& m : m_conversation->messages()) add(m.id);
  updatePlaceholder();
}

void ChatView::add(int messageId) {
  const app::Message* m = m_conversation->message(messageId);
  if (!m || m_views.contains(messageId)) return;
  auto* view = new MessageView(messageId, m_column);
  view->setMessage(*m, *m_conversation);
  connect(view, &MessageView::refHovered, this, &ChatView::refHovered);
  connect(view, &MessageView::copyRequested, this, &ChatView::copyRequested);
  connect(view, &MessageView::regenerateRequested, this, &ChatView::regenerateRequested);
  connect(view, &MessageView::versionRequested, this, &ChatView::versionRequested);
  connect(view, &MessageView::activated, this, &ChatView::activated);
  m_layout->insertWidget(m_layout->count() - 1, view);  // before the stretch
  m_views.insert(messageId, view);
  m_stickToBottom = true;  // a new message brings the view down to it
  updatePlaceholder();
  updateRegenerate();
}

void ChatView::refresh(int messageId) {
  const app::Message* m = m_conversation->message(messageId);
  if (MessageView* v = m_views.value(messageId); v && m) v->setMessage(*m, *m_conversation);
  updateRegenerate();
}

void ChatView::remove(int messageId) {
  delete m_views.take(messageId);
  updatePlaceholder();
  updateRegenerate();
}

void ChatView::updatePlaceholder() { m_placeholder->setVisible(m_views.isEmpty()); }

void ChatView::setCanRegenerate(bool can) {
  m_canRegenerate = can;
  updateRegenerate();
}

void ChatView::updateRegenerate() {
  if (!m_conversation) return;
  const QVector<app::Message>& messages = m_conversation->messages();
  const int last = !messages.isEmpty() && messages.back().role == app::Role::Assistant ? messages.back().id : -1;
  for (auto it = m_views.cbegin(); it != m_views.cend(); ++it) {
    const app::Message* m = m_conversation->message(it.key());
    it.value()->setCanRegenerate(m_canRegenerate && it.key() == last && m && m->state != app::ReplyState::Streaming);
  }
}

void ChatView::setHighlight(int messageId, int ref) {
  if (m_highlightMessage != messageId) {
    if (MessageView* old = m_views.value(m_highlightMessage)) old->setHighlightedRef(-1);
  }
  m_highlightMessage = messageId;
  if (MessageView* v = m_views.value(messageId)) v->setHighlightedRef(ref);
}

}  // namespace qwenvl::ui
