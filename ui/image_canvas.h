// The picture view: the current picture at its own aspect ratio, fitted or zoomed (wheel,
// keys) and panned (drag, arrows). The mapping between picture pixels and the view lives here
// and only here (mapToView / mapToImage); overlays are CanvasTools that paint on top (boxes in
// picture coordinates, under the same transform) and take the mouse first.
#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QList>
#include <QTimer>
#include <QWidget>

namespace qwenvl::ui {

class ImageCanvas;

class CanvasTool {
 public:
  virtual ~CanvasTool() = default;
  // `painter` maps picture pixels to the view (ImageCanvas::imageToView()).
  virtual void paintImageSpace(QPainter& painter, const ImageCanvas& canvas) {}
  // `painter` paints in view coordinates.
  virtual void paintViewSpace(QPainter& painter, const ImageCanvas& canvas) {}
  // Return true to take the event (the canvas then does not pan).
  virtual bool mousePress(QMouseEvent* event, ImageCanvas& canvas) { return false; }
  virtual bool mouseMove(QMouseEvent* event, ImageCanvas& canvas) { return false; }
  virtual bool mouseRelease(QMouseEvent* event, ImageCanvas& canvas) { return false; }
  virtual void leave(ImageCanvas& canvas) {}
};

class ImageCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit ImageCanvas(QWidget* parent = nullptr);
  ~ImageCanvas() override;

  void setImage(const QImage& image);
  const QImage& image() const { return m_image; }
  QSize imageSize() const { return m_image.size(); }

  double zoom() const { return m_zoom; }
  bool isFitting() const { return m_fit; }
  void setZoom(double zoom, const QPointF& anchorInView);
  void zoomIn();
  void zoomOut();
  void fitToWindow();
  void actualSize();

  QPointF mapToView(const QPointF& imagePoint) const;
  QPointF mapToImage(const QPointF& viewPoint) const;
  QTransform imageToView() const;
  QRectF imageRectInView() const;

  void addTool(CanvasTool* tool);  // not owned; earlier tools get the mouse first
  // Whether the picture is drawn in its final quality (the smooth copy is ready when zoomed out).
  bool isSettled() const { return m_image.isNull() || m_zoom >= 1.0 || (!m_smooth.isNull() && m_smoothZoom == m_zoom); }

  static constexpr double kMinZoom = 0.02;
  static constexpr double kMaxZoom = 32.0;

 signals:
  void zoomChanged(double zoom);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void changeEvent(QEvent* event) override;
  void focusInEvent(QFocusEvent* event) override;
  void focusOutEvent(QFocusEvent* event) override;

 private:
  void applyFit();
  void clampOffset();
  void requestSmoothCache();
  void retranslateUi();

  QImage m_image;
  double m_zoom = 1.0;
  bool m_fit = true;
  QPointF m_offset;  // where the picture's top-left corner is in the view
  QList<CanvasTool*> m_tools;
  bool m_panning = false;
  QPointF m_panStart;
  QPointF m_offsetAtPanStart;
  // A smoothly scaled copy for zoom < 1, made off the GUI thread; until it is ready the
  // picture is drawn with the fast transform.
  QImage m_smooth;
  double m_smoothZoom = 0;
  quint64 m_imageSerial = 0;  // which picture a finished scaling job was made for
  QTimer m_smoothTimer;
  QFutureWatcher<QImage> m_smoothWatcher;
};

}  // namespace qwenvl::ui
