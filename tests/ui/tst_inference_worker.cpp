// "No call throws" at the worker's boundary (issue 9, item 5): a backend double throws from each
// call (bad_alloc, a filesystem error, a non-exception); every slot answers with its error signal,
// the worker stays usable, and the controller shows a failed model instead of Qt aborting.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <filesystem>
#include <new>
#include <system_error>

#include "app/chat_controller.h"
#include "app/inference_worker.h"
#include "app/scripted_chat_backend.h"

using namespace qwenvl;

namespace {

enum class Throw { Nothing, BadAlloc, FilesystemError, NotAnException };

// Which call of the double throws what; set by the test, read on the worker's thread.
struct Plan {
  std::atomic<Throw> load{Throw::Nothing};
  std::atomic<Throw> addPicture{Throw::Nothing};
  std::atomic<Throw> clear{Throw::Nothing};
  std::atomic<Throw> systemPrompt{Throw::Nothing};
  std::atomic<Throw> generate{Throw::Nothing};
};

void raise(Throw what) {
  switch (what) {
    case Throw::Nothing:
      return;
    case Throw::BadAlloc:
      throw std::bad_alloc();
    case Throw::FilesystemError:
      // What std::filesystem::exists throws for a shard name over 255 bytes (the case).
      throw std::filesystem::filesystem_error("cannot get file status", std::filesystem::path(std::string(300, 's')),
                                              std::make_error_code(std::errc::filename_too_long));
    case Throw::NotAnException:
      throw 42;
  }
}

// The scripted backend, except where the plan says a call throws.
class ThrowingBackend : public app::ScriptedChatBackend {
 public:
  ThrowingBackend(std::shared_ptr<app::ReplyScript> script, std::shared_ptr<Plan> plan)
      : ScriptedChatBackend(std::move(script)), m_plan(std::move(plan)) {}
  Status load(const LoadOptions& options) override {
    raise(m_plan->load);
    return ScriptedChatBackend::load(options);
  }
  Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label) override {
    raise(m_plan->addPicture);
    return ScriptedChatBackend::add_picture(std::move(picture), label);
  }
  void clear() override {
    raise(m_plan->clear);
    ScriptedChatBackend::clear();
  }
  void set_system_prompt(std::string prompt) override {
    raise(m_plan->systemPrompt);
    ScriptedChatBackend::set_system_prompt(std::move(prompt));
  }
  Result<std::string> generate(const std::string& query, const SamplingParams& params, const app::TextFn& on_text,
                               const std::atomic<bool>* cancel, GenerationStats* stats) override {
    raise(m_plan->generate);
    return ScriptedChatBackend::generate(query, params, on_text, cancel, stats);
  }

 private:
  std::shared_ptr<Plan> m_plan;
};

struct Fixture {
  std::shared_ptr<app::ReplyScript> script = std::make_shared<app::ReplyScript>();
  std::shared_ptr<Plan> plan = std::make_shared<Plan>();
  ThrowingBackend* last = nullptr;  // the backend the worker made last (the worker owns it)
  app::BackendFactory factory() {
    return [this] {
      auto b = std::make_unique<ThrowingBackend>(script, plan);
      last = b.get();
      return std::unique_ptr<app::ChatBackend>(std::move(b));
    };
  }
};

app::LoadSpec loadSpec(quint64 id) {
  app::LoadSpec spec;
  spec.id = id;
  spec.options.model_dir = "/models/broken";
  return spec;
}

app::GenerateRequest question(quint64 id, bool regenerate = false) {
  app::GenerateRequest r;
  r.id = id;
  r.regenerate = regenerate;
  r.text = QStringLiteral("What is this?");
  r.cancel = app::makeCancelFlag();
  return r;
}

app::ScriptedReply instantReply(const char* text) {
  app::ScriptedReply r;
  r.text = text;
  r.token_delay_ms = 0;
  return r;
}

}  // namespace

class TestInferenceWorker : public QObject {
  Q_OBJECT
 private slots:
  void aLoadThatThrowsFailsInWords_data() {
    QTest::addColumn<int>("what");
    QTest::addColumn<QString>("says");
    QTest::newRow("filesystem error") << int(Throw::FilesystemError) << QStringLiteral("File name too long");
    QTest::newRow("out of memory") << int(Throw::BadAlloc) << QStringLiteral("not enough memory");
    QTest::newRow("not an exception") << int(Throw::NotAnException) << QStringLiteral("unknown internal error");
  }

  void aLoadThatThrowsFailsInWords() {
    QFETCH(int, what);
    QFETCH(QString, says);
    Fixture f;
    app::InferenceWorker worker(f.factory());
    QSignalSpy failed(&worker, &app::InferenceWorker::loadFailed);
    QSignalSpy loaded(&worker, &app::InferenceWorker::loaded);
    f.plan->load = static_cast<Throw>(what);
    worker.load(loadSpec(7));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toULongLong(), quint64(7));
    const QString message = failed.at(0).at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("/models/broken")), qPrintable(message));
    QVERIFY2(message.contains(says), qPrintable(message));
    QCOMPARE(loaded.count(), 0);

    // Nothing half-loaded stays behind, and the next load works.
    QSignalSpy answered(&worker, &app::InferenceWorker::replyFailed);
    worker.generate(question(8));
    QVERIFY(answered.count() == 1 && answered.at(0).at(1).toString().contains(QStringLiteral("No model")));
    f.plan->load = Throw::Nothing;
    worker.load(loadSpec(9));
    QCOMPARE(loaded.count(), 1);
  }

  void aGenerationThatThrowsFails() {
    Fixture f;
    app::InferenceWorker worker(f.factory());
    worker.load(loadSpec(1));
    QSignalSpy failed(&worker, &app::InferenceWorker::replyFailed);
    QSignalSpy finished(&worker, &app::InferenceWorker::replyFinished);
    f.plan->generate = Throw::BadAlloc;
    worker.generate(question(2));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toULongLong(), quint64(2));
    QVERIFY2(failed.at(0).at(1).toString().contains(QStringLiteral("not enough memory")),
             qPrintable(failed.at(0).at(1).toString()));
    QCOMPARE(finished.count(), 0);

    f.plan->generate = Throw::Nothing;
    f.script->push(instantReply("A chessboard."));
    worker.generate(question(3));
    QCOMPARE(finished.count(), 1);
  }

  // Regenerate takes the last turn back first; a throw must give it back, as a failure does.
  void aRegenerationThatThrowsKeepsTheEarlierAnswer() {
    Fixture f;
    app::InferenceWorker worker(f.factory());
    worker.load(loadSpec(1));
    f.script->push(instantReply("A chessboard."));
    worker.generate(question(2));
    QCOMPARE(f.last->history().size(), size_t(1));
    QSignalSpy failed(&worker, &app::InferenceWorker::replyFailed);
    f.plan->generate = Throw::FilesystemError;
    worker.generate(question(3, /*regenerate=*/true));
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(1).toString().contains(QStringLiteral("internal error")),
             qPrintable(failed.at(0).at(1).toString()));
    QCOMPARE(f.last->history().size(), size_t(1));
    QCOMPARE(f.last->history()[0].response, std::string("A chessboard."));
  }

  void aPictureThatThrowsIsRejected() {
    Fixture f;
    app::InferenceWorker worker(f.factory());
    worker.load(loadSpec(1));
    QSignalSpy rejected(&worker, &app::InferenceWorker::pictureRejected);
    QSignalSpy registered(&worker, &app::InferenceWorker::pictureRegistered);
    auto picture = std::make_shared<Picture>();
    picture->width = picture->height = 2;
    picture->rgb.assign(12, 0);
    f.plan->addPicture = Throw::BadAlloc;
    worker.addPicture({5, QString(), picture});
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(rejected.at(0).at(0).toInt(), 5);
    QVERIFY(rejected.at(0).at(1).toString().contains(QStringLiteral("not enough memory")));
    f.plan->addPicture = Throw::Nothing;
    worker.addPicture({6, QString(), picture});
    QCOMPARE(registered.count(), 1);
  }

  // A session that could not be set up is unknown: the model goes, and says so.
  void aSessionThatThrowsUnloadsTheModel() {
    Fixture f;
    app::InferenceWorker worker(f.factory());
    worker.load(loadSpec(1));
    QSignalSpy lost(&worker, &app::InferenceWorker::sessionLost);
    f.plan->clear = Throw::BadAlloc;
    worker.reset({});
    QCOMPARE(lost.count(), 1);
    QVERIFY2(lost.at(0).at(0).toString().contains(QStringLiteral("load it again")),
             qPrintable(lost.at(0).at(0).toString()));
    QSignalSpy failed(&worker, &app::InferenceWorker::replyFailed);
    worker.generate(question(2));
    QVERIFY(failed.count() == 1 && failed.at(0).at(1).toString().contains(QStringLiteral("No model")));

    worker.load(loadSpec(3));
    f.plan->systemPrompt = Throw::NotAnException;
    worker.setSystemPrompt(QStringLiteral("Be brief."));
    QCOMPARE(lost.count(), 2);
  }

  // On the real worker thread, through the controller: Qt does not abort, the app shows why.
  void theControllerShowsAThrowingModelAsFailed() {
    QTemporaryDir dir;
    app::AppSettings settings(dir.filePath(QStringLiteral("settings.ini")));
    Fixture f;
    f.plan->load = Throw::FilesystemError;
    app::ChatController controller(f.factory(), &settings);
    controller.loadModel(dir.path(), BackendKind::Cpu);
    QVERIFY(QTest::qWaitFor([&] { return controller.modelState() == app::ModelState::Failed; }));
    QVERIFY2(controller.modelError().contains(QStringLiteral("File name too long")),
             qPrintable(controller.modelError()));

    f.plan->load = Throw::Nothing;
    controller.loadModel(dir.path(), BackendKind::Cpu);
    QVERIFY(QTest::qWaitFor([&] { return controller.modelState() == app::ModelState::Ready; }));
    f.plan->systemPrompt = Throw::BadAlloc;
    controller.setSystemPrompt(QStringLiteral("Be brief."));
    QVERIFY(QTest::qWaitFor([&] { return controller.modelState() == app::ModelState::Failed; }));
    QVERIFY2(controller.modelError().contains(QStringLiteral("not enough memory")),
             qPrintable(controller.modelError()));
    controller.shutdown();
  }
};

QTEST_GUILESS_MAIN(TestInferenceWorker)
#include "tst_inference_worker.moc"
