// The vision encoder's input tensor: torchvision ToTensor (uint8 / 255 in float32, HWC -> CHW)
// followed by Normalize with the CLIP mean and std (subtract, then divide, both in float32).
#include <array>

#include "image/image.h"

namespace qwenvl {

namespace {

// The constants as torchvision holds them: Python doubles cast to a float32 tensor.
constexpr float kMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
constexpr float kStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

// Every uint8 value maps to one float per channel; the table evaluates exactly the float32
// operations torch performs, in the same order, so it is bit-identical to computing per pixel.
struct Table {
  std::array<std::array<float, 256>, 3> v;
  Table() {
    for (int c = 0; c < 3; ++c) {
      for (int i = 0; i < 256; ++i) {
        const float scaled = static_cast<float>(i) / 255.0f;
        const float centred = scaled - kMean[c];
        v[c][i] = centred / kStd[c];
      }
    }
  }
};

}  // namespace

void normalize_clip(const RgbImage& img, float* out_chw) {
  static const Table table;
  const size_t plane = static_cast<size_t>(img.width) * img.height;
  const uint8_t* p = img.pixels.data();
  float* r = out_chw;
  float* g = out_chw + plane;
  float* b = out_chw + 2 * plane;
  for (size_t i = 0; i < plane; ++i, p += 3) {
    r[i] = table.v[0][p[0]];
    g[i] = table.v[1][p[1]];
    b[i] = table.v[2][p[2]];
  }
}

}  // namespace qwenvl
