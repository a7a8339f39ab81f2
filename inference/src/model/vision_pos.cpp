#include "model/vision_pos.h"

#include <algorithm>
#include <cmath>

#include "util/half.h"

namespace qwenvl {

namespace {

constexpr float kA = -0.75f;
inline float cc1(float x) { return ((kA + 2) * x - (kA + 3)) * x * x + 1; }
inline float cc2(float x) { return ((kA * x - 5 * kA) * x + 8 * kA) * x - 4 * kA; }

void coefficients(float t, float c[4]) {
  c[0] = cc2(t + 1.0f);
  c[1] = cc1(t);
  const float t2 = 1.0f - t;
  c[2] = cc1(t2);
  c[3] = cc2(t2 + 1.0f);
}

}  // namespace

std::vector<float> interpolate_pos_bicubic(const std::vector<float>& src, int S, int T, int C) {
  if (S == T) return src;
  std::vector<float> out(size_t(T) * T * C);
  const float scale = static_cast<float>(S) / static_cast<float>(T);
  auto at = [&](int y, int x, int c) {
    y = std::clamp(y, 0, S - 1);
    x = std::clamp(x, 0, S - 1);
    return src[(size_t(y) * S + x) * C + c];
  };
  for (int oy = 0; oy < T; ++oy) {
    const float ry = scale * (static_cast<float>(oy) + 0.5f) - 0.5f;
    const int iy = static_cast<int>(std::floor(ry));
    float cy[4];
    coefficients(ry - static_cast<float>(iy), cy);
    for (int ox = 0; ox < T; ++ox) {
      const float rx = scale * (static_cast<float>(ox) + 0.5f) - 0.5f;
      const int ix = static_cast<int>(std::floor(rx));
      float cx[4];
      coefficients(rx - static_cast<float>(ix), cx);
      float* o = &out[(size_t(oy) * T + ox) * C];
      for (int c = 0; c < C; ++c) {
        float rows[4];
        for (int k = 0; k < 4; ++k) {
          const int y = iy - 1 + k;
          rows[k] =
              at(y, ix - 1, c) * cx[0] + at(y, ix, c) * cx[1] + at(y, ix + 1, c) * cx[2] + at(y, ix + 2, c) * cx[3];
        }
        o[c] = rows[0] * cy[0] + rows[1] * cy[1] + rows[2] * cy[2] + rows[3] * cy[3];
      }
    }
  }
  return out;
}

std::vector<float> abs_pos_table(const TensorView* table, int T) {
  const int L = static_cast<int>(table->shape[0]);
  const int C = static_cast<int>(table->shape[1]);
  const int S = static_cast<int>(std::lround(std::sqrt(static_cast<double>(L))));
  std::vector<float> src(size_t(L) * C);
  const uint16_t* h = table->as<uint16_t>();
  for (size_t i = 0; i < src.size(); ++i) src[i] = half_to_float(h[i]);
  return interpolate_pos_bicubic(src, S, T, C);
}

}  // namespace qwenvl
