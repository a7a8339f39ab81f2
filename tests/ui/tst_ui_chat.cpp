// The chat in the real window on the scripted backend (the same worker thread, controller and
// widgets the engine uses): a question gives a reply that streams in batches, Stop ends it
// within 100 ms, Regenerate answers again, Enter and Shift+Enter, failures return the draft,
// loading shows progress and can be cancelled, and closing during a reply is clean.
#include <QElapsedTimer>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

#include "app/chat_controller.h"
#include "ui/actions.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/message_bar.h"
#include "ui/message_view.h"
#include "ui/model_panel.h"
#include "ui/prompt_edit.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {
app::ScriptedReply reply(const std::string& text, int delayMs) {
  app::ScriptedReply r;
  r.text = text;
  r.token_delay_ms = delayMs;
  return r;
}
const char* kLongReply =
    "The picture shows an astronaut in an orange suit, smiling, with a helmet on the right, a model of the space "
    "shuttle behind her and a flag on the left. 她穿着橙色的宇航服，面带微笑。 The mission patch on her chest names "
    "the crew. The background is a mottled grey studio backdrop, typical of official NASA portraits.";
}  // namespace

class TestUiChat : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void questionGivesStreamingReply() {
    test::ScriptedWindow w;
    w.script->push(reply(kLongReply, 3));
    app::Conversation* c = w.window->controller()->conversation();
    QSignalSpy updates(c, &app::Conversation::messageChanged);
    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    QElapsedTimer clock;
    clock.start();
    test::ask(w.window.get(), QStringLiteral("图里有什么？ What is in the picture?"));
    QVERIFY(w.window->controller()->isBusy());
    QVERIFY(w.window->chatPane()->promptEdit()->toPlainText().isEmpty());
    QVERIFY(w.window->chatPane()->stopButton()->isVisible());
    QVERIFY(!w.window->chatPane()->sendButton()->isVisible());
    // Partial text appears before the reply is complete.
    QTRY_VERIFY_WITH_TIMEOUT(c->messages().size() == 2 && !c->messages()[1].text.isEmpty(), 5000);
    QVERIFY(w.window->controller()->isBusy());
    QVERIFY(c->messages()[1].text.size() < QString::fromUtf8(kLongReply).size());
    QVERIFY(test::waitForReply(w.window.get()));
    const double seconds = clock.elapsed() / 1000.0;

    QCOMPARE(c->messages().size(), 2);
    const app::Message& question = c->messages()[0];
    const app::Message& answer = c->messages()[1];
    QCOMPARE(question.text, QStringLiteral("图里有什么？ What is in the picture?"));
    QCOMPARE(question.pictureIds.size(), 1);
    // The query went to the model with the picture first, as from_list_format writes it.
    QVERIFY2(question.query.startsWith(QStringLiteral("Picture 1:<img>astronaut.png</img>\n")),
             qPrintable(question.query));
    QCOMPARE(answer.text, QString::fromUtf8(kLongReply));
    QCOMPARE(answer.state, app::ReplyState::Done);
    QVERIFY(answer.stats.valid && answer.stats.generatedTokens > 50 && answer.stats.promptTokens > 0);
    // Streamed in batches: several updates, at most ~30 a second.
    QVERIFY2(updates.count() >= 3, qPrintable(QString::number(updates.count())));
    QVERIFY2(updates.count() <= seconds * 30 + 3,
             qPrintable(QStringLiteral("%1 updates in %2 s").arg(updates.count()).arg(seconds)));

    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(answer.id);
    QVERIFY(view);
    QVERIFY(view->bodyText().contains(QStringLiteral("她穿着橙色的宇航服")));
    QVERIFY(view->findChild<QLabel*>() != nullptr);
    bool statsShown = false;
    for (QLabel* l : view->findChildren<QLabel*>()) statsShown |= l->text().contains(QStringLiteral("tokens/s"));
    QVERIFY(statsShown);
    QVERIFY(view->regenerateButton()->isVisible());
    QVERIFY(w.window->chatPane()->sendButton()->isVisible());
  }

  void textBatchesAreAtMostThirtyPerSecond() {
    test::ScriptedWindow w;
    std::string many;
    for (int i = 0; i < 400; ++i) many += " word";
    w.script->push(reply(many, 1));
    QSignalSpy pieces(w.window->controller()->client(), &app::InferenceClient::replyText);
    QElapsedTimer clock;
    clock.start();
    test::ask(w.window.get(), QStringLiteral("Count"));
    QVERIFY(test::waitForReply(w.window.get()));
    const double seconds = clock.elapsed() / 1000.0;
    QVERIFY(seconds > 0.3);  // 400 tokens at >= 1 ms each
    QVERIFY2(pieces.count() <= seconds * 30 + 2,
             qPrintable(QStringLiteral("%1 batches in %2 s").arg(pieces.count()).arg(seconds)));
    QString joined;
    for (const QList<QVariant>& args : pieces) joined += args.at(1).toString();
    QCOMPARE(joined, QString::fromStdString(many));
  }

  void enterSendsAndShiftEnterAddsALine() {
    test::ScriptedWindow w;
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    prompt->setFocus();
    QTest::keyClicks(prompt, QStringLiteral("first line"));
    QTest::keyClick(prompt, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(prompt, QStringLiteral("second"));
    QCOMPARE(prompt->toPlainText(), QStringLiteral("first line\nsecond"));
    QVERIFY(w.window->controller()->conversation()->messages().isEmpty());
    QTest::keyClick(prompt, Qt::Key_Return);
    QCOMPARE(w.window->controller()->conversation()->messages().size(), 2);
    QCOMPARE(w.window->controller()->conversation()->messages()[0].text, QStringLiteral("first line\nsecond"));
    QVERIFY(test::waitForReply(w.window.get()));
  }

  void stopEndsTheReplyWithin100ms() {
    test::ScriptedWindow w;
    w.script->push(reply(kLongReply, 20));
    app::Conversation* c = w.window->controller()->conversation();
    QSignalSpy finished(w.window->controller()->client(), &app::InferenceClient::replyFinished);
    test::ask(w.window.get(), QStringLiteral("Describe it"));
    QTRY_VERIFY_WITH_TIMEOUT(c->messages().size() == 2 && c->messages()[1].text.size() > 10, 5000);

    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(w.window->chatPane()->stopButton(), Qt::LeftButton);
    // On screen the reply ends at once...
    QCOMPARE(c->messages()[1].state, app::ReplyState::Stopped);
    QVERIFY(!w.window->controller()->isBusy());
    QVERIFY(w.window->chatPane()->sendButton()->isVisible());
    // ...and the worker really stops generating within 100 ms.
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 1000);
    const qint64 ms = clock.elapsed();
    QVERIFY2(ms < 100, qPrintable(QStringLiteral("stopped after %1 ms").arg(ms)));
    QVERIFY(finished.at(0).at(3).toBool());  // cancelled
    QTest::qWait(50);
    const app::Message& stopped = c->messages()[1];
    QCOMPARE(stopped.state, app::ReplyState::Stopped);
    QVERIFY(stopped.text.size() < QString::fromUtf8(kLongReply).size());
    QCOMPARE(stopped.text, finished.at(0).at(1).toString());  // the text the model kept in its history
  }

  void escapeStopsTheReply() {
    test::ScriptedWindow w;
    w.script->push(reply(kLongReply, 20));
    test::ask(w.window.get(), QStringLiteral("Describe it"));
    QTRY_VERIFY(w.window->controller()->conversation()->messages().size() == 2);
    QTest::keyClick(w.window->chatPane()->promptEdit(), Qt::Key_Escape);
    QVERIFY(!w.window->controller()->isBusy());
  }

  void regenerateAnswersTheSameQuestionAgain() {
    test::ScriptedWindow w;
    w.script->push(reply("first answer", 1));
    w.script->push(reply("second answer", 1));
    test::ask(w.window.get(), QStringLiteral("Say something"));
    QVERIFY(test::waitForReply(w.window.get()));
    app::Conversation* c = w.window->controller()->conversation();
    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(c->messages()[1].id);
    QVERIFY(view->regenerateButton()->isVisible());
    QTest::mouseClick(view->regenerateButton(), Qt::LeftButton);
    QVERIFY(test::waitForReply(w.window.get()));
    QCOMPARE(c->messages().size(), 2);
    QCOMPARE(c->messages()[1].text, QStringLiteral("second answer"));
    const std::vector<std::string> queries = w.script->queries();
    QCOMPARE(queries.size(), size_t(2));
    QCOMPARE(queries[0], queries[1]);  // the same question, taken back from the history
  }

  void aFailedTurnGivesTheQuestionBack() {
    test::ScriptedWindow w;
    app::ScriptedReply failing;
    failing.error = "the prompt is longer than the model's context (8192 tokens)";
    w.script->push(failing);
    test::ask(w.window.get(), QStringLiteral("A very long question"));
    QVERIFY(test::waitForReply(w.window.get()));
    QTRY_VERIFY(w.window->messageBar()->isVisible());
    QVERIFY(w.window->messageBar()->text().contains(QStringLiteral("context")));
    QVERIFY(w.window->controller()->conversation()->messages().isEmpty());
    QCOMPARE(w.window->chatPane()->promptEdit()->toPlainText(), QStringLiteral("A very long question"));
  }

  void sendingWithoutAModelSaysWhy() {
    test::ScriptedWindow w(false);
    test::ask(w.window.get(), QStringLiteral("Hello"));
    QVERIFY(w.window->messageBar()->isVisible());
    QVERIFY(w.window->messageBar()->text().contains(QStringLiteral("model")));
    QVERIFY(w.window->controller()->conversation()->messages().isEmpty());
    QCOMPARE(w.window->chatPane()->promptEdit()->toPlainText(), QStringLiteral("Hello"));
    // The first-start strip says how to get the model.
    QVERIFY(w.window->chatPane()->modelPanel()->isVisible());
    QVERIFY(w.window->chatPane()->modelPanel()->text().contains(
        QStringLiteral("git lfs clone https://huggingface.co/Qwen/Qwen-VL-Chat-Int4")));
  }

  void withoutAGpuTheStripShowsTheMeasuredCpuSpeed() {
    ui::ModelPanel panel;
    ui::ModelPanel::State s;
    s.cuda.compiled = true;
    s.cuda.reason = QStringLiteral("no CUDA device");
    s.cpuSpeedPending = true;
    panel.setState(s);
    QVERIFY(panel.text().contains(QStringLiteral("Measuring the speed")));
    s.cpuSpeedPending = false;
    s.cpuSpeed.measured = true;
    s.cpuSpeed.tokensPerSecond = 7.25;
    s.cpuSpeed.threads = 16;
    s.cpuSpeed.memoryGBs = 61.4;
    panel.setState(s);
    QVERIFY2(panel.text().contains(QStringLiteral("about 7.3 tokens per second (16 threads, memory 61 GB/s)")),
             qPrintable(panel.text()));
    // With a GPU nothing is said about the CPU.
    s.cuda.available = true;
    panel.setState(s);
    QVERIFY(!panel.text().contains(QStringLiteral("tokens per second")));
  }

  void loadingShowsProgressAndCanBeCancelled() {
    test::ScriptedWindow w(false);
    w.script->set_load(3000);
    w.window->loadModel(w.dir.path());
    ui::ModelPanel* panel = w.window->chatPane()->modelPanel();
    QCOMPARE(w.window->controller()->modelState(), app::ModelState::Loading);
    QVERIFY(panel->cancelButton()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(panel->findChild<QProgressBar*>()->value() > 0, 3000);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w.window->controller()->modelState(), app::ModelState::None, 2000);
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
  }

  void aFailedLoadIsShownInTheWindow() {
    test::ScriptedWindow w(false);
    w.script->set_load(0, "config.json: \"hidden_size\" is missing");
    w.window->loadModel(w.dir.path());
    QTRY_COMPARE(w.window->controller()->modelState(), app::ModelState::Failed);
    QVERIFY(w.window->chatPane()->modelPanel()->text().contains(QStringLiteral("hidden_size")));
  }

  void closingDuringAReplyIsClean() {
    test::ScriptedWindow w;
    w.script->push(reply(kLongReply, 50));
    test::ask(w.window.get(), QStringLiteral("Describe it"));
    QTRY_VERIFY(w.window->controller()->conversation()->messages().size() == 2);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(w.window->close());
    QVERIFY(!w.window->controller()->client()->isRunning());  // the thread has been joined
    QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed())));
  }
};

QTEST_MAIN(TestUiChat)
#include "tst_ui_chat.moc"
