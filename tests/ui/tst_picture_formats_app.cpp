// The app side of the picture formats (issue 14, feature 5): every format make_format_goldens.py
// writes is accepted by the importer (files, drops, clipboard bytes) and shows exactly the pixels
// Pillow gives; the Add Pictures filter lists the formats; stored copies keep the right extension;
// an EXIF rotation the model does not apply, and an animation of which only the first frame
// counts, are said to the user.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include "app/chat_controller.h"
#include "app/picture_formats.h"
#include "app/picture_importer.h"
#include "ui/image_canvas.h"
#include "ui/message_bar.h"
#include "ui/mime_pictures.h"
#include "ui/picture_pane.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

QString goldens() { return QStringLiteral(QWENVL_FORMAT_GOLDENS_DIR); }

QJsonArray cases() {
  QFile f(goldens() + QStringLiteral("/manifest.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("cases")).toArray();
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestPictureFormatsApp : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    test::initUiTestApplication();
    QVERIFY2(cases().size() >= 200, "make_format_goldens.py has not run (CTest fixture format_goldens)");
  }

  void fileDialogListsEveryFormat() {
    const QString filter = app::PictureFormats::fileDialogFilter();
    for (const char* ext : {"*.jpg", "*.jpeg", "*.png", "*.gif", "*.bmp", "*.webp", "*.tif", "*.tiff"})
      QVERIFY2(filter.contains(QLatin1String(ext)), ext);
    QVERIFY(filter.contains(QLatin1String(";;")));  // and "All files"
  }

  // Every picture Pillow opens is imported from its file with Pillow's pixels; every picture
  // Pillow refuses gives an error naming the file.
  void everyFormatImportsAsPillowSeesIt() {
    int imported = 0, refused = 0;
    for (const QJsonValue& v : cases()) {
      const QJsonObject e = v.toObject();
      const QString name = e.value(QStringLiteral("name")).toString();
      const QString path = goldens() + QLatin1Char('/') + e.value(QStringLiteral("file")).toString();
      app::PictureSource s;
      s.path = path;
      const app::ImportResult r = app::PictureImporter::importOne(s);
      if (e.contains(QStringLiteral("error"))) {
        QVERIFY2(!r.error.isEmpty(), qPrintable(name));
        QVERIFY2(r.error.contains(e.value(QStringLiteral("file")).toString()), qPrintable(r.error));
        ++refused;
        continue;
      }
      QVERIFY2(r.error.isEmpty(), qPrintable(name + QStringLiteral(": ") + r.error));
      QCOMPARE(r.item.image.width(), e.value(QStringLiteral("width")).toInt());
      QCOMPARE(r.item.image.height(), e.value(QStringLiteral("height")).toInt());
      QVERIFY(!r.item.thumbnail.isNull());
      // The picture shown is the model's: byte for byte Pillow's convert("RGB") (JPEG data aside,
      // where another libjpeg-turbo may differ; tst_picture_formats bounds that).
      if (!e.value(QStringLiteral("libjpeg")).toBool() && !e.value(QStringLiteral("webp_lossy")).toBool() &&
          !e.contains(QStringLiteral("pillow_min"))) {
        const QByteArray want = readAll(goldens() + QLatin1Char('/') + name + QStringLiteral(".full.rgb"));
        const QByteArray got(reinterpret_cast<const char*>(r.item.picture->rgb.data()),
                             qsizetype(r.item.picture->rgb.size()));
        QVERIFY2(got == want, qPrintable(name));
      }
      // The stored copy keeps an extension that names its format.
      const QString ext = app::PictureFormats::extensionFor(r.item.bytes);
      const QString file = e.value(QStringLiteral("file")).toString();
      QVERIFY2(!ext.isEmpty() && file.endsWith(QLatin1Char('.') + ext), qPrintable(file + QStringLiteral(" ") + ext));
      ++imported;
    }
    QVERIFY(imported >= 200);
    QVERIFY(refused >= 3);
  }

  // Notes: EXIF rotation (JPEG, PNG, WebP; TIFF is turned, as Pillow does), animation.
  void notesSayWhatTheModelSees() {
    for (const QJsonValue& v : cases()) {
      const QJsonObject e = v.toObject();
      if (e.contains(QStringLiteral("error"))) continue;
      const QString name = e.value(QStringLiteral("name")).toString();
      const QByteArray bytes = readAll(goldens() + QLatin1Char('/') + e.value(QStringLiteral("file")).toString());
      const QString note = app::PictureFormats::modelViewNote(bytes);
      const bool tiff = name.startsWith(QLatin1String("tiff_")) || name.startsWith(QLatin1String("exif6_tiff"));
      const int orientation = e.value(QStringLiteral("exif_orientation")).toInt();
      const bool animated = name.contains(QLatin1String("animated"));
      QVERIFY2(app::PictureFormats::exifOrientation(bytes) == (tiff ? 0 : orientation), qPrintable(name));
      QVERIFY2(app::PictureFormats::isAnimated(bytes) == animated, qPrintable(name));
      if (!tiff && orientation > 1)
        QVERIFY2(note.contains(QString::number(orientation)), qPrintable(name + QStringLiteral(": ") + note));
      else if (animated)
        QVERIFY2(note.contains(QLatin1String("first frame")), qPrintable(name + QStringLiteral(": ") + note));
      else
        QVERIFY2(note.isEmpty(), qPrintable(name + QStringLiteral(": ") + note));
    }
    app::PictureSource s;
    s.path = goldens() + QStringLiteral("/exif6_jpeg_37x23.jpg");
    const app::ImportResult r = app::PictureImporter::importOne(s);
    QVERIFY(r.error.isEmpty());
    QVERIFY2(r.note.contains(QLatin1String("exif6_jpeg_37x23.jpg")) && r.note.contains(QLatin1String("6")),
             qPrintable(r.note));
  }

  // Clipboard and drops with encoded bytes of the new formats (no file URL) become pictures.
  void encodedMimeBytesOfEveryFormat() {
    const QList<QPair<QString, QString>> kinds = {
        {QStringLiteral("image/webp"), QStringLiteral("webp_lossless_37x23.webp")},
        {QStringLiteral("image/gif"), QStringLiteral("gif_palette_37x23.gif")},
        {QStringLiteral("image/bmp"), QStringLiteral("bmp_rgb24_37x23.bmp")},
        {QStringLiteral("image/tiff"), QStringLiteral("tiff_rgb_lzw_37x23.tif")}};
    for (const auto& [type, file] : kinds) {
      QMimeData mime;
      mime.setData(type, readAll(goldens() + QLatin1Char('/') + file));
      QVERIFY2(ui::mimeHasPictures(&mime), qPrintable(type));
      const QList<app::PictureSource> sources = ui::picturesFromMime(&mime);
      QCOMPARE(sources.size(), 1);
      const app::ImportResult r = app::PictureImporter::importOne(sources.first());
      QVERIFY2(r.error.isEmpty(), qPrintable(type + QStringLiteral(": ") + r.error));
      QCOMPARE(r.item.image.size(), QSize(37, 23));
    }
  }

  // In the window: dropped GIF, BMP, WebP and TIFF files become thumbnails showing the model's
  // pixels; an EXIF-rotated JPEG is shown unrotated, and the message bar and its thumbnail's
  // tooltip say why.
  void droppedIntoTheWindow() {
    test::ScriptedWindow w(false);
    const QStringList files = {QStringLiteral("gif_animated_37x23.gif"), QStringLiteral("bmp_rle8_37x23.bmp"),
                               QStringLiteral("webp_lossless_alpha_37x23.webp"), QStringLiteral("tiff_cmyk_37x23.tif")};
    QStringList paths;
    for (const QString& f : files) paths << goldens() + QLatin1Char('/') + f;
    test::dropFiles(w.window.get(), paths);
    QVERIFY(test::waitForPictures(w.window.get(), 4));
    ui::PicturePane* pane = w.window->picturePane();
    QCOMPARE(pane->strip()->count(), 4);
    const auto& pictures = w.window->controller()->conversation()->pictures();
    for (int i = 0; i < 4; ++i) {
      const QString stem = files[i].section(QLatin1Char('.'), 0, 0);
      const QByteArray want = readAll(goldens() + QLatin1Char('/') + stem + QStringLiteral(".full.rgb"));
      const auto& rgb = pictures[i].picture->rgb;
      QVERIFY2(QByteArray(reinterpret_cast<const char*>(rgb.data()), qsizetype(rgb.size())) == want,
               qPrintable(files[i]));
    }
    // The animation's note (first frame only) came with the drop.
    QTRY_VERIFY_WITH_TIMEOUT(w.window->messageBar()->isVisible(), 5000);
    QCOMPARE(w.window->messageBar()->kind(), ui::MessageBar::Kind::Information);
    QVERIFY2(w.window->messageBar()->text().contains(QLatin1String("first frame")),
             qPrintable(w.window->messageBar()->text()));

    test::dropFiles(w.window.get(), {goldens() + QStringLiteral("/exif6_jpeg_37x23.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 5));
    QCOMPARE(pane->canvas()->imageSize(), QSize(37, 23));  // as stored, not turned to 23 x 37
    QTRY_VERIFY_WITH_TIMEOUT(w.window->messageBar()->text().contains(QLatin1String("EXIF orientation 6")), 5000);
    QCOMPARE(w.window->messageBar()->kind(), ui::MessageBar::Kind::Information);
    QVERIFY2(pane->strip()->item(4)->toolTip().contains(QLatin1String("EXIF orientation 6")),
             qPrintable(pane->strip()->item(4)->toolTip()));
    QVERIFY(!pane->strip()->item(2)->toolTip().contains(QLatin1String("EXIF")));
  }

  void unknownBytesHaveNoExtension() {
    QVERIFY(app::PictureFormats::extensionFor(QByteArray("hello")).isEmpty());
    QVERIFY(app::PictureFormats::extensionFor(QByteArray()).isEmpty());
    // Malformed metadata is not an orientation and does not crash the parsers.
    QByteArray jpeg("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00", 12);
    QCOMPARE(app::PictureFormats::exifOrientation(jpeg), 0);
    QByteArray gif("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13);
    QVERIFY(!app::PictureFormats::isAnimated(gif));
    gif += QByteArray("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\xff", 10);
    QVERIFY(!app::PictureFormats::isAnimated(gif));
  }
};

QTEST_MAIN(TestPictureFormatsApp)
#include "tst_picture_formats_app.moc"
