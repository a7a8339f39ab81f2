// libFuzzer target: any id sequence (out-of-range ids, broken UTF-8 across tokens, unclosed
// <img> spans) through the StreamDecoder: its pieces are valid UTF-8 and join to decode(ids);
// fed to a GroundingStream they parse as the joined reply does. $QWENVL_TIKTOKEN: the vocabulary.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_files.h"
#include "qwenvl/grounding.h"
#include "tokenizer/tokenizer.h"
#include "util/utf8.h"

namespace {

std::unique_ptr<qwenvl::Tokenizer> g_tok;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_stream_decoder: %s\n", what);
    std::abort();
  }
}

// Ids from 3 bytes each; a high bit set maps into the special and padding ids (and a little
// past the embedding), where random values would hardly ever land.
std::vector<int32_t> ids_from(const uint8_t* d, size_t n) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 3 <= n; i += 3) {
    const int32_t v = d[i] | (d[i + 1] << 8) | ((d[i + 2] & 0x7f) << 16);
    if (d[i + 2] & 0x80)
      ids.push_back(qwenvl::token_id::first_special - 8 + v % 320);
    else
      ids.push_back(v % 160000 - 16);  // a few negative ids too
  }
  return ids;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto tok = qwenvl::Tokenizer::load(qwenvl::fuzz::required_env("QWENVL_TIKTOKEN", "the path of qwen.tiktoken"));
  if (!tok.ok()) {
    std::fprintf(stderr, "fuzz_stream_decoder: %s\n", tok.message().c_str());
    std::exit(2);
  }
  g_tok = std::move(*tok);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<int32_t> ids = ids_from(data, size);
  qwenvl::StreamDecoder stream(*g_tok);
  qwenvl::GroundingStream grounding;
  std::string joined;
  auto take = [&](const std::string& piece) {
    check(qwenvl::utf8_decode_replace(piece) == piece, "a streamed piece is not valid UTF-8");
    joined += piece;
    const auto update = grounding.feed(piece);
    check(update.display_from <= grounding.parse().display_text.size(), "update inside the display text");
  };
  for (int32_t id : ids) take(stream.push(id));
  take(stream.flush());
  check(joined == g_tok->decode(ids), "stream decoder pieces != decode()");
  grounding.finish();
  check(grounding.parse() == qwenvl::parse_grounding(joined, true), "streamed grounding != whole parse");
  return 0;
}
