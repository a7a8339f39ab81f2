// The headless application (app::StudioApp) driven without a single widget, as a kiosk or a
// local server would own it: load the scripted model, add pictures (labelled by the engine's
// rules), ask, get the reply, find it in the autosave; restore the last conversation with its
// labels; keep a damaged autosave aside; choose the backend. Links qwenvl_app only, not the UI.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_store.h"
#include "app/picture_importer.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "support/test_env.h"

using namespace qwenvl;

namespace {

QString picturePath(const char* name) { return QString::fromStdString(test::fixture(std::string("images/") + name)); }

struct Headless {
  QTemporaryDir dir;
  app::AppSettings settings{dir.filePath(QStringLiteral("settings.ini"))};
  std::shared_ptr<app::ReplyScript> script = std::make_shared<app::ReplyScript>();
  std::unique_ptr<app::StudioApp> studio;

  QString autosavePath() const { return dir.filePath(QStringLiteral("autosave/conversation.json")); }

  void start(bool restore, app::CudaStatus cuda = {}) {
    app::StudioAppOptions o;
    o.settings = &settings;
    o.cuda = cuda;
    auto s = script;
    o.backendFactory = [s] { return std::make_unique<app::ScriptedChatBackend>(s); };
    o.autosavePath = autosavePath();
    o.restoreAutosave = restore;
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

  void aConversationRunsWithoutWidgets() {
    Headless h;
    h.start(false);
    QVERIFY(h.loadModel());
    app::ChatController* c = h.studio->controller();
    QSignalSpy registered(c->client(), &app::InferenceClient::pictureRegistered);
    // The same file twice: the engine's PictureLabels make the second label unique.
    h.studio->addPictureFiles({picturePath("astronaut.png"), picturePath("astronaut.png")});
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

    // What is on disk is the whole conversation.
    h.studio->autosaver()->flush();
    const app::OpenedConversation saved = app::ConversationStore::open(h.autosavePath());
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
      source.path = picturePath("rocket.jpg");
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
