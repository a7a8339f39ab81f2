// The headless application (app::StudioApp) driven without a single widget, as a kiosk or a
// local server would own it: load the scripted model, add pictures (labelled by the engine's
// rules), ask, get the reply, find it in the autosave; restore the last conversation with its
// labels; keep a damaged autosave aside; be destroyed mid-reply; keep every conversation in its
// own library file (pictures from outside, Ctrl+N, the old single autosave); keep the draft and
// regenerated replies; mark a named conversation modified; remember a model folder only once it
// loaded; choose the backend. Links qwenvl_app only, not the UI.
#include <cmath>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_library.h"
#include "app/conversation_store.h"
#include "app/picture_importer.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "fixture_picture.h"

using namespace qwenvl;

namespace {

struct Headless {
  QTemporaryDir dir;
  app::AppSettings settings{dir.filePath(QStringLiteral("settings.ini"))};
  std::shared_ptr<app::ReplyScript> script = std::make_shared<app::ReplyScript>();
  std::unique_ptr<app::StudioApp> studio;

  QString libraryDir() const { return dir.filePath(QStringLiteral("conversations")); }
  // A library file for tests that write the last conversation themselves before a start.
  QString autosavePath() const { return libraryDir() + QStringLiteral("/last/conversation.json"); }

  void start(bool restore, app::CudaStatus cuda = {}, bool cpuSpeedProbe = false) {
    app::StudioAppOptions o;
    o.settings = &settings;
    o.cpuSpeedProbe = cpuSpeedProbe;
    o.cuda = cuda;
    auto s = script;
    o.backendFactory = [s] { return std::make_unique<app::ScriptedChatBackend>(s); };
    o.libraryDir = libraryDir();
    o.restoreLast = restore;
    studio = std::make_unique<app::StudioApp>(o);
  }
  bool loadModel() {
    settings.setBackend(app::BackendChoice::Cpu);
    studio->loadModel(dir.path());
    return QTest::qWaitFor([this] { return studio->controller()->modelState() == app::ModelState::Ready; });
  }
};

}  // namespace

class TestStudioApp : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void theCpuSpeedIsMeasuredOnceOffTheGuiThread() {
    // Without the probe (every other test) nothing is measured.
    Headless off;
    off.start(false);
    off.studio->measureCpuSpeed();
    QVERIFY(!off.studio->cpuSpeedPending());
    QVERIFY(!off.studio->cpuSpeed().measured);
    // With it: one measurement (the real kernels, about a second), the GUI thread stays free.
    Headless h;
    h.start(false, {}, true);
    QSignalSpy done(h.studio.get(), &app::StudioApp::cpuSpeedChanged);
    h.studio->measureCpuSpeed();
    QVERIFY(h.studio->cpuSpeedPending());
    h.studio->measureCpuSpeed();  // a second call starts nothing more
    QVERIFY(done.wait(60000));
    QCOMPARE(done.count(), 1);
    const app::CpuSpeedEstimate& e = h.studio->cpuSpeed();
    QVERIFY(e.measured);
    QVERIFY(!h.studio->cpuSpeedPending());
    QVERIFY(e.tokensPerSecond > 0 && std::isfinite(e.tokensPerSecond));
    QVERIFY(e.memoryGBs > 0);
    QVERIFY(e.threads >= 1);
  }

  void aConversationRunsWithoutWidgets() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    app::ChatController* c = h.studio->controller();
    QSignalSpy registered(c->client(), &app::InferenceClient::pictureRegistered);
    // The same file twice: the engine's PictureLabels make the second label unique.
    h.studio->addPictureFiles({test::fixturePicture("astronaut.png"), test::fixturePicture("astronaut.png")});
    QVERIFY(QTest::qWaitFor([&] { return registered.count() == 2; }));
    const QVector<app::PictureItem>& pictures = h.studio->conversation()->pictures();
    QCOMPARE(pictures.size(), 2);
    QCOMPARE(pictures[0].label, QStringLiteral("astronaut.png"));
    QCOMPARE(pictures[1].label, QStringLiteral("astronaut.png (2)"));

    app::ScriptedReply reply;
    reply.text = "<ref>the astronaut</ref><box>(100,50),(900,1000)</box> smiles.";
    reply.token_delay_ms = 1;
    h.script->push(reply);
    QSignalSpy finished(c, &app::ChatController::replyFinished);
    QCOMPARE(c->send(QStringLiteral("Who is this?")), QString());
    QVERIFY(finished.wait());
    const QVector<app::Message>& messages = h.studio->conversation()->messages();
    QCOMPARE(messages.size(), 2);
    // The query is the engine's format_query of the two pictures and the text.
    const QString query = QString::fromStdString(
        format_query({ContentItem::image("astronaut.png"), ContentItem::image("astronaut.png (2)"),
                      ContentItem::plain("Who is this?")}));
    QCOMPARE(messages[0].query, query);
    QCOMPARE(QString::fromStdString(h.script->queries().at(0)), query);
    QCOMPARE(messages[1].text, QString::fromStdString(reply.text));
    QCOMPARE(messages[1].state, app::ReplyState::Done);
    QCOMPARE(messages[1].grounding.boxes.size(), 1);
    QCOMPARE(messages[1].grounding.displayText, QStringLiteral("the astronaut smiles."));

    // What is on disk is the whole conversation, in its own folder of the library.
    h.studio->autosaver()->flush();
    QVERIFY(h.studio->library()->contains(h.studio->autosaver()->path()));
    const app::OpenedConversation saved = app::ConversationStore::open(h.studio->autosaver()->path());
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.pictures.size(), 2);
    QCOMPARE(saved.data.pictures[1].label, QStringLiteral("astronaut.png (2)"));
    QCOMPARE(saved.data.messages.size(), 2);
    QCOMPARE(saved.data.messages[0].query, query);
    QCOMPARE(saved.data.messages[1].text, QString::fromStdString(reply.text));
  }

  void aRestoredConversationKeepsItsLabels() {
    Headless h;
    {
      // A conversation whose picture has a label the engine would not pick by itself.
      app::PictureSource source;
      source.path = test::fixturePicture("rocket.jpg");
      const app::ImportResult imported = app::PictureImporter::importOne(source);
      QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
      app::ConversationData data;
      data.systemPrompt = QStringLiteral("You are a helpful assistant.");
      app::PictureData p = imported.item;
      p.id = 1;
      p.label = QStringLiteral("rocket.jpg (7)");
      p.sent = true;
      data.pictures.push_back(p);
      app::Message q;
      q.id = 2;
      q.role = app::Role::User;
      q.text = QStringLiteral("What is it?");
      q.query = QString::fromStdString(
          format_query({ContentItem::image("rocket.jpg (7)"), ContentItem::plain("What is it?")}));
      q.pictureIds = {1};
      app::Message a;
      a.id = 3;
      a.role = app::Role::Assistant;
      a.text = QStringLiteral("A rocket.");
      data.messages = {q, a};
      QVERIFY(QDir().mkpath(QFileInfo(h.autosavePath()).absolutePath()));
      QCOMPARE(app::ConversationStore::save(data, h.autosavePath()), QString());
    }
    h.settings.setCurrentConversation(h.autosavePath());
    h.start(true);
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->messages().size() == 2; }));
    QVERIFY(h.studio->conversationPath().isEmpty());  // the autosave is not the user's file
    QSignalSpy registered(h.studio->controller()->client(), &app::InferenceClient::pictureRegistered);
    QVERIFY(h.loadModel());
    QVERIFY(QTest::qWaitFor([&] { return registered.count() == 1; }));
    QCOMPARE(registered.at(0).at(1).toString(), QStringLiteral("rocket.jpg (7)"));
    QCOMPARE(h.studio->conversation()->pictures()[0].label, QStringLiteral("rocket.jpg (7)"));

    // Regenerate answers the saved question, which still names the picture by its label.
    QSignalSpy finished(h.studio->controller(), &app::ChatController::replyFinished);
    QCOMPARE(h.studio->controller()->regenerate(), QString());
    QVERIFY(finished.wait());
    QCOMPARE(QString::fromStdString(h.script->queries().at(0)), h.studio->conversation()->messages()[0].query);
  }

  void aDamagedAutosaveIsKeptAside() {
    Headless h;
    QVERIFY(QDir().mkpath(QFileInfo(h.autosavePath()).absolutePath()));
    QFile f(h.autosavePath());
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{not json");
    f.close();
    h.settings.setCurrentConversation(h.autosavePath());
    h.start(true);
    QSignalSpy errors(h.studio.get(), &app::StudioApp::errorOccurred);
    QVERIFY(errors.wait());
    const QString aside = h.autosavePath() + QStringLiteral(".damaged");
    QVERIFY2(errors.at(0).at(0).toString().contains(QDir::toNativeSeparators(aside)),
             qPrintable(errors.at(0).at(0).toString()));
    QVERIFY(QFile::exists(aside));
    QVERIFY(h.studio->conversation()->isEmpty());
    // Autosaving works again once the restore has ended.
    QVERIFY(h.loadModel());
    QSignalSpy finished(h.studio->controller(), &app::ChatController::replyFinished);
    QCOMPARE(h.studio->controller()->send(QStringLiteral("Hello")), QString());
    QVERIFY(finished.wait());
    h.studio->autosaver()->flush();
    const app::OpenedConversation saved = app::ConversationStore::open(h.autosavePath());
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.messages.size(), 2);
  }

  void destroyingTheAppDuringAReplyKeepsTheReply() {
    // As a kiosk or a server would quit: no window, the StudioApp simply goes, mid-reply.
    for (int round = 0; round < 25; ++round) {
      Headless h;
      h.start(false);
      QVERIFY(h.loadModel());
      app::ScriptedReply reply;
      // Words, so that it streams token by token (one long word is a single token).
      for (int i = 0; i < 150; ++i) reply.text += "word ";
      reply.token_delay_ms = 1 + round % 3;
      h.script->push(reply);
      app::ChatController* c = h.studio->controller();
      QCOMPARE(c->send(QStringLiteral("Count to three.")), QString());
      QVERIFY(QTest::qWaitFor([c] {
        const app::Message* m = c->conversation()->message(c->streamingReplyId());
        return m && !m->text.isEmpty();
      }));
      const QString path = h.studio->autosaver()->path();
      h.studio.reset();
      const app::OpenedConversation saved = app::ConversationStore::open(path);
      QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
      QCOMPARE(saved.data.messages.size(), 2);
      QCOMPARE(saved.data.messages[1].state, app::ReplyState::Stopped);
      // The final text the worker settled on after the stop, not only what was on screen.
      QVERIFY(!saved.data.messages[1].text.isEmpty());
    }
  }

  void aModelFolderIsRememberedOnlyOnceItLoaded() {
    Headless h;
    h.start(false);
    h.settings.setBackend(app::BackendChoice::Cpu);
    // A folder whose load fails is not remembered: the next start must not try it again.
    h.script->set_load(0, "the loader gave up");
    QSignalSpy state(h.studio->controller(), &app::ChatController::modelStateChanged);
    h.studio->loadModel(h.dir.path());
    QCOMPARE(h.settings.modelDir(), QString());
    QVERIFY(QTest::qWaitFor([&] { return h.studio->controller()->modelState() == app::ModelState::Failed; }));
    QCOMPARE(h.settings.modelDir(), QString());
    // One that loads is.
    h.script->set_load(0);
    h.studio->loadModel(h.dir.path());
    QCOMPARE(h.settings.modelDir(), QString());  // not before it loaded
    QVERIFY(QTest::qWaitFor([&] { return h.studio->controller()->modelState() == app::ModelState::Ready; }));
    QCOMPARE(h.settings.modelDir(), QDir::cleanPath(h.dir.path()));
    // A folder typed into the settings dialog goes back to the last good one until it loads.
    QTemporaryDir other;
    const app::StudioApp::ModelChoice before = h.studio->modelChoice();
    h.settings.setModelDir(other.path());
    h.script->set_load(0, "not a model");
    h.studio->applySettings(before);
    QCOMPARE(h.settings.modelDir(), QDir::cleanPath(h.dir.path()));
    QVERIFY(QTest::qWaitFor([&] { return h.studio->controller()->modelState() == app::ModelState::Failed; }));
    QCOMPARE(h.settings.modelDir(), QDir::cleanPath(h.dir.path()));
  }

  void picturesOpenANewConversationAndTheLastStaysSaved() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    app::ChatController* c = h.studio->controller();
    QSignalSpy finished(c, &app::ChatController::replyFinished);
    h.studio->openPictures({test::fixturePicture("rocket.jpg")});  // a blank conversation takes them
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->pictures().size() == 1; }));
    QCOMPARE(c->send(QStringLiteral("What is it?")), QString());
    QVERIFY(finished.wait());
    h.studio->autosaver()->flush();
    const QString first = h.studio->autosaver()->path();
    const QString firstPictures = app::ConversationStore::picturesFolder(first);
    QCOMPARE(QDir(firstPictures).entryList(QDir::Files).size(), 1);

    // "Open With" / a second launch: a new conversation, in a file of its own.
    h.studio->openPictures({test::fixturePicture("astronaut.png")});
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->pictures().size() == 1; }));
    QCOMPARE(h.studio->conversation()->pictures()[0].name, QStringLiteral("astronaut.png"));
    QVERIFY(h.studio->conversation()->messages().isEmpty());
    const QString second = h.studio->autosaver()->path();
    QVERIFY(second != first);
    QVERIFY(h.studio->library()->contains(second));
    QCOMPARE(h.settings.currentConversation(), second);
    h.studio->autosaver()->flush();

    // Ctrl+N keeps the second one too, and tells where.
    QCOMPARE(h.studio->newConversation(), second);
    QVERIFY(h.studio->conversation()->isEmpty());
    // A blank conversation is reused rather than another file made.
    QCOMPARE(h.studio->newConversation(), QString());
    h.studio->autosaver()->flush();

    const app::OpenedConversation one = app::ConversationStore::open(first);
    QVERIFY2(one.error.isEmpty(), qPrintable(one.error));
    QCOMPARE(one.data.messages.size(), 2);
    QCOMPARE(one.data.pictures.size(), 1);
    QCOMPARE(QDir(firstPictures).entryList(QDir::Files).size(), 1);  // its pictures untouched
    const app::OpenedConversation two = app::ConversationStore::open(second);
    QVERIFY2(two.error.isEmpty(), qPrintable(two.error));
    QCOMPARE(two.data.pictures.size(), 1);
    QCOMPARE(two.data.pictures[0].name, QStringLiteral("astronaut.png"));
    QCOMPARE(h.studio->library()->entries().size(), 2);

    // The next start shows the conversation shown last: the blank one, so nothing; the two
    // others are still in the library.
    h.studio.reset();
    h.start(true);
    QVERIFY(h.studio->conversation()->isEmpty());
    QCOMPARE(h.studio->library()->entries().size(), 2);
  }

  void picturesArrivingDuringTheRestoreGoIntoANewConversation() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    QSignalSpy finished(h.studio->controller(), &app::ChatController::replyFinished);
    QCOMPARE(h.studio->controller()->send(QStringLiteral("Hello")), QString());
    QVERIFY(finished.wait());
    const QString last = h.studio->autosaver()->path();
    h.studio.reset();
    h.start(true);
    h.studio->openPictures({test::fixturePicture("astronaut.png")});  // the restore is still reading
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->pictures().size() == 1; }));
    QVERIFY(h.studio->conversation()->messages().isEmpty());
    QVERIFY(h.studio->autosaver()->path() != last);
    const app::OpenedConversation kept = app::ConversationStore::open(last);
    QVERIFY2(kept.error.isEmpty(), qPrintable(kept.error));
    QCOMPARE(kept.data.messages.size(), 2);
  }

  void theUnsentQuestionComesBackAfterARestart() {
    Headless h;
    h.start(false);
    h.studio->conversation()->setDraft(QStringLiteral("What colour is the"));
    h.studio.reset();  // quitting saves it
    h.start(true);
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->draft() == QStringLiteral("What colour is the"); }));
  }

  void regenerateKeepsThePreviousReply() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    app::ChatController* c = h.studio->controller();
    for (const char* text : {"A red rocket.", "A white rocket.", ""}) {
      app::ScriptedReply reply;
      reply.text = text;
      reply.token_delay_ms = 0;
      if (!*text) reply.error = "out of memory";  // the third answer fails
      h.script->push(reply);
    }
    QSignalSpy finished(c, &app::ChatController::replyFinished);
    QCOMPARE(c->send(QStringLiteral("What is it?")), QString());
    QVERIFY(finished.wait());
    const int id = h.studio->conversation()->lastAssistantMessageId();
    QCOMPARE(c->regenerate(), QString());
    QVERIFY(finished.wait());
    const app::Message* m = h.studio->conversation()->message(id);
    QCOMPARE(m->text, QStringLiteral("A white rocket."));
    QCOMPARE(m->versionCount(), 2);
    QCOMPARE(m->versionIndex, 1);
    // A Regenerate that fails leaves both as they were.
    QSignalSpy errors(c, &app::ChatController::errorOccurred);
    QCOMPARE(c->regenerate(), QString());
    QVERIFY(errors.wait());
    m = h.studio->conversation()->message(id);
    QCOMPARE(m->text, QStringLiteral("A white rocket."));
    QCOMPARE(m->versionCount(), 2);
    // The first answer is still reachable; the model's history follows the one shown.
    QCOMPARE(c->showReplyVersion(id, 0), QString());
    m = h.studio->conversation()->message(id);
    QCOMPARE(m->text, QStringLiteral("A red rocket."));
    QCOMPARE(m->versionIndex, 0);
    QVERIFY(!c->showReplyVersion(id, 2).isEmpty());
    // Both are in the file and come back after a restart, the chosen one shown.
    h.studio.reset();
    h.start(true);
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->messages().size() == 2; }));
    m = h.studio->conversation()->message(id);
    QCOMPARE(m->text, QStringLiteral("A red rocket."));
    QCOMPARE(m->versionCount(), 2);
    QCOMPARE(m->otherVersions[0].text, QStringLiteral("A white rocket."));
  }

  void aNamedConversationIsMarkedModified() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    QSignalSpy files(h.studio.get(), &app::StudioApp::fileJobFinished);
    QSignalSpy finished(h.studio->controller(), &app::ChatController::replyFinished);
    QCOMPARE(h.studio->controller()->send(QStringLiteral("Hello")), QString());
    QVERIFY(finished.wait());
    QVERIFY(!h.studio->isModified());  // never saved under a name: the library has it
    const QString named = h.dir.filePath(QStringLiteral("talk.json"));
    h.studio->saveConversation(named);
    QVERIFY(files.wait());
    QCOMPARE(h.studio->conversationPath(), named);
    QVERIFY(!h.studio->isModified());
    QSignalSpy modified(h.studio.get(), &app::StudioApp::modifiedChanged);
    QCOMPARE(h.studio->controller()->send(QStringLiteral("And now?")), QString());
    QVERIFY(finished.wait());
    QVERIFY(h.studio->isModified());
    QCOMPARE(modified.at(0).at(0).toBool(), true);
    // Ctrl+N: the changes are not in talk.json, but the library file keeps them.
    const QString kept = h.studio->newConversation();
    QVERIFY(!h.studio->isModified());
    const app::OpenedConversation saved = app::ConversationStore::open(kept);
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.messages.size(), 4);
  }

  void theOldSingleAutosaveJoinsTheLibrary() {
    Headless h;
    // Earlier versions kept one autosave: <app data>/autosave/conversation.json + pictures.
    const QString old = h.dir.filePath(QStringLiteral("autosave"));
    app::ConversationData data;
    app::Message q;
    q.id = 1;
    q.text = QStringLiteral("Kept from before");
    data.messages = {q};
    QVERIFY(QDir().mkpath(old));
    QCOMPARE(app::ConversationStore::save(data, old + QStringLiteral("/conversation.json")), QString());
    const app::ConversationLibrary library(h.libraryDir());
    const QString adopted = library.adopt(old);
    QVERIFY(library.contains(adopted));
    QVERIFY(!QFileInfo::exists(old));
    QCOMPARE(library.entries(), QStringList{adopted});
    QCOMPARE(library.adopt(old), QString());  // nothing left to adopt the next time
    h.settings.setCurrentConversation(adopted);
    h.start(true);
    QVERIFY(QTest::qWaitFor([&] { return h.studio->conversation()->messages().size() == 1; }));
    QCOMPARE(h.studio->conversation()->messages()[0].text, QStringLiteral("Kept from before"));
    QCOMPARE(h.studio->autosaver()->path(), adopted);
  }

  void theBackendFollowsTheChoiceAndTheGpu() {
    Headless h;
    h.start(false, app::CudaStatus{true, false, QStringLiteral("no device")});
    QCOMPARE(h.studio->effectiveBackend(), BackendKind::Cpu);  // first start, no usable GPU
    h.studio.reset();
    h.start(false, app::CudaStatus{true, true, {}});
    QCOMPARE(h.studio->effectiveBackend(), BackendKind::Cuda);
    QSignalSpy changed(h.studio.get(), &app::StudioApp::backendChoiceChanged);
    h.studio->setBackendChoice(app::BackendChoice::Cpu);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(h.studio->effectiveBackend(), BackendKind::Cpu);
    QCOMPARE(h.settings.backend(), app::BackendChoice::Cpu);
    // A changed folder in the settings loads the model from there.
    const app::StudioApp::ModelChoice before = h.studio->modelChoice();
    h.settings.setModelDir(h.dir.path());
    h.studio->applySettings(before);
    QCOMPARE(h.studio->controller()->modelState(), app::ModelState::Loading);
    QVERIFY(QTest::qWaitFor([&] { return h.studio->controller()->modelState() == app::ModelState::Ready; }));
  }
};

QTEST_GUILESS_MAIN(TestStudioApp)
#include "tst_studio_app.moc"
