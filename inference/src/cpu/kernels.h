// The fast CPU kernels: an int4 GEMV over GPTQ weights repacked at load into blocks of 16
// output columns, an fp16 GEMV, and the dequantise-a-tile step that feeds the GEMM library for
// prefill. Each has a portable version and AVX2/FMA/F16C and AVX-512 versions (target
// attributes, so the library itself needs no -mavx flags); the one used is chosen at run time.
// Activations and sums are fp32; every int4 weight is the official fp16(scale * (q - zero)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "model/weights.h"

namespace qwenvl::cpu {

enum class Isa { Generic, Avx2, Avx512 };

const char* isa_name(Isa isa);
// Whether this CPU can run `isa` (Generic always).
bool isa_supported(Isa isa);
// The best this CPU supports, lowered by QWENVL_CPU_ISA=generic|avx2 when that is set.
Isa default_isa();

// GPTQ int4 weights in blocks of 16 output columns; each block is one contiguous stream over K:
// per group a 64-byte header (16 fp16 scales, 16 zero points with AutoGPTQ's +1, padding)
// followed by each column's G/8 GPTQ words in turn (so a column's weights run along k: byte i
// of its segment holds k = 2i in the low nibble and 2i + 1 in the high one).
class PackedInt4 {
 public:
  static constexpr int kCols = 16;
  PackedInt4() = default;
  explicit PackedInt4(const GptqLinear& l);

  int N = 0, K = 0, G = 0, blocks = 0;
  size_t group_bytes = 0, block_bytes = 0;
  const uint8_t* block(int b) const { return data_.get() + size_t(b) * block_bytes; }
  size_t bytes() const { return size_t(blocks) * block_bytes; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
};

// y[n] = sum_k x[k] W[n][k] (+ bias[n]) for the columns of blocks [b0, b1); y has N entries.
void gemv_int4(Isa isa, const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1);
// Writes rows n of W for the columns of blocks [b0, b1) as fp32: out[(n - 16 * b0) * ld + k].
void dequant_int4(Isa isa, const PackedInt4& w, int b0, int b1, float* out, int ld);
// y[n] = sum_k x[k] W[n][k] (+ bias[n]) for rows n in [n0, n1) of fp16 W [N][K].
void gemv_f16(Isa isa, const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1);

// The fast path's elementwise steps (vecmath_x86.cpp). Generic runs the reference path's
// double-precision formulas (ops.h); AVX2 and AVX-512 compute in fp32 with a vector exp and,
// for GELU, an erf accurate to 1.5e-7.
void gelu_erf(Isa isa, float* x, size_t n);
// ops.h's layer_norm (sums in double); AVX-512 sums in 16 partial sums (a different order, still
// in double).
void layer_norm_rows(Isa isa, const float* x, int rows, int n, const float* w, const float* b, double eps, float* y);
void mul_silu(Isa isa, float* a, const float* gate, size_t n);  // a *= silu(gate)
void softmax(Isa isa, float* x, int n);
// One query row of attention: out[d] = sum_j softmax_j(scale * q.k_j) v_j[d] over j < n_keys,
// key and value j at k + j * ld and v + j * ld; scores: n_keys floats of scratch.
void attend_row(Isa isa, const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                float* scores, float* out);

namespace detail {
// The per-ISA entry points (kernels_x86.cpp); callers go through the functions above.
void gemv_int4_avx2(const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1);
void gemv_int4_avx512(const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1);
void dequant_int4_avx2(const PackedInt4& w, int b0, int b1, float* out, int ld);
void dequant_int4_avx512(const PackedInt4& w, int b0, int b1, float* out, int ld);
void gemv_f16_avx2(const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1);
void gemv_f16_avx512(const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1);
void gelu_erf_avx2(float* x, size_t n);
void gelu_erf_avx512(float* x, size_t n);
void layer_norm_avx512(const float* x, int rows, int n, const float* w, const float* b, double eps, float* y);
void mul_silu_avx2(float* a, const float* g, size_t n);
void mul_silu_avx512(float* a, const float* g, size_t n);
void softmax_avx2(float* x, int n);
void softmax_avx512(float* x, int n);
void attend_avx2(const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                 float* scores, float* out);
void attend_avx512(const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                   float* scores, float* out);
}  // namespace detail

}  // namespace qwenvl::cpu
