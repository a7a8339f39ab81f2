// The canvas tool for "a box as the question": drag a rectangle on the picture (with the tool
// switched on, or Shift+drag at any time) and it is reported in picture pixels; it stays
// outlined until the question is sent.
#pragma once

#include <QObject>
#include <QRect>

#include "ui/image_canvas.h"

namespace qwenvl::ui {

class RegionTool : public QObject, public CanvasTool {
  Q_OBJECT
 public:
  explicit RegionTool(QObject* parent = nullptr);

  void setActive(bool active);
  bool isActive() const { return m_active; }
  QRect region() const { return m_region; }  // picture pixels, right/bottom exclusive
  void setRegion(const QRect& region);
  void clearRegion();

  void paintViewSpace(QPainter& painter, const ImageCanvas& canvas) override;
  bool mousePress(QMouseEvent* event, ImageCanvas& canvas) override;
  bool mouseMove(QMouseEvent* event, ImageCanvas& canvas) override;
  bool mouseRelease(QMouseEvent* event, ImageCanvas& canvas) override;

 signals:
  void regionSelected(const QRect& pixels);
  void activeChanged(bool active);

 private:
  QPoint clampToImage(const QPointF& viewPoint, const ImageCanvas& canvas) const;
  bool m_active = false;
  bool m_dragging = false;
  QPoint m_start;
  QRect m_region;
};

}  // namespace qwenvl::ui
