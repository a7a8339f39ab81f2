// Drawing a region to ask about; see region_tool.h.
#include "ui/region_tool.h"

#include <QMouseEvent>
#include <QPainter>
#include <cmath>

namespace qwenvl::ui {

RegionTool::RegionTool(QObject* parent) : QObject(parent) {}

void RegionTool::setActive(bool active) {
  if (m_active == active) return;
  m_active = active;
  emit activeChanged(active);
}

void RegionTool::setRegion(const QRect& region) { m_region = region.normalized(); }

void RegionTool::clearRegion() {
  m_region = QRect();
  m_dragging = false;
}

QPoint RegionTool::clampToImage(const QPointF& viewPoint, const ImageCanvas& canvas) const {
  const QPointF p = canvas.mapToImage(viewPoint);
  return QPoint(std::clamp(static_cast<int>(std::lround(p.x())), 0, canvas.imageSize().width()),
                std::clamp(static_cast<int>(std::lround(p.y())), 0, canvas.imageSize().height()));
}

bool RegionTool::mousePress(QMouseEvent* event, ImageCanvas& canvas) {
  if (canvas.image().isNull() || event->button() != Qt::LeftButton) return false;
  if (!m_active && !(event->modifiers() & Qt::ShiftModifier)) return false;
  m_dragging = true;
  m_start = clampToImage(event->position(), canvas);
  m_region = QRect(m_start, QSize(0, 0));
  return true;
}

bool RegionTool::mouseMove(QMouseEvent* event, ImageCanvas& canvas) {
  if (!m_dragging) return false;
  const QPoint end = clampToImage(event->position(), canvas);
  m_region = QRect(QPoint(std::min(m_start.x(), end.x()), std::min(m_start.y(), end.y())),
                   QPoint(std::max(m_start.x(), end.x()), std::max(m_start.y(), end.y())))
                 .adjusted(0, 0, -1, -1);  // QRect's corners are inclusive; ours end exclusive
  return true;
}

bool RegionTool::mouseRelease(QMouseEvent* event, ImageCanvas& canvas) {
  if (!m_dragging) return false;
  mouseMove(event, canvas);
  m_dragging = false;
  if (m_region.width() < 2 || m_region.height() < 2) {
    m_region = QRect();  // a click, not a region
    return true;
  }
  setActive(false);
  emit regionSelected(m_region);
  return true;
}

void RegionTool::paintViewSpace(QPainter& painter, const ImageCanvas& canvas) {
  if (m_region.isNull() || canvas.image().isNull()) return;
  const QRectF r(canvas.mapToView(QPointF(m_region.left(), m_region.top())),
                 canvas.mapToView(QPointF(m_region.left() + m_region.width(), m_region.top() + m_region.height())));
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, false);
  painter.setBrush(QColor(255, 255, 255, 40));
  painter.setPen(QPen(Qt::black, 1, Qt::SolidLine));
  painter.drawRect(r);
  painter.setPen(QPen(Qt::white, 1, Qt::DashLine));
  painter.drawRect(r);
  painter.restore();
}

}  // namespace qwenvl::ui
