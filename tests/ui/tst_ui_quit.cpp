// Quitting while a reply streams, many times over: the window is closed (as Ctrl+Q does), the
// events the worker queued before it ended are delivered, and the window and the StudioApp are
// destroyed in main()'s order. Nothing may crash, and the autosave holds the stopped reply with
// the question. Runs on the scripted backend with a token delay and on the real tiny engine.
#include <QCoreApplication>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_store.h"
#include "app/engine_bridge.h"
#include "support/test_env.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

const QString kQuestion = QStringLiteral("Describe the picture.");

QString tinyCheckpoint() { return QString::fromStdString(test::checkpoint_dir("tiny")); }

// Waits until the reply streaming now has some text on screen.
bool waitForSomeReplyText(app::ChatController* c, int timeoutMs = 10000) {
  return QTest::qWaitFor(
      [c] {
        const app::Message* m = c->conversation()->message(c->streamingReplyId());
        return m && !m->text.isEmpty();
      },
      timeoutMs);
}

// Closes the window mid-reply the way the application does, then tears down as main() does.
void quitNow(test::ScriptedWindow& w) {
  QVERIFY(w.window->close());
  // In the application the event loop runs on after the close until it quits: whatever was
  // queued (the worker's last signals, file jobs) is delivered to objects about to go.
  QCoreApplication::sendPostedEvents();
  w.window.reset();
  w.app.reset();
}

void checkAutosave(const QString& path) {
  const app::OpenedConversation saved = app::ConversationStore::open(path);
  QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
  QCOMPARE(saved.data.messages.size(), 2);
  QCOMPARE(saved.data.messages[0].text, kQuestion);
  QCOMPARE(saved.data.messages[1].state, app::ReplyState::Stopped);
  QVERIFY(!saved.data.messages[1].text.isEmpty());
}

}  // namespace

class TestUiQuit : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void quittingDuringAScriptedReply_data() {
    QTest::addColumn<int>("round");
    for (int i = 0; i < 40; ++i) QTest::newRow(qPrintable(QString::number(i))) << i;
  }
  void quittingDuringAScriptedReply() {
    QFETCH(int, round);
    test::ScriptedWindow w(true, true);
    app::ScriptedReply reply;
    // Words, so that it streams token by token (one long word is a single token).
    for (int i = 0; i < 150; ++i) reply.text += "word ";
    // Different delays so the close lands at different points of the worker's loop.
    reply.token_delay_ms = 1 + round % 4;
    w.script->push(reply);
    w.window->addPictureFiles({test::fixturePicture("astronaut.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    test::ask(w.window.get(), kQuestion);
    QVERIFY(waitForSomeReplyText(w.window->controller()));
    const QString autosave = w.app->autosaver()->path();
    quitNow(w);
    checkAutosave(autosave);
  }

  void quittingDuringAnEngineReply() {
    QVERIFY2(QFileInfo::exists(tinyCheckpoint() + QStringLiteral("/model.safetensors")),
             "the ckpt_tiny fixture makes the tiny checkpoint");
    for (int round = 0; round < 4; ++round) {
      test::ScriptedWindow w(false, true, app::engineBackendFactory());
      // Greedy and long (as tst_ui_engine_e2e's Stop test): the close always lands mid-reply.
      app::SamplingSettings s = w.settings->sampling();
      s.greedy = true;
      s.maxNewTokens = 4000;
      w.settings->setSampling(s);
      w.window->loadModel(tinyCheckpoint());
      QVERIFY(w.waitForModel(120000));
      w.window->addPictureFiles({test::fixturePicture("astronaut.png")});
      QVERIFY(test::waitForPictures(w.window.get(), 1));
      test::ask(w.window.get(), kQuestion);
      QVERIFY(waitForSomeReplyText(w.window->controller(), 120000));
      const QString autosave = w.app->autosaver()->path();
      quitNow(w);
      checkAutosave(autosave);
    }
  }
};

QTEST_MAIN(TestUiQuit)
#include "tst_ui_quit.moc"
