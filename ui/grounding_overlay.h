// The canvas tool that shows a reply's boxes on its picture, painted by the shared annotation
// routine in view coordinates (labels at a constant screen size, placed as on a saved picture),
// and that reports
// which ref the mouse is over so the chat can light up the phrase.
#pragma once

#include <QObject>
#include <QVector>

#include "app/annotation_painter.h"
#include "ui/image_canvas.h"

namespace qwenvl::ui {

class GroundingOverlay : public QObject, public CanvasTool {
  Q_OBJECT
 public:
  explicit GroundingOverlay(QObject* parent = nullptr);

  // Boxes in picture pixels of the picture now shown.
  void setBoxes(const QVector<app::AnnotationBox>& boxes);
  const QVector<app::AnnotationBox>& boxes() const { return m_boxes; }
  void setShown(bool shown);
  bool isShown() const { return m_shown; }
  void setHighlightedRef(int ref);
  int highlightedRef() const { return m_highlighted; }
  // The ref of the box under a picture point (the smallest box containing it), or -1.
  int refAt(const QPointF& imagePoint) const;

  void paintViewSpace(QPainter& painter, const ImageCanvas& canvas) override;
  bool mouseMove(QMouseEvent* event, ImageCanvas& canvas) override;
  void leave(ImageCanvas& canvas) override;

 signals:
  void hoveredRefChanged(int ref);
  void changed();

 private:
  QVector<app::AnnotationBox> m_boxes;
  bool m_shown = true;
  int m_highlighted = -1;
  int m_hovered = -1;
};

}  // namespace qwenvl::ui
