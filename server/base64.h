// Base64 (RFC 4648, standard alphabet) decoding for data: URLs, and encoding for the tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qwenvl::server {

// The decoded bytes, or nullopt for anything that is not canonical-enough base64: characters
// outside the alphabet (ASCII whitespace is skipped), a length that is not a whole number of
// quads after padding, padding anywhere but the end.
std::optional<std::string> base64_decode(std::string_view text);
// Bytes base64_decode would give at most, without decoding: for size limits before the work.
size_t base64_decoded_size_bound(size_t encoded_length);
std::string base64_encode(std::string_view bytes);

}  // namespace qwenvl::server
