// The grounding parser as it was before it streamed (commit 156c9b6): whole-reply scans with
// find_tag and a partial-tag check at the end. Kept here, out of the engine, as an independent
// oracle that the streaming parser must agree with on every prefix of every reply.
#include "unit/grounding_reference.h"

#include <array>
#include <cstdint>
#include <optional>

namespace qwenvl_test {

using namespace qwenvl;

namespace {

enum class Tag { RefOpen, RefClose, BoxOpen, BoxClose, QuadOpen, QuadClose };

constexpr std::array<std::string_view, 6> kTagText = {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>"};

struct TagHit {
  size_t pos = std::string_view::npos;  // where the tag starts; npos when none
  Tag tag = Tag::RefOpen;
  size_t end() const { return pos + kTagText[static_cast<int>(tag)].size(); }
};

// The first complete tag at or after `from`.
TagHit find_tag(std::string_view s, size_t from) {
  for (size_t i = s.find('<', from); i != std::string_view::npos; i = s.find('<', i + 1)) {
    for (size_t t = 0; t < kTagText.size(); ++t) {
      if (s.compare(i, kTagText[t].size(), kTagText[t]) == 0) return {i, static_cast<Tag>(t)};
    }
  }
  return {};
}

// Length of the longest suffix of `s` that is a proper prefix of a tag ("<", "<bo", "</re"):
// while streaming it may still become a tag, so it must not be shown yet.
size_t partial_tag_suffix(std::string_view s) {
  size_t best = 0;
  for (std::string_view tag : kTagText) {
    for (size_t n = tag.size() - 1; n > best; --n) {
      if (s.size() >= n && s.compare(s.size() - n, n, tag.substr(0, n)) == 0) {
        best = n;
        break;
      }
    }
  }
  return best;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// One coordinate as Python's int() reads it after the drawer's clean-up: surrounding whitespace,
// an optional sign, ASCII digits. Values past 7 digits are nonsense for a 0..1000 scale (and
// would overflow), so they count as malformed.
std::optional<int> parse_coordinate(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  bool negative = false;
  if (b < e && (s[b] == '+' || s[b] == '-')) negative = s[b++] == '-';
  if (b == e || e - b > 7) return std::nullopt;
  int v = 0;
  for (size_t i = b; i < e; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

// The contents of <box> or <quad> the way the official drawer reads a box: every parenthesis
// dropped, split at commas, each piece an integer. A box needs 4 numbers, a quad 8; anything
// else is malformed and yields nothing.
std::optional<std::vector<GroundingPoint>> parse_points(std::string_view body, size_t numbers) {
  std::string cleaned;
  cleaned.reserve(body.size());
  for (char c : body)
    if (c != '(' && c != ')') cleaned.push_back(c);
  std::vector<int> values;
  size_t start = 0;
  while (true) {
    size_t comma = cleaned.find(',', start);
    std::string_view piece =
        std::string_view(cleaned).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::optional<int> v = parse_coordinate(piece);
    if (!v || values.size() == numbers) return std::nullopt;
    values.push_back(*v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (values.size() != numbers) return std::nullopt;
  std::vector<GroundingPoint> points;
  for (size_t i = 0; i < values.size(); i += 2) points.push_back({values[i], values[i + 1]});
  return points;
}

class Parser {
 public:
  Parser(std::string_view reply, bool finished) : s_(reply), finished_(finished) {}

  GroundingParse run() {
    size_t pos = 0;
    while (pos < s_.size()) {
      TagHit hit = find_tag(s_, pos);
      if (hit.pos == std::string_view::npos) {
        emit_tail(pos);
        break;
      }
      out_.display_text.append(s_.substr(pos, hit.pos - pos));
      switch (hit.tag) {
        case Tag::RefOpen:
          pos = parse_ref(hit);
          break;
        case Tag::BoxOpen:
        case Tag::QuadOpen:
          pos = parse_shape(hit, -1, false).next;
          break;
        default:  // a closing tag with no opener: markup, never shown
          pos = hit.end();
          break;
      }
    }
    return std::move(out_);
  }

 private:
  struct ShapeResult {
    size_t next;  // where scanning resumes
    bool closed;  // the closing tag arrived (whether or not the contents were well formed)
  };

  // Text after the last tag; a trailing fragment that may still grow into a tag is held back
  // while the reply is streaming.
  void emit_tail(size_t pos) {
    std::string_view tail = s_.substr(pos);
    if (!finished_) tail.remove_suffix(partial_tag_suffix(tail));
    out_.display_text.append(tail);
  }

  // `<ref>PHRASE</ref>` then the chain the TUTORIAL regex removes with it: any number of boxes,
  // then any number of quads, each directly after the previous one.
  size_t parse_ref(const TagHit& open) {
    TagHit close = find_tag(s_, open.end());
    if (close.pos == std::string_view::npos || close.tag != Tag::RefClose) {
      // Unterminated (still streaming, or the model moved on): the phrase shows as plain text.
      return open.end();
    }
    std::string_view phrase = s_.substr(open.end(), close.pos - open.end());
    GroundingRef ref;
    ref.phrase = std::string(phrase);
    ref.display_begin = out_.display_text.size();
    out_.display_text.append(phrase);
    ref.display_end = out_.display_text.size();
    const int index = static_cast<int>(out_.refs.size());
    out_.refs.push_back(std::move(ref));

    size_t pos = close.end();
    bool first = true;
    bool quads_started = false;
    while (true) {
      bool box_next = s_.compare(pos, kTagText[static_cast<int>(Tag::BoxOpen)].size(),
                                 kTagText[static_cast<int>(Tag::BoxOpen)]) == 0;
      bool quad_next = s_.compare(pos, kTagText[static_cast<int>(Tag::QuadOpen)].size(),
                                  kTagText[static_cast<int>(Tag::QuadOpen)]) == 0;
      if (!(quad_next || (box_next && !quads_started))) break;
      quads_started = quads_started || quad_next;
      TagHit hit{pos, quad_next ? Tag::QuadOpen : Tag::BoxOpen};
      ShapeResult r = parse_shape(hit, index, first);
      first = false;
      pos = r.next;
      if (!r.closed) break;
    }
    return pos;
  }

  // `<box>…</box>` or `<quad>…</quad>` starting at `open`. The contents end at the next tag of
  // any kind; when that is not the matching close, the shape is unterminated: it yields no box
  // and its contents are hidden (they are coordinates still arriving).
  ShapeResult parse_shape(const TagHit& open, int ref, bool first_of_ref) {
    const bool quad = open.tag == Tag::QuadOpen;
    const Tag want = quad ? Tag::QuadClose : Tag::BoxClose;
    TagHit close = find_tag(s_, open.end());
    if (close.pos == std::string_view::npos) return {s_.size(), false};
    if (close.tag != want) return {close.pos, false};
    std::string_view body = s_.substr(open.end(), close.pos - open.end());
    if (auto points = parse_points(body, quad ? 8 : 4)) {
      GroundingBox box;
      box.points = std::move(*points);
      box.quad = quad;
      box.ref = ref;
      box.first_of_ref = first_of_ref;
      out_.boxes.push_back(std::move(box));
    }
    return {close.end(), true};
  }

  std::string_view s_;
  bool finished_;
  GroundingParse out_;
};

}  // namespace

GroundingParse reference_parse_grounding(std::string_view reply, bool finished) {
  return Parser(reply, finished).run();
}

}  // namespace qwenvl_test
