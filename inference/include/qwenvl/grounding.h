// Parses Qwen-VL's grounding markup in a reply: <ref>PHRASE</ref> followed by any number of
// <box>(x1,y1),(x2,y2)</box> (or <quad>…</quad>), unlabelled boxes, and tags still open in a
// reply that is streaming. Boxes stay in model space (0..1000) until they are painted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qwenvl {

struct GroundingRef {
  std::string phrase;      // as written between <ref> and </ref>
  size_t display_begin = 0;  // byte range of the phrase in GroundingParse::display_text
  size_t display_end = 0;
};

struct GroundingPoint {
  int x = 0;  // 0..1000 of the picture's width, as the model wrote it
  int y = 0;
};

struct GroundingBox {
  std::vector<GroundingPoint> points;  // 2 for a box (top-left, bottom-right), 4 for a quad
  bool quad = false;
  int ref = -1;             // index into GroundingParse::refs, -1 when unlabelled
  bool first_of_ref = false;  // the box directly after its ref (the official drawer labels it)
};

struct GroundingParse {
  std::string display_text;  // the reply with the markup removed
  std::vector<GroundingRef> refs;
  std::vector<GroundingBox> boxes;  // only boxes whose closing tag has arrived
};

// `finished`: the reply is complete. While it streams (false), a fragment at the very end
// that may still become a tag ("<", "<bo", "</re") is held back from display_text; once it is
// finished such a fragment is ordinary text. An unterminated <box>/<quad> never yields a box
// and its contents never show; the phrase of an unterminated <ref> shows as plain text.
GroundingParse parse_grounding(std::string_view reply, bool finished = false);

// Model space to pixels of a W x H picture as the official drawer does: int(x / 1000 * W).
inline int grounding_to_pixel(int v, int size) {
  return static_cast<int>(static_cast<double>(v) / 1000.0 * static_cast<double>(size));
}

}  // namespace qwenvl
