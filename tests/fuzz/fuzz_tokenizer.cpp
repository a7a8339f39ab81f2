// libFuzzer target: Tokenizer::encode on any text, with the round trip for valid UTF-8:
// decode(encode(t)) == NFC(t), encode of that again gives the same ids, and the StreamDecoder's
// pieces join to decode(). qwen.tiktoken comes from $QWENVL_TIKTOKEN.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_files.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace {

std::unique_ptr<qwenvl::Tokenizer> g_tok;

void check(bool ok, const char* what, const std::string& text) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_tokenizer: %s (text of %zu bytes)\n", what, text.size());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto tok = qwenvl::Tokenizer::load(qwenvl::fuzz::required_env("QWENVL_TIKTOKEN", "the path of qwen.tiktoken"));
  if (!tok.ok()) {
    std::fprintf(stderr, "fuzz_tokenizer: %s\n", tok.message().c_str());
    std::exit(2);
  }
  g_tok = std::move(*tok);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the special-token mode, the rest is the text.
  const auto mode = static_cast<qwenvl::SpecialMode>(data[0] % 3);
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto ids = g_tok->encode(text, mode);
  if (!ids.ok()) {
    check(!ids.message().empty(), "an error has a message", text);
    return 0;
  }
  for (int32_t id : *ids) check(id >= 0 && id < g_tok->vocab_size(), "ids inside the vocabulary", text);

  const std::u32string cps = qwenvl::utf8_to_u32(text);
  const bool valid_utf8 = qwenvl::u32_to_utf8(cps) == text;
  const std::string decoded = g_tok->decode(*ids);
  if (valid_utf8) {
    check(decoded == qwenvl::u32_to_utf8(qwenvl::unicode::nfc(cps)), "decode(encode(t)) != NFC(t)", text);
    auto again = g_tok->encode(decoded, mode);
    check(again.ok() && *again == *ids, "encode(decode(ids)) != ids", text);
  }

  qwenvl::StreamDecoder stream(*g_tok);
  std::string joined;
  for (int32_t id : *ids) joined += stream.push(id);
  joined += stream.flush();
  check(joined == decoded, "stream decoder pieces != decode()", text);
  return 0;
}
