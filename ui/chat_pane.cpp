// The chat side of the window; see chat_pane.h.
#include "ui/chat_pane.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/conversation.h"
#include "ui/actions.h"
#include "ui/chat_view.h"
#include "ui/model_panel.h"
#include "ui/prompt_edit.h"
#include "ui/prompt_presets.h"
#include "ui/region_chips.h"

namespace qwenvl::ui {

ChatPane::ChatPane(Actions* actions, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_modelPanel = new ModelPanel(this);
  m_chatView = new ChatView(this);
  m_pending = new QLabel(this);
  m_pending->setForegroundRole(QPalette::PlaceholderText);
  m_prompt = new PromptEdit(this);
  m_regions = new RegionChips(this);
  m_presets = new PromptPresets(this);
  connect(m_presets, &PromptPresets::chosen, this, [this](const PromptPresets::Preset& p) {
    if (p.complete) {
      m_prompt->setPlainText(p.before);
      emit sendRequested();
      return;
    }
    m_prompt->setPlainText(p.before + p.after);
    QTextCursor c = m_prompt->textCursor();
    c.setPosition(int(p.before.size()));
    m_prompt->setTextCursor(c);
    m_prompt->setFocus();
  });
  m_editBanner = new QWidget(this);
  auto* banner = new QHBoxLayout(m_editBanner);
  banner->setContentsMargins(0, 0, 0, 0);
  m_editLabel = new QLabel(m_editBanner);
  m_editLabel->setWordWrap(true);
  m_cancelEdit = new QToolButton(m_editBanner);
  banner->addWidget(m_editLabel, 1);
  banner->addWidget(m_cancelEdit);
  m_editBanner->hide();
  connect(m_cancelEdit, &QToolButton::clicked, this, &ChatPane::editCancelled);
  connect(m_prompt, &PromptEdit::escapePressed, this, [this] {
    if (m_editing) emit editCancelled();
  });
  auto makeButton = [this](QAction* action) {
    auto* b = new QToolButton(this);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    return b;
  };
  m_attach = makeButton(actions->addPictures);
  m_send = makeButton(actions->send);
  m_stop = makeButton(actions->stop);
  auto* buttons = new QVBoxLayout;
  buttons->addWidget(m_send);
  buttons->addWidget(m_stop);
  buttons->addWidget(m_attach);
  buttons->addStretch(1);
  auto* input = new QHBoxLayout;
  input->addWidget(m_prompt, 1);
  input->addLayout(buttons);
  layout->addWidget(m_modelPanel);
  layout->addWidget(m_chatView, 1);
  layout->addWidget(m_pending);
  layout->addWidget(m_editBanner);
  layout->addWidget(m_regions);
  layout->addWidget(m_presets);
  layout->addLayout(input);
  // Keyboard order: question, Send, Stop, Add Pictures, then the conversation.
  setTabOrder(m_prompt, m_send);
  setTabOrder(m_send, m_stop);
  setTabOrder(m_stop, m_attach);
  setBusy(false);
  retranslateUi();
}

void ChatPane::setConversation(app::Conversation* conversation) {
  m_conversation = conversation;
  m_chatView->setConversation(conversation);
  for (auto signal : {&app::Conversation::pictureAdded, &app::Conversation::pictureRemoved,
                      &app::Conversation::messageAdded, &app::Conversation::messageRemoved}) {
    connect(conversation, signal, this, &ChatPane::updatePending);
  }
  connect(conversation, &app::Conversation::reset, this, &ChatPane::updatePending);
  updatePending();
}

void ChatPane::setBusy(bool busy) {
  m_send->setVisible(!busy);
  m_stop->setVisible(busy);
}

void ChatPane::setEditing(bool editing) {
  m_editing = editing;
  m_editBanner->setVisible(editing);
}

void ChatPane::updatePending() {
  QStringList names;
  if (m_conversation) {
    for (int id : m_conversation->pendingPictureIds()) names << m_conversation->picture(id)->name;
  }
  m_pending->setText(names.isEmpty() ? QString()
                                     : tr("Sent with your next question: %1").arg(names.join(QStringLiteral(", "))));
  m_pending->setVisible(!names.isEmpty());
}

void ChatPane::retranslateUi() {
  m_prompt->setPlaceholderText(
      tr("Ask about the pictures in any language, e.g. “What is in the picture?” or “框出图中的猫”. "
         "Enter sends, Shift+Enter starts a new line."));
  m_prompt->setAccessibleName(tr("Question"));
  m_prompt->setAccessibleDescription(tr("Enter sends the question; Shift+Enter starts a new line."));
  m_pending->setAccessibleName(tr("Pictures to send"));
  m_editLabel->setText(
      tr("Editing an earlier question: Send asks it again, and what followed stays as another "
         "branch (‹ 1/2 › at the question)."));
  m_cancelEdit->setText(tr("Cancel Edit"));
  m_cancelEdit->setToolTip(tr("Stop editing (Esc); the question box is emptied"));
  m_cancelEdit->setAccessibleName(tr("Cancel editing the question"));
  updatePending();
}

void ChatPane::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
