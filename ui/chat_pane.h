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
class PromptPresets;
class RegionChips;

class ChatPane : public QWidget {
  Q_OBJECT
 public:
  ChatPane(Actions* actions, QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);
  void setBusy(bool busy);
  // Editing an earlier question: a line above the box says so, with a way out.
  void setEditing(bool editing);
  bool isEditing() const { return m_editing; }

  ModelPanel* modelPanel() const { return m_modelPanel; }
  ChatView* chatView() const { return m_chatView; }
  PromptEdit* promptEdit() const { return m_prompt; }
  RegionChips* regionChips() const { return m_regions; }
  PromptPresets* presets() const { return m_presets; }
  QToolButton* sendButton() const { return m_send; }
  QToolButton* stopButton() const { return m_stop; }
  QToolButton* attachButton() const { return m_attach; }
  QToolButton* cancelEditButton() const { return m_cancelEdit; }

 signals:
  void editCancelled();
  void sendRequested();  // a preset that is a whole question

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  void updatePending();

  app::Conversation* m_conversation = nullptr;
  ModelPanel* m_modelPanel;
  ChatView* m_chatView;
  PromptEdit* m_prompt;
  RegionChips* m_regions;
  PromptPresets* m_presets;
  QLabel* m_pending;
  QWidget* m_editBanner;
  QLabel* m_editLabel;
  QToolButton* m_cancelEdit;
  bool m_editing = false;
  QToolButton* m_attach;
  QToolButton* m_send;
  QToolButton* m_stop;
};

}  // namespace qwenvl::ui
