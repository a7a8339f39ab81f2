// Byte-level BPE merges for one pre-token. SentencePiece is the merge engine (the design
// card names it): a BPE ModelProto is written in memory from the vocabulary, with pieces the
// token bytes mapped through GPT-2's bytes_to_unicode and score = -rank, so its merge order
// (highest score, leftmost on ties) is tiktoken's (lowest rank, leftmost on ties).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/status.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace qwenvl {

class Vocab;

class BpeEngine {
 public:
  static Result<std::unique_ptr<BpeEngine>> create(const Vocab& vocab);
  ~BpeEngine();

  // Appends the ranks of `piece` (raw bytes, not empty) to `out`.
  void encode(std::string_view piece, std::vector<int32_t>& out) const;

  // The serialized ModelProto (exposed for tests and for inspecting it with spm tools).
  static std::string model_proto(const Vocab& vocab);
  // GPT-2's bytes_to_unicode: the printable code point that stands for each byte.
  static char32_t byte_to_unicode(uint8_t byte);

 private:
  BpeEngine() = default;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::string byte_utf8_[256];  // UTF-8 of byte_to_unicode(b)
  int32_t vocab_size_ = 0;
};

}  // namespace qwenvl
