// libFuzzer target: parse_grounding and GroundingStream on any reply split anywhere. After each
// piece the stream equals the whole parse of what was fed; what it gave never changes later
// (display text, refs and boxes only grow); finish() equals the finished parse.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "qwenvl/grounding.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_grounding: %s\n", what);
    std::abort();
  }
}

template <class V>
bool starts_with(const V& whole, const V& prefix) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte seeds the piece lengths (1..16 bytes), the rest is the reply.
  uint32_t rng = data[0] * 2654435761u + 1;
  const std::string_view reply(reinterpret_cast<const char*>(data + 1), size - 1);
  qwenvl::GroundingStream stream;
  qwenvl::GroundingParse before;
  size_t fed = 0;
  while (fed < reply.size()) {
    rng = rng * 1103515245u + 12345u;
    const size_t n = std::min<size_t>(reply.size() - fed, 1 + (rng >> 16) % 16);
    const auto update = stream.feed(reply.substr(fed, n));
    fed += n;
    const qwenvl::GroundingParse& now = stream.parse();
    check(!update.rejected, "a feed before finish() was rejected");
    check(update.display_from == before.display_text.size() && update.refs_from == before.refs.size() &&
              update.boxes_from == before.boxes.size(),
          "the update does not start where the last parse ended");
    check(starts_with(now.display_text, before.display_text) && starts_with(now.refs, before.refs) &&
              starts_with(now.boxes, before.boxes),
          "more text rewrote what an earlier prefix gave");
    check(stream.pending_bytes() <= 6, "more than 6 bytes held back");
    // The whole parse of every prefix is quadratic: check it on short replies, and at the end.
    if (reply.size() <= 512 || fed == reply.size())
      check(now == qwenvl::parse_grounding(reply.substr(0, fed), false), "stream != parse of the prefix");
    before = now;
  }
  stream.finish();
  const qwenvl::GroundingParse done = qwenvl::parse_grounding(reply, true);
  check(stream.parse() == done, "finished stream != finished parse");
  check(stream.feed("x").rejected, "feed after finish() was taken");
  for (const auto& b : done.boxes) {
    check(b.points.size() == (b.quad ? 4u : 2u), "a box has 2 points, a quad 4");
    check(b.ref >= -1 && b.ref < static_cast<int>(done.refs.size()), "a box's ref is an index or -1");
  }
  for (const auto& r : done.refs)
    check(r.display_begin <= r.display_end && r.display_end <= done.display_text.size(), "ref range in the text");
  return 0;
}
