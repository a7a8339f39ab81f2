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
    if (grounding.refs.size() > kTableauColors && b.ref >= 0) a.number = b.ref + 1;
    out.push_back(a);
  }
  return out;
}

AnnotationStyle fileAnnotationStyle(QSize picture) {
  const AnnotationMetrics m = annotationMetrics(picture);
  AnnotationStyle s;
  s.fontPx = m.fontPx;
  s.lineWidthPx = m.lineWidthPx;
  s.padPx = m.padPx;
  s.labelBounds = QRectF(QPointF(0, 0), QSizeF(picture));
  return s;
}

AnnotationStyle screenAnnotationStyle(QSize picture, const QTransform& toView, const QRectF& visible, double fontPx) {
  const AnnotationMetrics m = annotationMetrics(picture);
  const double zoom = std::sqrt(std::abs(toView.determinant()));
  AnnotationStyle s;
  s.fontPx = fontPx;
  s.lineWidthPx = std::clamp(m.lineWidthPx * zoom, 2.0, 6.0);
  s.padPx = std::max(2.0, fontPx * 0.15);
  s.toTarget = toView;
  s.labelBounds = visible;
  return s;
}

namespace {

bool isFree(const QRectF& r, const QVector<PlacedLabel>& placed) {
  for (const PlacedLabel& p : placed) {
    if (p.rect.intersects(r)) return false;
  }
  return true;
}

double overlap(const QRectF& r, const QVector<PlacedLabel>& placed) {
  double area = 0;
  for (const PlacedLabel& p : placed) {
    const QRectF i = p.rect.intersected(r);
    area += i.width() * i.height();
  }
  return area;
}

QRectF keepInside(QRectF r, const QRectF& bounds) {
  if (r.right() > bounds.right()) r.moveRight(bounds.right());
  if (r.bottom() > bounds.bottom()) r.moveBottom(bounds.bottom());
  if (r.left() < bounds.left()) r.moveLeft(bounds.left());
  if (r.top() < bounds.top()) r.moveTop(bounds.top());
  return r;
}

bool axisAligned(const QPolygonF& shape) {
  return shape.size() == 4 && shape[0].y() == shape[1].y() && shape[1].x() == shape[2].x() &&
         shape[2].y() == shape[3].y() && shape[3].x() == shape[0].x();
}

}  // namespace

QVector<PlacedLabel> layoutLabels(const QVector<AnnotationBox>& boxes, const AnnotationStyle& style) {
  QVector<PlacedLabel> placed;
  if (style.labelBounds.isEmpty()) return placed;
  const QFont font = annotationFont(style.fontPx);
  const QFontMetricsF fm(font);
  QFont badgeFont = font;
  badgeFont.setBold(true);
  const QFontMetricsF bfm(badgeFont);
  const double pad = style.padPx;
  const double h = fm.height() + 2 * pad;
  // A long label may take most of the width, never more: it is elided, not cut at the edge.
  const double maxText =
      std::max(style.labelBounds.width() * 0.6, std::min(style.labelBounds.width(), 12 * fm.height())) - 2 * pad;
  for (int i = 0; i < boxes.size(); ++i) {
    const AnnotationBox& box = boxes[i];
    if (box.shape.isEmpty() || (box.label.isEmpty() && box.number <= 0)) continue;
    PlacedLabel label;
    label.box = i;
    if (box.number > 0) {
      label.badge = QString::number(box.number);
      label.badgeWidth = bfm.horizontalAdvance(label.badge) + 2 * pad;
    }
    const double room = std::max(0.0, maxText - label.badgeWidth);
    label.text = fm.elidedText(box.label, Qt::ElideRight, room);
    const double textWidth = label.text.isEmpty() ? 0 : fm.horizontalAdvance(label.text) + 2 * pad;
    const QSizeF size(label.badgeWidth + textWidth, h);
    const QRectF b = style.toTarget.map(QPolygonF(box.shape)).boundingRect();
    const double w = size.width();
    const QPointF corners[] = {
        {b.left(), b.top()},           // inside, top left: the official drawer's place
        {b.left(), b.top() - h},       // above the box
        {b.left(), b.bottom()},        // below the box
        {b.left(), b.bottom() - h},    // inside, bottom left
        {b.right() - w, b.top()},      // inside, top right
        {b.right() - w, b.top() - h},  // above, right aligned
        {b.right() - w, b.bottom()},   // below, right aligned
        {b.right() - w, b.bottom() - h},
    };
    QVector<QRectF> candidates;
    for (const QPointF& c : corners) candidates.push_back(keepInside(QRectF(c, size), style.labelBounds));
    bool found = false;
    for (const QRectF& c : candidates) {
      if (isFree(c, placed)) {
        label.rect = c;
        found = true;
        break;
      }
    }
    // Nudged: the nearest free row below or above the box's corners, then the least crowded place.
    for (int k = 1; !found && k <= 60; ++k) {
      for (const QRectF& from : {candidates[0], candidates[4]}) {
        for (double dir : {1.0, -1.0}) {
          const QRectF c = keepInside(from.translated(0, dir * k * h), style.labelBounds);
          if (!found && isFree(c, placed)) {
            label.rect = c;
            found = true;
          }
        }
      }
    }
    if (!found) {
      label.rect = candidates.front();
      for (const QRectF& c : candidates) {
        if (overlap(c, placed) < overlap(label.rect, placed)) label.rect = c;
      }
    }
    placed.push_back(label);
  }
  return placed;
}

void paintAnnotations(QPainter& painter, const QVector<AnnotationBox>& boxes, const AnnotationStyle& style) {
  painter.save();
  for (const AnnotationBox& box : boxes) {
    const QPolygonF shape = style.toTarget.map(QPolygonF(box.shape));
    const bool upright = axisAligned(shape);
    QPen pen(box.color);
    pen.setWidthF(box.highlighted ? style.lineWidthPx * 1.75 : style.lineWidthPx);
    pen.setJoinStyle(Qt::MiterJoin);
    // Refs past the palette's first round are dashed (their number badge says which is which).
    if (box.ref >= kTableauColors && (box.ref / kTableauColors) % 2 == 1) pen.setStyle(Qt::DashLine);
    painter.setPen(pen);
    if (box.highlighted) {
      QColor fill = box.color;
      fill.setAlpha(60);
      painter.setBrush(fill);
    } else {
      painter.setBrush(Qt::NoBrush);
    }
    // Upright boxes stay crisp (exactly the box colour along the edge); quads are smoothed.
    painter.setRenderHint(QPainter::Antialiasing, !upright);
    if (upright) {
      painter.drawRect(QRectF(shape[0], shape[2]).normalized());
    } else {
      painter.drawPolygon(shape);
    }
  }
  // Labels after all boxes, so that no box line crosses a label.
  const QFont font = annotationFont(style.fontPx);
  QFont badgeFont = font;
  badgeFont.setBold(true);
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setRenderHint(QPainter::TextAntialiasing, true);
  const double pad = style.padPx;
  for (const PlacedLabel& label : layoutLabels(boxes, style)) {
    const AnnotationBox& box = boxes[label.box];
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0, 0, 0, 204));  // black at alpha 0.8, as the drawer's label box
    painter.drawRect(label.rect);
    QRectF textRect = label.rect;
    if (!label.badge.isEmpty()) {
      const QRectF badge(label.rect.topLeft(), QSizeF(label.badgeWidth, label.rect.height()));
      painter.setBrush(box.color);
      painter.drawRect(badge);
      painter.setPen(qGray(box.color.rgb()) > 140 ? Qt::black : Qt::white);
      painter.setFont(badgeFont);
      painter.drawText(badge, Qt::AlignCenter, label.badge);
      textRect.setLeft(badge.right());
    }
    if (label.text.isEmpty()) continue;
    painter.setFont(font);
    painter.setPen(labelTextColor(box.color));
    painter.drawText(textRect.adjusted(pad, pad, -pad, -pad), Qt::AlignLeft | Qt::AlignTop, label.text);
  }
  painter.restore();
}

AnnotationStyle fittedFileAnnotationStyle(QSize picture, const QVector<AnnotationBox>& boxes) {
  const AnnotationStyle official = fileAnnotationStyle(picture);
  // The drawer's size while its labels fit; smaller (down to 55 %) when they would overlap.
  for (double scale : {1.0, 0.85, 0.7, 0.55}) {
    AnnotationStyle s = official;
    s.fontPx = official.fontPx * scale;
    const QVector<PlacedLabel> labels = layoutLabels(boxes, s);
    bool overlapping = false;
    for (int i = 0; i < labels.size() && !overlapping; ++i) {
      for (int j = 0; j < i && !overlapping; ++j) overlapping = labels[i].rect.intersects(labels[j].rect);
    }
    if (!overlapping || scale == 0.55) return s;
  }
  return official;
}

void paintAnnotations(QPainter& painter, QSize picture, const QVector<AnnotationBox>& boxes) {
  paintAnnotations(painter, boxes, fittedFileAnnotationStyle(picture, boxes));
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
