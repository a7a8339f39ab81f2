// The conversation as a scrolling column of MessageViews, kept in step with the Conversation.
// While a reply streams the view stays at the bottom, unless the reader scrolled up.
#pragma once

#include <QHash>
#include <QScrollArea>

namespace qwenvl::app {
class Conversation;
}

class QLabel;
class QVBoxLayout;

namespace qwenvl::ui {

class MessageView;

class ChatView : public QScrollArea {
  Q_OBJECT
 public:
  explicit ChatView(QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);

  MessageView* viewFor(int messageId) const { return m_views.value(messageId); }
  QList<MessageView*> views() const;
  void setHighlight(int messageId, int ref);
  void setCanRegenerate(bool can);

 signals:
  void refHovered(int messageId, int ref);
  void copyRequested(int messageId);
  void regenerateRequested(int messageId);
  void versionRequested(int messageId, int index);
  void activated(int messageId);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();
  void add(int messageId);
  void refresh(int messageId);
  void remove(int messageId);
  void updatePlaceholder();
  void updateRegenerate();
  void retranslateUi();

  app::Conversation* m_conversation = nullptr;
  QWidget* m_column;
  QVBoxLayout* m_layout;
  QLabel* m_placeholder;
  QHash<int, MessageView*> m_views;
  bool m_stickToBottom = true;
  bool m_canRegenerate = false;
  int m_highlightMessage = -1;
};

}  // namespace qwenvl::ui
