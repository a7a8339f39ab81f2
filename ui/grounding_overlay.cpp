// Boxes on the picture; see grounding_overlay.h.
#include "ui/grounding_overlay.h"

#include <QFontInfo>
#include <QMouseEvent>
#include <QPainter>

namespace qwenvl::ui {

GroundingOverlay::GroundingOverlay(QObject* parent) : QObject(parent) {}

void GroundingOverlay::setBoxes(const QVector<app::AnnotationBox>& boxes) {
  m_boxes = boxes;
  emit changed();
}

void GroundingOverlay::setShown(bool shown) {
  if (m_shown == shown) return;
  m_shown = shown;
  emit changed();
}

void GroundingOverlay::setHighlightedRef(int ref) {
  if (m_highlighted == ref) return;
  m_highlighted = ref;
  emit changed();
}

int GroundingOverlay::refAt(const QPointF& p) const {
  int best = -1;
  double bestArea = 0;
  for (const app::AnnotationBox& b : m_boxes) {
    if (b.ref < 0 || !QPolygonF(b.shape).containsPoint(p, Qt::OddEvenFill)) continue;
    const QRect r = b.shape.boundingRect();
    const double area = static_cast<double>(r.width()) * r.height();
    if (best < 0 || area < bestArea) {
      best = b.ref;
      bestArea = area;
    }
  }
  return best;
}

void GroundingOverlay::paintViewSpace(QPainter& painter, const ImageCanvas& canvas) {
  if (!m_shown || m_boxes.isEmpty() || canvas.image().isNull()) return;
  QVector<app::AnnotationBox> boxes = m_boxes;
  for (app::AnnotationBox& b : boxes) b.highlighted = m_highlighted >= 0 && b.ref == m_highlighted;
  // Labels keep the size of the window's text at every zoom and stay on the visible picture.
  const QRectF visible = canvas.imageRectInView().intersected(QRectF(canvas.rect()));
  const app::AnnotationStyle style = app::screenAnnotationStyle(canvas.imageSize(), canvas.imageToView(), visible,
                                                                QFontInfo(canvas.font()).pixelSize());
  app::paintAnnotations(painter, boxes, style);
}

bool GroundingOverlay::mouseMove(QMouseEvent* event, ImageCanvas& canvas) {
  if (event->buttons() != Qt::NoButton) return false;
  const int ref = m_shown ? refAt(canvas.mapToImage(event->position())) : -1;
  if (ref != m_hovered) {
    m_hovered = ref;
    emit hoveredRefChanged(ref);
  }
  return false;  // hovering never keeps the canvas from panning
}

void GroundingOverlay::leave(ImageCanvas&) {
  if (m_hovered != -1) {
    m_hovered = -1;
    emit hoveredRefChanged(-1);
  }
}

}  // namespace qwenvl::ui
