// The public engine API on the CPU backend and the tiny checkpoint: a turn through ChatSession
// gives the official greedy continuation; history and KV-cache reuse do not change results;
// Regenerate, seeded sampling, cancellation from another thread; bad input gives clear errors
// and leaves the session usable.
#include <QtTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "qwenvl/engine.h"
#include "support/test_env.h"
#include "tokenizer/tokenizer.h"
#include "util/file_io.h"

using namespace qwenvl;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Model> load(int max_context = 8192) {
  LoadOptions o;
  o.model_dir = test::checkpoint_dir("tiny");
  o.max_context = max_context;
  auto m = Model::load(o);
  if (!m) qFatal("load failed: %s", m.message().c_str());
  return std::move(m.value());
}

SamplingParams greedy(int n) {
  SamplingParams p;
  p.do_sample = false;
  p.max_new_tokens = n;
  return p;
}

std::shared_ptr<const Picture> picture(const char* rel, const char* label) {
  auto p = load_picture(test::fixture(rel));
  if (!p) qFatal("%s", p.message().c_str());
  p->label = label;
  return std::make_shared<const Picture>(std::move(p.value()));
}

}  // namespace

class TestSession : public QObject {
  Q_OBJECT
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tok_;

 private slots:
  void initTestCase() {
    model_ = load();
    auto t = Tokenizer::load(test::fixture("qwen.tiktoken"));
    QVERIFY(t.ok());
    tok_ = std::move(t.value());
  }

  void greedyTurnMatchesOfficial() {
    // Scenario one_image_en: Picture 1:<img>images/astronaut.png</img>\nWhat is this?
    auto golden = read_file(test::fixture("golden/tiny/one_image_en.json"));
    QVERIFY(golden.ok());
    auto g = nlohmann::json::parse(*golden);
    std::vector<int32_t> ids = g["fp32_greedy_ids"].get<std::vector<int32_t>>();
    ChatSession s(*model_);
    auto label = s.add_picture(picture("images/astronaut.png", "images/astronaut.png"));
    QVERIFY(label.ok());
    QCOMPARE(label->label, std::string("images/astronaut.png"));
    std::string streamed;
    GenerationStats st;
    auto reply = s.generate(
        format_query({ContentItem::image(label->label), ContentItem::plain("What is this?")}), greedy(int(ids.size())),
        [&](std::string_view p) { streamed += p; }, nullptr, &st);
    QVERIFY2(reply.ok(), reply.message().c_str());
    QCOMPARE(st.prompt_tokens, int(g["prompt_ids"].size()));
    QCOMPARE(st.images_encoded, 1);
    QCOMPARE(st.generated_tokens, int(ids.size()));
    QCOMPARE(streamed, tok_->decode(ids));
    QCOMPARE(st.stop_reason, StopReason::MaxTokens);
    // The official _decode_chatml drops the last token when no <|im_end|> came.
    std::vector<int32_t> kept(ids.begin(), ids.end() - 1);
    QCOMPARE(s.history().back().response.size() <= tok_->decode(kept).size(), true);
  }

  void historyTurnEqualsFreshSession() {
    // Two turns in one session (KV cache reused) equal the second turn run fresh with history.
    ChatSession a(*model_);
    auto la = a.add_picture(picture("images/rocket.jpg", "rocket.jpg"));
    QVERIFY(la.ok());
    QVERIFY(a.generate(format_query({ContentItem::image(la->label), ContentItem::plain("框出图中的火箭")}), greedy(12))
                .ok());
    auto second = a.generate("它有多高？", greedy(12));
    QVERIFY(second.ok());

    ChatSession b(*model_);
    QVERIFY(b.add_picture(picture("images/rocket.jpg", "rocket.jpg")).ok());
    b.set_history({a.history()[0]});
    auto fresh = b.generate("它有多高？", greedy(12));
    QVERIFY(fresh.ok());
    QCOMPARE(*second, *fresh);
  }

  void regenerateGivesSameGreedyReply() {
    ChatSession s(*model_);
    auto r1 = s.generate("Hello! 你好！", greedy(10));
    QVERIFY(r1.ok());
    auto turn = s.pop_last_turn();
    QVERIFY(turn.ok());
    QVERIFY(s.history().empty());
    auto r2 = s.generate(turn->query, greedy(10));
    QVERIFY(r2.ok());
    QCOMPARE(*r1, *r2);
    QVERIFY(!ChatSession(*model_).pop_last_turn().ok());
  }

  void seededSamplingIsReproducible() {
    SamplingParams p = model_->default_sampling();
    QCOMPARE(p.top_p, 0.5f);
    QCOMPARE(p.max_new_tokens, 512);
    p.max_new_tokens = 12;
    p.top_p = 0.95f;
    p.seed = 11;
    auto run = [&](uint64_t seed) {
      ChatSession s(*model_);
      p.seed = seed;
      return *s.generate("Tell me a story.", p);
    };
    QCOMPARE(run(11), run(11));
    QVERIFY(run(11) != run(12));
  }

  void cancelFromAnotherThread() {
    ChatSession s(*model_);
    std::atomic<bool> cancel{false};
    std::atomic<int> pieces{0};
    int at_cancel = -1;
    GenerationStats st;
    std::thread stopper([&] {
      while (pieces.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      at_cancel = pieces.load();
      cancel.store(true);
    });
    auto r = s.generate(
        "Write a long essay.", greedy(400), [&](std::string_view) { pieces.fetch_add(1); }, &cancel, &st);
    stopper.join();
    QVERIFY(r.ok());
    QCOMPARE(st.stop_reason, StopReason::Cancelled);
    QVERIFY2(st.generated_tokens <= at_cancel + 2,
             qPrintable(QString("%1 tokens after cancel at %2").arg(st.generated_tokens).arg(at_cancel)));
    QCOMPARE(int(s.history().size()), 1);  // a cancelled turn is kept with what was shown
  }

  void overLongPromptIsRefusedAndSessionStaysUsable() {
    auto small = load(128);
    ChatSession s(*small);
    auto label = s.add_picture(picture("images/chelsea.png", "cat.png"));
    QVERIFY(label.ok());
    auto r =
        s.generate(format_query({ContentItem::image(label->label), ContentItem::plain("What is this?")}), greedy(4));
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("context") != std::string::npos, r.message().c_str());
    QVERIFY(s.history().empty());
    auto ok = s.generate("Hi", greedy(4));
    QVERIFY2(ok.ok(), ok.message().c_str());
  }

  void unknownPictureAndBrokenMarkup() {
    ChatSession s(*model_);
    auto r = s.generate("Picture 1:<img>nowhere.png</img>\nWhat?", greedy(2));
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("nowhere.png") != std::string::npos, r.message().c_str());
    r = s.generate("an unclosed <img>tag", greedy(2));
    QVERIFY(!r.ok());
    QVERIFY(s.generate("still fine", greedy(2)).ok());
  }

  void pictureLabelsAreUnique() {
    ChatSession s(*model_);
    auto a = s.add_picture(picture("images/coffee.png", "x.png"));
    auto b = s.add_picture(picture("images/coffee.png", "x.png"));
    QVERIFY(a.ok() && b.ok());
    QVERIFY(a->label != b->label);
    QVERIFY(a->id != b->id);
    QCOMPARE(s.picture(b->id)->label, b->label);
    QCOMPARE(s.picture(a->label)->id, a->id);
    auto bad = std::make_shared<Picture>();
    bad->width = 4;
    bad->height = 4;
    QVERIFY(!s.add_picture(bad).ok());
    QVERIFY(!s.add_picture(nullptr).ok());
  }

  void pictureLabelRules() {
    // Valid unique labels are kept; markup that would end the span is replaced; long labels
    // keep their end at a character boundary; rules are idempotent.
    PictureLabels l;
    QCOMPARE(l.assign("x.png"), std::string("x.png"));
    QCOMPARE(l.assign("x.png"), std::string("x.png (2)"));
    QCOMPARE(l.assign("x.png (2)"), std::string("x.png (2) (3)"));
    QCOMPARE(PictureLabels::sanitize(""), std::string("picture"));
    QCOMPARE(PictureLabels::sanitize("a</img>b<|c"), std::string("a_b_c"));
    std::string longest;
    for (int i = 0; i < 150; ++i) longest += "\xe5\x9b\xbe";  // 图 x 150 = 450 bytes
    const std::string cut = PictureLabels::sanitize(longest);
    QVERIFY(cut.size() <= 200);
    QCOMPARE(cut.size() % 3, size_t(0));
    QCOMPARE(PictureLabels::sanitize(cut), cut);
    const std::string broken = std::string(199, 'a') + "\xff\xfe";
    QCOMPARE(PictureLabels::sanitize(PictureLabels::sanitize(broken)), PictureLabels::sanitize(broken));
  }

  void zeroTopPIsGreedyInTheEngineAndTheCli() {
    // One meaning of top-p 0 everywhere (qwenvl/sampling.h): greedy. The engine with sampling on,
    // top-p 0 and any seed gives the greedy reply; so does qwenvl-cli chat --top-p 0, and the
    // CLI's --greedy gives the same text.
    const std::string q = "Describe a rocket in one sentence.";
    ChatSession g(*model_);
    auto want = g.generate(q, greedy(12));
    QVERIFY2(want.ok(), want.message().c_str());
    for (uint64_t seed : {1u, 99u}) {
      ChatSession s(*model_);
      SamplingParams p = greedy(12);
      p.do_sample = true;
      p.top_p = 0.0f;
      p.seed = seed;
      auto got = s.generate(q, p);
      QVERIFY2(got.ok(), got.message().c_str());
      QCOMPARE(*got, *want);
    }
    auto cli = [&](std::vector<std::string> extra) {
      std::vector<std::string> argv = {test::cli_path(), "chat", "--model",   test::checkpoint_dir("tiny"),
                                       "--prompt",       q,      "--max-new", "12"};
      argv.insert(argv.end(), extra.begin(), extra.end());
      return test::run_command(argv);
    };
    const test::CommandResult by_top_p = cli({"--top-p", "0", "--seed", "5"});
    QVERIFY2(by_top_p.exit_code == 0, by_top_p.err.c_str());
    const test::CommandResult by_flag = cli({"--greedy"});
    QVERIFY2(by_flag.exit_code == 0, by_flag.err.c_str());
    QCOMPARE(by_top_p.out, by_flag.out);
    QVERIFY2(by_top_p.out.find(*want) != std::string::npos, by_top_p.out.c_str());
    // Out of the table's range is refused by the CLI before loading, with the range named.
    const test::CommandResult bad = cli({"--top-p", "1.5"});
    QVERIFY(bad.exit_code != 0);
    QVERIFY2(bad.err.find("top-p") != std::string::npos, bad.err.c_str());
  }

  void loadErrors() {
    LoadOptions o;
    o.model_dir = test::make_temp_dir("qwenvl-empty");
    auto m = Model::load(o);
    QVERIFY(!m.ok());
    QVERIFY2(m.message().find("config.json") != std::string::npos, m.message().c_str());
    // A folder without the tokenizer file.
    std::string d = test::make_temp_dir("qwenvl-notok");
    for (const auto& e : fs::directory_iterator(test::checkpoint_dir("tiny")))
      if (e.path().filename() != "qwen.tiktoken") fs::create_symlink(e.path(), fs::path(d) / e.path().filename());
    o.model_dir = d;
    m = Model::load(o);
    QVERIFY(!m.ok());
    QVERIFY2(m.message().find("qwen.tiktoken") != std::string::npos, m.message().c_str());
    // Cancelled through the progress callback.
    o.model_dir = test::checkpoint_dir("tiny");
    o.on_progress = [](const LoadProgress&) { return false; };
    m = Model::load(o);
    QVERIFY(!m.ok());
    QVERIFY(m.message().find("cancel") != std::string::npos);
    fs::remove_all(d);
  }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
