// End to end with the real engine: the window loads the tiny checkpoint on the CPU backend
// through the inference worker, a dropped picture and a question give a streamed reply (its
// words are gibberish, the path is real) identical to what qwenvl-cli answers, top-p 0 entered
// in the settings dialog gives that same greedy reply, Stop ends a real generation, and an
// engine error is shown in the window. A grounding question about a dropped picture reports
// what the user sees: the time from Send to the first streamed text, the tokens per second as
// the window receives them and the boxes drawn on the picture (one greppable qInfo line,
// "E2E-FIGURES"); its content is not checked (the checkpoints have random weights).
//
// The environment points it at another model and device (scripts/pack-gpu-ui.sh runs it so on
// the GPU machine): QWENVL_E2E_MODEL=DIR (default: the tiny checkpoint), QWENVL_E2E_DEVICE=cpu|cuda
// (default cpu; cuda also checks that the window names the GPU), QWENVL_E2E_LOW_MEMORY=1 (the
// app's low-memory setting on; the window must then say so), QWENVL_E2E_MAX_NEW (the grounding
// reply's length, default 64). With another model the two comparisons with qwenvl-cli on the
// tiny checkpoint are skipped; the rest runs on the model and device given.
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "app/chat_controller.h"
#include "app/engine_bridge.h"
#include "support/test_env.h"
#include "ui/chat_pane.h"
#include "ui/grounding_overlay.h"
#include "ui/message_bar.h"
#include "ui/model_panel.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/settings_dialog.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {
const QString kQuestion = QStringLiteral("What is in the picture?");

QString tinyCheckpoint() { return QString::fromStdString(test::checkpoint_dir("tiny")); }

QString env(const char* name) { return QProcessEnvironment::systemEnvironment().value(QLatin1String(name)); }

// The model and device under test: the tiny checkpoint on the CPU unless the environment says.
struct Target {
  QString model;
  bool cuda = false;
  bool lowMemory = false;
  int maxNew = 64;
  bool isDefault() const { return !cuda && model == tinyCheckpoint(); }
};

Target target() {
  Target t;
  t.model = env("QWENVL_E2E_MODEL");
  if (t.model.isEmpty()) t.model = tinyCheckpoint();
  t.cuda = env("QWENVL_E2E_DEVICE").compare(QStringLiteral("cuda"), Qt::CaseInsensitive) == 0;
  t.lowMemory = env("QWENVL_E2E_LOW_MEMORY") == QStringLiteral("1");
  bool ok = false;
  const int maxNew = env("QWENVL_E2E_MAX_NEW").toInt(&ok);
  if (ok && maxNew > 0) t.maxNew = maxNew;
  return t;
}

// Chooses the target's backend (and low-memory mode) in the window's settings.
void useTarget(test::ScriptedWindow& w, const Target& t) {
  w.settings->setBackend(t.cuda ? app::BackendChoice::Cuda : app::BackendChoice::Cpu);
  w.settings->setLowMemory(t.lowMemory);
}

// A full-size checkpoint is read and uploaded in seconds to minutes; the tiny one at once.
constexpr int kLoadMs = 600000;
constexpr int kReplyMs = 600000;

// Waits for the load to end either way; empty when the model is ready, else why not.
QString loadModel(test::ScriptedWindow& w, const QString& dir) {
  w.window->loadModel(dir);
  app::ChatController* c = w.window->controller();
  if (!QTest::qWaitFor([c] { return c->modelState() != app::ModelState::Loading; }, kLoadMs))
    return QStringLiteral("the model did not load within %1 s").arg(kLoadMs / 1000);
  if (c->modelState() != app::ModelState::Ready) return QStringLiteral("the model did not load: ") + c->modelError();
  return {};
}

// The device line the window shows must name what was asked for.
QString checkDevice(const QString& device, const Target& t) {
  if (!t.cuda && !device.contains(QStringLiteral("CPU"))) return QStringLiteral("not the CPU: ") + device;
  if (t.cuda && !device.contains(QStringLiteral("CUDA"))) return QStringLiteral("not a CUDA GPU: ") + device;
  if (t.cuda && t.lowMemory && !device.contains(QStringLiteral("low-memory mode")))
    return QStringLiteral("the low-memory mode is not reported: ") + device;
  return {};
}

// What one Send showed the user, timed on the GUI thread.
struct Figures {
  double sendToFirstTextMs = -1;
  double uiTokensPerSecond = 0;
  int pieces = 0;
  QString streamed;
  int boxes = 0;
};

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
    const Target t = target();
    if (t.isDefault()) {
      QVERIFY2(QFileInfo::exists(tinyCheckpoint() + QStringLiteral("/model.safetensors")),
               "the ckpt_tiny fixture makes the tiny checkpoint");
    } else {
      QVERIFY2(QFileInfo::exists(t.model + QStringLiteral("/config.json")),
               qPrintable(QStringLiteral("QWENVL_E2E_MODEL: no config.json in ") + t.model));
      qInfo("E2E-TARGET model=%s device=%s low_memory=%d max_new=%d", qPrintable(t.model), t.cuda ? "cuda" : "cpu",
            int(t.lowMemory), t.maxNew);
    }
  }

  void aQuestionAboutADroppedPictureGetsTheEnginesReply() {
    if (!target().isDefault()) QSKIP("compares with qwenvl-cli on the tiny checkpoint on the CPU");
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
    if (!target().isDefault()) QSKIP("compares with qwenvl-cli on the tiny checkpoint on the CPU");
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

  void aGroundingQuestionShowsItsFigures() {
    const Target t = target();
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    useTarget(w, t);
    useGreedy(w.settings.get(), t.maxNew);
    QElapsedTimer loadClock;
    loadClock.start();
    const QString notLoaded = loadModel(w, t.model);
    QVERIFY2(notLoaded.isEmpty(), qPrintable(notLoaded));
    const double loadSeconds = loadClock.elapsed() / 1000.0;
    const QString device = w.window->controller()->device();
    const QString wrong = checkDevice(device, t);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));

    test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    app::Conversation* c = w.window->controller()->conversation();
    const QStringList questions = {QStringLiteral("Outline the astronaut with a box."),
                                   QStringLiteral("And where is the flag? Answer with its box.")};
    for (int turn = 0; turn < questions.size(); ++turn) {
      Figures f;
      QElapsedTimer clock;
      double firstMs = -1, lastMs = -1, finishedMs = -1;
      QMetaObject::Connection onText = connect(w.window->controller()->client(), &app::InferenceClient::replyText, this,
                                               [&](quint64, const QByteArray& piece) {
                                                 if (piece.isEmpty()) return;
                                                 if (firstMs < 0) firstMs = clock.nsecsElapsed() / 1e6;
                                                 lastMs = clock.nsecsElapsed() / 1e6;
                                                 ++f.pieces;
                                                 f.streamed += QString::fromUtf8(piece);
                                               });
      QMetaObject::Connection onFinished =
          connect(w.window->controller()->client(), &app::InferenceClient::replyFinished, this,
                  [&] { finishedMs = clock.nsecsElapsed() / 1e6; });
      // The question is typed first; the clock runs from the key that sends it.
      ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
      prompt->setFocus();
      prompt->setPlainText(questions[turn]);
      clock.start();
      QTest::keyClick(prompt, Qt::Key_Return);
      QVERIFY(test::waitForReply(w.window.get(), kReplyMs));
      disconnect(onText);
      disconnect(onFinished);

      QCOMPARE(c->messages().size(), 2 * (turn + 1));
      const app::Message& reply = c->messages().back();
      QCOMPARE(reply.state, app::ReplyState::Done);
      QVERIFY(reply.stats.valid);
      QVERIFY2(f.pieces >= 1 && !f.streamed.isEmpty(), "no text streamed into the window");
      if (turn == 0) QCOMPARE(reply.stats.imagesEncoded, 1);
      QVERIFY(reply.stats.generatedTokens >= 1 && reply.stats.generatedTokens <= t.maxNew);
      QVERIFY(finishedMs >= firstMs && firstMs >= 0);
      f.sendToFirstTextMs = firstMs;
      const double streamMs = finishedMs - firstMs;
      if (reply.stats.generatedTokens > 1 && streamMs > 0)
        f.uiTokensPerSecond = (reply.stats.generatedTokens - 1) / (streamMs / 1000.0);
      // The boxes of the reply on the picture, as painted (0 is an honest answer for random weights).
      QCoreApplication::processEvents();
      f.boxes = static_cast<int>(w.window->picturePane()->overlay()->boxes().size());
      qInfo(
          "E2E-FIGURES turn=%d device=\"%s\" load_s=%.2f send_to_first_text_ms=%.1f ui_tokens_per_s=%.1f "
          "engine_tokens_per_s=%.1f engine_prompt_ms=%.1f prompt_tokens=%d generated_tokens=%d pieces=%d "
          "last_text_to_finish_ms=%.1f boxes_drawn=%d",
          turn + 1, qPrintable(device), loadSeconds, f.sendToFirstTextMs, f.uiTokensPerSecond,
          reply.stats.tokensPerSecond, reply.stats.promptSeconds * 1000.0, reply.stats.promptTokens,
          reply.stats.generatedTokens, f.pieces, finishedMs - lastMs, f.boxes);
      qInfo("E2E-REPLY turn=%d %s", turn + 1, qPrintable(f.streamed.left(300).replace(QLatin1Char('\n'), u' ')));
    }
  }

  void stopEndsARealGeneration() {
    const Target t = target();
    test::ScriptedWindow w(false, false, app::engineBackendFactory());
    useTarget(w, t);
    useGreedy(w.settings.get(), 4000);
    const QString notLoaded = loadModel(w, t.model);
    QVERIFY2(notLoaded.isEmpty(), qPrintable(notLoaded));
    const QString wrong = checkDevice(w.window->controller()->device(), t);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
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
