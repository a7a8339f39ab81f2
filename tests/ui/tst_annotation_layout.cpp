// Box labels (issue 14, defect 2): many crowded boxes get labels that never overlap and never
// leave the picture, the screen keeps them one size at every zoom, refs past the palette get
// number badges and dashed boxes, and the saved picture uses the same placement.
#include <QPainter>
#include <QTest>

#include "app/annotation_painter.h"
#include "app/grounding.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

// `n` refs whose boxes all start near the same corner, the worst case for the drawer's
// top-left labels: "table" next to "table lamp" next to ...
QString crowdedReply(int n) {
  QString s;
  for (int k = 0; k < n; ++k) {
    s += QStringLiteral("<ref>object number %1 with a long name</ref><box>(%2,%3),(%4,%5)</box> ")
             .arg(k)
             .arg(100 + 10 * k)
             .arg(120 + 8 * k)
             .arg(600 + 10 * k)
             .arg(700);
  }
  return s;
}

void checkLayout(const QVector<app::AnnotationBox>& boxes, const app::AnnotationStyle& style, int expected) {
  const QVector<app::PlacedLabel> labels = app::layoutLabels(boxes, style);
  QCOMPARE(labels.size(), expected);
  for (int i = 0; i < labels.size(); ++i) {
    QVERIFY2(style.labelBounds.contains(labels[i].rect), qPrintable(QString::number(i)));
    for (int j = 0; j < i; ++j)
      QVERIFY2(!labels[i].rect.intersects(labels[j].rect), qPrintable(QStringLiteral("%1 %2").arg(i).arg(j)));
  }
}

}  // namespace

class TestAnnotationLayout : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void crowdedLabelsNeitherOverlapNorLeaveThePicture() {
    const app::Grounding g = app::Grounding::parse(crowdedReply(14), true);
    QCOMPARE(g.refs.size(), 14);
    const QSize picture(640, 427);
    const QVector<app::AnnotationBox> boxes = app::annotationBoxes(g, picture);
    checkLayout(boxes, app::fittedFileAnnotationStyle(picture, boxes), 14);
    // Few labels keep the official drawer's size.
    const app::Grounding two = app::Grounding::parse(crowdedReply(2), true);
    QCOMPARE(app::fittedFileAnnotationStyle(picture, app::annotationBoxes(two, picture)).fontPx,
             app::fileAnnotationStyle(picture).fontPx);
    // The first label sits where the official drawer puts it: inside the top-left corner.
    const QVector<app::PlacedLabel> labels = app::layoutLabels(boxes, app::fittedFileAnnotationStyle(picture, boxes));
    QCOMPARE(labels[0].rect.topLeft(), QPointF(boxes[0].shape.boundingRect().topLeft()));
    // A label too long for the picture is elided, not cut by the edge.
    for (const app::PlacedLabel& l : labels) {
      QVERIFY(l.text.endsWith(QChar(0x2026)) || l.text == boxes[l.box].label);
    }
  }

  void screenLabelsKeepTheirSizeAtEveryZoom() {
    const app::Grounding g = app::Grounding::parse(crowdedReply(6), true);
    const QSize picture(1600, 1000);
    const QVector<app::AnnotationBox> boxes = app::annotationBoxes(g, picture);
    QVector<double> heights;
    for (double zoom : {0.23, 1.0, 3.4}) {
      const QTransform t = QTransform::fromScale(zoom, zoom);
      const QRectF visible = QRectF(0, 0, 1200, 800).intersected(t.mapRect(QRectF(QPointF(), QSizeF(picture))));
      const app::AnnotationStyle style = app::screenAnnotationStyle(picture, t, visible, 13);
      QCOMPARE(style.fontPx, 13.0);
      QVERIFY(style.lineWidthPx >= 2 && style.lineWidthPx <= 6);
      const QVector<app::PlacedLabel> labels = app::layoutLabels(boxes, style);
      QVERIFY(!labels.isEmpty());
      heights << labels[0].rect.height();
      for (int i = 0; i < labels.size(); ++i) {
        QVERIFY(visible.contains(labels[i].rect));
        for (int j = 0; j < i; ++j) QVERIFY(!labels[i].rect.intersects(labels[j].rect));
      }
    }
    QCOMPARE(heights[0], heights[1]);
    QCOMPARE(heights[1], heights[2]);
    QVERIFY(heights[0] < 40);  // readable, not a third of the picture
  }

  void morePhrasesThanColoursGetNumbers() {
    const app::Grounding few = app::Grounding::parse(crowdedReply(10), true);
    for (const app::AnnotationBox& b : app::annotationBoxes(few, QSize(640, 427))) QCOMPARE(b.number, 0);
    const app::Grounding many = app::Grounding::parse(crowdedReply(12), true);
    const QVector<app::AnnotationBox> boxes = app::annotationBoxes(many, QSize(640, 427));
    QCOMPARE(boxes[0].number, 1);
    QCOMPARE(boxes[11].number, 12);
    QCOMPARE(boxes[1].color, boxes[11].color);  // the palette repeats, the badge tells them apart
    const QVector<app::PlacedLabel> labels = app::layoutLabels(boxes, app::fileAnnotationStyle(QSize(640, 427)));
    QCOMPARE(labels[11].badge, QStringLiteral("12"));
    QVERIFY(labels[11].badgeWidth > 0);
  }

  void theSavedPictureShowsEveryLabel() {
    QImage blank(640, 427, QImage::Format_RGB32);
    blank.fill(Qt::white);
    const app::Grounding g = app::Grounding::parse(crowdedReply(12), true);
    const QVector<app::AnnotationBox> boxes = app::annotationBoxes(g, blank.size());
    const QImage saved = app::renderAnnotated(blank, boxes).convertToFormat(QImage::Format_RGB32);
    // Every label's background is painted where the layout put it (dark, at alpha 0.8).
    for (const app::PlacedLabel& l : app::layoutLabels(boxes, app::fittedFileAnnotationStyle(blank.size(), boxes))) {
      const QPoint inside = l.rect.topLeft().toPoint() + QPoint(l.badgeWidth > 0 ? int(l.badgeWidth) + 1 : 1, 1);
      QVERIFY2(qGray(saved.pixel(inside)) < 80, qPrintable(l.text));
    }
  }
};

QTEST_MAIN(TestAnnotationLayout)
#include "tst_annotation_layout.moc"
