// Loading qwen.tiktoken with errors a person can act on, and the bytes -> rank hash table.
#include "tokenizer/vocab.h"

#include <filesystem>

#include "util/file_io.h"

namespace qwenvl {

namespace {

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then a final mix for the low bits
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

int decode_base64_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string hex_byte(unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  return {hex[c >> 4], hex[c & 15]};
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 40)) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x" + hex_byte(c);
    }
  }
  if (s.size() > 40) out += "...";
  return out;
}

}  // namespace

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    int v = decode_base64_char(in[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return !out.empty();
}

Result<std::unique_ptr<Vocab>> Vocab::load(const std::string& path, size_t expected_count) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Result<std::unique_ptr<Vocab>>::error(path + ": is a folder, expected the qwen.tiktoken file");
  auto contents = read_file(path);
  if (!contents) return contents.status();
  return parse(*contents, path, expected_count);
}

Result<std::unique_ptr<Vocab>> Vocab::parse(std::string_view contents, const std::string& name, size_t expected_count) {
  using R = Result<std::unique_ptr<Vocab>>;
  std::unique_ptr<Vocab> v(new Vocab());
  v->arena_.reserve(contents.size() / 2);
  if (expected_count) v->offsets_.reserve(expected_count + 1);
  std::string token;
  std::vector<uint32_t> line_of_rank;  // for messages about duplicates
  size_t line_no = 0;
  for (size_t pos = 0; pos < contents.size();) {
    size_t eol = contents.find('\n', pos);
    if (eol == std::string_view::npos) eol = contents.size();
    std::string_view line = contents.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto where = [&] { return name + " line " + std::to_string(line_no) + ": "; };
    size_t a = 0;
    while (a < line.size() && is_blank(line[a])) ++a;
    if (a == line.size()) continue;  // blank line
    size_t b = a;
    while (b < line.size() && !is_blank(line[b])) ++b;
    size_t c = b;
    while (c < line.size() && is_blank(line[c])) ++c;
    size_t d = c;
    while (d < line.size() && !is_blank(line[d])) ++d;
    size_t e = d;
    while (e < line.size() && is_blank(line[e])) ++e;
    if (c == line.size() || e != line.size())
      return R::error(where() + "expected 'BASE64 RANK', found '" + printable(line) + "'");
    std::string_view b64 = line.substr(a, b - a), rank_text = line.substr(c, d - c);
    if (!base64_decode(b64, token)) return R::error(where() + "bad base64 token '" + printable(b64) + "'");
    uint64_t rank = 0;
    bool digits = rank_text.size() <= 10;
    for (char ch : rank_text) {
      if (ch < '0' || ch > '9') digits = false;
      rank = rank * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (!digits) return R::error(where() + "rank '" + printable(rank_text) + "' is not a number");
    if (rank != v->size())
      return R::error(where() + "ranks must be contiguous from 0 in file order: expected rank " +
                      std::to_string(v->size()) + ", found " + std::to_string(rank));
    if (v->arena_.size() + token.size() > UINT32_MAX) return R::error(where() + "file too large");
    v->arena_ += token;
    v->offsets_.push_back(static_cast<uint32_t>(v->arena_.size()));
    line_of_rank.push_back(static_cast<uint32_t>(line_no));
  }
  if (expected_count && v->size() != expected_count)
    return R::error(name + ": has " + std::to_string(v->size()) + " tokens, expected " +
                    std::to_string(expected_count) + " (is this Qwen's qwen.tiktoken?)");
  if (v->size() == 0) return R::error(name + ": no tokens");
  v->build_index();
  // A duplicate shows up as a slot already taken by an earlier rank.
  for (size_t r = 0; r < v->size(); ++r) {
    int32_t found = v->find(v->bytes(static_cast<int32_t>(r)));
    if (found != static_cast<int32_t>(r))
      return R::error(name + " line " + std::to_string(line_of_rank[r]) + ": token '" +
                      printable(v->bytes(static_cast<int32_t>(r))) + "' (rank " + std::to_string(r) +
                      ") repeats the token of line " + std::to_string(line_of_rank[found]) + " (rank " +
                      std::to_string(found) + ")");
  }
  for (int byte = 0; byte < 256; ++byte) {
    char ch = static_cast<char>(byte);
    if (v->find(std::string_view(&ch, 1)) < 0)
      return R::error(name + ": byte 0x" + hex_byte(static_cast<unsigned char>(byte)) +
                      " has no token; byte-level BPE needs all 256 single bytes");
  }
  return R(std::move(v));
}

void Vocab::build_index() {
  size_t cap = 1;
  while (cap < size() * 2) cap <<= 1;
  slots_.assign(cap, -1);
  mask_ = cap - 1;
  for (size_t r = 0; r < size(); ++r) {
    uint64_t h = hash_bytes(bytes(static_cast<int32_t>(r))) & mask_;
    while (slots_[h] >= 0) {
      if (bytes(slots_[h]) == bytes(static_cast<int32_t>(r))) break;  // duplicate: keep first
      h = (h + 1) & mask_;
    }
    if (slots_[h] < 0) slots_[h] = static_cast<int32_t>(r);
  }
}

int32_t Vocab::find(std::string_view s) const {
  uint64_t h = hash_bytes(s) & mask_;
  while (true) {
    int32_t r = slots_[h];
    if (r < 0) return -1;
    if (bytes(r) == s) return r;
    h = (h + 1) & mask_;
  }
}

}  // namespace qwenvl
