// libFuzzer target: a picture file from memory through the vision preprocessing
// (load_picture_from_memory, the 448x448 bicubic resize, CLIP normalisation), plus a resize to
// a size taken from the input. Checks the sizes and that every normalised value is finite.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "image/image.h"
#include "qwenvl/picture.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_image: invariant broken: %s\n", what);
    std::abort();
  }
}

void check_resize(const qwenvl::RgbImage& in, int w, int h) {
  const qwenvl::RgbImage out = qwenvl::resize_bicubic(in, w, h);
  check(out.width == w && out.height == h, "resize gives the asked size");
  check(out.pixels.size() == static_cast<size_t>(w) * h * 3, "resize fills width x height x 3 bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Smaller than the app's limits so that one input costs milliseconds, not seconds; the limit
  // check itself is the same code.
  qwenvl::DecodeLimits limits;
  limits.max_pixels = 1u << 21;
  auto pic = qwenvl::load_picture_from_memory(bytes, "fuzz", limits);
  if (!pic.ok()) {
    check(!pic.message().empty(), "an error has a message");
    return 0;
  }
  check(pic->width > 0 && pic->height > 0, "a decoded picture is not empty");
  check(pic->rgb.size() == static_cast<size_t>(pic->width) * pic->height * 3, "decode fills W x H x 3 bytes");
  check(static_cast<uint64_t>(pic->width) * pic->height <= limits.max_pixels, "the pixel limit holds");

  qwenvl::RgbImage img{pic->width, pic->height, std::move(pic->rgb)};
  const qwenvl::RgbImage vis = qwenvl::resize_bicubic(img, qwenvl::kVisionImageSize, qwenvl::kVisionImageSize);
  check(vis.width == qwenvl::kVisionImageSize && vis.height == qwenvl::kVisionImageSize, "448 x 448 after resize");
  std::vector<float> chw(static_cast<size_t>(3) * vis.width * vis.height);
  qwenvl::normalize_clip(vis, chw.data());
  for (float v : chw) check(std::isfinite(v) && std::fabs(v) < 3.0f, "normalised values are finite, |v| < 3");

  // Another output size, from the last input bytes: enlarging and shrinking by odd factors.
  const int w = 1 + (size >= 1 ? data[size - 1] : 0) * 2;
  const int h = 1 + (size >= 2 ? data[size - 2] : 0) * 2;
  check_resize(img, w, h);
  return 0;
}
