// Tests of the grounding parser (qwenvl/grounding.h): refs with several boxes, unlabelled boxes,
// quads, malformed contents, replies cut off while streaming, the official display regex as an
// independent oracle, randomized streaming prefixes, and the drawer's pixel mapping.
#include <QtTest/QtTest>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "qwenvl/grounding.h"

using qwenvl::GroundingBox;
using qwenvl::GroundingParse;
using qwenvl::parse_grounding;

namespace {

struct Expected {
  std::vector<int> coords;  // x1, y1, x2, y2 (or 8 for a quad)
  int ref;
  bool first;
};

bool same_box(const GroundingBox& a, const GroundingBox& b) {
  if (a.quad != b.quad || a.ref != b.ref || a.first_of_ref != b.first_of_ref || a.points.size() != b.points.size())
    return false;
  for (size_t i = 0; i < a.points.size(); ++i)
    if (a.points[i].x != b.points[i].x || a.points[i].y != b.points[i].y) return false;
  return true;
}

std::vector<int> coords(const GroundingBox& b) {
  std::vector<int> v;
  for (const auto& p : b.points) {
    v.push_back(p.x);
    v.push_back(p.y);
  }
  return v;
}

void check_boxes(const GroundingParse& g, const std::vector<Expected>& want) {
  QCOMPARE(g.boxes.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    QCOMPARE(coords(g.boxes[i]), want[i].coords);
    QCOMPARE(g.boxes[i].quad, want[i].coords.size() == 8);
    QCOMPARE(g.boxes[i].ref, want[i].ref);
    QCOMPARE(g.boxes[i].first_of_ref, want[i].first);
  }
}

// Every ref's range points at its phrase inside display_text.
void check_ref_ranges(const GroundingParse& g) {
  for (const auto& r : g.refs) {
    QVERIFY(r.display_begin <= r.display_end);
    QVERIFY(r.display_end <= g.display_text.size());
    QCOMPARE(g.display_text.substr(r.display_begin, r.display_end - r.display_begin), r.phrase);
  }
}

const char* const kTags[] = {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>"};

bool has_markup(const std::string& s) {
  for (const char* t : kTags)
    if (s.find(t) != std::string::npos) return true;
  return false;
}

// The official display text: the TUTORIAL's regex, then the remaining box/quad spans removed.
std::string official_display(const std::string& reply) {
  std::string s =
      std::regex_replace(reply, std::regex("<ref>(.*?)</ref>(?:<box>.*?</box>)*(?:<quad>.*?</quad>)*"), "$1");
  s = std::regex_replace(s, std::regex("<box>.*?</box>"), "");
  return std::regex_replace(s, std::regex("<quad>.*?</quad>"), "");
}

// A random grounded reply, as the model writes them, and the boxes it holds.
struct Generated {
  std::string text;
  std::vector<Expected> boxes;
  std::vector<std::string> phrases;
};

Generated generate_reply(std::mt19937& rng) {
  static const char* const words[] = {"a ",     "the cat", " and", "框出",  "火箭", "， ",
                                      "日本語", "x",       " 😀 ",  "(1,2)", "..."};
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  auto coord = [&] { return pick(1000); };
  Generated g;
  // A bare box written directly after a ref's boxes continues that ref's chain (as the regex
  // reads it), unless a quad came in between.
  int chain_ref = -1;
  bool chain_has_quad = false;
  int chain_len = 0;
  int pieces = 1 + pick(6);
  for (int p = 0; p < pieces; ++p) {
    int kind = pick(4);
    if (kind == 0) {
      g.text += words[pick(11)];
      chain_ref = -1;
    } else if (kind == 1 || kind == 2) {
      std::string phrase = words[pick(11)];
      int ref = static_cast<int>(g.phrases.size());
      g.phrases.push_back(phrase);
      g.text += "<ref>" + phrase + "</ref>";
      int nbox = pick(3), nquad = kind == 2 ? pick(2) : 0;
      for (int b = 0; b < nbox; ++b) {
        std::vector<int> c = {coord(), coord(), coord(), coord()};
        g.text += "<box>(" + std::to_string(c[0]) + "," + std::to_string(c[1]) + "),(" + std::to_string(c[2]) + "," +
                  std::to_string(c[3]) + ")</box>";
        g.boxes.push_back({c, ref, b == 0});
      }
      for (int q = 0; q < nquad; ++q) {
        std::vector<int> c;
        g.text += "<quad>";
        for (int k = 0; k < 4; ++k) {
          c.push_back(coord());
          c.push_back(coord());
          g.text += (k ? ",(" : "(") + std::to_string(c[2 * k]) + "," + std::to_string(c[2 * k + 1]) + ")";
        }
        g.text += "</quad>";
        g.boxes.push_back({c, ref, nbox == 0 && q == 0});
      }
      chain_ref = ref;
      chain_has_quad = nquad > 0;
      chain_len = nbox + nquad;
    } else {
      std::vector<int> c = {coord(), coord(), coord(), coord()};
      g.text += "<box>(" + std::to_string(c[0]) + "," + std::to_string(c[1]) + "),(" + std::to_string(c[2]) + "," +
                std::to_string(c[3]) + ")</box>";
      if (chain_ref >= 0 && !chain_has_quad) {
        g.boxes.push_back({c, chain_ref, chain_len++ == 0});
      } else {
        g.boxes.push_back({c, -1, false});
        chain_ref = -1;
      }
    }
  }
  return g;
}

bool boxes_extend(const GroundingParse& earlier, const GroundingParse& later) {
  if (later.boxes.size() < earlier.boxes.size()) return false;
  for (size_t i = 0; i < earlier.boxes.size(); ++i)
    if (!same_box(earlier.boxes[i], later.boxes[i])) return false;
  if (later.refs.size() < earlier.refs.size()) return false;
  for (size_t i = 0; i < earlier.refs.size(); ++i)
    if (earlier.refs[i].phrase != later.refs[i].phrase || earlier.refs[i].display_begin != later.refs[i].display_begin)
      return false;
  return true;
}

}  // namespace

class TstGrounding : public QObject {
  Q_OBJECT

 private slots:
  void ref_with_one_box() {
    GroundingParse g = parse_grounding("<ref>the cat</ref><box>(100,200),(500,900)</box> is here", true);
    QCOMPARE(g.display_text, std::string("the cat is here"));
    QCOMPARE(g.refs.size(), size_t(1));
    QCOMPARE(g.refs[0].phrase, std::string("the cat"));
    QCOMPARE(g.refs[0].display_begin, size_t(0));
    QCOMPARE(g.refs[0].display_end, size_t(7));
    check_boxes(g, {{{100, 200, 500, 900}, 0, true}});
  }

  void tutorial_example_several_boxes() {
    GroundingParse g = parse_grounding(
        "<ref> Two apples</ref><box>(302,257),(582,671)</box><box>(603,252),(878,642)</box> and<ref> a bowl</ref>"
        "<box>(2,269),(304,674)</box>",
        true);
    QCOMPARE(g.display_text, std::string(" Two apples and a bowl"));
    QCOMPARE(g.refs.size(), size_t(2));
    QCOMPARE(g.refs[1].phrase, std::string(" a bowl"));
    check_ref_ranges(g);
    check_boxes(g, {{{302, 257, 582, 671}, 0, true}, {{603, 252, 878, 642}, 0, false}, {{2, 269, 304, 674}, 1, true}});
  }

  void chinese_phrase_byte_range() {
    GroundingParse g = parse_grounding("图中<ref>火箭</ref><box>(410,120),(590,880)</box>很高", true);
    QCOMPARE(g.display_text, std::string("图中火箭很高"));
    QCOMPARE(g.refs[0].display_begin, std::string("图中").size());
    QCOMPARE(g.refs[0].display_end, std::string("图中火箭").size());
    check_boxes(g, {{{410, 120, 590, 880}, 0, true}});
  }

  void unlabelled_box() {
    GroundingParse g = parse_grounding("Here <box>(1,2),(3,4)</box> it is", true);
    QCOMPARE(g.display_text, std::string("Here  it is"));
    QVERIFY(g.refs.empty());
    check_boxes(g, {{{1, 2, 3, 4}, -1, false}});
  }

  void box_after_text_gap_is_not_the_refs() {
    // The official drawer labels a box only when the ref is the element directly before it.
    GroundingParse g = parse_grounding("<ref>dog</ref> <box>(1,2),(3,4)</box>", true);
    QCOMPARE(g.display_text, std::string("dog "));
    check_boxes(g, {{{1, 2, 3, 4}, -1, false}});
  }

  void quads() {
    GroundingParse g = parse_grounding("<ref>sign</ref><quad>(1,2),(3,4),(5,6),(7,8)</quad>!", true);
    QCOMPARE(g.display_text, std::string("sign!"));
    check_boxes(g, {{{1, 2, 3, 4, 5, 6, 7, 8}, 0, true}});
    // Boxes then quads belong to the ref; a box after a quad does not (the regex's order).
    g = parse_grounding("<ref>a</ref><box>(1,1),(2,2)</box><quad>(1,2),(3,4),(5,6),(7,8)</quad><box>(5,5),(6,6)</box>",
                        true);
    QCOMPARE(g.display_text, std::string("a"));
    check_boxes(g, {{{1, 1, 2, 2}, 0, true}, {{1, 2, 3, 4, 5, 6, 7, 8}, 0, false}, {{5, 5, 6, 6}, -1, false}});
    // A quad needs 8 numbers, a box 4.
    g = parse_grounding("<quad>(1,2),(3,4)</quad><box>(1,2),(3,4),(5,6),(7,8)</box>", true);
    QCOMPARE(g.display_text, std::string());
    QVERIFY(g.boxes.empty());
  }

  void malformed_contents_are_ignored() {
    const char* const bad[] = {"<box></box>",
                               "<box>abc</box>",
                               "<box>(1,2),(3)</box>",
                               "<box>(1,2),(3,4),(5,6)</box>",
                               "<box>(1,2)(3,4)</box>",
                               "<box>(1,,2),(3,4)</box>",
                               "<box>(99999999,2),(3,4)</box>",
                               "<box>(1.5,2),(3,4)</box>",
                               "<box>(1,2),(3,4),</box>",
                               "<box>(--1,2),(3,4)</box>"};
    for (const char* b : bad) {
      GroundingParse g = parse_grounding(std::string("x") + b + "y", true);
      QVERIFY2(g.boxes.empty(), b);
      QCOMPARE(g.display_text, std::string("xy"));
    }
    // A malformed box in a chain is skipped; the next one is no longer directly after the ref.
    GroundingParse g = parse_grounding("<ref>r</ref><box>junk</box><box>(1,2),(3,4)</box>", true);
    QCOMPARE(g.display_text, std::string("r"));
    check_boxes(g, {{{1, 2, 3, 4}, 0, false}});
  }

  void lenient_like_python_int() {
    // The official drawer strips parentheses and calls int() on each comma-separated piece.
    GroundingParse g = parse_grounding("<box>( 1, 2),(3 ,4 )</box><box>(-5,+6),(7,8)</box>", true);
    check_boxes(g, {{{1, 2, 3, 4}, -1, false}, {{-5, 6, 7, 8}, -1, false}});
  }

  void stray_and_nested_tags_never_show() {
    GroundingParse g = parse_grounding("a</box>b</ref>c</quad>d", true);
    QCOMPARE(g.display_text, std::string("abcd"));
    // A ref whose next tag is not </ref> is unterminated: its phrase is plain text.
    g = parse_grounding("<ref>dog<box>(1,2),(3,4)</box> runs</ref>", true);
    QCOMPARE(g.display_text, std::string("dog runs"));
    QVERIFY(g.refs.empty());
    check_boxes(g, {{{1, 2, 3, 4}, -1, false}});
    // A box interrupted by another tag is dropped, contents hidden; parsing resumes at the tag.
    g = parse_grounding("<box>(1,2<ref>cat</ref><box>(5,6),(7,8)</box>", true);
    QCOMPARE(g.display_text, std::string("cat"));
    check_boxes(g, {{{5, 6, 7, 8}, 0, true}});
  }

  void streaming_cut_offs() {
    struct Case {
      const char* reply;
      const char* display;
      size_t refs;
      size_t boxes;
    };
    const Case cases[] = {
        {"<ref>do", "do", 0, 0},
        {"<ref>dog</re", "dog", 0, 0},
        {"<ref>dog</ref>", "dog", 1, 0},
        {"<ref>dog</ref><bo", "dog", 1, 0},
        {"<ref>dog</ref><box>(1,2),(3", "dog", 1, 0},
        {"<ref>dog</ref><box>(1,2),(3,4)</bo", "dog", 1, 0},
        {"<ref>dog</ref><box>(1,2),(3,4)</box>", "dog", 1, 1},
        {"The <", "The ", 0, 0},
        {"The <b", "The ", 0, 0},
        {"The </", "The ", 0, 0},
        {"The <qua", "The ", 0, 0},
        {"The <box>(1,2),(3,4)", "The ", 0, 0},
        {"a < b", "a < b", 0, 0},
        {"<", "", 0, 0},
    };
    for (const Case& c : cases) {
      GroundingParse g = parse_grounding(c.reply);
      QVERIFY2(g.display_text == c.display, c.reply);
      QVERIFY2(g.refs.size() == c.refs, c.reply);
      QVERIFY2(g.boxes.size() == c.boxes, c.reply);
    }
    // Once finished, a trailing fragment is just text; an open box still is not.
    QCOMPARE(parse_grounding("The <b", true).display_text, std::string("The <b"));
    QCOMPARE(parse_grounding("x <box>(1,2),(3,4)", true).display_text, std::string("x "));
    QVERIFY(parse_grounding("x <box>(1,2),(3,4)", true).boxes.empty());
  }

  void empty_and_plain() {
    QCOMPARE(parse_grounding("").display_text, std::string());
    GroundingParse g = parse_grounding("Just text, (1,2),(3,4) and <b>html</b>.", true);
    QCOMPARE(g.display_text, std::string("Just text, (1,2),(3,4) and <b>html</b>."));
    QVERIFY(g.boxes.empty());
  }

  // For well-formed replies the display text is exactly what the official regex leaves.
  void matches_official_regex() {
    std::mt19937 rng(20240601);
    for (int i = 0; i < 400; ++i) {
      Generated r = generate_reply(rng);
      GroundingParse g = parse_grounding(r.text, true);
      QVERIFY2(g.display_text == official_display(r.text), r.text.c_str());
      QCOMPARE(g.refs.size(), r.phrases.size());
      for (size_t k = 0; k < r.phrases.size(); ++k) QCOMPARE(g.refs[k].phrase, r.phrases[k]);
      check_ref_ranges(g);
      check_boxes(g, r.boxes);
    }
  }

  // Every prefix of a streaming reply parses; boxes and refs only grow; the display text only
  // grows and never shows markup.
  void randomized_streaming_prefixes() {
    std::mt19937 rng(7);
    for (int i = 0; i < 150; ++i) {
      Generated r = generate_reply(rng);
      GroundingParse previous = parse_grounding("");
      for (size_t n = 1; n <= r.text.size(); ++n) {
        GroundingParse g = parse_grounding(std::string_view(r.text).substr(0, n));
        QVERIFY2(!has_markup(g.display_text), r.text.substr(0, n).c_str());
        QVERIFY2(g.display_text.find('<') == std::string::npos, r.text.substr(0, n).c_str());
        QVERIFY2(boxes_extend(previous, g), r.text.substr(0, n).c_str());
        QVERIFY2(g.display_text.compare(0, previous.display_text.size(), previous.display_text) == 0,
                 r.text.substr(0, n).c_str());
        check_ref_ranges(g);
        previous = std::move(g);
      }
      check_boxes(previous, r.boxes);
    }
  }

  // Arbitrary soup of tag fragments, digits and text: never a crash, valid ranges, and boxes
  // still only grow with the prefix.
  void randomized_garbage() {
    static const char* const atoms[] = {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>", "<",
                                        "</",    "<re",    "(",     ")",      ",",      "1",       "23",
                                        "-",     " ",      "x",     "火",     "\n",     "<img>",   ">"};
    std::mt19937 rng(99);
    for (int i = 0; i < 300; ++i) {
      std::string s;
      int n = std::uniform_int_distribution<int>(0, 40)(rng);
      for (int k = 0; k < n; ++k) s += atoms[std::uniform_int_distribution<int>(0, 20)(rng)];
      GroundingParse previous = parse_grounding("");
      for (size_t len = 0; len <= s.size(); ++len) {
        GroundingParse g = parse_grounding(std::string_view(s).substr(0, len));
        // (Text on both sides of removed markup may join into something tag-like, so only the
        // size is checked here; the well-formed tests above check the exact text.)
        QVERIFY(g.display_text.size() <= len);
        QVERIFY2(boxes_extend(previous, g), s.c_str());
        for (const auto& b : g.boxes) QVERIFY(b.points.size() == (b.quad ? 4u : 2u));
        check_ref_ranges(g);
        previous = std::move(g);
      }
      GroundingParse done = parse_grounding(s, true);
      QCOMPARE(done.boxes.size(), previous.boxes.size());
    }
  }

  void pixel_mapping_truncates_like_python() {
    using qwenvl::grounding_to_pixel;
    QCOMPARE(grounding_to_pixel(500, 640), 320);
    QCOMPARE(grounding_to_pixel(0, 640), 0);
    QCOMPARE(grounding_to_pixel(999, 1000), 999);
    QCOMPARE(grounding_to_pixel(1000, 333), 333);
    QCOMPARE(grounding_to_pixel(1, 999), 0);
    // int(x / 1000 * W) in double precision lands just below the exact product here.
    QCOMPARE(grounding_to_pixel(290, 100), 28);
    QCOMPARE(grounding_to_pixel(410, 300), 122);
    QCOMPARE(grounding_to_pixel(820, 300), 245);
  }
};

QTEST_APPLESS_MAIN(TstGrounding)
#include "tst_grounding.moc"
