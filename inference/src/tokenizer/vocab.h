// The BPE vocabulary of qwen.tiktoken: token bytes by rank, and rank by bytes through an
// open-addressing hash table over one byte arena (the merge loop looks pairs up constantly).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl {

class Vocab {
 public:
  // Parses "BASE64 RANK" lines (LF or CRLF, blank lines skipped as the official loader does).
  // Ranks must run 0, 1, 2, ... in file order with no duplicate bytes, every single byte must
  // be a token, and there must be exactly `expected_count` tokens (0: any count). Errors name
  // the file and the line.
  static Result<std::unique_ptr<Vocab>> load(const std::string& path, size_t expected_count);
  // Same, from the file's contents; `name` is used in error messages.
  static Result<std::unique_ptr<Vocab>> parse(std::string_view contents, const std::string& name,
                                              size_t expected_count);

  size_t size() const { return offsets_.size() - 1; }
  std::string_view bytes(int32_t rank) const {
    return std::string_view(arena_).substr(offsets_[rank], offsets_[rank + 1] - offsets_[rank]);
  }
  // The rank of exactly these bytes, or -1.
  int32_t find(std::string_view bytes) const;

 private:
  Vocab() = default;
  void build_index();

  std::string arena_;
  std::vector<uint32_t> offsets_{0};
  std::vector<int32_t> slots_;  // rank or -1; size is a power of two
  uint64_t mask_ = 0;
};

// Strict base64 (RFC 4648 alphabet, '=' padding); false on any other input.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace qwenvl
