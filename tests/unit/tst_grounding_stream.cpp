// Tests of GroundingStream (qwenvl/grounding.h): fed in any pieces, after every feed it equals
// parse_grounding of the prefix and the reference parser (the whole-reply scan it replaced);
// its updates name exactly what is new; the held-back tail and the work per feed stay bounded.
#include <QtTest/QtTest>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "qwenvl/grounding.h"
#include "unit/grounding_reference.h"

using qwenvl::GroundingBox;
using qwenvl::GroundingParse;
using qwenvl::GroundingStream;
using qwenvl::GroundingUpdate;
using qwenvl::parse_grounding;
using qwenvl_test::reference_parse_grounding;

namespace {

std::string box_text(const GroundingBox& b) {
  std::string s = b.quad ? "quad" : "box";
  for (const auto& p : b.points) s += " " + std::to_string(p.x) + "," + std::to_string(p.y);
  return s + " ref " + std::to_string(b.ref) + (b.first_of_ref ? " first" : "");
}

// The first field where `got` and `want` differ, in words; empty when they are equal.
std::string first_difference(const GroundingParse& got, const GroundingParse& want) {
  if (got.display_text != want.display_text)
    return "display_text '" + got.display_text + "' != '" + want.display_text + "'";
  if (got.refs.size() != want.refs.size())
    return "refs " + std::to_string(got.refs.size()) + " != " + std::to_string(want.refs.size());
  for (size_t i = 0; i < got.refs.size(); ++i) {
    const auto &a = got.refs[i], &b = want.refs[i];
    if (a.phrase != b.phrase || a.display_begin != b.display_begin || a.display_end != b.display_end)
      return "ref " + std::to_string(i) + " '" + a.phrase + "' [" + std::to_string(a.display_begin) + "," +
             std::to_string(a.display_end) + ") != '" + b.phrase + "' [" + std::to_string(b.display_begin) + "," +
             std::to_string(b.display_end) + ")";
  }
  if (got.boxes.size() != want.boxes.size())
    return "boxes " + std::to_string(got.boxes.size()) + " != " + std::to_string(want.boxes.size());
  for (size_t i = 0; i < got.boxes.size(); ++i)
    if (box_text(got.boxes[i]) != box_text(want.boxes[i]))
      return "box " + std::to_string(i) + " " + box_text(got.boxes[i]) + " != " + box_text(want.boxes[i]);
  if (!(got == want)) return "operator== disagrees with the field comparison";
  return {};
}

// `later` keeps everything `earlier` had, unchanged, and the update says where the new part starts.
std::string check_update(const GroundingParse& earlier, const GroundingParse& later, const GroundingUpdate& u) {
  if (u.rejected) return "update rejected";
  if (u.display_from != earlier.display_text.size() || u.refs_from != earlier.refs.size() ||
      u.boxes_from != earlier.boxes.size())
    return "update does not start at the old sizes";
  if (later.display_text.compare(0, earlier.display_text.size(), earlier.display_text) != 0)
    return "display text rewritten";
  if (later.refs.size() < earlier.refs.size() ||
      !std::equal(earlier.refs.begin(), earlier.refs.end(), later.refs.begin()))
    return "refs rewritten";
  if (later.boxes.size() < earlier.boxes.size() ||
      !std::equal(earlier.boxes.begin(), earlier.boxes.end(), later.boxes.begin()))
    return "boxes rewritten";
  return {};
}

// Feeds `reply` cut at `cuts` (ascending byte offsets, any of them inside a tag or a character)
// and checks the stream after every feed and after finish(); returns what went wrong, or "".
std::string check_split(std::string_view reply, const std::vector<size_t>& cuts) {
  GroundingStream stream;
  size_t at = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(reply.size());
  for (size_t end : ends) {
    const GroundingParse before = stream.parse();
    const GroundingUpdate u = stream.feed(reply.substr(at, end - at));
    at = end;
    const std::string where = " after feeding " + std::to_string(at) + " bytes";
    const std::string_view prefix = reply.substr(0, at);
    if (auto d = first_difference(stream.parse(), parse_grounding(prefix, false)); !d.empty())
      return "vs parse_grounding: " + d + where;
    if (auto d = first_difference(stream.parse(), reference_parse_grounding(prefix, false)); !d.empty())
      return "vs reference: " + d + where;
    if (auto d = check_update(before, stream.parse(), u); !d.empty()) return d + where;
    if (stream.pending_bytes() > 6) return "held back " + std::to_string(stream.pending_bytes()) + " bytes" + where;
    if (stream.finished()) return "finished before finish()";
  }
  const GroundingParse before = stream.parse();
  const GroundingUpdate u = stream.finish();
  if (!stream.finished()) return "not finished after finish()";
  if (auto d = first_difference(stream.parse(), parse_grounding(reply, true)); !d.empty())
    return "finished vs parse_grounding: " + d;
  if (auto d = first_difference(stream.parse(), reference_parse_grounding(reply, true)); !d.empty())
    return "finished vs reference: " + d;
  if (auto d = check_update(before, stream.parse(), u); !d.empty()) return "finish: " + d;
  return {};
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

#define CHECK_SPLIT(reply, cuts)                                                  \
  do {                                                                            \
    const std::string failure_ = check_split(reply, cuts);                        \
    QVERIFY2(failure_.empty(), (std::string(reply) + "\n  " + failure_).c_str()); \
  } while (0)

// Every reply of tst_grounding.cpp.
const char* const kKnownReplies[] = {
    "<ref>the cat</ref><box>(100,200),(500,900)</box> is here",
    "<ref> Two apples</ref><box>(302,257),(582,671)</box><box>(603,252),(878,642)</box> and<ref> a bowl</ref>"
    "<box>(2,269),(304,674)</box>",
    "图中<ref>火箭</ref><box>(410,120),(590,880)</box>很高",
    "Here <box>(1,2),(3,4)</box> it is",
    "<ref>dog</ref> <box>(1,2),(3,4)</box>",
    "<ref>sign</ref><quad>(1,2),(3,4),(5,6),(7,8)</quad>!",
    "<ref>a</ref><box>(1,1),(2,2)</box><quad>(1,2),(3,4),(5,6),(7,8)</quad><box>(5,5),(6,6)</box>",
    "<quad>(1,2),(3,4)</quad><box>(1,2),(3,4),(5,6),(7,8)</box>",
    "x<box></box>y",
    "x<box>abc</box>y",
    "x<box>(1,2),(3)</box>y",
    "x<box>(1,2),(3,4),(5,6)</box>y",
    "x<box>(1,2)(3,4)</box>y",
    "x<box>(1,,2),(3,4)</box>y",
    "x<box>(99999999,2),(3,4)</box>y",
    "x<box>(1.5,2),(3,4)</box>y",
    "x<box>(1,2),(3,4),</box>y",
    "x<box>(--1,2),(3,4)</box>y",
    "<ref>r</ref><box>junk</box><box>(1,2),(3,4)</box>",
    "<box>( 1, 2),(3 ,4 )</box><box>(-5,+6),(7,8)</box>",
    "a</box>b</ref>c</quad>d",
    "<ref>dog<box>(1,2),(3,4)</box> runs</ref>",
    "<box>(1,2<ref>cat</ref><box>(5,6),(7,8)</box>",
    "<ref>dog</ref><box>(1,2),(3,4)</box>",
    "The <qua",
    "The <box>(1,2),(3,4)",
    "a < b",
    "<",
    "The <b",
    "x <box>(1,2),(3,4)",
    "",
    "Just text, (1,2),(3,4) and <b>html</b>.",
};

// A random reply from a small grammar: text (CJK and emoji included), refs with chains of boxes
// and quads, bad numbers and malformed shapes, stray and partial tags, unterminated tags.
std::string random_reply(std::mt19937& rng) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  static const char* const kText[] = {"the cat", " and ", "框出", "火箭", "日本語", " 😀 ", "(1,2)", "a < b",
                                      "x>y",     "\n",    ",",    "1",    "<<",     "<b>", "é"};
  static const char* const kStray[] = {"<",      "</",      "<bo",   "</re",  "<qua",   "</quad", "<img>", "</box>",
                                       "</ref>", "</quad>", "<ref>", "<box>", "<quad>", "<re",    "</bo",  ">"};
  static const char* const kBadNumber[] = {"1.5", "--1", "99999999", "",    " 7 ",    "+3",
                                           "-4",  "1 2", "x",        "- 5", "0000012"};
  auto number = [&]() -> std::string {
    if (pick(6) == 0) return kBadNumber[pick(11)];
    return std::to_string(pick(1001));
  };
  auto shape = [&](bool quad) {
    int n = quad ? 4 : 2;
    if (pick(8) == 0) n += pick(3) - 1;  // a wrong count
    std::string s = quad ? "<quad>" : "<box>";
    for (int k = 0; k < n; ++k) s += (k ? ",(" : "(") + number() + "," + number() + ")";
    if (pick(10) == 0) return s;  // unterminated
    return s + (quad ? "</quad>" : "</box>");
  };
  std::string s;
  const int parts = 1 + pick(8);
  for (int p = 0; p < parts; ++p) {
    switch (pick(5)) {
      case 0:
        s += kText[pick(15)];
        break;
      case 1:
      case 2: {
        s += "<ref>";
        s += kText[pick(15)];
        if (pick(8) != 0) s += "</ref>";
        for (int k = pick(4); k > 0; --k) {
          if (pick(6) == 0) s += kText[pick(15)];  // a gap ends the chain
          s += shape(pick(3) == 0);
        }
        break;
      }
      case 3:
        s += shape(pick(4) == 0);
        break;
      default:
        s += kStray[pick(16)];
        break;
    }
  }
  return s;
}

}  // namespace

class TstGroundingStream : public QObject {
  Q_OBJECT

 private slots:
  // Every reply of the whole-reply tests, cut in two and in three at every pair of offsets,
  // and fed one byte at a time.
  void known_replies_any_split() {
    for (const char* reply : kKnownReplies) {
      const size_t n = std::string_view(reply).size();
      CHECK_SPLIT(reply, every_byte(n));
      for (size_t i = 0; i <= n; ++i) {
        for (size_t j = i; j <= n; ++j) CHECK_SPLIT(reply, (std::vector<size_t>{i, j}));
      }
    }
  }

  void random_replies_random_splits() {
    std::mt19937 rng(20261201);
    for (int i = 0; i < 1500; ++i) {
      const std::string reply = random_reply(rng);
      for (int k = 0; k < 4; ++k) {
        std::vector<size_t> cuts(std::uniform_int_distribution<size_t>(0, 6)(rng));
        for (size_t& c : cuts) c = std::uniform_int_distribution<size_t>(0, reply.size())(rng);
        std::sort(cuts.begin(), cuts.end());
        CHECK_SPLIT(reply, cuts);
      }
    }
  }

  void random_replies_every_byte() {
    std::mt19937 rng(77);
    for (int i = 0; i < 300; ++i) {
      const std::string reply = random_reply(rng);
      CHECK_SPLIT(reply, every_byte(reply.size()));
    }
  }

  // The grammar reaches the cases it is meant to: without them the properties above say little.
  void random_grammar_covers_the_cases() {
    std::mt19937 rng(20261201);
    size_t labelled = 0, chained = 0, unlabelled = 0, quads = 0, held = 0, malformed = 0, open_refs = 0;
    auto count = [](const std::string& s, std::string_view what) {
      size_t n = 0;
      for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
      return n;
    };
    for (int i = 0; i < 1500; ++i) {
      const std::string reply = random_reply(rng);
      const GroundingParse g = parse_grounding(reply, true);
      for (const auto& b : g.boxes) {
        labelled += b.ref >= 0 && b.first_of_ref;
        chained += b.ref >= 0 && !b.first_of_ref;
        unlabelled += b.ref < 0;
        quads += b.quad;
      }
      held += parse_grounding(reply, false).display_text != g.display_text;
      malformed += count(reply, "</box>") + count(reply, "</quad>") > g.boxes.size();
      open_refs += count(reply, "<ref>") > g.refs.size();
    }
    const std::string counts = std::to_string(labelled) + " " + std::to_string(chained) + " " +
                               std::to_string(unlabelled) + " " + std::to_string(quads) + " " + std::to_string(held) +
                               " " + std::to_string(malformed) + " " + std::to_string(open_refs);
    QVERIFY2(labelled > 300 && chained > 100 && unlabelled > 300 && quads > 100 && held > 50 && malformed > 100 &&
                 open_refs > 50,
             counts.c_str());
  }

  // What each feed reports, on a reply whose pieces split a phrase, a number and a tag.
  void updates_name_what_is_new() {
    GroundingStream s;
    QCOMPARE(s.feed("Look: <ref>the c"), (GroundingUpdate{0, 0, 0, false}));
    QCOMPARE(s.parse().display_text, std::string("Look: the c"));
    QVERIFY(s.parse().refs.empty());
    QCOMPARE(s.feed("at</ref><box>(1,2),(3"), (GroundingUpdate{11, 0, 0, false}));
    QCOMPARE(s.parse().display_text, std::string("Look: the cat"));
    QCOMPARE(s.parse().refs.size(), size_t(1));
    QCOMPARE(s.parse().refs[0].display_begin, size_t(6));
    QCOMPARE(s.feed(",4)</box><bo"), (GroundingUpdate{13, 1, 0, false}));
    QCOMPARE(s.parse().boxes.size(), size_t(1));
    QVERIFY(s.parse().boxes[0].first_of_ref);
    QCOMPARE(s.pending_bytes(), size_t(3));
    QCOMPARE(s.feed("x>(5,6),(7,8)</box> ok <b"), (GroundingUpdate{13, 1, 1, false}));
    QCOMPARE(s.parse().display_text, std::string("Look: the cat ok "));
    QCOMPARE(s.parse().boxes.size(), size_t(2));
    QCOMPARE(s.parse().boxes[1].ref, 0);
    QVERIFY(!s.parse().boxes[1].first_of_ref);
    QVERIFY(!s.finished());
    QCOMPARE(s.finish(), (GroundingUpdate{17, 1, 2, false}));
    QVERIFY(s.finished());
    QCOMPARE(s.parse().display_text, std::string("Look: the cat ok <b"));
    QCOMPARE(s.pending_bytes(), size_t(0));
  }

  void feed_after_finish_is_refused() {
    GroundingStream s;
    s.feed("a <bo");
    s.finish();
    const GroundingParse done = s.parse();
    QCOMPARE(s.feed("x>(1,2),(3,4)</box>"), (GroundingUpdate{5, 0, 0, true}));
    QCOMPARE(first_difference(s.parse(), done), std::string());
    // finish() again changes nothing and is not an error.
    QCOMPARE(s.finish(), (GroundingUpdate{5, 0, 0, false}));
    QCOMPARE(first_difference(s.parse(), done), std::string());
  }

  void reset_starts_a_new_reply() {
    GroundingStream s;
    s.feed("<ref>a</ref><box>(1,2),(3,4)</box><qu");
    s.finish();
    s.reset();
    QVERIFY(!s.finished());
    QCOMPARE(s.scanned_bytes(), size_t(0));
    QCOMPARE(first_difference(s.parse(), GroundingParse()), std::string());
    s.feed("<box>(5,6),(7,8)</box>");
    QCOMPARE(first_difference(s.parse(), parse_grounding("<box>(5,6),(7,8)</box>")), std::string());
    // Also when reset in the middle of a tag: nothing of the old reply leaks into the new one.
    s.feed("<ref>b</re");
    s.reset();
    s.feed("f>c");
    QCOMPARE(s.parse().display_text, std::string("f>c"));
    QVERIFY(s.parse().refs.empty());
  }

  // 20,000 labelled boxes fed one byte at a time: each feed looks at its byte plus at most the
  // held-back tail, never at what came before, and the result is the whole-reply parse.
  void long_reply_fed_bytewise_is_linear() {
    std::string reply;
    for (int k = 0; k < 20000; ++k) {
      const std::string n = std::to_string(k % 1000);
      reply += (k % 3 ? "对象" : "obj ") + std::string("<ref>item ") + std::to_string(k) + "</ref><box>(" + n + "," +
               n + "),(" + n + ",999)</box>";
      if (k % 7 == 0) reply += "<quad>(1,2),(3,4),(5,6),(7," + n + ")</quad> a < b ";
    }
    GroundingStream s;
    size_t scanned = 0;
    for (size_t i = 0; i < reply.size(); ++i) {
      const GroundingUpdate u = s.feed(std::string_view(reply).substr(i, 1));
      const size_t step = s.scanned_bytes() - scanned;
      scanned = s.scanned_bytes();
      // One byte, maybe a second look at it, the held-back tail flushed, and its text read once.
      if (step > 2 + 2 * 6 || s.pending_bytes() > 6 || s.parse().boxes.size() > u.boxes_from + 1) {
        QFAIL(("feed " + std::to_string(i) + " looked at " + std::to_string(step) + " bytes, holds " +
               std::to_string(s.pending_bytes()))
                  .c_str());
      }
    }
    s.finish();
    QVERIFY(s.scanned_bytes() >= reply.size());
    QVERIFY2(s.scanned_bytes() <= 2 * reply.size(), std::to_string(s.scanned_bytes()).c_str());
    QCOMPARE(s.parse().refs.size(), size_t(20000));
    QCOMPARE(s.parse().boxes.size(), size_t(20000 + 20000 / 7 + 1));
    QCOMPARE(first_difference(s.parse(), reference_parse_grounding(reply, true)), std::string());
  }

  // An open box that never closes keeps only its coordinates' state, not its contents.
  void long_open_box_stays_bounded() {
    GroundingStream s;
    s.feed("see <box>");
    std::string chunk;
    for (int k = 0; k < 100; ++k) chunk += " (12 ,34),<b";
    for (int k = 0; k < 2000; ++k) {
      s.feed(chunk);
      QVERIFY(s.pending_bytes() <= 6);
    }
    QVERIFY(s.scanned_bytes() <= 3 * (9 + 2000 * chunk.size()));
    s.feed("</box>");
    s.finish();
    QCOMPARE(s.parse().display_text, std::string("see "));
    QVERIFY(s.parse().boxes.empty());
  }
};

QTEST_APPLESS_MAIN(TstGroundingStream)
#include "tst_grounding_stream.moc"
