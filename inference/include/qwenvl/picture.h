// Pictures as the model sees them: decoded exactly as the official pipeline's
// Image.open(f).convert("RGB") (no EXIF rotation, alpha dropped), kept at full size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl {

struct Picture {
  std::string label;  // the text between <img> and </img> in the prompt (<= 255 bytes)
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3 bytes, row-major RGB
};

struct DecodeLimits {
  // Pillow refuses images over 2 x MAX_IMAGE_PIXELS (89,478,485) as decompression bombs.
  uint64_t max_pixels = 178956970;
  uint64_t max_file_bytes = 512ull << 20;
};

// JPEG, PNG, GIF (first frame), BMP, WebP or TIFF, decoded as Pillow's convert("RGB") (no EXIF
// rotation). A truncated, corrupt or non-image file, or
// one over the limits, gives an error naming the file. The label defaults to the path.
Result<Picture> load_picture(const std::string& path, const DecodeLimits& limits = {});
Result<Picture> load_picture_from_memory(std::string_view bytes, const std::string& label,
                                         const DecodeLimits& limits = {});

}  // namespace qwenvl
