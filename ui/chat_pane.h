// The right side of the window: the model strip, the conversation, and the question box with
// Send / Stop and a line saying which new pictures go with the next question.
#pragma once

#include <QWidget>

class QLabel;
class QToolButton;

namespace qwenvl::app {
class Conversation;
}

namespace qwenvl::ui {

class Actions;
class ChatView;
class ModelPanel;
class PromptEdit;

class ChatPane : public QWidget {
  Q_OBJECT
 public:
  ChatPane(Actions* actions, QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);
  void setBusy(bool busy);

  ModelPanel* modelPanel() const { return m_modelPanel; }
  ChatView* chatView() const { return m_chatView; }
  PromptEdit* promptEdit() const { return m_prompt; }
  QToolButton* sendButton() const { return m_send; }
  QToolButton* stopButton() const { return m_stop; }
  QToolButton* attachButton() const { return m_attach; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  void updatePending();

  app::Conversation* m_conversation = nullptr;
  ModelPanel* m_modelPanel;
  ChatView* m_chatView;
  PromptEdit* m_prompt;
  QLabel* m_pending;
  QToolButton* m_attach;
  QToolButton* m_send;
  QToolButton* m_stop;
};

}  // namespace qwenvl::ui
