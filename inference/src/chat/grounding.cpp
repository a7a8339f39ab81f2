// The grounding parser of qwenvl/grounding.h: a byte-at-a-time lexer that splits the reply into
// text and the six grounding tags, and a small state machine over those tokens. parse_grounding
// feeds the whole reply at once, so the streamed and the one-call parse are the same code.
#include "qwenvl/grounding.h"

#include <array>
#include <optional>

namespace qwenvl {

namespace {

enum class Tag { RefOpen, RefClose, BoxOpen, BoxClose, QuadOpen, QuadClose };

constexpr std::array<std::string_view, 6> kTagText = {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>"};
constexpr unsigned kAllTags = (1u << kTagText.size()) - 1;
constexpr size_t kLongestTag = 7;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The contents of <box> or <quad> read as they arrive, the way the official drawer reads a box:
// every parenthesis dropped, split at commas, each piece an integer as Python's int() takes it
// (surrounding whitespace, an optional sign, ASCII digits). A box needs 4 numbers, a quad 8;
// anything else is malformed. Values past 7 digits are nonsense for a 0..1000 scale (and would
// overflow), so they count as malformed. Reading on the fly keeps an open tag's state at a few
// integers, however long its contents grow.
class PointsReader {
 public:
  explicit PointsReader(size_t numbers = 4) : want_(numbers) {}

  void take(char c) {
    if (bad_ || c == '(' || c == ')') return;
    if (c == ',') {
      end_number();
    } else if (is_space(c)) {
      if (phase_ == Phase::Sign) bad_ = true;  // "- 5": int() refuses a space after the sign
      if (phase_ == Phase::Digits) phase_ = Phase::Trail;
    } else if (c == '+' || c == '-') {
      if (phase_ != Phase::Lead) bad_ = true;
      negative_ = c == '-';
      phase_ = Phase::Sign;
    } else if (c >= '0' && c <= '9') {
      if (phase_ == Phase::Trail || ++digits_ > 7) bad_ = true;
      value_ = value_ * 10 + (c - '0');
      phase_ = Phase::Digits;
    } else {
      bad_ = true;
    }
  }

  // The closing tag arrived: the points, or nothing when the contents were malformed.
  std::optional<std::vector<GroundingPoint>> finish() {
    end_number();
    if (bad_ || count_ != want_) return std::nullopt;
    std::vector<GroundingPoint> points;
    for (size_t i = 0; i < count_; i += 2) points.push_back({values_[i], values_[i + 1]});
    return points;
  }

 private:
  enum class Phase { Lead, Sign, Digits, Trail };

  void end_number() {
    if (bad_) return;
    if ((phase_ != Phase::Digits && phase_ != Phase::Trail) || count_ == want_) {
      bad_ = true;
      return;
    }
    values_[count_++] = negative_ ? -value_ : value_;
    phase_ = Phase::Lead;
    negative_ = false;
    value_ = 0;
    digits_ = 0;
  }

  size_t want_;
  std::array<int, 8> values_{};
  size_t count_ = 0;
  Phase phase_ = Phase::Lead;
  bool negative_ = false;
  int value_ = 0;
  int digits_ = 0;
  bool bad_ = false;
};

}  // namespace

struct GroundingStream::Impl {
  // Where the token stream is. Text: plain text. Phrase: after <ref>; the phrase is shown as it
  // arrives and becomes a ref only if the next tag is </ref>. Chain: right after </ref> or a
  // shape of its chain, where a <box>/<quad> with no text between still belongs to the ref (the
  // TUTORIAL regex: boxes, then quads). Shape: inside <box>/<quad>; the contents never show,
  // and any tag but the matching close drops the shape and is read again as in Text.
  enum class State { Text, Phrase, Chain, Shape };

  GroundingParse out;
  bool finished = false;
  size_t scanned = 0;

  // The lexer's held-back fragment: a '<' and the bytes after it while they still spell the
  // start of some tag. `candidates` has a bit for each tag it may still become.
  std::array<char, kLongestTag> pending{};
  size_t pending_len = 0;
  unsigned candidates = 0;

  State state = State::Text;
  size_t phrase_begin = 0;   // Phrase: where the phrase starts in display_text
  int chain_ref = -1;        // Chain and chained shapes: the ref the shapes belong to
  bool chain_first = true;   // the next chained shape is the one directly after the ref
  bool chain_quads = false;  // a quad came: only quads may follow in the chain
  bool shape_quad = false;
  int shape_ref = -1;
  bool shape_first = false;
  PointsReader points;

  void lex(std::string_view piece) {
    size_t i = 0;
    while (i < piece.size()) {
      if (pending_len == 0) {
        // Plain text up to the next '<' goes on in one run.
        const size_t lt = piece.find('<', i);
        const size_t end = lt == std::string_view::npos ? piece.size() : lt;
        scanned += end - i;
        if (end > i) on_text(piece.substr(i, end - i));
        if (lt == std::string_view::npos) return;
        ++scanned;
        pending[0] = '<';
        pending_len = 1;
        candidates = kAllTags;
        i = lt + 1;
        continue;
      }
      const char c = piece[i];
      ++scanned;
      unsigned next = 0;
      for (size_t t = 0; t < kTagText.size(); ++t)
        if ((candidates >> t & 1u) && kTagText[t][pending_len] == c) next |= 1u << t;
      if (next == 0) {
        // No tag starts this way: the fragment is text, and `c` is looked at again on its own
        // (it may be the '<' of the next tag).
        flush_pending();
        continue;
      }
      pending[pending_len++] = c;
      candidates = next;
      ++i;
      for (size_t t = 0; t < kTagText.size(); ++t) {
        if ((next >> t & 1u) && kTagText[t].size() == pending_len) {
          pending_len = 0;
          on_tag(static_cast<Tag>(t));
          break;
        }
      }
    }
  }

  void flush_pending() {
    const size_t n = pending_len;
    pending_len = 0;
    if (n > 0) on_text(std::string_view(pending.data(), n));
  }

  void on_text(std::string_view text) {
    switch (state) {
      case State::Chain:  // text between the ref and a box ends the chain
        state = State::Text;
        [[fallthrough]];
      case State::Text:
      case State::Phrase:
        out.display_text.append(text);
        break;
      case State::Shape:
        scanned += text.size();
        for (char c : text) points.take(c);
        break;
    }
  }

  void on_tag(Tag tag) {
    switch (state) {
      case State::Text:
        break;
      case State::Phrase:
        if (tag == Tag::RefClose) {
          GroundingRef ref;
          ref.phrase = out.display_text.substr(phrase_begin);
          ref.display_begin = phrase_begin;
          ref.display_end = out.display_text.size();
          chain_ref = static_cast<int>(out.refs.size());
          out.refs.push_back(std::move(ref));
          chain_first = true;
          chain_quads = false;
          state = State::Chain;
          return;
        }
        break;  // unterminated: the phrase stays plain text
      case State::Chain:
        if (tag == Tag::QuadOpen || (tag == Tag::BoxOpen && !chain_quads)) {
          chain_quads = chain_quads || tag == Tag::QuadOpen;
          open_shape(tag, chain_ref, chain_first);
          chain_first = false;
          return;
        }
        break;
      case State::Shape:
        if (tag == (shape_quad ? Tag::QuadClose : Tag::BoxClose)) {
          if (auto p = points.finish()) {
            GroundingBox box;
            box.points = std::move(*p);
            box.quad = shape_quad;
            box.ref = shape_ref;
            box.first_of_ref = shape_first;
            out.boxes.push_back(std::move(box));
          }
          state = shape_ref >= 0 ? State::Chain : State::Text;  // a malformed shape keeps the chain
          return;
        }
        break;  // interrupted: no box, its contents stay hidden
    }
    state = State::Text;
    text_tag(tag);
  }

  // A tag read in plain text. A closing tag with no opener is markup and never shows.
  void text_tag(Tag tag) {
    if (tag == Tag::RefOpen) {
      state = State::Phrase;
      phrase_begin = out.display_text.size();
    } else if (tag == Tag::BoxOpen || tag == Tag::QuadOpen) {
      open_shape(tag, -1, false);
    }
  }

  void open_shape(Tag open, int ref, bool first) {
    state = State::Shape;
    shape_quad = open == Tag::QuadOpen;
    shape_ref = ref;
    shape_first = first;
    points = PointsReader(shape_quad ? 8 : 4);
  }

  GroundingUpdate mark() const { return {out.display_text.size(), out.refs.size(), out.boxes.size(), false}; }
};

GroundingStream::GroundingStream() : impl_(std::make_unique<Impl>()) {}
GroundingStream::~GroundingStream() = default;
GroundingStream::GroundingStream(GroundingStream&&) noexcept = default;
GroundingStream& GroundingStream::operator=(GroundingStream&&) noexcept = default;

GroundingUpdate GroundingStream::feed(std::string_view piece) {
  GroundingUpdate update = impl_->mark();
  if (impl_->finished) {
    update.rejected = true;
    return update;
  }
  impl_->lex(piece);
  return update;
}

GroundingUpdate GroundingStream::finish() {
  GroundingUpdate update = impl_->mark();
  if (!impl_->finished) {
    impl_->scanned += impl_->pending_len;
    impl_->flush_pending();  // "<bo" at the very end is text once nothing more can come
    impl_->finished = true;
  }
  return update;
}

const GroundingParse& GroundingStream::parse() const& { return impl_->out; }
GroundingParse GroundingStream::parse() && { return std::move(impl_->out); }
bool GroundingStream::finished() const { return impl_->finished; }
void GroundingStream::reset() { *impl_ = Impl(); }
size_t GroundingStream::pending_bytes() const { return impl_->pending_len; }
size_t GroundingStream::scanned_bytes() const { return impl_->scanned; }

GroundingParse parse_grounding(std::string_view reply, bool finished) {
  GroundingStream stream;
  stream.feed(reply);
  if (finished) stream.finish();
  return std::move(stream).parse();
}

}  // namespace qwenvl
