// Reference dequantisation of AutoGPTQ v1 int4 layers (the "+1" on the stored zero point).
// The official kernels form scale * (q - zero) in fp16, so the weight is that product rounded
// to fp16; the goldens confirm it (exact fp32 products put the tiny model's logits 2.5e-4 away
// from the official fp32 run, fp16-rounded ones 4e-7). Backends' fused kernels must match.
#include <cstring>

#include "model/weights.h"
#include "util/half.h"

namespace qwenvl {

namespace {
inline uint32_t word(const TensorView* t, size_t index) {
  uint32_t w;
  std::memcpy(&w, t->data + index * 4, 4);
  return w;
}
}  // namespace

int GptqLinear::q(int k, int n) const {
  uint32_t w = word(qweight, static_cast<size_t>(k >> 3) * out_features + n);
  return static_cast<int>((w >> (4 * (k & 7))) & 15u);
}

int GptqLinear::zero(int g, int n) const {
  uint32_t w = word(qzeros, static_cast<size_t>(g) * (out_features / 8) + (n >> 3));
  return static_cast<int>((w >> (4 * (n & 7))) & 15u) + 1;
}

float GptqLinear::scale(int g, int n) const {
  uint16_t h;
  std::memcpy(&h, scales->data + (static_cast<size_t>(g) * out_features + n) * 2, 2);
  return half_to_float(h);
}

namespace {
inline float fp16_product(float scale, int q_minus_zero) {
  return half_to_float(float_to_half(scale * static_cast<float>(q_minus_zero)));
}
}  // namespace

float GptqLinear::weight(int n, int k) const {
  int g = k / group_size;
  return fp16_product(scale(g, n), q(k, n) - zero(g, n));
}

void GptqLinear::dequantize_rows(int n0, int n1, float* out) const {
  const int K = in_features, N = out_features, G = group_size;
  const uint32_t* qw = reinterpret_cast<const uint32_t*>(qweight->data);
  const uint32_t* qz = reinterpret_cast<const uint32_t*>(qzeros->data);
  const uint16_t* sc = reinterpret_cast<const uint16_t*>(scales->data);
  float table[16];  // the 16 possible weights of one (group, column): fp16(s * (q - z))
  for (int n = n0; n < n1; ++n) {
    float* row = out + static_cast<size_t>(n - n0) * K;
    for (int g = 0; g < K / G; ++g) {
      const float s = half_to_float(sc[static_cast<size_t>(g) * N + n]);
      const int z = static_cast<int>((qz[static_cast<size_t>(g) * (N / 8) + (n >> 3)] >> (4 * (n & 7))) & 15u) + 1;
      for (int q = 0; q < 16; ++q) table[q] = fp16_product(s, q - z);
      for (int k = g * G; k < (g + 1) * G; k += 8) {
        uint32_t w = qw[static_cast<size_t>(k >> 3) * N + n];
        for (int j = 0; j < 8; ++j) row[k + j] = table[(w >> (4 * j)) & 15u];
      }
    }
  }
}

}  // namespace qwenvl
