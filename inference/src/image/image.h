// Image decoding (libjpeg-turbo, libpng) and the vision encoder's preprocessing, exact to
// Pillow: convert("RGB"), resize((448, 448), BICUBIC), then CLIP normalisation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/picture.h"
#include "qwenvl/status.h"

namespace qwenvl {

class ThreadPool;

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major RGB8
};

Result<RgbImage> decode_image_file(const std::string& path, const DecodeLimits& limits = {});
Result<RgbImage> decode_image_memory(std::string_view bytes, const std::string& name_for_errors,
                                     const DecodeLimits& limits = {});

// Pillow's Image.resize(size, BICUBIC) on an RGB image: separable, horizontal pass first,
// support widened when shrinking, 22-bit fixed-point coefficients, uint8 clip after each pass.
// Bit-exact for any sizes. Rows are spread over `pool` when given (the result does not depend on
// it). An empty or inconsistent input, or a size <= 0, gives an empty image (width 0).
RgbImage resize_bicubic(const RgbImage& in, int out_width, int out_height, ThreadPool* pool = nullptr);

inline constexpr int kVisionImageSize = 448;
// ToTensor + Normalize(CLIP mean, std): writes [3][h][w] floats (channel-major).
void normalize_clip(const RgbImage& img, float* out_chw);

}  // namespace qwenvl
