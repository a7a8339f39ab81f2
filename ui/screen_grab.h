// "Take a screenshot" as a picture: the screen is grabbed the way Qt offers it
// (QScreen::grabWindow(0): X11, and Wayland compositors that allow it), with the window out of
// the way, and the user drags the part to keep (Enter keeps the whole screen, Esc cancels).
#pragma once

#include <QDialog>
#include <QImage>
#include <QRect>

class QScreen;

namespace qwenvl::ui {

// The whole screen, or a null image when the desktop does not allow it.
QImage grabScreen(QScreen* screen);

class ScreenRegionPicker : public QDialog {
  Q_OBJECT
 public:
  explicit ScreenRegionPicker(const QImage& screen, QWidget* parent = nullptr);
  // The part chosen (in screen pixels); the whole screen when nothing was dragged.
  QRect selection() const;
  void setSelection(const QRect& pixels);
  QImage result() const { return m_screen.copy(selection()); }
  // Where a screen pixel is drawn in the dialog (tests drag with it).
  QPoint mapFromImageForTest(const QPoint& pixel) const;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  QRectF shownRect() const;  // where the screen image is drawn in the dialog
  QPoint toImage(const QPointF& p) const;

  QImage m_screen;
  QRect m_selection;
  QPoint m_anchor;
  bool m_dragging = false;
};

}  // namespace qwenvl::ui
