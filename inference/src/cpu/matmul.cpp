// Blocked fp32 matmul over widened weight blocks. The inner kernel uses GCC vector extensions
// (8 lanes) compiled for AVX2 and for baseline x86-64, picked at run time; both sum in the same
// order, so results are identical across machines.
#include "cpu/matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "util/half.h"

namespace qwenvl::cpu {

namespace {

typedef float v8sf __attribute__((vector_size(32)));

constexpr int kBlockN = 16;  // weight rows widened at a time

template <int MR, int NR>
__attribute__((always_inline)) inline void micro(const float* const* xr, const float* const* wr, int K,
                                                 float out[MR][NR]) {
  v8sf acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = v8sf{0, 0, 0, 0, 0, 0, 0, 0};
  const int K8 = K & ~7;
  for (int k = 0; k < K8; k += 8) {
    v8sf a[MR], b[NR];
    for (int i = 0; i < MR; ++i) std::memcpy(&a[i], xr[i] + k, 32);
    for (int j = 0; j < NR; ++j) std::memcpy(&b[j], wr[j] + k, 32);
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      const v8sf& v = acc[i][j];
      float s = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
      for (int k = K8; k < K; ++k) s += xr[i][k] * wr[j][k];
      out[i][j] = s;
    }
}

// y[m][n0 + j] for all m and the nb widened rows in wb.
template <int Dummy>
__attribute__((always_inline)) inline void block_kernel(const float* x, int M, int K, const float* wb, int nb,
                                                        const float* bias, int n0, float* y, int ldy) {
  int m = 0;
  for (; m + 2 <= M; m += 2) {
    const float* xr[2] = {x + size_t(m) * K, x + size_t(m + 1) * K};
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
      const float* wr[4] = {wb + size_t(j) * K, wb + size_t(j + 1) * K, wb + size_t(j + 2) * K, wb + size_t(j + 3) * K};
      float o[2][4];
      micro<2, 4>(xr, wr, K, o);
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 4; ++b) y[size_t(m + a) * ldy + n0 + j + b] = o[a][b] + (bias ? bias[n0 + j + b] : 0.0f);
    }
    for (; j < nb; ++j) {
      const float* wr[1] = {wb + size_t(j) * K};
      float o[2][1];
      micro<2, 1>(xr, wr, K, o);
      for (int a = 0; a < 2; ++a) y[size_t(m + a) * ldy + n0 + j] = o[a][0] + (bias ? bias[n0 + j] : 0.0f);
    }
  }
  for (; m < M; ++m) {
    const float* xr[1] = {x + size_t(m) * K};
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
      const float* wr[4] = {wb + size_t(j) * K, wb + size_t(j + 1) * K, wb + size_t(j + 2) * K, wb + size_t(j + 3) * K};
      float o[1][4];
      micro<1, 4>(xr, wr, K, o);
      for (int b = 0; b < 4; ++b) y[size_t(m) * ldy + n0 + j + b] = o[0][b] + (bias ? bias[n0 + j + b] : 0.0f);
    }
    for (; j < nb; ++j) {
      const float* wr[1] = {wb + size_t(j) * K};
      float o[1][1];
      micro<1, 1>(xr, wr, K, o);
      y[size_t(m) * ldy + n0 + j] = o[0][0] + (bias ? bias[n0 + j] : 0.0f);
    }
  }
}

__attribute__((target("avx2"))) void block_kernel_avx2(const float* x, int M, int K, const float* wb, int nb,
                                                       const float* bias, int n0, float* y, int ldy) {
  block_kernel<1>(x, M, K, wb, nb, bias, n0, y, ldy);
}

void block_kernel_base(const float* x, int M, int K, const float* wb, int nb, const float* bias, int n0, float* y,
                       int ldy) {
  block_kernel<0>(x, M, K, wb, nb, bias, n0, y, ldy);
}

using BlockFn = void (*)(const float*, int, int, const float*, int, const float*, int, float*, int);
BlockFn pick_kernel() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? block_kernel_avx2 : block_kernel_base;
}
const BlockFn kBlock = pick_kernel();

__attribute__((target("avx2"))) float dot_avx2(const float* a, const float* b, int n) {
  const float* xr[1] = {a};
  const float* wr[1] = {b};
  float o[1][1];
  micro<1, 1>(xr, wr, n, o);
  return o[0][0];
}
float dot_base(const float* a, const float* b, int n) {
  const float* xr[1] = {a};
  const float* wr[1] = {b};
  float o[1][1];
  micro<1, 1>(xr, wr, n, o);
  return o[0][0];
}
using DotFn = float (*)(const float*, const float*, int);
const DotFn kDot = __builtin_cpu_supports("avx2") ? dot_avx2 : dot_base;

}  // namespace

float dot(const float* a, const float* b, int n) { return kDot(a, b, n); }

WeightRef WeightRef::f16_rows(const TensorView* t) {
  WeightRef w;
  w.kind = Kind::F16Rows;
  w.N = static_cast<int>(t->shape[0]);
  w.K = static_cast<int>(t->numel() / t->shape[0]);
  w.f16 = t->as<uint16_t>();
  return w;
}

WeightRef WeightRef::f16_cols(const TensorView* t) {
  WeightRef w;
  w.kind = Kind::F16Cols;
  w.K = static_cast<int>(t->shape[0]);
  w.N = static_cast<int>(t->shape[1]);
  w.f16 = t->as<uint16_t>();
  return w;
}

WeightRef WeightRef::f32_rows(const float* p, int n, int k) {
  WeightRef w;
  w.kind = Kind::F32Rows;
  w.N = n;
  w.K = k;
  w.f32 = p;
  return w;
}

WeightRef WeightRef::from_gptq(const GptqLinear& l) {
  WeightRef w;
  w.kind = Kind::Gptq;
  w.N = l.out_features;
  w.K = l.in_features;
  w.gptq = &l;
  return w;
}

void WeightRef::rows_to_f32(int n0, int n1, float* out) const {
  switch (kind) {
    case Kind::F16Rows:
      half_to_float_n(f16 + size_t(n0) * K, out, size_t(n1 - n0) * K);
      break;
    case Kind::F16Cols:
      for (int n = n0; n < n1; ++n)
        for (int k = 0; k < K; ++k) out[size_t(n - n0) * K + k] = half_to_float(f16[size_t(k) * N + n]);
      break;
    case Kind::F32Rows:
      std::memcpy(out, f32 + size_t(n0) * K, sizeof(float) * size_t(n1 - n0) * K);
      break;
    case Kind::Gptq:
      gptq->dequantize_rows(n0, n1, out);
      break;
  }
}

void linear(ThreadPool& pool, const float* x, int M, const WeightRef& w, const float* bias, float* y, int ldy) {
  if (ldy == 0) ldy = w.N;
  const int n_blocks = (w.N + kBlockN - 1) / kBlockN;
  pool.parallel_for(static_cast<size_t>(n_blocks), 1, [&](size_t b0, size_t b1) {
    std::vector<float> wb(size_t(kBlockN) * w.K);
    for (size_t b = b0; b < b1; ++b) {
      const int n0 = static_cast<int>(b) * kBlockN;
      const int nb = std::min(kBlockN, w.N - n0);
      w.rows_to_f32(n0, n0 + nb, wb.data());
      kBlock(x, M, w.K, wb.data(), nb, bias, n0, y, ldy);
    }
  });
}

}  // namespace qwenvl::cpu
