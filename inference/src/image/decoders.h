// The format decoders behind decode_image_memory (image.h): each turns one JPEG, PNG, GIF, BMP,
// WebP or TIFF file, already in memory and already sniffed, into RGB8 exactly as Pillow's
// Image.open + convert("RGB") (EXIF orientation is not applied, as Pillow does not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "image/image.h"

namespace qwenvl::image_detail {

// Each checks width * height against limits.max_pixels from the header, before any pixel buffer
// exists, and refuse truncated or corrupt data; every message starts with `name`.
Result<RgbImage> decode_jpeg(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
Result<RgbImage> decode_png(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
// GIF: the first frame only (decode_gif.cpp). BMP: written here (decode_bmp.cpp).
Result<RgbImage> decode_gif(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
Result<RgbImage> decode_bmp(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
// WebP (libwebp's animation decoder, first frame) and TIFF (libtiff, first image).
Result<RgbImage> decode_webp(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
Result<RgbImage> decode_tiff(std::string_view bytes, const std::string& name, const DecodeLimits& limits);

// The format the first bytes announce, as decode_image_memory sniffs it (never the extension).
enum class ImageFormat { Unknown, Png, Jpeg, Gif, Bmp, Webp, Tiff };
ImageFormat sniff_format(std::string_view bytes);

// The shared refusal for headers that declare too many pixels (Pillow's DecompressionBombError).
std::string too_many_pixels(const std::string& name, uint64_t width, uint64_t height, uint64_t max_pixels);

}  // namespace qwenvl::image_detail
