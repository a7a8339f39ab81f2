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

class QToolButton;

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
  void scrollToBottom();
  QToolButton* scrollToBottomButton() const { return m_toBottom; }

 signals:
  void refHovered(int messageId, int ref);
  void copyRequested(int messageId);
  void regenerateRequested(int messageId);
  void versionRequested(int messageId, int index);  // a reply's version or a question's branch
  void editRequested(int messageId);
  void pictureClicked(int pictureId);
  void activated(int messageId);

 protected:
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool event(QEvent* event) override;
  void focusInEvent(QFocusEvent* event) override;
  void focusOutEvent(QFocusEvent* event) override;

 private:
  void rebuild();
  void add(int messageId);
  void refresh(int messageId);
  void remove(int messageId);
  void updatePlaceholder();
  void updateRegenerate();
  void updateToBottom();
  void retranslateUi();

  app::Conversation* m_conversation = nullptr;
  QWidget* m_column;
  QVBoxLayout* m_layout;
  QLabel* m_placeholder;
  QToolButton* m_toBottom;
  QHash<int, MessageView*> m_views;
  bool m_stickToBottom = true;
  bool m_canRegenerate = false;
  int m_highlightMessage = -1;
};

}  // namespace qwenvl::ui
