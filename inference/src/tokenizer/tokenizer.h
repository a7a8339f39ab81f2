// Qwen's tiktoken BPE tokenizer, exact to tokenization_qwen.py: NFC normalisation, the 217
// special tokens, the split regex, byte-level BPE over qwen.tiktoken, and the <img>…</img>
// spans turned into byte ids padded with <imgpad> to 256.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl {

// Which special-token surface strings become special ids (the fixtures' "allowed" field).
enum class SpecialMode {
  All,    // every special token (tokenizer(text) in the official code)
  Image,  // only the 9 image/box tags: how make_context encodes roles and message contents
  None,   // none: special-token text is ordinary text
};

namespace token_id {
inline constexpr int32_t endoftext = 151643;
inline constexpr int32_t im_start = 151644;
inline constexpr int32_t im_end = 151645;
inline constexpr int32_t extra_0 = 151646;
inline constexpr int32_t ref_start = 151851;
inline constexpr int32_t ref_end = 151852;
inline constexpr int32_t box_start = 151853;
inline constexpr int32_t box_end = 151854;
inline constexpr int32_t quad_start = 151855;
inline constexpr int32_t quad_end = 151856;
inline constexpr int32_t img_start = 151857;
inline constexpr int32_t img_end = 151858;
inline constexpr int32_t img_pad = 151859;
inline constexpr int32_t first_special = 151643;
inline constexpr int32_t vocab_size = 151860;  // ids the tokenizer defines
inline constexpr int image_span = 256;         // ids between <img> and </img>
inline constexpr int newline = 198;
}  // namespace token_id

class Tokenizer {
 public:
  // Reads qwen.tiktoken (base64 bytes + rank per line, ranks 0..151642 contiguous).
  static Result<std::unique_ptr<Tokenizer>> load(const std::string& tiktoken_path);
  ~Tokenizer();

  // NFC, specials per `mode`, regex split, BPE, then <img> spans replaced by the path's bytes
  // padded to 256 with <imgpad>. Errors: an unclosed <img>, a path over 256 bytes.
  Result<std::vector<int32_t>> encode(std::string_view text, SpecialMode mode) const;

  // The bytes of one id: its BPE bytes, or a special token's surface string; empty for ids
  // the tokenizer does not define (151860..151935 are embedding padding).
  std::string_view token_bytes(int32_t id) const;
  // Concatenated bytes decoded as UTF-8 with replacement (Python's errors="replace"); special
  // ids appear as their surface text. Image spans are turned back into <img>PATH</img>.
  std::string decode(const std::vector<int32_t>& ids) const;
  // The bytes decode() turns into text: token bytes joined, closed image spans replaced by
  // <img>PATH</img>. A span whose ids are not all bytes (0..255) before the first <imgpad>
  // (the official code raises there) is kept as its plain token bytes.
  std::string decode_bytes(const std::vector<int32_t>& ids) const;
  std::optional<int32_t> special_id(std::string_view surface) const;
  int32_t vocab_size() const { return token_id::vocab_size; }

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Turns a stream of ids into UTF-8 text pieces. A multi-byte character split across tokens is
// held back until it completes; invalid bytes become U+FFFD as in decode(). From <img> to its
// </img> everything is held, so that the span comes out as decode() writes it: the pieces
// joined always equal decode() of all ids.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok) : tok_(tok) {}
  // Returns the text that became complete with this id (possibly empty).
  std::string push(int32_t id);
  // Returns whatever is held back, decoded with replacement.
  std::string flush();

 private:
  const Tokenizer& tok_;
  std::string pending_;
  std::vector<int32_t> image_span_;  // from an <img> not yet closed, else empty
};

}  // namespace qwenvl
