// End to end with the real engine: the window loads the tiny checkpoint on the CPU backend
// through the inference worker, a dropped picture and a question give a streamed reply (its
// words are gibberish, the path is real) identical to what qwenvl-cli answers, top-p 0 entered
// in the settings dialog gives that same greedy reply, Stop ends a real generation, and an
// engine error is shown in the window.
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "app/chat_controller.h"
#include "app/engine_bridge.h"
#include "support/test_env.h"
#include "ui/chat_pane.h"
#include "ui/message_bar.h"
#include "ui/model_panel.h"
#include "ui/settings_dialog.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {
const QString kQuestion = QStringLiteral("What is in the picture?");

QString tinyCheckpoint() { return QString::fromStdString(test::checkpoint_dir("tiny")); }

void useGreedy(app::AppSettings* settings, int maxNew) {
  app::SamplingSettings s = settings->sampling();
  s.greedy = true;
  s.maxNewTokens = maxNew;
  settings->setSampling(s);
}

// qwenvl-cli's greedy reply to kQuestion about astronaut.png (stdout, one line per reply).
QString cliGreedyReply(int maxNew) {
  QProcess cli;
  cli.start(QString::fromStdString(test::cli_path()),
            {QStringLiteral("chat"), QStringLiteral("--model"), tinyCheckpoint(), QStringLiteral("--image"),
             test::fixturePicture("astronaut.png"), QStringLiteral("--prompt"), kQuestion, QStringLiteral("--greedy"),
             QStringLiteral("--max-new"), QString::number(maxNew)});
  if (!cli.waitForFinished(120000) || cli.exitCode() != 0) return QStringLiteral("(qwenvl-cli failed)");
  return QString::fromUtf8(cli.readAllStandardOutput());
}
}  // namespace

class TestUiEngineE2e : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    test::initUiTestApplication();
    QVERIFY2(QFileInfo::exists(tinyCheckpoint() + QStringLiteral("/model.safetensors")),
             "the ckpt_tiny fixture makes the tiny checkpoint");
  }

  void aQuestionAboutADroppedPictureGetsTheEnginesReply() {
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    useGreedy(w.settings.get(), 16);
    w.window->loadModel(tinyCheckpoint());
    QVERIFY(w.waitForModel(120000));
    QVERIFY(w.window->controller()->device().contains(QStringLiteral("CPU")));
    QVERIFY(!w.window->chatPane()->modelPanel()->isVisible());

    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    app::Conversation* c = w.window->controller()->conversation();
    QSignalSpy pieces(w.window->controller()->client(), &app::InferenceClient::replyText);
    test::ask(w.window.get(), kQuestion);
    QVERIFY(test::waitForReply(w.window.get(), 120000));
    QCOMPARE(c->messages().size(), 2);
    const app::Message& question = c->messages()[0];
    const app::Message& reply = c->messages()[1];
    QCOMPARE(reply.state, app::ReplyState::Done);
    QVERIFY2(question.query.startsWith(QStringLiteral("Picture 1:<img>astronaut.png</img>\n")),
             qPrintable(question.query));
    QVERIFY(pieces.count() >= 1);
    QVERIFY(reply.stats.valid);
    QVERIFY2(reply.stats.promptTokens > 256,
             qPrintable(QString::number(reply.stats.promptTokens)));  // the picture's 256
    QCOMPARE(reply.stats.imagesEncoded, 1);
    QVERIFY(reply.stats.generatedTokens >= 1 && reply.stats.generatedTokens <= 16);

    // The same question to the command line gives the same reply, token for token.
    const QString out = cliGreedyReply(16);
    QString streamed;
    for (const QList<QVariant>& args : pieces) streamed += args.at(1).toString();
    QVERIFY2(out.startsWith(streamed + QLatin1Char('\n')),
             qPrintable(QStringLiteral("app: %1\ncli: %2").arg(streamed, out)));
    // What stays in the conversation is the official chat()'s reply: at the length limit it
    // drops the last token, as the engine's history does.
    QVERIFY(reply.stats.hitMaxTokens);
    QVERIFY(streamed.trimmed().startsWith(reply.text));
  }

  void topPZeroFromTheDialogGivesTheGreedyReply() {
    // Sampling stays on; top-p 0 typed into the settings dialog is what makes it greedy.
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    app::SamplingSettings s = w.settings->sampling();
    s.greedy = false;
    s.maxNewTokens = 16;
    s.temperature = 1.0;
    w.settings->setSampling(s);
    {
      ui::SettingsDialog dialog(w.settings.get(), w.app->cuda(), w.window.get());
      dialog.show();
      QVERIFY(QTest::qWaitForWindowExposed(&dialog));
      dialog.topPBox()->setFocus();
      dialog.topPBox()->selectAll();
      QTest::keyClicks(dialog.topPBox(), QStringLiteral("0"));
      QTest::keyClick(dialog.topPBox(), Qt::Key_Tab);
      dialog.apply();
    }
    QCOMPARE(w.settings->sampling().topP, 0.0);
    QVERIFY(!w.settings->sampling().greedy);

    w.window->loadModel(tinyCheckpoint());
    QVERIFY(w.waitForModel(120000));
    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    QSignalSpy pieces(w.window->controller()->client(), &app::InferenceClient::replyText);
    test::ask(w.window.get(), kQuestion);
    QVERIFY(test::waitForReply(w.window.get(), 120000));
    const app::Message& reply = w.window->controller()->conversation()->messages().at(1);
    QCOMPARE(reply.state, app::ReplyState::Done);
    QString streamed;
    for (const QList<QVariant>& args : pieces) streamed += args.at(1).toString();
    const QString greedy = cliGreedyReply(16);
    QVERIFY2(greedy.startsWith(streamed + QLatin1Char('\n')),
             qPrintable(QStringLiteral("app: %1\ncli: %2").arg(streamed, greedy)));
  }

  void stopEndsARealGeneration() {
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    useGreedy(w.settings.get(), 4000);
    w.window->loadModel(tinyCheckpoint());
    QVERIFY(w.waitForModel(120000));
    QSignalSpy finished(w.window->controller()->client(), &app::InferenceClient::replyFinished);
    test::ask(w.window.get(), QStringLiteral("Write a long story."));
    app::Conversation* c = w.window->controller()->conversation();
    QTRY_VERIFY_WITH_TIMEOUT(c->messages().size() == 2 && !c->messages()[1].text.isEmpty(), 60000);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(w.window->chatPane()->stopButton(), Qt::LeftButton);
    QCOMPARE(c->messages()[1].state, app::ReplyState::Stopped);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(finished.at(0).at(3).toBool());
    QVERIFY(finished.at(0).at(2).value<app::ReplyStats>().generatedTokens < 4000);
  }

  void anEngineErrorIsShownInTheWindow() {
    QTemporaryDir empty;
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    w.window->loadModel(empty.path());
    QTRY_COMPARE_WITH_TIMEOUT(w.window->controller()->modelState(), app::ModelState::Failed, 30000);
    const QString shown = w.window->chatPane()->modelPanel()->text();
    QVERIFY2(shown.contains(QStringLiteral("config.json")), qPrintable(shown));
    QVERIFY(w.window->chatPane()->modelPanel()->isVisible());
  }
};

QTEST_MAIN(TestUiEngineE2e)
#include "tst_ui_engine_e2e.moc"
