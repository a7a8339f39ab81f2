// Pictures in the real window: files dropped from a file manager become thumbnails and the
// current picture; a corrupt or non-image file gives an error in the window and changes
// nothing else; pasted image bytes join too; a picture not sent yet can be removed.
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QMimeData>
#include <QTest>
#include <QWheelEvent>

#include "app/chat_controller.h"
#include "ui/actions.h"
#include "ui/image_canvas.h"
#include "ui/message_bar.h"
#include "ui/picture_pane.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

class TestUiPictures : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void twoDroppedFilesGiveTwoThumbnails() {
    test::ScriptedWindow w(false);
    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png"), test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    ui::PicturePane* pane = w.window->picturePane();
    QCOMPARE(pane->strip()->count(), 2);
    // The caption is the whole name; "not sent yet" is a mark on the tile and in the tool tip.
    QCOMPARE(pane->strip()->item(0)->text(), QStringLiteral("astronaut.png"));
    QVERIFY(pane->strip()->item(0)->toolTip().contains(QStringLiteral("not sent yet")));
    // The last dropped picture is shown, at its own size and aspect ratio.
    QCOMPARE(pane->canvas()->imageSize(), QSize(640, 427));
    const QRectF shown = pane->canvas()->imageRectInView();
    QVERIFY(qAbs(shown.width() / shown.height() - 640.0 / 427.0) < 0.01);
    QVERIFY(!w.window->messageBar()->isVisible());
  }

  void corruptFileShowsErrorAndChangesNothingElse_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("truncated") << QStringLiteral("truncated.jpg");
    QTest::newRow("not an image") << QStringLiteral("not_an_image.jpg");
  }

  void corruptFileShowsErrorAndChangesNothingElse() {
    QFETCH(QString, file);
    test::ScriptedWindow w(false);
    test::dropFiles(w.window.get(), {test::fixturePicture("chelsea.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    ui::PicturePane* pane = w.window->picturePane();
    const int shownBefore = pane->currentPictureId();
    const QImage imageBefore = pane->canvas()->image();

    test::dropFiles(w.window.get(), {test::fixturePicture(file)});
    QTRY_VERIFY_WITH_TIMEOUT(w.window->messageBar()->isVisible(), 5000);
    QCOMPARE(w.window->messageBar()->kind(), ui::MessageBar::Kind::Error);
    QVERIFY2(w.window->messageBar()->text().contains(file), qPrintable(w.window->messageBar()->text()));
    QCOMPARE(w.window->controller()->conversation()->pictures().size(), 1);
    QCOMPARE(pane->strip()->count(), 1);
    QCOMPARE(pane->currentPictureId(), shownBefore);
    QCOMPARE(pane->canvas()->image(), imageBefore);
    QVERIFY(w.window->controller()->conversation()->messages().isEmpty());
  }

  void goodFilesOfAMixedDropAreKept() {
    test::ScriptedWindow w(false);
    test::dropFiles(w.window.get(), {test::fixturePicture("coffee.png"), test::fixturePicture("truncated.jpg"),
                                     test::fixturePicture("logo.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QVERIFY(w.window->messageBar()->text().contains(QStringLiteral("truncated.jpg")));
    const auto& pictures = w.window->controller()->conversation()->pictures();
    QCOMPARE(pictures[0].name, QStringLiteral("coffee.png"));
    QCOMPARE(pictures[1].name, QStringLiteral("logo.png"));
  }

  void pastedImageBytesBecomeAPicture() {
    test::ScriptedWindow w(false);
    QImage image(40, 30, QImage::Format_RGB888);
    image.fill(QColor(10, 200, 30));
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    QVERIFY(image.save(&buffer, "PNG"));
    auto* mime = new QMimeData;
    mime->setData(QStringLiteral("image/png"), png);
    QGuiApplication::clipboard()->setMimeData(mime);
    w.window->picturePane()->canvas()->setFocus();
    w.window->actions()->pastePicture->trigger();
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    const app::PictureItem& p = w.window->controller()->conversation()->pictures().front();
    QCOMPARE(p.image.size(), QSize(40, 30));
    QCOMPARE(p.image.pixelColor(5, 5), QColor(10, 200, 30));
    QCOMPARE(p.bytes, png);  // stored as given, so a saved conversation keeps exactly this
  }

  void thePictureZoomsAndPans() {
    test::ScriptedWindow w(false);
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
    QVERIFY(canvas->isFitting());
    const double fit = canvas->zoom();
    const QRectF fitted = canvas->imageRectInView();
    QVERIFY(fitted.width() <= canvas->width() + 0.5 && fitted.height() <= canvas->height() + 0.5);

    // The wheel zooms around the cursor: the picture point under it stays under it. Three
    // notches, so that the picture overflows the view both ways whatever the view's shape (a
    // picture smaller than the view is centred instead).
    const QPointF at = fitted.topLeft() + QPointF(fitted.width() * 0.3, fitted.height() * 0.6);
    const QPointF under = canvas->mapToImage(at);
    QWheelEvent wheel(at, canvas->mapToGlobal(at), QPoint(), QPoint(0, 360), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(canvas, &wheel);
    QVERIFY(qAbs(canvas->zoom() - fit * 1.953125) < 1e-9);
    const QPointF stays = canvas->mapToView(under);
    QVERIFY2((stays - at).manhattanLength() < 1.0, qPrintable(QStringLiteral("%1,%2").arg(stays.x()).arg(stays.y())));

    // Dragging pans; the picture cannot be dragged out of the view.
    const QPointF before = canvas->mapToView(QPointF(0, 0));
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(200, 200));
    QTest::mouseMove(canvas, QPoint(150, 170));
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(150, 170));
    const QPointF after = canvas->mapToView(QPointF(0, 0));
    QVERIFY(after.x() < before.x());
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(10, 10));
    QTest::mouseMove(canvas, QPoint(canvas->width() - 5, canvas->height() - 5));
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(canvas->width() - 5, canvas->height() - 5));
    const QRectF r = canvas->imageRectInView();
    QVERIFY(r.left() <= 0.5 && r.top() <= 0.5 + std::max(0.0, (canvas->height() - r.height()) / 2));

    // The keyboard: Ctrl+= zooms in, Ctrl+0 fits again, Ctrl+1 shows every pixel.
    QApplication::setActiveWindow(w.window.get());
    QTest::keyClick(w.window.get(), Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(canvas->zoom(), fit);
    QTest::keyClick(w.window.get(), Qt::Key_Equal, Qt::ControlModifier);
    QVERIFY(canvas->zoom() > fit);
    QTest::keyClick(w.window.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(canvas->zoom(), 1.0);
  }

  void pictureNotSentYetCanBeRemoved() {
    test::ScriptedWindow w(false);
    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png"), test::fixturePicture("chelsea.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    ui::ThumbnailStrip* strip = w.window->picturePane()->strip();
    strip->setFocus();
    strip->setCurrentRow(0);
    QTest::keyClick(strip, Qt::Key_Delete);
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    QCOMPARE(strip->count(), 1);
    QCOMPARE(w.window->controller()->conversation()->pictures().front().name, QStringLiteral("chelsea.png"));
  }
};

QTEST_MAIN(TestUiPictures)
#include "tst_ui_pictures.moc"
