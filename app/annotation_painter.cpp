// Box and label drawing shared by the screen and the saved pictures; see annotation_painter.h.
#include "app/annotation_painter.h"

#include <QFontDatabase>
#include <QFontMetricsF>
#include <QPainter>
#include <QPen>
#include <algorithm>
#include <cmath>

#include "qwenvl/grounding.h"

namespace qwenvl::app {

namespace {
constexpr double kDpi = 100.0;  // matplotlib's default figure dpi, used by the official drawer
double pointsToPixels(double pt) { return pt * kDpi / 72.0; }
}  // namespace

int modelToPixel(int v, int size) { return grounding_to_pixel(v, size); }

int pixelToModel(int px, int size) {
  if (size <= 0) return 0;
  px = std::clamp(px, 0, size);
  // Smallest v with int(v / 1000 * size) >= px, in integers: ceil(px * 1000 / size).
  long long v = (static_cast<long long>(px) * 1000 + size - 1) / size;
  while (v > 0 && modelToPixel(static_cast<int>(v - 1), size) >= px) --v;
  while (v < 1000 && modelToPixel(static_cast<int>(v), size) < px) ++v;
  return static_cast<int>(std::clamp<long long>(v, 0, 1000));
}

std::array<int, 4> pixelRectToModel(const QRect& pixels, QSize picture) {
  const QRect r = pixels.normalized();
  return {pixelToModel(r.left(), picture.width()), pixelToModel(r.top(), picture.height()),
          pixelToModel(r.left() + r.width(), picture.width()), pixelToModel(r.top() + r.height(), picture.height())};
}

AnnotationMetrics annotationMetrics(QSize picture) {
  const double area = static_cast<double>(picture.width()) * picture.height();
  const double fontPt = std::max(std::floor(std::sqrt(area) / 30.0), 15.0);
  AnnotationMetrics m;
  m.fontPx = pointsToPixels(fontPt);
  m.lineWidthPx = pointsToPixels(std::max(fontPt / 4.0, 1.0));
  m.padPx = pointsToPixels(0.7);
  return m;
}

QString annotationFontFamily() {
  static const QString family = [] {
    const QStringList families = QFontDatabase::families();
    for (const char* wanted : {"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                               "Noto Sans CJK JP", "Droid Sans Fallback"}) {
      if (families.contains(QString::fromLatin1(wanted))) return QString::fromLatin1(wanted);
    }
    return QString();
  }();
  return family;
}

QFont annotationFont(double pixelSize) {
  QFont font;
  const QString family = annotationFontFamily();
  if (!family.isEmpty()) font.setFamilies({family});
  font.setPixelSize(std::max(1, static_cast<int>(std::lround(pixelSize))));
  return font;
}

QColor labelTextColor(const QColor& boxColor) {
  double c[3] = {boxColor.redF(), boxColor.greenF(), boxColor.blueF()};
  for (double& v : c) v = std::max(v, 0.2);
  double* strongest = std::max_element(c, c + 3);
  *strongest = std::max(*strongest, 0.8);
  return QColor::fromRgbF(static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2]));
}

QVector<AnnotationBox> annotationBoxes(const Grounding& grounding, QSize picture, int highlightedRef) {
  QVector<AnnotationBox> out;
  const int w = picture.width();
  const int h = picture.height();
  for (const GroundedBox& b : grounding.boxes) {
    AnnotationBox a;
    if (b.quad && b.points.size() == 4) {
      for (const QPoint& p : b.points) a.shape << QPoint(modelToPixel(p.x(), w), modelToPixel(p.y(), h));
    } else if (b.points.size() >= 2) {
      const int x1 = modelToPixel(b.points[0].x(), w), y1 = modelToPixel(b.points[0].y(), h);
      const int x2 = modelToPixel(b.points[1].x(), w), y2 = modelToPixel(b.points[1].y(), h);
      a.shape << QPoint(x1, y1) << QPoint(x2, y1) << QPoint(x2, y2) << QPoint(x1, y2);
    } else {
      continue;
    }
    a.color = tableauColor(b.colorIndex);
    a.label = grounding.labelOf(b);
    a.ref = b.ref;
    a.highlighted = highlightedRef >= 0 && b.ref == highlightedRef;
    out.push_back(a);
  }
  return out;
}

void paintAnnotations(QPainter& painter, QSize picture, const QVector<AnnotationBox>& boxes) {
  const AnnotationMetrics m = annotationMetrics(picture);
  painter.save();
  const QFont font = annotationFont(m.fontPx);
  const QFontMetricsF fm(font);
  for (const AnnotationBox& box : boxes) {
    const bool axisAligned =
        box.shape.size() == 4 && box.shape[0].y() == box.shape[1].y() && box.shape[1].x() == box.shape[2].x();
    QPen pen(box.color);
    pen.setWidthF(box.highlighted ? m.lineWidthPx * 1.75 : m.lineWidthPx);
    pen.setJoinStyle(Qt::MiterJoin);
    painter.setPen(pen);
    if (box.highlighted) {
      QColor fill = box.color;
      fill.setAlpha(60);
      painter.setBrush(fill);
    } else {
      painter.setBrush(Qt::NoBrush);
    }
    // Upright boxes stay crisp (exactly the box colour along the edge); quads are smoothed.
    painter.setRenderHint(QPainter::Antialiasing, !axisAligned);
    if (axisAligned) {
      painter.drawRect(QRectF(QPointF(box.shape[0]), QPointF(box.shape[2])).normalized());
    } else {
      painter.drawPolygon(box.shape);
    }
  }
  // Labels after all boxes, so that no box line crosses a label.
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setRenderHint(QPainter::TextAntialiasing, true);
  painter.setFont(font);
  for (const AnnotationBox& box : boxes) {
    if (box.label.isEmpty() || box.shape.isEmpty()) continue;
    const QRect bounds = box.shape.boundingRect();
    const QSizeF text(fm.horizontalAdvance(box.label), fm.height());
    QRectF bg(QPointF(bounds.left(), bounds.top()), QSizeF(text.width() + 2 * m.padPx, text.height() + 2 * m.padPx));
    if (bg.right() > picture.width()) bg.moveRight(picture.width());
    if (bg.bottom() > picture.height()) bg.moveBottom(picture.height());
    bg.moveLeft(std::max(0.0, bg.left()));
    bg.moveTop(std::max(0.0, bg.top()));
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0, 0, 0, 204));  // black at alpha 0.8, as the drawer's label box
    painter.drawRect(bg);
    painter.setPen(labelTextColor(box.color));
    painter.drawText(bg.adjusted(m.padPx, m.padPx, -m.padPx, -m.padPx), Qt::AlignLeft | Qt::AlignTop, box.label);
  }
  painter.restore();
}

QImage renderAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes) {
  QImage canvas = original.convertToFormat(QImage::Format_RGB32);
  {
    QPainter painter(&canvas);
    paintAnnotations(painter, canvas.size(), boxes);
  }
  return canvas.convertToFormat(QImage::Format_RGB888);
}

}  // namespace qwenvl::app
