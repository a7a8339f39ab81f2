// Files from the real window: the annotated picture (PNG at the original resolution: the box
// colour along the box edges, the original pixels elsewhere; JPEG too; Chinese labels with a
// CJK font), conversations saved and opened again, the Markdown export, and the autosave that
// keeps everything but the reply in progress.
#include <QDir>
#include <QFile>
#include <QFontMetricsF>
#include <QImageReader>
#include <QSignalSpy>
#include <QTest>

#include "app/annotation_painter.h"
#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_store.h"
#include "app/file_jobs.h"
#include "app/markdown_export.h"
#include "ui/grounding_overlay.h"
#include "ui/message_bar.h"
#include "ui/picture_pane.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

const char* kReply =
    "<ref>宇航员的头盔</ref><box>(545,668),(1000,1000)</box> and <ref>the flag</ref><box>(0,0),(190,1000)</box>";

bool waitForFile(app::FileJobs* jobs, app::FileJobs::Kind kind, QString* error) {
  QSignalSpy spy(jobs, &app::FileJobs::finished);
  if (!spy.wait(10000)) return false;
  for (const QList<QVariant>& args : spy) {
    if (args.at(0).value<app::FileJobs::Kind>() == kind) {
      *error = args.at(2).toString();
      return true;
    }
  }
  return false;
}

void askWithBoxes(test::ScriptedWindow& w, const QString& picture) {
  app::ScriptedReply r;
  r.text = kReply;
  r.token_delay_ms = 1;
  w.script->push(r);
  test::dropFiles(w.window.get(), {test::fixturePicture(picture)});
  QVERIFY(test::waitForPictures(w.window.get(), w.window->controller()->conversation()->pictures().size() + 1));
  test::ask(w.window.get(), QStringLiteral("框出头盔和旗帜"));
  QVERIFY(test::waitForReply(w.window.get()));
}

}  // namespace

class TestUiAnnotate : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void savedPngHasTheBoxColourOnTheEdgesAndTheOriginalElsewhere() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("astronaut.png"));
    const QString path = w.dir.filePath(QStringLiteral("annotated.png"));
    w.window->saveAnnotatedTo(path);
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::SaveAnnotated, &error));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    const QImage saved = QImage(path).convertToFormat(QImage::Format_RGB888);
    const QImage original = w.window->controller()->conversation()->pictures().front().image;
    QCOMPARE(saved.size(), QSize(512, 512));
    const QColor helmet = app::tableauColor(0), flag = app::tableauColor(1);
    // Box 1 (545,668)-(1000,1000): x 279..512, y 342..512. Box 2 (0,0)-(190,1000): x 0..97.
    const int hx1 = app::modelToPixel(545, 512), hy1 = app::modelToPixel(668, 512);
    const int fx2 = app::modelToPixel(190, 512);
    QCOMPARE(hx1, 279);
    QCOMPARE(hy1, 342);
    const app::AnnotationMetrics m = app::annotationMetrics(QSize(512, 512));
    const QFontMetricsF fm(app::annotationFont(m.fontPx));
    const int labelBottom = hy1 + static_cast<int>(fm.height() + 2 * m.padPx) + 2;
    const int labelRight =
        hx1 + static_cast<int>(fm.horizontalAdvance(QStringLiteral("宇航员的头盔")) + 2 * m.padPx) + 2;
    for (int y = labelBottom; y < 505; y += 3) QCOMPARE(saved.pixelColor(hx1, y), helmet);  // left edge of box 1
    for (int x = labelRight; x < 505; x += 3)
      QCOMPARE(saved.pixelColor(x, hy1), helmet);                                // its top edge past the label
    for (int y = 40; y < 505; y += 3) QCOMPARE(saved.pixelColor(fx2, y), flag);  // right edge of box 2
    // Everywhere off the boxes and labels the original pixels are untouched.
    const int reach = static_cast<int>(std::ceil(m.lineWidthPx / 2)) + 1;
    int compared = 0;
    for (int y = 0; y < 512; y += 2) {
      for (int x = 0; x < 512; x += 2) {
        const bool nearFlag = x <= fx2 + reach;
        const bool nearHelmet = x >= hx1 - reach && y >= hy1 - reach;
        if (nearFlag || nearHelmet) continue;
        QCOMPARE(saved.pixel(x, y), original.pixel(x, y));
        ++compared;
      }
    }
    QVERIFY(compared > 30000);
    // The label is drawn (light text on the dark label box) right under the top-left corner.
    int light = 0;
    for (int y = hy1 + 2; y < labelBottom - 2; ++y) {
      for (int x = hx1 + 2; x < labelRight - 2; ++x) {
        const QColor c = saved.pixelColor(x, y);
        light += std::max({c.red(), c.green(), c.blue()}) > 150;
      }
    }
    QVERIFY(light > 20);
  }

  void chineseLabelsUseACjkFont() {
    QVERIFY2(!app::annotationFontFamily().isEmpty(), "install fonts-noto-cjk");
    const QFontMetricsF fm(app::annotationFont(24));
    for (char32_t c : {U'宇', U'航', U'员', U'头', U'盔'}) QVERIFY(fm.inFontUcs4(c));
  }

  void jpegKeepsTheOriginalResolution() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("chelsea.png"));
    const QString path = w.dir.filePath(QStringLiteral("annotated.jpg"));
    w.window->saveAnnotatedTo(path);
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::SaveAnnotated, &error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QImageReader reader(path);
    QCOMPARE(reader.format(), QByteArray("jpeg"));
    QCOMPARE(reader.size(), QSize(451, 300));
    // JPEG is lossy: the edge is near the box colour.
    const QImage saved = reader.read();
    const QColor edge = saved.pixelColor(app::modelToPixel(190, 451), 200);
    QVERIFY(qAbs(edge.red() - 0xff) < 40 && qAbs(edge.green() - 0x7f) < 40 && qAbs(edge.blue() - 0x0e) < 40);
  }

  void anUnknownSuffixIsRefusedWithAMessage() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("chelsea.png"));
    w.window->saveAnnotatedTo(w.dir.filePath(QStringLiteral("annotated.gif")));
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::SaveAnnotated, &error));
    QVERIFY(error.contains(QStringLiteral(".png")));
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QVERIFY(!QFile::exists(w.dir.filePath(QStringLiteral("annotated.gif"))));
  }

  void aSavedConversationOpensAgain() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("rocket.jpg"));
    const QString path = w.dir.filePath(QStringLiteral("talk.json"));
    w.window->saveConversationTo(path);
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::Save, &error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(QFileInfo(app::ConversationStore::picturesFolder(path)).isDir());
    const app::ConversationData before = w.window->controller()->conversation()->data();

    test::ScriptedWindow other;
    other.window->openConversationFile(path);
    QVERIFY(waitForFile(other.app->fileJobs(), app::FileJobs::Kind::Open, &error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const app::ConversationData after = other.window->controller()->conversation()->data();
    QCOMPARE(after.pictures.size(), 1);
    QCOMPARE(after.pictures[0].bytes, before.pictures[0].bytes);
    QCOMPARE(after.messages.size(), 2);
    QCOMPARE(after.messages[0].query, before.messages[0].query);
    QCOMPARE(after.messages[1].text, QString::fromUtf8(kReply));
    QCOMPARE(after.messages[1].stats.generatedTokens, before.messages[1].stats.generatedTokens);
    QCOMPARE(other.window->picturePane()->strip()->count(), 1);
    QCOMPARE(other.window->picturePane()->overlay()->boxes().size(), 2);
    QVERIFY(other.window->windowTitle().contains(QStringLiteral("talk.json")));
    // The opened history is given to the model: the next question sees it.
    other.script->push(app::ScriptedReply{"ok", 1, 0, {}});
    test::ask(other.window.get(), QStringLiteral("And now?"));
    QVERIFY(test::waitForReply(other.window.get()));
    QCOMPARE(other.window->controller()->conversation()->messages().size(), 4);
  }

  void aDamagedConversationIsRefusedAndChangesNothing() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("rocket.jpg"));
    const QString path = w.dir.filePath(QStringLiteral("broken.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "{\"format\": \"qwenvl-studio-conversation\", \"version\": 1, \"pictures\": [{\"id\": 1, \"file\": "
        "\"missing.png\"}]}");
    f.close();
    w.window->openConversationFile(path);
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::Open, &error));
    QVERIFY(error.contains(QStringLiteral("broken.json")));
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QCOMPARE(w.window->controller()->conversation()->messages().size(), 2);
    QCOMPARE(w.window->controller()->conversation()->pictures().size(), 1);
  }

  void markdownExportHasTheAnnotatedPictures() {
    test::ScriptedWindow w;
    askWithBoxes(w, QStringLiteral("astronaut.png"));
    const QString path = w.dir.filePath(QStringLiteral("export.md"));
    w.window->exportMarkdownTo(path);
    QString error;
    QVERIFY(waitForFile(w.app->fileJobs(), app::FileJobs::Kind::ExportMarkdown, &error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QFile md(path);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(md.readAll());
    // Markup removed, each phrase followed by its box in pixels of the 512 x 512 picture.
    QVERIFY2(text.contains(QStringLiteral("宇航员的头盔 (box 279,342–512,512 px) and the flag (box 0,0–97,512 px)")),
             qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("ref\\>")));
    QVERIFY(!text.contains(QStringLiteral("<box>(545")));
    const int id = w.window->controller()->conversation()->messages()[1].id;
    const QString annotated = QStringLiteral("export_files/reply-%1-boxes.png").arg(id);
    QVERIFY2(text.contains(annotated), qPrintable(text));
    const QImage image(w.dir.filePath(annotated));
    QCOMPARE(image.size(), QSize(512, 512));
    QCOMPARE(image.pixelColor(app::modelToPixel(190, 512), 300), app::tableauColor(1));
    QVERIFY(QFile::exists(w.dir.filePath(QStringLiteral("export_files/picture-1.png"))));
  }

  void autosaveKeepsAllButTheReplyInProgress() {
    test::ScriptedWindow w(true, true);
    askWithBoxes(w, QStringLiteral("rocket.jpg"));
    app::ScriptedReply slow;
    slow.text = "a reply that is still being written when the app goes down, word after word after word";
    slow.token_delay_ms = 30;
    w.script->push(slow);
    test::ask(w.window.get(), QStringLiteral("Second question"));
    QTRY_VERIFY(w.window->controller()->conversation()->messages().size() == 4 &&
                !w.window->controller()->conversation()->messages()[3].text.isEmpty());
    w.app->autosaver()->flush();  // what is on disk at the moment of a crash
    const app::OpenedConversation saved = app::ConversationStore::open(w.app->autosaver()->path());
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.pictures.size(), 1);
    QVERIFY(saved.data.messages.size() >= 3);
    QCOMPARE(saved.data.messages[1].text, QString::fromUtf8(kReply));
    QCOMPARE(saved.data.messages[2].text, QStringLiteral("Second question"));
    QVERIFY(!saved.data.messages[2].query.isEmpty());
  }
};

QTEST_MAIN(TestUiAnnotate)
#include "tst_ui_annotate.moc"
