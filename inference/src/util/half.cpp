// Bulk fp16 widening with the F16C instruction where available. The CPU is asked with CPUID
// directly: clang 14 rejects __builtin_cpu_supports("f16c"), and the check must build with it.
#include "util/half.h"

#include <cpuid.h>
#include <immintrin.h>

namespace qwenvl {

namespace {

__attribute__((target("avx,f16c"))) void widen_f16c(const uint16_t* in, float* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  for (; i < n; ++i) out[i] = half_to_float(in[i]);
}

void widen_plain(const uint16_t* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

// F16C and AVX in CPUID leaf 1, and the OS saving the YMM registers (OSXSAVE, then XCR0 bits 1
// and 2): without the last, AVX instructions fault even on a CPU that has them.
bool has_avx_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
  if (!osxsave || !avx || !f16c) return false;
  unsigned lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6u) == 6u;
}

using WidenFn = void (*)(const uint16_t*, float*, size_t);
WidenFn pick() { return has_avx_f16c() ? widen_f16c : widen_plain; }
const WidenFn kWiden = pick();

}  // namespace

void half_to_float_n(const uint16_t* in, float* out, size_t n) { kWiden(in, out, n); }

}  // namespace qwenvl
