// The strip of the conversation's pictures under the picture view. Follows the conversation
// (added, removed, sent); pictures not sent yet are marked; Delete removes one of those.
#pragma once

#include <QListWidget>

namespace qwenvl::app {
class Conversation;
struct PictureItem;
}  // namespace qwenvl::app

namespace qwenvl::ui {

class ThumbnailStrip : public QListWidget {
  Q_OBJECT
 public:
  explicit ThumbnailStrip(QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);

  int currentPictureId() const;
  void setCurrentPictureId(int id);
  // Smaller tiles, for a short window: the strip never takes more room than the picture.
  void setCompact(bool compact);
  bool isCompact() const { return m_compact; }
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
  QIcon tileFor(const app::PictureItem& picture) const;
  int iconExtent() const;
  void retranslateUi();

  app::Conversation* m_conversation = nullptr;
  bool m_compact = false;
};

}  // namespace qwenvl::ui
