// UTF-8 helpers: code point iteration, encoding, and decoding with replacement exactly as
// Python's bytes.decode("utf-8", errors="replace") does (one U+FFFD per maximal invalid
// subpart), which is how the official tokenizer turns token bytes into text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qwenvl {

// Appends the UTF-8 encoding of code point `cp` to `out`.
void utf8_append(std::string& out, char32_t cp);
// Decodes valid UTF-8 into code points; invalid sequences become U+FFFD (Python rules).
std::u32string utf8_to_u32(std::string_view s);
std::string u32_to_utf8(std::u32string_view s);
// Python-compatible decode with errors="replace".
std::string utf8_decode_replace(std::string_view bytes);
// Length of the longest prefix of `bytes` that does not end inside a sequence that could still
// become valid with more bytes. Streaming decoders hold back the rest until more arrives.
size_t utf8_stable_prefix(std::string_view bytes);

}  // namespace qwenvl
