// The strip of the conversation's pictures under the picture view. Follows the conversation
// (added, removed, sent); pictures not sent yet are marked; Delete removes one of those.
#pragma once

#include <QListWidget>

namespace qwenvl::app {
class Conversation;
}

namespace qwenvl::ui {

class ThumbnailStrip : public QListWidget {
  Q_OBJECT
 public:
  explicit ThumbnailStrip(QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);

  int currentPictureId() const;
  void setCurrentPictureId(int id);
  QList<int> pictureIds() const;

 signals:
  void currentPictureChanged(int id);
  void removeRequested(int id);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void changeEvent(QEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void rebuild();
  void addItem(int pictureId);
  void refreshItem(QListWidgetItem* item);
  QListWidgetItem* itemFor(int id) const;
  void retranslateUi();

  app::Conversation* m_conversation = nullptr;
};

}  // namespace qwenvl::ui
