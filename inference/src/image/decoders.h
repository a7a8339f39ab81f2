// The format decoders behind decode_image_memory (image.h): each turns one JPEG or PNG file,
// already in memory and already sniffed, into RGB8 exactly as Pillow's Image.open + convert("RGB").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "image/image.h"

namespace qwenvl::image_detail {

// Both check width * height against limits.max_pixels from the header, before any pixel buffer
// exists, and refuse truncated or corrupt data; every message starts with `name`.
Result<RgbImage> decode_jpeg(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
Result<RgbImage> decode_png(std::string_view bytes, const std::string& name, const DecodeLimits& limits);

// The shared refusal for headers that declare too many pixels (Pillow's DecompressionBombError).
std::string too_many_pixels(const std::string& name, uint64_t width, uint64_t height, uint64_t max_pixels);

}  // namespace qwenvl::image_detail
