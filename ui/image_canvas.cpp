// The picture view; see image_canvas.h.
#include "ui/image_canvas.h"

#include <QEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

namespace qwenvl::ui {

namespace {
constexpr double kZoomStep = 1.25;
constexpr int kPanStep = 48;
}  // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  setMinimumSize(160, 120);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  m_smoothTimer.setSingleShot(true);
  m_smoothTimer.setInterval(60);
  connect(&m_smoothTimer, &QTimer::timeout, this, [this] {
    if (m_image.isNull() || m_zoom >= 1.0 || m_smoothWatcher.isRunning()) return;
    const QImage source = m_image;
    const double zoom = m_zoom;
    const QSize size(std::max(1, static_cast<int>(std::lround(source.width() * zoom))),
                     std::max(1, static_cast<int>(std::lround(source.height() * zoom))));
    m_smoothWatcher.setProperty("zoom", zoom);
    m_smoothWatcher.setProperty("serial", m_imageSerial);
    m_smoothWatcher.setFuture(QtConcurrent::run(
        [source, size] { return source.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation); }));
  });
  connect(&m_smoothWatcher, &QFutureWatcher<QImage>::finished, this, [this] {
    if (m_smoothWatcher.property("serial").toULongLong() != m_imageSerial) {
      requestSmoothCache();  // made for a picture no longer shown
      return;
    }
    m_smooth = m_smoothWatcher.result();
    m_smoothZoom = m_smoothWatcher.property("zoom").toDouble();
    if (m_smoothZoom != m_zoom) requestSmoothCache();
    update();
  });
  retranslateUi();
}

ImageCanvas::~ImageCanvas() { m_smoothWatcher.waitForFinished(); }

void ImageCanvas::retranslateUi() {
  setAccessibleName(tr("Picture view"));
  setToolTip(tr("Wheel or Ctrl+= / Ctrl+- to zoom, drag to pan, Shift+drag to ask about a region"));
}

void ImageCanvas::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ImageCanvas::setImage(const QImage& image) {
  const bool sameSize = image.size() == m_image.size();
  m_image = image;
  ++m_imageSerial;
  m_smooth = QImage();
  m_smoothZoom = 0;
  if (!sameSize || m_fit) {
    m_fit = true;
    applyFit();
  }
  requestSmoothCache();
  update();
}

QPointF ImageCanvas::mapToView(const QPointF& p) const { return p * m_zoom + m_offset; }

QPointF ImageCanvas::mapToImage(const QPointF& p) const { return (p - m_offset) / m_zoom; }

QTransform ImageCanvas::imageToView() const { return QTransform(m_zoom, 0, 0, m_zoom, m_offset.x(), m_offset.y()); }

QRectF ImageCanvas::imageRectInView() const { return QRectF(m_offset, QSizeF(m_image.size()) * m_zoom); }

void ImageCanvas::addTool(CanvasTool* tool) { m_tools.push_back(tool); }

void ImageCanvas::applyFit() {
  if (m_image.isNull() || width() <= 0 || height() <= 0) return;
  const double z =
      std::min(static_cast<double>(width()) / m_image.width(), static_cast<double>(height()) / m_image.height());
  m_zoom = std::clamp(z, kMinZoom, kMaxZoom);
  m_offset = QPointF((width() - m_image.width() * m_zoom) / 2.0, (height() - m_image.height() * m_zoom) / 2.0);
  emit zoomChanged(m_zoom);
}

void ImageCanvas::clampOffset() {
  // A picture smaller than the view stays centred; a larger one never leaves a gap at an edge.
  const QSizeF s = QSizeF(m_image.size()) * m_zoom;
  auto clampAxis = [](double offset, double content, double view) {
    if (content <= view) return (view - content) / 2.0;
    return std::clamp(offset, view - content, 0.0);
  };
  m_offset.setX(clampAxis(m_offset.x(), s.width(), width()));
  m_offset.setY(clampAxis(m_offset.y(), s.height(), height()));
}

void ImageCanvas::setZoom(double zoom, const QPointF& anchor) {
  if (m_image.isNull()) return;
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  const QPointF imagePoint = mapToImage(anchor);  // stays under the anchor
  m_fit = false;
  m_zoom = zoom;
  m_offset = anchor - imagePoint * m_zoom;
  clampOffset();
  requestSmoothCache();
  emit zoomChanged(m_zoom);
  update();
}

void ImageCanvas::zoomIn() { setZoom(m_zoom * kZoomStep, QPointF(width() / 2.0, height() / 2.0)); }
void ImageCanvas::zoomOut() { setZoom(m_zoom / kZoomStep, QPointF(width() / 2.0, height() / 2.0)); }

void ImageCanvas::fitToWindow() {
  m_fit = true;
  applyFit();
  requestSmoothCache();
  update();
}

void ImageCanvas::actualSize() { setZoom(1.0, QPointF(width() / 2.0, height() / 2.0)); }

void ImageCanvas::requestSmoothCache() {
  if (!m_image.isNull() && m_zoom < 1.0 && m_smoothZoom != m_zoom) m_smoothTimer.start();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(
      rect(), palette().color(QPalette::Base).darker(palette().color(QPalette::Base).lightness() > 128 ? 106 : 80));
  if (m_image.isNull()) return;
  const QRectF target = imageRectInView();
  if (m_zoom < 1.0 && !m_smooth.isNull() && m_smoothZoom == m_zoom) {
    painter.drawImage(target.topLeft(), m_smooth);
  } else {
    // Zoomed in: plain pixels, so every picture pixel can be seen; zoomed out without the
    // smooth copy yet: the fast transform for this one frame.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(target, m_image);
  }
  painter.save();
  painter.setTransform(imageToView());
  for (CanvasTool* tool : m_tools) tool->paintImageSpace(painter, *this);
  painter.restore();
  for (CanvasTool* tool : m_tools) tool->paintViewSpace(painter, *this);
  if (hasFocus()) {
    // The focus ring: keyboard users see that arrows and +/- act on the picture.
    painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(QRectF(rect()).adjusted(1, 1, -1, -1));
  }
}

void ImageCanvas::focusInEvent(QFocusEvent* event) {
  QWidget::focusInEvent(event);
  update();
}

void ImageCanvas::focusOutEvent(QFocusEvent* event) {
  QWidget::focusOutEvent(event);
  update();
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
  if (m_fit)
    applyFit();
  else
    clampOffset();
  requestSmoothCache();
  QWidget::resizeEvent(event);
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
  if (m_image.isNull()) return;
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0) return;
  setZoom(m_zoom * std::pow(kZoomStep, steps), event->position());
  event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
  for (CanvasTool* tool : m_tools) {
    if (tool->mousePress(event, *this)) {
      update();
      return;
    }
  }
  if (event->button() == Qt::LeftButton || event->button() == Qt::MiddleButton) {
    m_panning = true;
    m_panStart = event->position();
    m_offsetAtPanStart = m_offset;
    setCursor(Qt::ClosedHandCursor);
  }
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (m_panning) {
    m_offset = m_offsetAtPanStart + (event->position() - m_panStart);
    clampOffset();
    update();
    return;
  }
  for (CanvasTool* tool : m_tools) {
    if (tool->mouseMove(event, *this)) {
      update();
      return;
    }
  }
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (m_panning) {
    m_panning = false;
    unsetCursor();
    return;
  }
  for (CanvasTool* tool : m_tools) {
    if (tool->mouseRelease(event, *this)) {
      update();
      return;
    }
  }
}

void ImageCanvas::leaveEvent(QEvent* event) {
  for (CanvasTool* tool : m_tools) tool->leave(*this);
  update();
  QWidget::leaveEvent(event);
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      zoomIn();
      return;
    case Qt::Key_Minus:
      zoomOut();
      return;
    case Qt::Key_0:
      fitToWindow();
      return;
    case Qt::Key_1:
      actualSize();
      return;
    case Qt::Key_Left:
      m_offset.rx() += kPanStep;
      break;
    case Qt::Key_Right:
      m_offset.rx() -= kPanStep;
      break;
    case Qt::Key_Up:
      m_offset.ry() += kPanStep;
      break;
    case Qt::Key_Down:
      m_offset.ry() -= kPanStep;
      break;
    default:
      QWidget::keyPressEvent(event);
      return;
  }
  m_fit = false;
  clampOffset();
  update();
}

}  // namespace qwenvl::ui
