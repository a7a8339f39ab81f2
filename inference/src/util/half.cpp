// Bulk fp16 widening with the F16C instruction where available.
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

// F16C is read from CPUID leaf 1 because clang before 16 rejects "f16c" in
// __builtin_cpu_supports; "avx" there also checks that the OS saves the YMM registers.
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

using WidenFn = void (*)(const uint16_t*, float*, size_t);
WidenFn pick() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") && cpu_has_f16c() ? widen_f16c : widen_plain;
}
const WidenFn kWiden = pick();

}  // namespace

void half_to_float_n(const uint16_t* in, float* out, size_t n) { kWiden(in, out, n); }

}  // namespace qwenvl
