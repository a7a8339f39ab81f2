// What people expect of a chat app (issue 14, defects 5-7 and features 3, 4, 7, 8): the window
// lights up while pictures are dragged over it and says when a picture is dropped twice; the
// question box grows with its text; a button jumps back down to the newest message; presets
// ask in one click; a question shows the pictures it sent and clicking one shows it; dark
// colours and the text size follow the settings; Tab reaches the picture's tools in order, the
// views show a focus ring, the View menu's access keys are unique; the window at its minimum
// size keeps the strip small and the buttons inside the conversation; replies show Markdown
// tables and code blocks (with Copy code), and Copy gives the Markdown (defect 4).
#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QDragLeaveEvent>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextTable>
#include <QToolBar>
#include <QToolButton>
#include <memory>

#include "app/chat_controller.h"
#include "ui/actions.h"
#include "ui/appearance.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/image_canvas.h"
#include "ui/message_bar.h"
#include "ui/message_view.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/prompt_presets.h"
#include "ui/region_dialog.h"
#include "ui/screen_grab.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

using test::pushReply;

class TestUiComfort : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void dragsLightUpTheWindowAndDuplicatesAreReported() {
    test::ScriptedWindow w;
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(test::fixturePicture("rocket.jpg"))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.window.get(), &enter);
    QVERIFY(w.window->isDropHighlighted());
    QDragLeaveEvent leave;
    QApplication::sendEvent(w.window.get(), &leave);
    QVERIFY(!w.window->isDropHighlighted());
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(!w.window->isDropHighlighted());
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    QVERIFY(!w.window->messageBar()->isVisible());
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QVERIFY2(w.window->messageBar()->text().contains(QStringLiteral("rocket.jpg")),
             qPrintable(w.window->messageBar()->text()));
  }

  void theQuestionBoxGrowsWithItsText() {
    test::ScriptedWindow w;
    w.window->resize(1200, 800);
    w.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(w.window.get()));
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    const int empty = prompt->height();
    prompt->setPlainText(QStringLiteral("1\n2\n3\n4\n5\n6"));
    QTRY_VERIFY(prompt->height() > empty + prompt->fontMetrics().lineSpacing() * 2);
    QCOMPARE(prompt->visibleLines(), 6);
    prompt->setPlainText(QString(QStringLiteral("line\n")).repeated(30));
    QCOMPARE(prompt->visibleLines(), ui::PromptEdit::kMaxLines);
    prompt->clear();
    QTRY_COMPARE(prompt->height(), empty);
  }

  void aButtonJumpsBackToTheNewestMessage() {
    test::ScriptedWindow w;
    w.window->resize(1000, 600);
    w.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(w.window.get()));
    for (int i = 0; i < 8; ++i) {
      pushReply(w, "A long reply.\n\nWith several paragraphs.\n\nSo that the conversation scrolls.");
      test::ask(w.window.get(), QStringLiteral("Question %1").arg(i));
      QVERIFY(test::waitForReply(w.window.get()));
    }
    ui::ChatView* chat = w.window->chatPane()->chatView();
    QTRY_VERIFY(chat->verticalScrollBar()->maximum() > 0);
    QTRY_COMPARE(chat->verticalScrollBar()->value(), chat->verticalScrollBar()->maximum());
    QVERIFY(!chat->scrollToBottomButton()->isVisible());
    chat->verticalScrollBar()->setValue(0);
    QTRY_VERIFY(chat->scrollToBottomButton()->isVisible());
    QVERIFY(chat->viewport()->geometry().contains(chat->scrollToBottomButton()->geometry()));
    QTest::mouseClick(chat->scrollToBottomButton(), Qt::LeftButton);
    QCOMPARE(chat->verticalScrollBar()->value(), chat->verticalScrollBar()->maximum());
    QVERIFY(!chat->scrollToBottomButton()->isVisible());
  }

  void presetsAskInOneClick() {
    test::ScriptedWindow w;
    ui::PromptPresets* presets = w.window->chatPane()->presets();
    pushReply(w, "A rocket on its pad.");
    QTest::mouseClick(presets->button(0), Qt::LeftButton);  // Describe: asks at once
    QVERIFY(test::waitForReply(w.window.get()));
    const app::Conversation* c = w.window->controller()->conversation();
    QCOMPARE(c->messages().size(), 2);
    QCOMPARE(c->messages()[0].text, presets->presets()[0].before);
    // Find all …: fills the box, the cursor where the object's name goes.
    QTest::mouseClick(presets->button(1), Qt::LeftButton);
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    QCOMPARE(prompt->toPlainText(), presets->presets()[1].before + presets->presets()[1].after);
    QCOMPARE(prompt->textCursor().position(), presets->presets()[1].before.size());
    QCOMPARE(c->messages().size(), 2);
  }

  void aQuestionShowsItsPicturesAndClickingOneShowsIt() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    pushReply(w, "A rocket.");
    test::ask(w.window.get(), QStringLiteral("What is this?"));
    QVERIFY(test::waitForReply(w.window.get()));
    test::dropFiles(w.window.get(), {test::fixturePicture("chelsea.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    pushReply(w, "A cat.");
    test::ask(w.window.get(), QStringLiteral("And this?"));
    QVERIFY(test::waitForReply(w.window.get()));
    const app::Conversation* c = w.window->controller()->conversation();
    const int first = c->pictures()[0].id;
    QCOMPARE(w.window->picturePane()->currentPictureId(), c->pictures()[1].id);
    ui::MessageView* q = w.window->chatPane()->chatView()->viewFor(c->messages()[0].id);
    QVERIFY(q);
    QCOMPARE(q->pictureButtons().size(), 1);
    QVERIFY(!q->pictureButtons()[0]->icon().isNull());
    QVERIFY(q->pictureButtons()[0]->toolTip().contains(QStringLiteral("rocket.jpg")));
    q->pictureButtons()[0]->click();
    QCOMPARE(w.window->picturePane()->currentPictureId(), first);
    // The strip's captions are the names themselves; "not sent" is a mark on the tile.
    QCOMPARE(w.window->picturePane()->strip()->item(0)->text(), QStringLiteral("rocket.jpg"));
  }

  void darkColoursAndTextSize() {
    test::ScriptedWindow w;
    const QPalette before = QApplication::palette();
    const int points = QApplication::font().pointSize();
    ui::applyAppearance(app::ThemeChoice::Dark, 15);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
    QVERIFY(QApplication::palette().color(QPalette::WindowText).lightness() > 180);
    QCOMPARE(QApplication::font().pointSize(), 15);
    QTRY_COMPARE(w.window->chatPane()->promptEdit()->font().pointSize(), 15);  // delivered as an event
    ui::applyAppearance(app::ThemeChoice::Light, 0);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
    ui::applyAppearance(app::ThemeChoice::System, 0);
    QCOMPARE(QApplication::palette().color(QPalette::Window), before.color(QPalette::Window));
    QCOMPARE(QApplication::font().pointSize(), points);
    // The settings remember both.
    w.settings->setTheme(app::ThemeChoice::Dark);
    w.settings->setFontPoints(99);
    QCOMPARE(w.settings->theme(), app::ThemeChoice::Dark);
    QCOMPARE(w.settings->fontPoints(), app::AppSettings::kMaxFontPoints);
  }

  void keyboardReachesEveryToolInOrder() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    w.window->show();
    QApplication::setActiveWindow(w.window.get());
    QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
    w.window->chatPane()->promptEdit()->setFocus();
    QList<QWidget*> visited;
    for (int i = 0; i < 40; ++i) {
      if (!visited.contains(QApplication::focusWidget())) visited << QApplication::focusWidget();
      QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    }
    auto* tools = w.window->picturePane()->findChild<QToolBar*>(QStringLiteral("pictureTools"));
    QWidget* zoomOut = tools->widgetForAction(w.window->actions()->zoomOut);
    ui::ChatView* chat = w.window->chatPane()->chatView();
    ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
    const qsizetype iChat = visited.indexOf(chat), iTool = visited.indexOf(zoomOut), iCanvas = visited.indexOf(canvas),
                    iStrip = visited.indexOf(w.window->picturePane()->strip());
    QVERIFY(iChat > 0 && iTool > iChat && iCanvas > iTool && iStrip > iCanvas);

    // Focus rings: the conversation and the picture show the highlight colour at their edge.
    const QColor ring = chat->palette().color(QPalette::Highlight);
    chat->setFocus();
    QTRY_VERIFY(chat->hasFocus());
    QCOMPARE(chat->grab().toImage().pixelColor(1, chat->height() / 2), ring);
    canvas->setFocus();
    QTRY_VERIFY(canvas->hasFocus());
    QCOMPARE(canvas->grab().toImage().pixelColor(1, canvas->height() / 2), ring);
    QVERIFY(chat->grab().toImage().pixelColor(1, chat->height() / 2) != ring);
  }

  void menusHaveUniqueAccessKeys() {
    test::ScriptedWindow w;
    auto check = [&] {
      for (QAction* top : w.window->menuBar()->actions()) {
        QSet<QChar> keys;
        for (QAction* a : top->menu()->actions()) {
          if (a->isSeparator()) continue;
          const qsizetype amp = a->text().indexOf(QLatin1Char('&'));
          if (amp < 0 || amp + 1 >= a->text().size()) continue;
          const QChar key = a->text().at(amp + 1).toLower();
          if (keys.contains(key)) return top->text() + QStringLiteral(": ") + a->text();
          keys.insert(key);
        }
      }
      return QString();
    };
    QCOMPARE(check(), QString());
    w.window->setLanguage(QStringLiteral("zh_CN"));
    QTRY_COMPARE(w.window->menuBar()->actions()[0]->text(), QStringLiteral("文件(&F)"));
    QCOMPARE(check(), QString());
    w.window->setLanguage(QStringLiteral("en"));
    QTRY_COMPARE(w.window->menuBar()->actions()[0]->text(), QStringLiteral("&File"));
    QCOMPARE(w.window->actions()->zoomIn->shortcut().toString(QKeySequence::PortableText), QStringLiteral("Ctrl++"));
  }

  void repliesShowTablesAndCodeAndCopyMarkdown() {
    test::ScriptedWindow w;
    pushReply(
        w,
        "| Thing | Where |\n|:---|---:|\n| Helmet | lower right |\n\n"
        "```python\nprint('a line far longer than any bubble is wide, so that it must scroll sideways')\nx = 1\n```");
    test::ask(w.window.get(), QStringLiteral("Table and code, please"));
    QVERIFY(test::waitForReply(w.window.get()));
    const int replyId = w.window->controller()->conversation()->messages()[1].id;
    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(replyId);
    QVERIFY(view);
    QTextDocument* doc = view->textView()->document();
    // The table: lines around the cells, the header row bold.
    QTextTable* table = nullptr;
    for (QTextFrame* f : doc->rootFrame()->childFrames()) table = table ? table : qobject_cast<QTextTable*>(f);
    QVERIFY(table);
    QVERIFY(table->format().border() > 0);
    QTextCursor header = table->cellAt(0, 0).firstCursorPosition();
    header.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
    QCOMPARE(header.charFormat().fontWeight(), int(QFont::Bold));
    QTextCursor body = table->cellAt(1, 0).firstCursorPosition();
    body.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
    QVERIFY(body.charFormat().fontWeight() < int(QFont::Bold));
    // The code: on a tinted background, never wrapped, with a Copy code link that copies it.
    const QTextBlock code = doc->find(QStringLiteral("x = 1")).block();
    QVERIFY(code.isValid());
    QVERIFY(code.blockFormat().background().style() != Qt::NoBrush);
    QVERIFY(code.blockFormat().nonBreakableLines());
    QVERIFY(!doc->find(QStringLiteral("Copy code")).isNull());
    QVERIFY(!view->bodyText().contains(QStringLiteral("Copy code")));
    QGuiApplication::clipboard()->clear();
    emit view->textView()->anchorClicked(QUrl(QStringLiteral("qwenvl-copy-code:0")));
    QCOMPARE(
        QGuiApplication::clipboard()->text(),
        QStringLiteral("print('a line far longer than any bubble is wide, so that it must scroll sideways')\nx = 1"));
    // Copy: the reply's Markdown as text (structure kept), the rendering as HTML.
    std::unique_ptr<QMimeData> mime(view->copyMimeData());
    QVERIFY(mime->text().startsWith(QStringLiteral("| Thing | Where |")));
    QVERIFY(mime->text().contains(QStringLiteral("```python")));
    QVERIFY(mime->html().contains(QStringLiteral("<table")));
  }

  void aPartOfTheScreenBecomesAPicture() {
    test::ScriptedWindow w;
    // A desktop that refuses screenshots: said in words, nothing added.
    w.window->chooseScreenPart(QImage());
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QCOMPARE(w.window->controller()->conversation()->pictures().size(), 0);
    // A grabbed screen (made here): the part dragged becomes the picture, pixel for pixel.
    QImage screen(800, 500, QImage::Format_RGB888);
    screen.fill(QColor(20, 40, 60));
    for (int y = 100; y < 200; ++y)
      for (int x = 300; x < 500; ++x) screen.setPixelColor(x, y, QColor(200, 100, 50));
    w.window->chooseScreenPart(screen);
    ui::ScreenRegionPicker* picker = nullptr;
    QTRY_VERIFY((picker = w.window->findChild<ui::ScreenRegionPicker*>()) != nullptr);
    QCOMPARE(picker->selection(), screen.rect());  // nothing dragged: the whole screen
    picker->show();
    const QPoint from = picker->mapFromImageForTest(QPoint(300, 100));
    const QPoint to = picker->mapFromImageForTest(QPoint(500, 200));
    QTest::mousePress(picker, Qt::LeftButton, {}, from);
    QTest::mouseMove(picker, to);
    QTest::mouseRelease(picker, Qt::LeftButton, {}, to);
    QVERIFY(qAbs(picker->selection().width() - 200) <= 2 && qAbs(picker->selection().height() - 100) <= 2);
    picker->setSelection(QRect(300, 100, 200, 100));
    QTest::keyClick(picker, Qt::Key_Return);
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    const app::PictureItem& p = w.window->controller()->conversation()->pictures()[0];
    QCOMPARE(p.image.size(), QSize(200, 100));
    QCOMPARE(p.image.pixelColor(0, 0), QColor(200, 100, 50));
    QVERIFY(p.name.startsWith(QStringLiteral("screenshot ")));
  }

  void fileDialogsStartWhereUsersExpect() {
    test::ScriptedWindow w;
    // Add Pictures: the Pictures folder the first time.
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QVERIFY(QDir().mkpath(pictures));
    w.window->actions()->addPictures->trigger();
    QFileDialog* open = nullptr;
    QTRY_VERIFY((open = w.window->findChild<QFileDialog*>()) != nullptr);
    QCOMPARE(QDir(open->directory()).canonicalPath(), QDir(pictures).canonicalPath());
    open->reject();
    QTRY_VERIFY(w.window->findChild<QFileDialog*>() == nullptr);
    // Save Picture with Boxes: the picture's own name with "-boxes".
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    w.window->actions()->saveAnnotated->trigger();
    QFileDialog* save = nullptr;
    QTRY_VERIFY((save = w.window->findChild<QFileDialog*>()) != nullptr);
    QVERIFY2(save->selectedFiles().value(0).endsWith(QStringLiteral("/rocket-boxes.png")),
             qPrintable(save->selectedFiles().value(0)));
    save->reject();
  }

  void theRegionDialogIsWideEnoughToRead() {
    test::ScriptedWindow w;
    ui::RegionDialog dialog(QSize(640, 427), QRect(), w.window.get());
    dialog.show();
    QVERIFY(dialog.width() >= dialog.fontMetrics().averageCharWidth() * 50);
  }

  void theMinimumWindowKeepsThingsInside() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    pushReply(w, "A rocket stands on the launch pad under a clear sky, ready to go.");
    test::ask(w.window.get(), QStringLiteral("What is this?"));
    QVERIFY(test::waitForReply(w.window.get()));
    w.window->show();
    w.window->resize(w.window->minimumSizeHint());
    QVERIFY(QTest::qWaitForWindowExposed(w.window.get()));
    QTRY_VERIFY(w.window->picturePane()->strip()->isCompact());
    ui::ThumbnailStrip* strip = w.window->picturePane()->strip();
    QVERIFY(strip->height() < w.window->picturePane()->canvas()->height() + 40);
    ui::ChatView* chat = w.window->chatPane()->chatView();
    ui::MessageView* reply = chat->viewFor(w.window->controller()->conversation()->messages()[1].id);
    QVERIFY(reply);
    QTRY_VERIFY(reply->regenerateButton()->isVisible());
    const QRect button(reply->regenerateButton()->mapTo(chat->viewport(), QPoint(0, 0)),
                       reply->regenerateButton()->size());
    QVERIFY2(button.right() <= chat->viewport()->width(),
             qPrintable(QStringLiteral("%1 > %2").arg(button.right()).arg(chat->viewport()->width())));
  }
};

QTEST_MAIN(TestUiComfort)
#include "tst_ui_comfort.moc"
