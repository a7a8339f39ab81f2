// The one routine that draws grounding boxes and their labels, used by the picture view (labels
// at a constant screen size) and by "save annotated picture" (at the original resolution), so
// the two always agree on placement and colours. Boxes arrive in model space and become pixels only here: int(x / 1000
// * W).
#pragma once

#include <array>

#include <QColor>
#include <QFont>
#include <QImage>
#include <QPolygon>
#include <QRect>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QTransform>
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
  // 1-based number badge drawn before the label, 0 for none: set when a reply has more refs
  // than the palette has colours, so that two refs of one colour can still be told apart.
  int number = 0;
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

// How boxes and labels are drawn onto a painter: sizes in the painter's coordinates, the map
// from picture pixels to them, and the rectangle labels must stay inside (they are moved in,
// never cut).
struct AnnotationStyle {
  double fontPx = 0;
  double lineWidthPx = 0;
  double padPx = 0;
  QTransform toTarget;
  QRectF labelBounds;
};
// A saved picture: the official drawer's sizes at the picture's own resolution.
AnnotationStyle fileAnnotationStyle(QSize picture);
// As fileAnnotationStyle, with labels made smaller (to 55 %) while they would overlap.
AnnotationStyle fittedFileAnnotationStyle(QSize picture, const QVector<AnnotationBox>& boxes);
// The screen: labels `fontPx` high whatever the zoom, lines 2..6 px; `visible` is the part of
// the view where labels may go.
AnnotationStyle screenAnnotationStyle(QSize picture, const QTransform& toView, const QRectF& visible, double fontPx);

struct PlacedLabel {
  int box = -1;   // index into the boxes
  QRectF rect;    // in the painter's coordinates, background included
  QString text;   // the label as drawn (elided when wider than the bounds allow)
  QString badge;  // the number badge, empty for none
  double badgeWidth = 0;
};
// Where each label goes: inside the box's top-left corner as the official drawer puts it when
// that is free, else just outside above, below, at the other corners, then nudged away from the
// labels already placed; labels never overlap each other while there is room for them.
QVector<PlacedLabel> layoutLabels(const QVector<AnnotationBox>& boxes, const AnnotationStyle& style);

// Paints boxes and labels in the painter's own coordinates (style.toTarget maps the boxes).
void paintAnnotations(QPainter& painter, const QVector<AnnotationBox>& boxes, const AnnotationStyle& style);
// In picture pixel coordinates at the official sizes (a saved picture).
void paintAnnotations(QPainter& painter, QSize picture, const QVector<AnnotationBox>& boxes);
// The original picture with the boxes drawn on it, at its own resolution (RGB888).
QImage renderAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes);

}  // namespace qwenvl::app
