// The one routine that draws grounding boxes and their labels, used by the picture view (under
// its zoom transform) and by "save annotated picture" (at the original resolution), so the two
// always agree. Boxes arrive in model space and become pixels only here: int(x / 1000 * W).
#pragma once

#include <array>

#include <QColor>
#include <QFont>
#include <QImage>
#include <QPolygon>
#include <QRect>
#include <QSize>
#include <QString>
#include <QVector>

#include "app/grounding.h"

class QPainter;

namespace qwenvl::app {

// Model space (0..1000) to a pixel of a picture `size` wide or high, as the official drawer.
int modelToPixel(int v, int size);
// The inverse, for a region the user drew: the smallest model value that maps back to `px`
// (exact when size <= 1000), clamped to 0..1000.
int pixelToModel(int px, int size);
// A rectangle of picture pixels (right and bottom edges exclusive) as model-space corners
// x1, y1, x2, y2, ready for <box>(x1,y1),(x2,y2)</box>.
std::array<int, 4> pixelRectToModel(const QRect& pixels, QSize picture);

struct AnnotationBox {
  QPolygon shape;  // picture pixels: 4 corners (box or quad)
  QColor color;
  QString label;  // empty: no label drawn
  int ref = -1;   // which ref of the reply, for hover and highlight
  bool highlighted = false;
};

// Sizes of the official drawer (detectron2's Visualizer at 100 dpi): font max(sqrt(W*H)//30,
// 15) pt, line max(font/4, 1) pt, label padding 0.7 pt; in picture pixels.
struct AnnotationMetrics {
  double fontPx = 0;
  double lineWidthPx = 0;
  double padPx = 0;
};
AnnotationMetrics annotationMetrics(QSize picture);

// The label font: a CJK system font when installed (Debian: fonts-noto-cjk), so Chinese
// phrases never come out as boxes.
QFont annotationFont(double pixelSize);
QString annotationFontFamily();
// The drawer's label colour: every channel at least 0.2, the strongest at least 0.8.
QColor labelTextColor(const QColor& boxColor);

QVector<AnnotationBox> annotationBoxes(const Grounding& grounding, QSize picture, int highlightedRef = -1);
// Paints in picture pixel coordinates; the caller sets any view transform on the painter.
void paintAnnotations(QPainter& painter, QSize picture, const QVector<AnnotationBox>& boxes);
// The original picture with the boxes drawn on it, at its own resolution (RGB888).
QImage renderAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes);

}  // namespace qwenvl::app
