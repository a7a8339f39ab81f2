// The conversation column; see chat_view.h.
#include "ui/chat_view.h"

#include <QEvent>
#include <QLabel>
#include <QPainter>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/conversation.h"
#include "ui/message_view.h"

namespace qwenvl::ui {

ChatView::ChatView(QWidget* parent) : QScrollArea(parent) {
  setWidgetResizable(true);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFrameShape(QFrame::NoFrame);
  setViewportMargins(2, 2, 2, 2);  // room for the focus ring
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
  // A button to jump down while the reader is further up (a reply may be streaming below).
  m_toBottom = new QToolButton(this);
  m_toBottom->setArrowType(Qt::DownArrow);
  m_toBottom->setAutoRaise(false);
  m_toBottom->setFocusPolicy(Qt::NoFocus);  // the End key does the same from the keyboard
  m_toBottom->hide();
  connect(m_toBottom, &QToolButton::clicked, this, &ChatView::scrollToBottom);
  // Follow a streaming reply only while the reader is at the bottom.
  connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
    m_stickToBottom = v >= verticalScrollBar()->maximum() - 24;
    updateToBottom();
  });
  connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
    if (m_stickToBottom) verticalScrollBar()->setValue(max);
    updateToBottom();
  });
  retranslateUi();
}

void ChatView::scrollToBottom() {
  m_stickToBottom = true;
  verticalScrollBar()->setValue(verticalScrollBar()->maximum());
  updateToBottom();
}

void ChatView::updateToBottom() {
  const bool show = !m_stickToBottom && verticalScrollBar()->maximum() > 0;
  if (show) {
    const QSize size = m_toBottom->sizeHint().expandedTo(QSize(32, 32));
    m_toBottom->resize(size);
    const QRect area = viewport()->geometry();
    m_toBottom->move(area.right() - size.width() - 12, area.bottom() - size.height() - 8);
    m_toBottom->raise();
  }
  m_toBottom->setVisible(show);
}

void ChatView::focusInEvent(QFocusEvent* event) {
  QScrollArea::focusInEvent(event);
  update();
}

void ChatView::focusOutEvent(QFocusEvent* event) {
  QScrollArea::focusOutEvent(event);
  update();
}

bool ChatView::event(QEvent* event) {
  const bool done = QScrollArea::event(event);
  if (event->type() == QEvent::Paint && hasFocus()) {
    // The focus ring, in the margin kept around the viewport for it.
    QPainter painter(this);
    painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
    painter.drawRect(QRectF(rect()).adjusted(1, 1, -1, -1));
  }
  return done;
}

void ChatView::resizeEvent(QResizeEvent* event) {
  QScrollArea::resizeEvent(event);
  updateToBottom();
}

void ChatView::retranslateUi() {
  setAccessibleName(tr("Conversation"));
  m_toBottom->setToolTip(tr("Scroll to the newest message"));
  m_toBottom->setAccessibleName(tr("Scroll to the newest message"));
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
  for (MessageView* v : std::as_const(m_views)) {
    v->hide();
    v->deleteLater();
  }
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
  connect(view, &MessageView::editRequested, this, &ChatView::editRequested);
  connect(view, &MessageView::pictureClicked, this, &ChatView::pictureClicked);
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
  // Later: the view may be the one whose button started this (a branch flipped at its question).
  if (MessageView* v = m_views.take(messageId)) {
    v->hide();
    v->deleteLater();
  }
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
