// Grounding live in the real window: a scripted reply with <box> markup draws its boxes on the
// latest picture before the reply (checked on the pixels the canvas paints), a box appears as
// soon as it closes in the stream, colours follow the Tableau order, hovering links boxes and
// phrases, the toggle hides the boxes, and a dragged region enters the question in 0..1000
// as a chip (the sent bubble shows its phrase, not the markup).
#include <QLineEdit>
#include <QTest>

#include "app/annotation_painter.h"
#include "app/chat_controller.h"
#include "ui/actions.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/message_view.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/region_chips.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

const char* kReply =
    "<ref>the rocket</ref><box>(425,47),(574,885)</box> stands on the pad, and "
    "<ref>two towers</ref><box>(100,100),(250,900)</box><box>(700,120),(820,880)</box> flank it.";

struct Box {
  int x1, y1, x2, y2;
};
// Pixels of the 640 x 427 rocket.jpg for the boxes above, as the official drawer computes them.
Box pixels(int x1, int y1, int x2, int y2) {
  return {app::modelToPixel(x1, 640), app::modelToPixel(y1, 427), app::modelToPixel(x2, 640),
          app::modelToPixel(y2, 427)};
}

QColor viewPixel(const QImage& grab, const ui::ImageCanvas* canvas, double x, double y) {
  const QPointF p = canvas->mapToView(QPointF(x, y));
  return grab.pixelColor(static_cast<int>(p.x()), static_cast<int>(p.y()));
}

// Drops rocket.jpg, asks, and waits for the scripted kReply to finish.
bool askAboutTheRocket(test::ScriptedWindow& w) {
  app::ScriptedReply r;
  r.text = kReply;
  r.token_delay_ms = 1;
  w.script->push(r);
  test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
  if (!test::waitForPictures(w.window.get(), 1)) return false;
  test::ask(w.window.get(), QStringLiteral("Where?"));
  return test::waitForReply(w.window.get());
}

}  // namespace

class TestUiGrounding : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void boxesAreDrawnAtTheRightPixelsOfTheRightPicture() {
    test::ScriptedWindow w;
    app::ScriptedReply r;
    r.text = kReply;
    r.token_delay_ms = 2;
    w.script->push(r);
    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png"), test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 2));
    ui::PicturePane* pane = w.window->picturePane();
    const int astronaut = w.window->controller()->conversation()->pictures()[0].id;
    const int rocket = w.window->controller()->conversation()->pictures()[1].id;
    pane->showPicture(astronaut);  // look at the other picture while asking
    test::ask(w.window.get(), QStringLiteral("Where are the rocket and the towers?"));
    QVERIFY(test::waitForReply(w.window.get()));

    // The boxes land on rocket.jpg, the latest picture before the reply, which is brought up.
    QCOMPARE(pane->currentPictureId(), rocket);
    ui::ImageCanvas* canvas = pane->canvas();
    QCOMPARE(canvas->imageSize(), QSize(640, 427));
    QCOMPARE(pane->overlay()->boxes().size(), 3);
    QTRY_VERIFY(canvas->isSettled());  // the smooth copy of the picture for this zoom
    const QImage shown = canvas->grab().toImage();
    w.window->actions()->showBoxes->setChecked(false);
    const QImage bare = canvas->grab().toImage();
    w.window->actions()->showBoxes->setChecked(true);
    const Box boxes[3] = {pixels(425, 47, 574, 885), pixels(100, 100, 250, 900), pixels(700, 120, 820, 880)};
    const QColor colours[3] = {app::tableauColor(0), app::tableauColor(1), app::tableauColor(1)};
    const double half = app::annotationMetrics(QSize(640, 427)).lineWidthPx / 2.0;
    for (int i = 0; i < 3; ++i) {
      const Box& b = boxes[i];
      const double midY = (b.y1 + b.y2) / 2.0;
      const double midX = (b.x1 + b.x2) / 2.0;
      // Each edge, through the middle of the stroke, has the ref's colour...
      QCOMPARE(viewPixel(shown, canvas, b.x1 + 0.5, midY), colours[i]);
      QCOMPARE(viewPixel(shown, canvas, b.x2 + 0.5, midY), colours[i]);
      QCOMPARE(viewPixel(shown, canvas, midX, b.y2 + 0.5), colours[i]);
      // ...which the bare picture does not have there,
      QVERIFY(viewPixel(bare, canvas, b.x1 + 0.5, midY) != colours[i]);
      // and a little way off the stroke, inside and outside, the picture shows unchanged.
      for (double dx : {-(half + 3), half + 3}) {
        QCOMPARE(viewPixel(shown, canvas, b.x1 + 0.5 + dx, midY), viewPixel(bare, canvas, b.x1 + 0.5 + dx, midY));
      }
      QCOMPARE(viewPixel(shown, canvas, midX, midY), viewPixel(bare, canvas, midX, midY));
    }

    // The other picture has no boxes.
    pane->showPicture(astronaut);
    QVERIFY(pane->overlay()->boxes().isEmpty());
  }

  void aBoxAppearsAsSoonAsItCloses() {
    test::ScriptedWindow w;
    app::ScriptedReply r;
    r.text = std::string(kReply) + " And then a long tail of words that takes a while to arrive, token by token.";
    r.token_delay_ms = 15;
    w.script->push(r);
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    test::ask(w.window.get(), QStringLiteral("Where is the rocket?"));
    ui::GroundingOverlay* overlay = w.window->picturePane()->overlay();
    QTRY_VERIFY_WITH_TIMEOUT(overlay->boxes().size() >= 1, 5000);
    QVERIFY(w.window->controller()->isBusy());  // still streaming
    QCOMPARE(overlay->boxes().front().label, QStringLiteral("the rocket"));
    QTRY_COMPARE_WITH_TIMEOUT(overlay->boxes().size(), 3, 5000);
    QVERIFY(w.window->controller()->isBusy());
    // The phrase shows without markup while streaming.
    const app::Message& m = w.window->controller()->conversation()->messages()[1];
    QVERIFY(!m.grounding.displayText.contains(QLatin1Char('<')));
    QVERIFY(test::waitForReply(w.window.get()));
  }

  void hoveringLinksBoxesAndPhrases() {
    test::ScriptedWindow w;
    QVERIFY(askAboutTheRocket(w));
    ui::PicturePane* pane = w.window->picturePane();
    ui::ImageCanvas* canvas = pane->canvas();
    const app::Message& reply = w.window->controller()->conversation()->messages()[1];
    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(reply.id);

    // Hover the middle of the second ref's first box: its phrase lights up in the reply.
    const Box b = pixels(100, 100, 250, 900);
    QTest::mouseMove(canvas, canvas->mapToView(QPointF((b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0)).toPoint());
    QTRY_COMPARE(pane->overlay()->highlightedRef(), 1);
    QTextCursor phrase = view->textView()->document()->find(QStringLiteral("two towers"));
    QVERIFY(!phrase.isNull());
    phrase.setPosition(phrase.selectionStart() + 1);
    QCOMPARE(phrase.charFormat().property(ui::MessageText::kRefProperty).toInt(), 1);
    QCOMPARE(phrase.charFormat().background().color().alpha(), 200);  // highlighted
    QCOMPARE(phrase.charFormat().background().color().rgb() & 0xffffff, app::tableauColor(1).rgb() & 0xffffff);

    // Hover the first phrase in the text: its box lights up on the picture.
    QTest::mouseMove(canvas, QPoint(1, 1));
    QTextCursor rocket = view->textView()->document()->find(QStringLiteral("the rocket"));
    QVERIFY(!rocket.isNull());
    QTextCursor mid(view->textView()->document());
    mid.setPosition(rocket.selectionStart() + 3);
    const QPoint at = view->textView()->cursorRect(mid).center();
    QTest::mouseMove(view->textView()->viewport(), at);
    QTRY_COMPARE(pane->overlay()->highlightedRef(), 0);
  }

  void theToggleHidesTheBoxes() {
    test::ScriptedWindow w;
    QVERIFY(askAboutTheRocket(w));
    ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
    const Box b = pixels(425, 47, 574, 885);
    QTRY_VERIFY(canvas->isSettled());
    QCOMPARE(viewPixel(canvas->grab().toImage(), canvas, b.x1 + 0.5, (b.y1 + b.y2) / 2.0), app::tableauColor(0));
    QTest::keyClick(w.window.get(), Qt::Key_B, Qt::ControlModifier);
    QVERIFY(!w.window->actions()->showBoxes->isChecked());
    QVERIFY(viewPixel(canvas->grab().toImage(), canvas, b.x1 + 0.5, (b.y1 + b.y2) / 2.0) != app::tableauColor(0));
    w.window->actions()->showBoxes->trigger();
    QCOMPARE(viewPixel(canvas->grab().toImage(), canvas, b.x1 + 0.5, (b.y1 + b.y2) / 2.0), app::tableauColor(0));
  }

  void aDraggedRegionEntersTheQuestion() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
    const QPoint from = canvas->mapToView(QPointF(64, 43)).toPoint();
    const QPoint to = canvas->mapToView(QPointF(320, 213)).toPoint();
    const QPointF a = canvas->mapToImage(from);
    const QPointF b = canvas->mapToImage(to);
    QTest::mousePress(canvas, Qt::LeftButton, Qt::ShiftModifier, from);
    QTest::mouseMove(canvas, (from + to) / 2);
    QTest::mouseMove(canvas, to);
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::ShiftModifier, to);
    const int x1 = app::pixelToModel(qRound(a.x()), 640), y1 = app::pixelToModel(qRound(a.y()), 427);
    const int x2 = app::pixelToModel(qRound(b.x()), 640), y2 = app::pixelToModel(qRound(b.y()), 427);
    // The question box shows a chip for the region, never the markup the model reads.
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    ui::RegionChips* chips = w.window->chatPane()->regionChips();
    QCOMPARE(prompt->toPlainText(), QString());
    QCOMPARE(chips->regions().size(), 1);
    QCOMPARE(chips->regions()[0].box, (std::array<int, 4>{x1, y1, x2, y2}));
    QVERIFY(chips->isVisible());
    // Naming the region is editing the chip's phrase.
    chips->phraseEdit(0)->setText(QStringLiteral("the nose cone"));
    QTest::keyClicks(prompt, QStringLiteral("What is it?"));
    QTest::keyClick(prompt, Qt::Key_Return);
    QTRY_VERIFY(!w.window->controller()->isBusy());
    const app::Message& sent = w.window->controller()->conversation()->messages()[0];
    QCOMPARE(sent.text, QStringLiteral("<ref>the nose cone</ref><box>(%1,%2),(%3,%4)</box> What is it?")
                            .arg(x1)
                            .arg(y1)
                            .arg(x2)
                            .arg(y2));
    QVERIFY(chips->regions().isEmpty());
    // The sent bubble reads as text: the phrase, no tags.
    ui::MessageView* bubble = w.window->chatPane()->chatView()->viewFor(sent.id);
    QVERIFY(bubble);
    QCOMPARE(bubble->bodyText(), QStringLiteral("▭ the nose cone What is it?"));
    // Each corner maps back to its pixel (the picture is narrower than 1000 pixels).
    QCOMPARE(app::modelToPixel(x1, 640), qRound(a.x()));
    QCOMPARE(app::modelToPixel(y2, 427), qRound(b.y()));
  }

  void regionToolByKeyboardMatchesTheMapping() {
    // 0..1000 both ways: every pixel of a picture narrower than 1000 survives the round trip,
    // and the corners of the whole picture are 0 and 1000.
    for (int size : {1, 7, 427, 640, 999, 1000}) {
      for (int px = 0; px <= size; ++px) QCOMPARE(app::modelToPixel(app::pixelToModel(px, size), size), px);
      QCOMPARE(app::pixelToModel(0, size), 0);
      QCOMPARE(app::pixelToModel(size, size), 1000);
    }
    for (int size : {1001, 4000}) {
      for (int px = 0; px <= size; px += 13) {
        const int back = app::modelToPixel(app::pixelToModel(px, size), size);
        QVERIFY(back >= px && back - px <= size / 1000 + 1);
      }
    }
    const std::array<int, 4> all = app::pixelRectToModel(QRect(0, 0, 640, 427), QSize(640, 427));
    QCOMPARE(all, (std::array<int, 4>{0, 0, 1000, 1000}));
  }
};

QTEST_MAIN(TestUiGrounding)
#include "tst_ui_grounding.moc"
