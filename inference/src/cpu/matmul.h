// y = x W^T (+ b) in fp32 for the CPU backend, over weights in their stored formats (fp16
// rows, fp16 columns, GPTQ int4): blocks of W are widened/dequantised into fp32 as they are
// used, so a 10 GB checkpoint never becomes 40 GB of floats. Every dot product is summed in
// the same order whatever M and the tiling, so results do not depend on batch size.
#pragma once

#include <cstdint>

#include "model/weights.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

struct WeightRef {
  enum class Kind { F16Rows, F16Cols, F32Rows, Gptq };
  Kind kind = Kind::F32Rows;
  int N = 0;                      // outputs
  int K = 0;                      // inputs
  const uint16_t* f16 = nullptr;  // F16Rows: [N][K]; F16Cols: [K][N] (x @ W)
  const float* f32 = nullptr;     // F32Rows: [N][K]
  const GptqLinear* gptq = nullptr;

  // nn.Linear weight [N, K] fp16; a conv weight [N, C, P, P] is [N, C*P*P].
  static WeightRef f16_rows(const TensorView* t);
  // A matrix [K, N] fp16 used as x @ W (the visual proj).
  static WeightRef f16_cols(const TensorView* t);
  static WeightRef f32_rows(const float* w, int n, int k);
  static WeightRef from_gptq(const GptqLinear& l);

  // Writes rows [n0, n1) of W as fp32 into out[(n - n0) * K + k].
  void rows_to_f32(int n0, int n1, float* out) const;
};

// y[m][n] = sum_k x[m][k] * W[n][k] (+ bias[n]); x [M][K], y [M][N] (row stride ldy, default N).
void linear(ThreadPool& pool, const float* x, int M, const WeightRef& w, const float* bias, float* y, int ldy = 0);

// The dot product all of the above uses (same summation order), for attention.
float dot(const float* a, const float* b, int n);

}  // namespace qwenvl::cpu
