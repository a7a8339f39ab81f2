// Pictures in the real window: files dropped from a file manager become thumbnails and the
// current picture; a corrupt or non-image file gives an error in the window and changes
// nothing else; pasted image bytes join too; a picture not sent yet can be removed.
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QMimeData>
#include <QTest>

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
    QCOMPARE(pane->strip()->item(0)->text(), QStringLiteral("astronaut.png (new)"));
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
