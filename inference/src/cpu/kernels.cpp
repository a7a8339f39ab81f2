// Packing of GPTQ weights, the portable kernels, and the choice of ISA (kernels.h).
#include "cpu/kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "util/half.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace qwenvl::cpu {

namespace {

inline float fp16_product(float scale, int q_minus_zero) {
  return half_to_float(float_to_half(scale * static_cast<float>(q_minus_zero)));
}

// The 16 weights a (group, column) can take: fp16(s * (q - z)), as model/gptq.cpp forms them.
inline void group_table(const uint8_t* header, int j, float table[16]) {
  uint16_t h;
  std::memcpy(&h, header + 2 * j, 2);
  const float s = half_to_float(h);
  const int z = header[32 + j];
  for (int q = 0; q < 16; ++q) table[q] = fp16_product(s, q - z);
}

void gemv_int4_generic(const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1) {
  const int rows = w.G / 8, groups = w.K / w.G;
  float table[16];
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    const int nc = std::min(PackedInt4::kCols, w.N - b * PackedInt4::kCols);
    for (int j = 0; j < nc; ++j) {
      float acc = 0;
      for (int g = 0; g < groups; ++g) {
        const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
        group_table(hdr, j, table);
        const float* xg = x + size_t(g) * w.G;
        for (int r = 0; r < rows; ++r) {
          uint32_t word;
          std::memcpy(&word, hdr + 64 + size_t(j) * (w.G / 2) + 4 * r, 4);
          for (int i = 0; i < 8; ++i) acc += xg[r * 8 + i] * table[(word >> (4 * i)) & 15u];
        }
      }
      const int n = b * PackedInt4::kCols + j;
      y[n] = acc + (bias ? bias[n] : 0.0f);
    }
  }
}

void dequant_int4_generic(const PackedInt4& w, int b0, int b1, float* out, int ld) {
  const int rows = w.G / 8, groups = w.K / w.G;
  float table[16];
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    for (int j = 0; j < PackedInt4::kCols; ++j)
      for (int g = 0; g < groups; ++g) {
        const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
        group_table(hdr, j, table);
        for (int r = 0; r < rows; ++r) {
          uint32_t word;
          std::memcpy(&word, hdr + 64 + size_t(j) * (w.G / 2) + 4 * r, 4);
          for (int i = 0; i < 8; ++i) {
            const size_t k = size_t(g) * w.G + r * 8 + i;
            out[(size_t(b - b0) * PackedInt4::kCols + j) * ld + k] = table[(word >> (4 * i)) & 15u];
          }
        }
      }
  }
}

void gemv_f16_generic(const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1) {
  for (int n = n0; n < n1; ++n) {
    const uint16_t* row = w + size_t(n) * K;
    float acc = 0;
    for (int k = 0; k < K; ++k) acc += x[k] * half_to_float(row[k]);
    y[n] = acc + (bias ? bias[n] : 0.0f);
  }
}

}  // namespace

void PackedInt4::Free::operator()(uint8_t* p) const { std::free(p); }

PackedInt4::PackedInt4(const GptqLinear& l) : N(l.out_features), K(l.in_features), G(l.group_size) {
  blocks = (N + kCols - 1) / kCols;
  group_bytes = 64 + size_t(G) * 8;
  block_bytes = group_bytes * size_t(K / G);
  const size_t total = size_t(blocks) * block_bytes;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (total + 63) / 64 * 64)));
  if (!data_) throw std::bad_alloc();
  const uint32_t* qw = reinterpret_cast<const uint32_t*>(l.qweight->data);
  const uint32_t* qz = reinterpret_cast<const uint32_t*>(l.qzeros->data);
  const uint16_t* sc = reinterpret_cast<const uint16_t*>(l.scales->data);
  const int rows = G / 8;
  for (int b = 0; b < blocks; ++b)
    for (int g = 0; g < K / G; ++g) {
      uint8_t* hdr = data_.get() + size_t(b) * block_bytes + size_t(g) * group_bytes;
      std::memset(hdr, 0, 64);
      uint32_t* words = reinterpret_cast<uint32_t*>(hdr + 64);
      for (int j = 0; j < kCols; ++j) {
        const int n = b * kCols + j;
        if (n >= N) {  // padding: scale 0, so every weight is 0
          hdr[32 + j] = 1;
          for (int r = 0; r < rows; ++r) words[j * rows + r] = 0;
          continue;
        }
        std::memcpy(hdr + 2 * j, &sc[size_t(g) * N + n], 2);
        hdr[32 + j] = static_cast<uint8_t>(((qz[size_t(g) * (N / 8) + (n >> 3)] >> (4 * (n & 7))) & 15u) + 1);
        for (int r = 0; r < rows; ++r) words[j * rows + r] = qw[(size_t(g) * rows + r) * N + n];
      }
    }
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512:
      return "avx512";
    case Isa::Avx2:
      return "avx2";
    case Isa::Generic:
      break;
  }
  return "generic";
}

#if defined(__x86_64__)
namespace {
// clang 14's __builtin_cpu_supports does not know "f16c": CPUID leaf 1, ECX bit 29 (the OS
// support for the AVX state is what the "avx2" check already covers).
bool has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}
}  // namespace
#endif

bool isa_supported(Isa isa) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             has_f16c();
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
    case Isa::Generic:
      break;
  }
  return true;
#else
  return isa == Isa::Generic;
#endif
}

Isa default_isa() {
  Isa best = isa_supported(Isa::Avx512) ? Isa::Avx512 : isa_supported(Isa::Avx2) ? Isa::Avx2 : Isa::Generic;
  if (const char* env = std::getenv("QWENVL_CPU_ISA"); env && *env) {
    const std::string want(env);
    if (want == "generic") best = Isa::Generic;
    if (want == "avx2" && best == Isa::Avx512) best = Isa::Avx2;
  }
  return best;
}

namespace {
// The SIMD int4 kernels take 32 k (AVX-512) or 16 k (AVX2) per step of a group.
Isa int4_isa(Isa isa, const PackedInt4& w) {
  if (isa == Isa::Avx512 && w.G % 32 != 0) isa = Isa::Avx2;
  if (isa == Isa::Avx2 && w.G % 16 != 0) isa = Isa::Generic;
  return isa;
}
}  // namespace

void gemv_int4(Isa isa, const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1) {
  switch (int4_isa(isa, w)) {
    case Isa::Avx512:
      return detail::gemv_int4_avx512(w, x, bias, y, b0, b1);
    case Isa::Avx2:
      return detail::gemv_int4_avx2(w, x, bias, y, b0, b1);
    case Isa::Generic:
      break;
  }
  gemv_int4_generic(w, x, bias, y, b0, b1);
}

void dequant_int4(Isa isa, const PackedInt4& w, int b0, int b1, float* out, int ld) {
  switch (int4_isa(isa, w)) {
    case Isa::Avx512:
      return detail::dequant_int4_avx512(w, b0, b1, out, ld);
    case Isa::Avx2:
      return detail::dequant_int4_avx2(w, b0, b1, out, ld);
    case Isa::Generic:
      break;
  }
  dequant_int4_generic(w, b0, b1, out, ld);
}

void gemv_f16(Isa isa, const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1) {
  switch (isa) {
    case Isa::Avx512:
      return detail::gemv_f16_avx512(w, K, x, bias, y, n0, n1);
    case Isa::Avx2:
      return detail::gemv_f16_avx2(w, K, x, bias, y, n0, n1);
    case Isa::Generic:
      break;
  }
  gemv_f16_generic(w, K, x, bias, y, n0, n1);
}

void gelu_erf(Isa isa, float* x, size_t n) {
  switch (isa) {
    case Isa::Avx512:
      return detail::gelu_erf_avx512(x, n);
    case Isa::Avx2:
      return detail::gelu_erf_avx2(x, n);
    case Isa::Generic:
      break;
  }
  gelu_erf_inplace(x, n);
}

void layer_norm_rows(Isa isa, const float* x, int rows, int n, const float* w, const float* b, double eps, float* y) {
  if (isa == Isa::Avx512) return detail::layer_norm_avx512(x, rows, n, w, b, eps, y);
  layer_norm(x, rows, n, w, b, eps, y);
}

void mul_silu(Isa isa, float* a, const float* gate, size_t n) {
  switch (isa) {
    case Isa::Avx512:
      return detail::mul_silu_avx512(a, gate, n);
    case Isa::Avx2:
      return detail::mul_silu_avx2(a, gate, n);
    case Isa::Generic:
      break;
  }
  mul_silu_inplace(a, gate, n);
}

void softmax(Isa isa, float* x, int n) {
  switch (isa) {
    case Isa::Avx512:
      return detail::softmax_avx512(x, n);
    case Isa::Avx2:
      return detail::softmax_avx2(x, n);
    case Isa::Generic:
      break;
  }
  softmax_inplace(x, n);
}

void attend_row(Isa isa, const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                float* scores, float* out) {
  switch (isa) {
    case Isa::Avx512:
      return detail::attend_avx512(q, k, v, ld, n_keys, hd, scale, scores, out);
    case Isa::Avx2:
      return detail::attend_avx2(q, k, v, ld, n_keys, hd, scale, scores, out);
    case Isa::Generic:
      break;
  }
  for (int j = 0; j < n_keys; ++j) scores[j] = dot(q, k + size_t(j) * ld, hd) * scale;
  softmax_inplace(scores, n_keys);
  std::fill(out, out + hd, 0.0f);
  for (int j = 0; j < n_keys; ++j) {
    const float p = scores[j];
    const float* vr = v + size_t(j) * ld;
    for (int d = 0; d < hd; ++d) out[d] += p * vr[d];
  }
}

}  // namespace qwenvl::cpu
