// Parses Qwen-VL's grounding markup in a reply: <ref>PHRASE</ref> followed by any number of
// <box>(x1,y1),(x2,y2)</box> (or <quad>…</quad>), unlabelled boxes, and tags still open in a
// reply that is streaming, either whole or piece by piece as it streams (GroundingStream).
// Boxes stay in model space (0..1000) until they are painted.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qwenvl {

struct GroundingRef {
  std::string phrase;        // as written between <ref> and </ref>
  size_t display_begin = 0;  // byte range of the phrase in GroundingParse::display_text
  size_t display_end = 0;
  bool operator==(const GroundingRef&) const = default;
};

struct GroundingPoint {
  int x = 0;  // 0..1000 of the picture's width, as the model wrote it
  int y = 0;
  bool operator==(const GroundingPoint&) const = default;
};

struct GroundingBox {
  std::vector<GroundingPoint> points;  // 2 for a box (top-left, bottom-right), 4 for a quad
  bool quad = false;
  int ref = -1;               // index into GroundingParse::refs, -1 when unlabelled
  bool first_of_ref = false;  // the box directly after its ref (the official drawer labels it)
  bool operator==(const GroundingBox&) const = default;
};

struct GroundingParse {
  std::string display_text;  // the reply with the markup removed
  std::vector<GroundingRef> refs;
  std::vector<GroundingBox> boxes;  // only boxes whose closing tag has arrived
  bool operator==(const GroundingParse&) const = default;
};

// `finished`: the reply is complete. While it streams (false), a fragment at the very end
// that may still become a tag ("<", "<bo", "</re") is held back from display_text; once it is
// finished such a fragment is ordinary text. An unterminated <box>/<quad> never yields a box
// and its contents never show; the phrase of an unterminated <ref> shows as plain text.
// Equals feeding the whole reply to a GroundingStream (then finish() when `finished`).
GroundingParse parse_grounding(std::string_view reply, bool finished = false);

// What the last GroundingStream::feed or finish changed. More text never rewrites what an
// earlier prefix gave: display_text only grows, a ref appears whole when its </ref> arrives and
// a box when its closing tag does. So each field is where the new part starts (the old size),
// and a view appends parse().display_text[display_from..], refs[refs_from..], boxes[boxes_from..].
struct GroundingUpdate {
  size_t display_from = 0;
  size_t refs_from = 0;
  size_t boxes_from = 0;
  bool rejected = false;  // feed() after finish(): the piece was not taken (reset() first)
  bool operator==(const GroundingUpdate&) const = default;
};

// The parser fed with each new piece of a streaming reply. It keeps only what cannot be decided
// yet, never the reply: a trailing fragment that may still become a tag (at most 6 bytes) and
// the state of an open tag (which tag, the coordinates read so far). So a feed costs the
// piece's length plus that bounded tail, however long the reply already is.
//
// After each feed, parse() equals parse_grounding(everything fed, false); after finish(), it
// equals parse_grounding(everything fed, true). Pieces may split tags, numbers and UTF-8
// characters anywhere; display_text ends inside a character only when the text fed so far does
// (ChatSession::generate's pieces are whole characters).
class GroundingStream {
 public:
  GroundingStream();
  ~GroundingStream();
  // A moved-from stream may only be assigned to or destroyed.
  GroundingStream(GroundingStream&&) noexcept;
  GroundingStream& operator=(GroundingStream&&) noexcept;

  GroundingUpdate feed(std::string_view piece);
  // The reply is complete: a held-back fragment ("<bo") becomes plain text. Calling it again
  // changes nothing.
  GroundingUpdate finish();
  const GroundingParse& parse() const&;
  GroundingParse parse() &&;  // takes the result out of a stream that is done with
  bool finished() const;
  void reset();  // for the next reply

  size_t pending_bytes() const;  // the held-back fragment, at most 6
  // Bytes of input the parser has looked at since reset(), counting every second look: tests
  // bound it to prove the work is linear in the reply.
  size_t scanned_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Model space to pixels of a W x H picture as the official drawer does: int(x / 1000 * W).
inline int grounding_to_pixel(int v, int size) {
  return static_cast<int>(static_cast<double>(v) / 1000.0 * static_cast<double>(size));
}

}  // namespace qwenvl
