// The app layer without widgets: grounding to coloured QString ranges, the scripted backend's
// tokens, typed settings and their defaults, the command line, and the conversation file format
// (round trip, refusal of damaged files with a message).
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "app/app_settings.h"
#include "app/command_line.h"
#include "app/conversation_store.h"
#include "app/engine_text.h"
#include "app/grounding.h"
#include "app/inline_math.h"
#include "app/markdown_export.h"
#include "app/picture_importer.h"
#include "app/reply_format.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "ui_test_support.h"

using namespace qwenvl;

class TestAppUnits : public QObject {
  Q_OBJECT
  app::LanguageManager m_language;

 private slots:
  void initTestCase() {
    test::initUiTestApplication();
    QVERIFY(m_language.setLanguage(QStringLiteral("en")));  // English plural forms
  }

  void groundingGivesRangesColoursAndLabels() {
    const QString reply = QStringLiteral(
        "图中<ref>两个苹果</ref><box>(302,257),(582,671)</box><box>(603,252),(878,642)</box>和"
        "<ref> a bowl</ref><box>(2,269),(304,674)</box>, plus <box>(1,2),(3,4)</box>.");
    const app::Grounding g = app::Grounding::parse(reply, true);
    QCOMPARE(g.displayText, QStringLiteral("图中两个苹果和 a bowl, plus ."));
    QCOMPARE(g.refs.size(), 2);
    QCOMPARE(g.displayText.mid(g.refs[0].begin, g.refs[0].end - g.refs[0].begin), QStringLiteral("两个苹果"));
    QCOMPARE(g.displayText.mid(g.refs[1].begin, g.refs[1].end - g.refs[1].begin), QStringLiteral(" a bowl"));
    QCOMPARE(g.boxes.size(), 4);
    QCOMPARE(g.boxes[0].points[0], QPoint(302, 257));
    QCOMPARE(g.boxes[1].points[1], QPoint(878, 642));
    // One colour per ref in Tableau order; the official drawer labels only the first box of a
    // ref, and a box without a ref keeps the colour in use.
    QCOMPARE(g.boxes[0].colorIndex, 0);
    QCOMPARE(g.boxes[1].colorIndex, 0);
    QCOMPARE(g.boxes[2].colorIndex, 1);
    QCOMPARE(g.boxes[3].colorIndex, 1);
    QCOMPARE(g.labelOf(g.boxes[0]), QStringLiteral("两个苹果"));
    QCOMPARE(g.labelOf(g.boxes[1]), QString());
    QCOMPARE(g.labelOf(g.boxes[2]), QStringLiteral("a bowl"));
    QCOMPARE(g.labelOf(g.boxes[3]), QString());
    QCOMPARE(app::tableauColor(0).name(), QStringLiteral("#1f77b4"));
    QCOMPARE(app::tableauColor(9).name(), QStringLiteral("#17becf"));
    QCOMPARE(app::tableauColor(10).name(), QStringLiteral("#1f77b4"));
  }

  void streamingGroundingHidesTagsInTransit() {
    const app::Grounding g = app::Grounding::parse(QStringLiteral("see <ref>the cat</ref><box>(1,2),(3"), false);
    QCOMPARE(g.displayText, QStringLiteral("see the cat"));
    QVERIFY(g.boxes.isEmpty());
  }

  void streamedGroundingEqualsTheWholeParse() {
    // Fed in pieces of every size from 1 to 7 bytes (splitting tags, numbers and characters),
    // the streamed grounding is what parsing the text received so far gives, at every step.
    const QByteArray reply = QByteArrayLiteral(
        "图中<ref>两个苹果</ref><box>(302,257),(582,671)</box><box>(603,252),(878,642)</box>和"
        "<ref> a bowl 🍎</ref><box>(2,269),(304,674)</box>, plus <quad>(1,2),(3,4),(5,6),(7,8)</quad> <bo");
    auto same = [](const app::Grounding& a, const app::Grounding& b) {
      if (a.displayText != b.displayText || a.refs.size() != b.refs.size() || a.boxes.size() != b.boxes.size()) {
        return false;
      }
      for (qsizetype i = 0; i < a.refs.size(); ++i) {
        if (a.refs[i].phrase != b.refs[i].phrase || a.refs[i].begin != b.refs[i].begin ||
            a.refs[i].end != b.refs[i].end) {
          return false;
        }
      }
      for (qsizetype i = 0; i < a.boxes.size(); ++i) {
        const app::GroundedBox &x = a.boxes[i], &y = b.boxes[i];
        if (x.points != y.points || x.quad != y.quad || x.ref != y.ref || x.labelled != y.labelled ||
            x.colorIndex != y.colorIndex) {
          return false;
        }
      }
      return true;
    };
    for (int size = 1; size <= 7; ++size) {
      app::GroundingStreamer streamer;
      app::Grounding streamed;
      for (qsizetype at = 0; at < reply.size(); at += size) {
        const QByteArray piece = reply.mid(at, size);
        streamer.feed(piece, &streamed);
        const QByteArray sofar = reply.left(at + piece.size());
        // Display text waits for whole characters, so compare where the text so far is whole.
        const QString text = QString::fromUtf8(sofar);
        if (text.toUtf8() != sofar) continue;
        QVERIFY2(same(streamed, app::Grounding::parse(text, false)),
                 qPrintable(QStringLiteral("size %1, at %2").arg(size).arg(at)));
      }
      streamer.finish(&streamed);
      const app::Grounding whole = app::Grounding::parse(QString::fromUtf8(reply), true);
      QVERIFY(same(streamed, whole));
      QVERIFY(whole.displayText.endsWith(QStringLiteral("plus  <bo")));  // finished: "<bo" is text
      QCOMPARE(whole.boxes.size(), 4);
      QVERIFY(whole.boxes[3].quad);
      QCOMPARE(whole.boxes[3].colorIndex, 1);  // an unlabelled box keeps the colour in use
      QCOMPARE(whole.displayText.mid(whole.refs[1].begin, whole.refs[1].end - whole.refs[1].begin),
               QStringLiteral(" a bowl 🍎"));
    }
  }

  void scriptedTokensSplitLikeAVocabulary() {
    const std::string text = "The <ref>cat</ref><box>(12,345),(6,7)</box> 坐在垫子上.";
    const std::vector<std::string> tokens = app::scripted_tokens(text);
    std::string joined;
    for (const std::string& t : tokens) joined += t;
    QCOMPARE(joined, text);
    QVERIFY(std::find(tokens.begin(), tokens.end(), "<box>") != tokens.end());
    QVERIFY(std::find(tokens.begin(), tokens.end(), "345") != tokens.end());
    QVERIFY(std::find(tokens.begin(), tokens.end(), "坐") != tokens.end());
    QVERIFY(std::find(tokens.begin(), tokens.end(), " cat") == tokens.end());
  }

  void settingsHaveTheModelsDefaultsAndRoundTrip() {
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("s.ini"));
    {
      app::AppSettings s(ini);
      const app::SamplingSettings d = s.sampling();
      QCOMPARE(d.topP, 0.5);
      QCOMPARE(d.topK, 0);
      QCOMPARE(d.maxNewTokens, 512);
      QCOMPARE(d.temperature, 1.0);
      QCOMPARE(d.repetitionPenalty, 1.0);
      QVERIFY(!d.greedy);
      QVERIFY(!s.backendChosen());
      QCOMPARE(s.systemPrompt(), QStringLiteral("You are a helpful assistant."));
      app::SamplingSettings changed = d;
      changed.greedy = true;
      changed.topK = 40;
      changed.fixedSeed = true;
      changed.seed = 1234;
      s.setSampling(changed);
      s.setBackend(app::BackendChoice::Cpu);
      s.setModelDir(QStringLiteral("/models/Qwen-VL-Chat-Int4"));
      s.setLanguage(QStringLiteral("zh_CN"));
      s.sync();
    }
    app::AppSettings s(ini);
    QCOMPARE(s.sampling().topK, 40);
    QVERIFY(s.sampling().greedy);
    const SamplingParams p = s.sampling().toParams(99);
    QVERIFY(!p.do_sample);
    QCOMPARE(p.seed, uint64_t(1234));
    QCOMPARE(s.backend(), app::BackendChoice::Cpu);
    QVERIFY(s.backendChosen());
    QCOMPARE(s.modelDir(), QStringLiteral("/models/Qwen-VL-Chat-Int4"));
    QCOMPARE(s.language(), QStringLiteral("zh_CN"));
  }

  void commandLineOptions() {
    const QString exe = QStringLiteral("qwenvl-studio");
    app::CommandLineOptions o = app::CommandLine::parse(
        {exe, QStringLiteral("--model"), QStringLiteral("/m"), QStringLiteral("--backend"), QStringLiteral("cpu"),
         QStringLiteral("--lang"), QStringLiteral("zh_CN"), QStringLiteral("a.png")});
    QVERIFY(!o.exitNow);
    QCOMPARE(o.modelDir, QStringLiteral("/m"));
    QCOMPARE(o.backend, std::optional<app::BackendChoice>(app::BackendChoice::Cpu));
    QCOMPARE(o.language, QStringLiteral("zh_CN"));
    QCOMPARE(o.pictures.size(), 1);
    o = app::CommandLine::parse({exe, QStringLiteral("--backend"), QStringLiteral("tpu")});
    QVERIFY(o.exitNow);
    QCOMPARE(o.exitCode, 2);
    QVERIFY(o.output.contains(QStringLiteral("tpu")));
    o = app::CommandLine::parse({exe, QStringLiteral("--lang"), QStringLiteral("fr")});
    QCOMPARE(o.exitCode, 2);
    o = app::CommandLine::parse({exe, QStringLiteral("--screenshot"), QStringLiteral("x.jpg")});
    QCOMPARE(o.exitCode, 2);
    o = app::CommandLine::parse({exe, QStringLiteral("--screenshot"), QStringLiteral("x.png")});
    QVERIFY(!o.exitNow);
    o = app::CommandLine::parse({exe, QStringLiteral("--help")});
    QVERIFY(o.exitNow);
    QCOMPARE(o.exitCode, 0);
    QVERIFY(o.output.contains(QStringLiteral("--model")));
  }

  void conversationFilesRoundTrip() {
    QTemporaryDir dir;
    app::PictureSource source;
    source.path = test::fixturePicture("logo.png");
    const app::ImportResult imported = app::PictureImporter::importOne(source);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.item.image.size(), QSize(500, 500));  // RGBA decoded to RGB, alpha dropped

    app::ConversationData data;
    data.systemPrompt = QStringLiteral("你是一个乐于助人的助手。");
    app::PictureData p = imported.item;
    p.id = 1;
    p.label = QStringLiteral("logo.png");
    p.sent = true;
    data.pictures.push_back(p);
    app::Message q;
    q.id = 2;
    q.role = app::Role::User;
    q.text = QStringLiteral("这是什么？");
    q.query = QStringLiteral("Picture 1: <img>logo.png</img>\n这是什么？");
    q.pictureIds = {1};
    q.time = QDateTime::currentDateTime();
    app::Message a;
    a.id = 3;
    a.role = app::Role::Assistant;
    a.text = QStringLiteral("<ref>A logo</ref><box>(10,10),(990,990)</box>");
    a.targetPictureId = 1;
    a.state = app::ReplyState::Stopped;
    a.stats.valid = true;
    a.stats.promptTokens = 300;
    a.stats.tokensPerSecond = 12.5;
    data.messages = {q, a};

    const QString path = dir.filePath(QStringLiteral("c.json"));
    QCOMPARE(app::ConversationStore::save(data, path), QString());
    const app::OpenedConversation opened = app::ConversationStore::open(path);
    QVERIFY2(opened.error.isEmpty(), qPrintable(opened.error));
    QCOMPARE(opened.data.systemPrompt, data.systemPrompt);
    QCOMPARE(opened.pictures.size(), 1);
    QCOMPARE(opened.pictures[0].bytes, imported.item.bytes);
    QCOMPARE(opened.pictures[0].image, imported.item.image);
    QCOMPARE(opened.data.messages[0].query, q.query);
    QCOMPARE(opened.data.messages[0].pictureIds, q.pictureIds);
    QCOMPARE(opened.data.messages[1].text, a.text);
    QCOMPARE(opened.data.messages[1].state, app::ReplyState::Stopped);
    QCOMPARE(opened.data.messages[1].stats.promptTokens, 300);
    QCOMPARE(opened.data.messages[1].stats.tokensPerSecond, 12.5);

    // Saving again after a picture is gone removes its file.
    data.pictures.clear();
    data.messages.clear();
    QCOMPARE(app::ConversationStore::save(data, path), QString());
    QVERIFY(QDir(app::ConversationStore::picturesFolder(path)).entryList(QDir::Files).isEmpty());
  }

  void damagedConversationFilesAreRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("says");
    QTest::newRow("not json") << QByteArray("{oops") << QStringLiteral("JSON");
    QTest::newRow("other format") << QByteArray("{\"format\": \"x\"}") << QStringLiteral("not a QwenVL Studio");
    QTest::newRow("newer version") << QByteArray("{\"format\": \"qwenvl-studio-conversation\", \"version\": 9}")
                                   << QStringLiteral("version 9");
    QTest::newRow("missing picture")
        << QByteArray(
               "{\"format\": \"qwenvl-studio-conversation\", \"version\": 1, \"pictures\": "
               "[{\"id\": 1, \"name\": \"x.png\", \"file\": \"c.pictures/1-x.png\"}]}")
        << QStringLiteral("does not exist");
    QTest::newRow("unknown picture id")
        << QByteArray(
               "{\"format\": \"qwenvl-studio-conversation\", \"version\": 1, \"messages\": "
               "[{\"id\": 2, \"role\": \"user\", \"text\": \"hi\", \"pictures\": [7]}]}")
        << QStringLiteral("not listed");
    QTest::newRow("unknown role") << QByteArray(
                                         "{\"format\": \"qwenvl-studio-conversation\", \"version\": 1, \"messages\": "
                                         "[{\"id\": 2, \"role\": \"system\", \"text\": \"hi\"}]}")
                                  << QStringLiteral("system");
  }

  void damagedConversationFilesAreRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, says);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(json);
    f.close();
    const app::OpenedConversation opened = app::ConversationStore::open(path);
    QVERIFY2(opened.error.contains(QStringLiteral("c.json")), qPrintable(opened.error));
    QVERIFY2(opened.error.contains(says), qPrintable(opened.error));
    QVERIFY(opened.data.messages.isEmpty() && opened.pictures.isEmpty());
  }

  void readableTextForExports() {
    // A region question and a reply: phrases with their boxes in pixels, no markup, the user's
    // Markdown characters escaped and the reply's Markdown kept.
    const app::Grounding question = app::Grounding::parse(
        QStringLiteral("<ref>the *visor*</ref><box>(500,500),(1000,1000)</box> what is it?"), true);
    QCOMPARE(app::MarkdownExport::readable(question, QSize(640, 427), true),
             QStringLiteral("the \\*visor\\* (box 320,213–640,427 px) what is it?"));
    const app::Grounding reply = app::Grounding::parse(
        QStringLiteral("**Two** <ref>towers</ref><box>(0,0),(100,100)</box><box>(900,0),(1000,100)</box> stand."),
        true);
    QCOMPARE(app::MarkdownExport::readable(reply, QSize(1000, 1000), false),
             QStringLiteral("**Two** towers (box 0,0–100,100 px; box 900,0–1000,100 px) stand."));
    // Without a picture to measure against, only the words.
    QCOMPARE(app::MarkdownExport::readable(reply, QSize(), false), QStringLiteral("**Two** towers stand."));
  }

  void engineErrorsAndDevicesInWords() {
    const Status missing = Status::coded(ErrorCode::kModelFileMissing, {"/models/qwen", "config.json"},
                                         "/models/qwen/config.json: not found");
    const QString said = app::EngineText::describe(missing);
    QVERIFY2(said.contains(QStringLiteral("config.json")) && said.contains(QStringLiteral("/models/qwen")),
             qPrintable(said));
    QVERIFY(!said.contains(QStringLiteral("not found")));  // the app's words, not the engine's
    // The code survives the engine adding context to the English text.
    QCOMPARE(missing.with_context("loading: ").code(), ErrorCode::kModelFileMissing);
    QCOMPARE(app::EngineText::describe(Status::error("something odd")), QStringLiteral("something odd."));
    QCOMPARE(app::EngineText::device(QStringLiteral("CPU, 2 threads")), QStringLiteral("CPU, 2 threads"));
    QCOMPARE(app::EngineText::device(QStringLiteral("CPU, 1 threads")), QStringLiteral("CPU, 1 thread"));
    QCOMPARE(app::EngineText::device(QStringLiteral("NVIDIA H200 (CUDA, compute 9.0, 139.8 GiB)")),
             QStringLiteral("NVIDIA H200 (CUDA, compute capability 9.0, 139.8 GiB)"));
  }

  void inlineMathsReadsAsText() {
    QCOMPARE(app::readableInlineMath(QStringLiteral("Area $\\pi r^2$ and \\(a_1 + b_{10}\\).")),
             QStringLiteral("Area *π r²* and *a₁ + b₁₀*."));
    QCOMPARE(app::mathToUnicode(QStringLiteral("\\frac{1}{2} \\times x^{n+1} \\leq y_k")),
             QStringLiteral("1/2 × xⁿ⁺¹ ≤ yₖ"));
    QCOMPARE(app::mathToUnicode(QStringLiteral("x^{ab}")), QStringLiteral("x^(ab)"));  // no superscript b
    // Money, code and fenced blocks stay as written.
    QCOMPARE(app::readableInlineMath(QStringLiteral("It costs $5 and $6.")), QStringLiteral("It costs $5 and $6."));
    QCOMPARE(app::readableInlineMath(QStringLiteral("`$x^2$` here")), QStringLiteral("`$x^2$` here"));
    QCOMPARE(app::readableInlineMath(QStringLiteral("```\n$x^2$\n```\n$y^2$")),
             QStringLiteral("```\n$x^2$\n```\n*y²*"));
  }

  void annotatedPictureNames() {
    QCOMPARE(app::StudioApp::annotatedFileStem(QStringLiteral("rocket.jpg")), QStringLiteral("rocket-boxes"));
    QCOMPARE(app::StudioApp::annotatedFileStem(QStringLiteral("my.holiday.photo.png")),
             QStringLiteral("my.holiday.photo-boxes"));
    QCOMPARE(app::StudioApp::annotatedFileStem(QString()), QStringLiteral("picture-boxes"));
  }

  void statsInWords() {
    app::ReplyStats s;
    s.valid = true;
    s.promptTokens = 312;
    s.promptSeconds = 1.2;
    s.generatedTokens = 48;
    s.tokensPerSecond = 12.34;
    QCOMPARE(app::ReplyFormat::stats(s),
             QStringLiteral("Prompt: 312 tokens, 1.20 s  ·  Reply: 48 tokens, 12.3 tokens/s"));
  }
};

QTEST_MAIN(TestAppUnits)
#include "tst_app_units.moc"
