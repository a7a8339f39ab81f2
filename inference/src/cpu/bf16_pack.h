// bf16 packing for the bf16x3 GEMM splits (gemm_bf16.cpp, gemm_amx.cpp): a row of fp32 values
// into bf16 parts, and a block of such rows into the pair-interleaved lines of oneDNN's blocked
// weights. Round to nearest even; NaN stays NaN. AVX-512 where isa says so, else scalar.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/kernels.h"

namespace qwenvl::cpu::bf16 {

// One row of K values into 3K bf16: [hi | hi | lo] for an activation row, [hi | lo | hi] for a
// weight row (weight), so that the 3K-long dot product is hi.hi + hi.lo + lo.hi.
void split_row(Isa isa, const float* src, int K, bool weight, uint16_t* out);
// The same split into two rows of K: hi = bf16(x), lo = bf16(x - hi); and hi once more into copy
// unless it is null (the AMX packing needs only hi and lo).
void split_hi_lo(Isa isa, const float* src, int K, uint16_t* hi, uint16_t* lo, uint16_t* copy = nullptr);

// Pairs (k, k + 1) of 16 rows of bf16 (src, ld apart) as lines of 16 pairs (one per row), the
// line of pair k at line0 + fk[k], for every even k < kl: the 64-byte lines of a blocked layout
// that keeps K in pairs and 16 columns side by side (BlockedLayout::pairs16, gemm_bf16.cpp).
void pairs_to_lines(Isa isa, const uint16_t* src, size_t ld, int kl, const int64_t* fk, uint16_t* line0);

}  // namespace qwenvl::cpu::bf16
