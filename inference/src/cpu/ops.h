// Element-wise and row-wise fp32 operations of the reference model: LayerNorm, RMSNorm, GELU,
// SiLU, softmax, rotary embedding. Reductions accumulate in double, so the CPU backend sits as
// close to exact arithmetic as fp32 storage allows.
#pragma once

#include <cstdint>
#include <vector>

#include "model/safetensors.h"

namespace qwenvl::cpu {

std::vector<float> to_f32(const TensorView* t);

// y = (x - mean) / sqrt(var + eps) * w + b over rows of width n (biased variance).
void layer_norm(const float* x, int rows, int n, const float* w, const float* b, double eps, float* y);
// y = x * rsqrt(mean(x^2) + eps) * w  (Qwen's RMSNorm).
void rms_norm(const float* x, int rows, int n, const float* w, double eps, float* y);
void gelu_erf_inplace(float* x, size_t n);
// a[i] = a[i] * silu(gate[i]).
void mul_silu_inplace(float* a, const float* gate, size_t n);
// In-place softmax of one row.
void softmax_inplace(float* x, int n);

// Qwen's rotary embedding (rotate-half, fp32 tables): for head_dim d and absolute position p,
// angle_i = float(p) * inv_freq_i with inv_freq_i from model/rotary.h (fp32).
struct Rotary {
  int dim = 0;
  std::vector<float> inv_freq;  // d / 2
  Rotary(int head_dim, double base);
  // Rotates one head vector x[d] in place for position p.
  void apply(float* x, int64_t p) const;
};

}  // namespace qwenvl::cpu
