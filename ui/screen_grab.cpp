// Screenshots as pictures; see screen_grab.h.
#include "ui/screen_grab.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QScreen>

namespace qwenvl::ui {

QImage grabScreen(QScreen* screen) {
  if (!screen) return {};
  const QPixmap shot = screen->grabWindow(0);
  if (shot.isNull() || shot.width() < 2 || shot.height() < 2) return {};
  return shot.toImage().convertToFormat(QImage::Format_RGB888);
}

ScreenRegionPicker::ScreenRegionPicker(const QImage& screen, QWidget* parent) : QDialog(parent), m_screen(screen) {
  setWindowTitle(tr("Choose the Part of the Screen"));
  setAccessibleName(tr("Screenshot: drag to choose a part, Enter keeps it, Esc cancels"));
  setToolTip(
      tr("Drag to choose a part of the screen; Enter keeps it (the whole screen if nothing is chosen), "
         "Esc cancels"));
  setCursor(Qt::CrossCursor);
  setMouseTracking(true);
  resize(QSize(960, 600).boundedTo(screen.size().expandedTo(QSize(320, 200))));
}

QRect ScreenRegionPicker::selection() const { return m_selection.isEmpty() ? m_screen.rect() : m_selection; }

void ScreenRegionPicker::setSelection(const QRect& pixels) {
  m_selection = pixels.normalized().intersected(m_screen.rect());
  update();
}

QRectF ScreenRegionPicker::shownRect() const {
  const QSizeF fitted = QSizeF(m_screen.size()).scaled(QSizeF(size()), Qt::KeepAspectRatio);
  return QRectF(QPointF((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted);
}

QPoint ScreenRegionPicker::toImage(const QPointF& p) const {
  const QRectF r = shownRect();
  if (r.isEmpty()) return {};
  return QPoint(qRound((p.x() - r.left()) * m_screen.width() / r.width()),
                qRound((p.y() - r.top()) * m_screen.height() / r.height()));
}

QPoint ScreenRegionPicker::mapFromImageForTest(const QPoint& pixel) const {
  const QRectF r = shownRect();
  return QPoint(qRound(r.left() + pixel.x() * r.width() / m_screen.width()),
                qRound(r.top() + pixel.y() * r.height() / m_screen.height()));
}

void ScreenRegionPicker::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), Qt::black);
  const QRectF r = shownRect();
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  painter.drawImage(r, m_screen);
  if (m_selection.isEmpty()) return;
  // Dim what is left out; outline what is kept.
  const double sx = r.width() / m_screen.width(), sy = r.height() / m_screen.height();
  const QRectF kept(r.left() + m_selection.left() * sx, r.top() + m_selection.top() * sy, m_selection.width() * sx,
                    m_selection.height() * sy);
  QPainterPath outside;
  outside.addRect(r);
  outside.addRect(kept);
  painter.fillPath(outside, QColor(0, 0, 0, 140));
  painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
  painter.drawRect(kept);
}

void ScreenRegionPicker::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  m_dragging = true;
  m_anchor = toImage(event->position());
  setSelection(QRect(m_anchor, m_anchor));
}

void ScreenRegionPicker::mouseMoveEvent(QMouseEvent* event) {
  if (m_dragging) setSelection(QRect(m_anchor, toImage(event->position())));
}

void ScreenRegionPicker::mouseReleaseEvent(QMouseEvent* event) {
  if (!m_dragging || event->button() != Qt::LeftButton) return;
  m_dragging = false;
  setSelection(QRect(m_anchor, toImage(event->position())));
  // A click without a drag keeps nothing in particular: the whole screen stays on offer.
  if (m_selection.width() < 4 || m_selection.height() < 4) setSelection(QRect());
}

void ScreenRegionPicker::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
    accept();
    return;
  }
  QDialog::keyPressEvent(event);  // Esc rejects
}

}  // namespace qwenvl::ui
