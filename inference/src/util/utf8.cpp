#include "util/utf8.h"

namespace qwenvl {

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// Decodes one sequence at s[i]. Returns the number of bytes consumed and sets cp; on an
// invalid sequence returns the length of the maximal invalid subpart (>= 1) with ok = false.
// With `partial_ok`, a truncated but so-far-valid sequence at the end reports needs_more.
struct Step {
  size_t len;
  char32_t cp;
  bool ok;
  bool needs_more;
};

Step decode_one(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) return {1, c, true, false};
  size_t need;
  char32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // bounds for the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {1, 0xFFFD, false, false};
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) return {k, 0xFFFD, false, true};
    uint8_t t = b(i + k);
    uint8_t l = (k == 1) ? lo : 0x80, h = (k == 1) ? hi : 0xBF;
    if (t < l || t > h) return {k, 0xFFFD, false, false};
    cp = (cp << 6) | (t & 0x3F);
  }
  return {need + 1, cp, true, false};
}

}  // namespace

std::u32string utf8_to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    Step st = decode_one(s, i);
    out.push_back(st.ok ? st.cp : U'\uFFFD');
    i += st.len;
  }
  return out;
}

std::string u32_to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) utf8_append(out, c);
  return out;
}

std::string utf8_decode_replace(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    Step st = decode_one(bytes, i);
    if (st.ok) {
      out.append(bytes.substr(i, st.len));
    } else {
      utf8_append(out, 0xFFFD);
    }
    i += st.len;
  }
  return out;
}

size_t utf8_stable_prefix(std::string_view bytes) {
  // Only the last three bytes can start an unfinished sequence.
  size_t start = bytes.size() > 3 ? bytes.size() - 3 : 0;
  for (size_t i = start; i < bytes.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(bytes[i]);
    if (c < 0xC2 || c > 0xF4) continue;
    Step st = decode_one(bytes, i);
    if (st.needs_more) return i;
  }
  return bytes.size();
}

}  // namespace qwenvl
