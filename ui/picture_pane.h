// The left side of the window: a small tool bar (zoom, boxes on/off, ask about a region, save
// with boxes), the picture view with its overlays, and the strip of the conversation's
// pictures. Shows the boxes of the reply that grounds on the picture shown.
#pragma once

#include <QWidget>

namespace qwenvl::app {
class Conversation;
}

class QLabel;
class QStackedLayout;

namespace qwenvl::ui {

class Actions;
class GroundingOverlay;
class ImageCanvas;
class RegionTool;
class ThumbnailStrip;

class PicturePane : public QWidget {
  Q_OBJECT
 public:
  PicturePane(Actions* actions, QWidget* parent = nullptr);
  void setConversation(app::Conversation* conversation);

  int currentPictureId() const { return m_currentId; }
  void showPicture(int pictureId);
  int shownReplyId() const { return m_replyId; }
  void setHighlightedRef(int ref);

  ImageCanvas* canvas() const { return m_canvas; }
  GroundingOverlay* overlay() const { return m_overlay; }
  RegionTool* regionTool() const { return m_region; }
  ThumbnailStrip* strip() const { return m_strip; }

 signals:
  void currentPictureChanged(int pictureId);
  // The mouse is over the boxes of `ref` of reply `messageId` (ref -1: over none).
  void refHovered(int messageId, int ref);
  void regionSelected(int pictureId, const QRect& pixels);

 protected:
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void refreshBoxes();
  void retranslateUi();

  app::Conversation* m_conversation = nullptr;
  Actions* m_actions;
  int m_currentId = -1;
  int m_replyId = -1;
  ImageCanvas* m_canvas;
  GroundingOverlay* m_overlay;
  RegionTool* m_region;
  ThumbnailStrip* m_strip;
  QLabel* m_empty;
  QLabel* m_caption;
  QStackedLayout* m_stack;
};

}  // namespace qwenvl::ui
