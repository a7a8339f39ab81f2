// Tests of the chat template without the tokenizer: build_context's token layout and
// max_window_size trimming with a fake one-id-per-byte encoder, format_query (from_list_format),
// and the scenario reader (tiny_scenarios.json's queries against the goldens' query_text).
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "chat/scenario.h"
#include "chat/template.h"
#include "support/test_env.h"
#include "tokenizer/tokenizer.h"
#include "util/file_io.h"

using namespace qwenvl;

namespace {

namespace tid = qwenvl::token_id;

// One id per byte (0..255): lengths are byte counts, so the test can predict every size. An
// "<img>" without "</img>" fails as the real tokenizer does.
Result<std::vector<int32_t>> fake_encode(std::string_view text) {
  size_t open = text.find("<img>");
  if (open != std::string_view::npos && text.find("</img>", open) == std::string_view::npos)
    return Result<std::vector<int32_t>>::error("unclosed <img> in the text");
  std::vector<int32_t> ids;
  for (unsigned char c : text) ids.push_back(c);
  return ids;
}

std::vector<int32_t> bytes(std::string_view s) { return fake_encode(s).value(); }

void append(std::vector<int32_t>& v, const std::vector<int32_t>& w) { v.insert(v.end(), w.begin(), w.end()); }

// [im_start] role \n content [im_end], written out independently of the code under test.
std::vector<int32_t> message(std::string_view role, std::string_view content) {
  std::vector<int32_t> v{tid::im_start};
  append(v, bytes(role));
  v.push_back(tid::newline);
  append(v, bytes(content));
  v.push_back(tid::im_end);
  return v;
}

std::vector<int32_t> expected_ids(const std::string& system, const std::vector<HistoryTurn>& kept,
                                  const std::string& query) {
  std::vector<int32_t> v = message("system", system);
  for (const HistoryTurn& t : kept) {
    v.push_back(tid::newline);
    append(v, message("user", t.query));
    v.push_back(tid::newline);
    if (t.response) append(v, message("assistant", *t.response));
  }
  v.push_back(tid::newline);
  append(v, message("user", query));
  v.push_back(tid::newline);
  v.push_back(tid::im_start);
  append(v, bytes("assistant"));
  v.push_back(tid::newline);
  return v;
}

std::string expected_text(const std::string& system, const std::vector<HistoryTurn>& kept, const std::string& query) {
  std::string s = "<|im_start|>system\n" + system + "<|im_end|>";
  for (const HistoryTurn& t : kept) {
    s += "\n<|im_start|>user\n" + t.query + "<|im_end|>\n";
    if (t.response) s += "<|im_start|>assistant\n" + *t.response + "<|im_end|>";
  }
  return s + "\n<|im_start|>user\n" + query + "<|im_end|>\n<|im_start|>assistant\n";
}

// Token count of one history turn under the fake encoder: \n + user message + \n + reply.
size_t turn_length(const HistoryTurn& t) {
  size_t n = 1 + (1 + 4 + 1 + t.query.size() + 1) + 1;
  if (t.response) n += 1 + 9 + 1 + t.response->size() + 1;
  return n;
}

std::vector<HistoryTurn> tail(const std::vector<HistoryTurn>& h, size_t first) {
  return std::vector<HistoryTurn>(h.begin() + static_cast<std::ptrdiff_t>(first), h.end());
}

}  // namespace

class TstChatTemplate : public QObject {
  Q_OBJECT

 private slots:
  void layout_without_history() {
    Result<ChatContext> ctx = build_context(fake_encode, "What is this?", {});
    QVERIFY2(ctx.ok(), ctx.message().c_str());
    QCOMPARE(ctx->ids, expected_ids("You are a helpful assistant.", {}, "What is this?"));
    QCOMPARE(ctx->raw_text, expected_text("You are a helpful assistant.", {}, "What is this?"));
    QCOMPARE(ctx->kept_turns(), size_t(0));
  }

  void custom_and_empty_system() {
    ContextOptions o;
    o.system = "";
    Result<ChatContext> ctx = build_context(fake_encode, "hi", {}, o);
    QVERIFY(ctx.ok());
    QCOMPARE(ctx->ids, expected_ids("", {}, "hi"));
    QCOMPARE(ctx->raw_text,
             std::string("<|im_start|>system\n<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"));
  }

  void history_with_and_without_response() {
    std::vector<HistoryTurn> h = {{"q1", std::string("r1")}, {"q2", std::nullopt}, {"q3", std::string("")}};
    Result<ChatContext> ctx = build_context(fake_encode, "now", h);
    QVERIFY(ctx.ok());
    QCOMPARE(ctx->kept_turns(), size_t(3));
    QCOMPARE(ctx->first_kept_turn, size_t(0));
    QCOMPARE(ctx->ids, expected_ids("You are a helpful assistant.", h, "now"));
    QCOMPARE(ctx->raw_text, expected_text("You are a helpful assistant.", h, "now"));
    // The official raw text for (q2, None) leaves a bare newline before the next turn.
    QVERIFY(ctx->raw_text.find("q2<|im_end|>\n\n<|im_start|>user\nq3") != std::string::npos);
  }

  // The window's edge: kept only while system + turn + kept < max_window_size (strictly).
  void window_boundary_is_strict() {
    std::vector<HistoryTurn> h = {{"question", std::string("answer")}};
    const std::string sys = "S";
    const size_t system_len = 1 + 6 + 1 + sys.size() + 1;
    const int exact = static_cast<int>(system_len + turn_length(h[0]));
    ContextOptions o;
    o.system = sys;
    o.max_window_size = exact;
    QCOMPARE(build_context(fake_encode, "q", h, o)->kept_turns(), size_t(0));
    o.max_window_size = exact + 1;
    QCOMPARE(build_context(fake_encode, "q", h, o)->kept_turns(), size_t(1));
    o.max_window_size = 0;
    QCOMPARE(build_context(fake_encode, "q", h, o)->kept_turns(), size_t(0));
    o.max_window_size = -5;
    QCOMPARE(build_context(fake_encode, "q", h, o)->kept_turns(), size_t(0));
  }

  // The first turn that does not fit stops the loop, even if an older, smaller one would fit.
  void first_misfit_stops() {
    std::vector<HistoryTurn> h = {
        {"a", std::string("b")}, {std::string(500, 'x'), std::string("y")}, {"c", std::string("d")}};
    ContextOptions o;
    o.max_window_size = 200;
    Result<ChatContext> ctx = build_context(fake_encode, "q", h, o);
    QVERIFY(ctx.ok());
    QCOMPARE(ctx->first_kept_turn, size_t(2));
    QCOMPARE(ctx->ids, expected_ids(o.system, tail(h, 2), "q"));
  }

  // The current query is never counted: a huge query keeps the history that fits without it.
  void query_not_counted() {
    std::vector<HistoryTurn> h = {{"a", std::string("b")}};
    ContextOptions o;
    o.max_window_size = 100;
    Result<ChatContext> ctx = build_context(fake_encode, std::string(5000, 'q'), h, o);
    QVERIFY(ctx.ok());
    QCOMPARE(ctx->kept_turns(), size_t(1));
    QVERIFY(ctx->ids.size() > 5000);
  }

  void randomized_window() {
    std::mt19937 rng(4242);
    auto text = [&](int max_len) {
      std::string s(std::uniform_int_distribution<int>(0, max_len)(rng), 'w');
      return s;
    };
    for (int iter = 0; iter < 200; ++iter) {
      std::vector<HistoryTurn> h;
      int n = std::uniform_int_distribution<int>(0, 12)(rng);
      for (int i = 0; i < n; ++i) {
        HistoryTurn t{text(80), text(80)};
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) t.response.reset();
        h.push_back(t);
      }
      ContextOptions o;
      o.system = text(40);
      o.max_window_size = std::uniform_int_distribution<int>(0, 900)(rng);
      // Expected: newest first, while system + this turn + kept < window.
      const size_t system_len = 1 + 6 + 1 + o.system.size() + 1;
      size_t kept_len = 0, first = h.size();
      for (size_t i = h.size(); i-- > 0;) {
        if (system_len + turn_length(h[i]) + kept_len >= static_cast<size_t>(std::max(o.max_window_size, 0))) break;
        kept_len += turn_length(h[i]);
        first = i;
      }
      Result<ChatContext> ctx = build_context(fake_encode, "query", h, o);
      QVERIFY(ctx.ok());
      QCOMPARE(ctx->first_kept_turn, first);
      QCOMPARE(ctx->ids, expected_ids(o.system, tail(h, first), "query"));
      QCOMPARE(ctx->raw_text, expected_text(o.system, tail(h, first), "query"));
    }
  }

  void encoding_errors_name_the_message() {
    std::vector<HistoryTurn> h = {
        {"old <img>broken", std::string("r")}, {"ok", std::string("r")}, {"<img>x", std::string("r")}};
    Result<ChatContext> ctx = build_context(fake_encode, "q", h);
    QVERIFY(!ctx.ok());
    QVERIFY2(ctx.message().find("history turn 3 of 3, user message") != std::string::npos, ctx.message().c_str());
    QVERIFY2(ctx.message().find("unclosed <img>") != std::string::npos, ctx.message().c_str());

    ctx = build_context(fake_encode, "bad <img>query", {});
    QVERIFY(!ctx.ok());
    QVERIFY2(ctx.message().find("the query") != std::string::npos, ctx.message().c_str());

    h = {{"q", std::string("reply <img>")}};
    ctx = build_context(fake_encode, "q", h);
    QVERIFY(!ctx.ok());
    QVERIFY2(ctx.message().find("history turn 1 of 1, assistant reply") != std::string::npos, ctx.message().c_str());

    // As in the official loop, turns older than the first misfit are never encoded.
    h = {{"old <img>broken", std::string("r")}, {std::string(300, 'x'), std::string("r")}};
    ContextOptions o;
    o.max_window_size = 100;
    QVERIFY(build_context(fake_encode, "q", h, o).ok());

    QVERIFY(!build_context(ContentEncoder{}, "q", {}).ok());
  }

  void format_query_like_from_list_format() {
    QCOMPARE(format_query({}), std::string());
    QCOMPARE(format_query({ContentItem::image("a.png"), ContentItem::plain("Hi"), ContentItem::image("b c.jpg")}),
             std::string("Picture 1:<img>a.png</img>\nHiPicture 2:<img>b c.jpg</img>\n"));
    QCOMPARE(
        format_query({ContentItem::box("the cat", {{1, 2, 3, 4}, {500, 600, 700, 1000}}), ContentItem::plain(" ok")}),
        std::string("<ref>the cat</ref><box>(1,2),(3,4)</box><box>(500,600),(700,1000)</box> ok"));
    QCOMPARE(format_query({ContentItem::box("", {{-1, 0, 10, 20}})}), std::string("<box>(-1,0),(10,20)</box>"));
    QCOMPARE(format_query({ContentItem::box("r", {})}), std::string("<ref>r</ref>"));
  }

  // Every public scenario's query, through the scenario reader and format_query, equals the
  // query_text the official code built for its golden file.
  void tiny_scenarios_match_golden_queries() {
    Result<std::vector<ScenarioEntry>> entries = load_scenarios(test::fixture("tiny_scenarios.json"));
    QVERIFY2(entries.ok(), entries.message().c_str());
    QVERIFY(entries->size() >= 7);
    for (const ScenarioEntry& e : *entries) {
      QVERIFY2(e.scenario.ok(), e.scenario.message().c_str());
      const Scenario& s = e.scenario.value();
      Result<std::string> golden_text = read_file(test::fixture("golden/tiny/" + s.name + ".json"));
      QVERIFY2(golden_text.ok(), golden_text.message().c_str());
      nlohmann::json golden = nlohmann::json::parse(golden_text.value());
      QCOMPARE(s.query(), golden["query_text"].get<std::string>());
      QCOMPARE(s.history.size(), golden["history"].size());
      for (size_t i = 0; i < s.history.size(); ++i) {
        QCOMPARE(s.history[i].query, golden["history"][i][0].get<std::string>());
        QCOMPARE(*s.history[i].response, golden["history"][i][1].get<std::string>());
      }
      QVERIFY(s.greedy_steps > 0);
    }
  }

  void scenario_items_and_fields() {
    Result<std::vector<ScenarioEntry>> r = parse_scenarios(R"([
      {"name": "a", "system": "S", "history": [["q", null]], "greedy_steps": 3,
       "query": [{"image": "x.png", "text": "ignored"}, {"ref": "", "box": [[1, 2.9, -3.7, 4]]},
                 {"box": [[5, 6, 7, 8]]}, {"text": "t"}, {"image": "y.png"}]}
    ])",
                                                           "test.json");
    QVERIFY(r.ok());
    QCOMPARE(r->size(), size_t(1));
    const ScenarioEntry& e = r->front();
    QVERIFY2(e.scenario.ok(), e.scenario.message().c_str());
    const Scenario& s = e.scenario.value();
    QCOMPARE(s.name, std::string("a"));
    QCOMPARE(*s.system, std::string("S"));
    QCOMPARE(s.greedy_steps, 3);
    QVERIFY(!s.history[0].response);
    // "image" wins over "text"; an empty ref still writes <ref></ref>; floats print as %d does.
    QCOMPARE(s.query(),
             std::string("Picture 1:<img>x.png</img>\n<ref></ref><box>(1,2),(-3,4)</box><box>(5,6),(7,8)</box>t"
                         "Picture 2:<img>y.png</img>\n"));
    QCOMPARE(s.image_labels(), (std::vector<std::string>{"x.png", "y.png"}));
    QCOMPARE(s.context_options().system, std::string("S"));
  }

  void bad_scenarios_are_reported_one_by_one() {
    struct Case {
      const char* json;
      const char* needle;
    };
    const Case cases[] = {
        {R"({"query": "q"})", "\"name\""},
        {R"({"name": "", "query": "q"})", "file name"},
        {R"({"name": "../x", "query": "q"})", "file name"},
        {R"({"name": "n"})", "\"query\" is missing"},
        {R"({"name": "n", "query": 5})", "string or a list"},
        {R"({"name": "n", "query": [{"ref": "x"}]})", "query item 1: unsupported item"},
        {R"({"name": "n", "query": [{"text": "a"}, 7]})", "query item 2"},
        {R"({"name": "n", "query": [{"box": [[1, 2, 3]]}]})", "box 1: expected [x1, y1, x2, y2]"},
        {R"({"name": "n", "query": [{"box": [[1, 2, 3, "4"]]}]})", "coordinate 4"},
        {R"({"name": "n", "query": [{"box": [[1, 2, 3, 1e20]]}]})", "coordinate 4"},
        {R"({"name": "n", "query": [{"image": 3}]})", "\"image\" must be a string"},
        {R"({"name": "n", "query": [{"box": [], "ref": 1}]})", "\"ref\" must be a string"},
        {R"({"name": "n", "history": [["q"]], "query": "q"})", "history turn 1"},
        {R"({"name": "n", "history": "x", "query": "q"})", "\"history\""},
        {R"({"name": "n", "system": 1, "query": "q"})", "\"system\""},
        {R"({"name": "n", "query": "q", "greedy_steps": -1})", "greedy_steps"},
        {R"({"name": "n", "query": "q", "greedy_steps": 1.5})", "greedy_steps"},
        {R"("just a string")", "expected an object"},
    };
    for (const Case& c : cases) {
      std::string doc = std::string("[{\"name\": \"good\", \"query\": \"q\"}, ") + c.json + "]";
      Result<std::vector<ScenarioEntry>> r = parse_scenarios(doc, "f.json");
      QVERIFY2(r.ok(), c.json);
      QCOMPARE(r->size(), size_t(2));
      QVERIFY(r->at(0).scenario.ok());
      QVERIFY2(!r->at(1).scenario.ok(), c.json);
      const std::string& m = r->at(1).scenario.message();
      QVERIFY2(m.find(c.needle) != std::string::npos, (std::string(c.json) + " -> " + m).c_str());
      QVERIFY2(m.find("f.json") != std::string::npos, m.c_str());
    }
    QVERIFY(!parse_scenarios("{\"name\": \"x\"}", "f.json").ok());
    QVERIFY(!parse_scenarios("[{", "f.json").ok());
    QVERIFY(!parse_scenarios("[\"\xff\"]", "f.json").ok());
    QVERIFY(!load_scenarios("/nonexistent/scenarios.json").ok());
    Result<std::vector<ScenarioEntry>> empty = parse_scenarios("[]", "f.json");
    QVERIFY(empty.ok() && empty->empty());
  }
};

QTEST_APPLESS_MAIN(TstChatTemplate)
#include "tst_chat_template.moc"
