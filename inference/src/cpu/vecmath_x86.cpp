// AVX2/FMA and AVX-512 versions of the fast path's elementwise steps (kernels.h): exact-erf
// GELU, SiLU gating, the softmax and one query row's attention. They share one exp: 2^n * p(r)
// with n = round(x log2 e), r = x - n ln 2 (ln 2 in two parts) and p the degree-7 Taylor
// polynomial of e^r, |r| <= ln2/2 (truncation below 2e-9 relative; a few ulp in all).
// erf(x) for x >= 0 is 1 - t P(t) e^(-x^2), t = 1/(1 + 0.3275911 x) (Abramowitz and Stegun
// 7.1.26, absolute error below 1.5e-7), odd for x < 0; GELU's 1 + erf(x / sqrt 2) is then
// formed without cancellation on either side. Compiled like kernels_x86.cpp: target
// attributes only, called where isa_supported says so.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"
#include "cpu/simd_x86.h"

namespace qwenvl::cpu::detail {

namespace {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f;  // 12 significant bits: n * kLn2Hi is exact
constexpr float kLn2Lo = 1.428606765330187045e-06f;
constexpr float kExpMin = -87.0f, kExpMax = 88.0f;
// 1/k! for k = 7..0 (Horner order).
constexpr float kC7 = 1.0f / 5040, kC6 = 1.0f / 720, kC5 = 1.0f / 120, kC4 = 1.0f / 24, kC3 = 1.0f / 6, kC2 = 0.5f;
// Abramowitz and Stegun 7.1.26.
constexpr float kP = 0.3275911f, kA1 = 0.254829592f, kA2 = -0.284496736f, kA3 = 1.421413741f, kA4 = -1.453152027f,
                kA5 = 1.061405429f;
constexpr float kInvSqrt2 = 0.70710678118654752f;

// ---- AVX-512 ----

QV_AVX512 inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kExpMin)), _mm512_set1_ps(kExpMax));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kC7);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC5));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

QV_AVX512 inline __m512 gelu512(__m512 x) {
  const __m512 z = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(kInvSqrt2));  // |x| / sqrt 2
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(z, _mm512_set1_ps(kP), _mm512_set1_ps(1.0f)));
  __m512 poly = _mm512_set1_ps(kA5);
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA4));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA3));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA2));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA1));
  poly = _mm512_mul_ps(poly, t);
  const __m512 tail = _mm512_mul_ps(poly, exp512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z)));  // erfc(z)
  // x >= 0: 1 + erf = 2 - erfc; x < 0: 1 + erf = erfc.
  const __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512 one_plus = _mm512_mask_blend_ps(neg, _mm512_sub_ps(_mm512_set1_ps(2.0f), tail), tail);
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), one_plus);
}

// ---- AVX2 ----

QV_AVX2 inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpMin)), _mm256_set1_ps(kExpMax));
  const __m256 n =
      _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kC7);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC5));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^n: n in [-126, 127] after the clamp, placed in the exponent field.
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

QV_AVX2 inline __m256 gelu256(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign, x), _mm256_set1_ps(kInvSqrt2));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(z, _mm256_set1_ps(kP), _mm256_set1_ps(1.0f)));
  __m256 poly = _mm256_set1_ps(kA5);
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kA4));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kA3));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kA2));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kA1));
  poly = _mm256_mul_ps(poly, t);
  const __m256 tail = _mm256_mul_ps(poly, exp256(_mm256_xor_ps(_mm256_mul_ps(z, z), sign)));
  const __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 one_plus = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0f), tail), tail, neg);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), one_plus);
}

// Scalar tails through the same formulas (one lane of the vector code).
float gelu_scalar(float x) {
  const float z = std::fabs(x) * kInvSqrt2;
  const float t = 1.0f / (1.0f + kP * z);
  const float poly = t * (kA1 + t * (kA2 + t * (kA3 + t * (kA4 + t * kA5))));
  const float tail = poly * std::exp(-z * z);
  return 0.5f * x * (x < 0 ? tail : 2.0f - tail);
}

}  // namespace

// ---- entry points ----

QV_AVX512 void gelu_erf_avx512(float* x, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, gelu512(_mm512_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = gelu_scalar(x[i]);
}

// Layer norm of rows of n: mean and variance summed in double in two 8-lane accumulators (two passes, as the
// reference), then y = float((x - mean) * inv) * w + b, the product and the sum each rounded.
QV_AVX512 void layer_norm_avx512(const float* x, int rows, int n, const float* w, const float* b, double eps,
                                 float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + size_t(r) * n;
    float* yr = y + size_t(r) * n;
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512 v = _mm512_loadu_ps(xr + i);
      s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    }
    double sum = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    for (; i < n; ++i) sum += xr[i];
    const double mean = sum / n;
    const __m512d mv = _mm512_set1_pd(mean);
    s0 = s1 = _mm512_setzero_pd();
    for (i = 0; i + 16 <= n; i += 16) {
      const __m512 v = _mm512_loadu_ps(xr + i);
      const __m512d d0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), mv);
      const __m512d d1 =
          _mm512_sub_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))), mv);
      s0 = _mm512_fmadd_pd(d0, d0, s0);
      s1 = _mm512_fmadd_pd(d1, d1, s1);
    }
    double var = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    for (; i < n; ++i) {
      const double d = xr[i] - mean;
      var += d * d;
    }
    var /= n;
    const double inv = 1.0 / std::sqrt(var + eps);
    const __m512d iv = _mm512_set1_pd(inv);
    for (i = 0; i + 16 <= n; i += 16) {
      const __m512 v = _mm512_loadu_ps(xr + i);
      const __m256 n0 =
          _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), mv), iv));
      const __m256 n1 = _mm512_cvtpd_ps(_mm512_mul_pd(
          _mm512_sub_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))), mv), iv));
      const __m512 nv =
          _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(n0)), _mm256_castps_pd(n1), 1));
      _mm512_storeu_ps(yr + i, _mm512_add_ps(_mm512_mul_ps(nv, _mm512_loadu_ps(w + i)), _mm512_loadu_ps(b + i)));
    }
    for (; i < n; ++i) {
      const float nv = static_cast<float>((xr[i] - mean) * inv);
      const float prod = nv * w[i];  // rounded apart from the sum, as the vector lanes
      yr[i] = prod + b[i];
    }
  }
}

QV_AVX2 void gelu_erf_avx2(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu256(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = gelu_scalar(x[i]);
}

QV_AVX512 void mul_silu_avx512(float* a, const float* g, size_t n) {
  size_t i = 0;
  const __m512 one = _mm512_set1_ps(1.0f);
  for (; i + 16 <= n; i += 16) {
    const __m512 gv = _mm512_loadu_ps(g + i);
    const __m512 s = _mm512_div_ps(gv, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), gv))));
    _mm512_storeu_ps(a + i, _mm512_mul_ps(_mm512_loadu_ps(a + i), s));
  }
  for (; i < n; ++i) a[i] *= g[i] / (1.0f + std::exp(-g[i]));
}

QV_AVX2 void mul_silu_avx2(float* a, const float* g, size_t n) {
  size_t i = 0;
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  for (; i + 8 <= n; i += 8) {
    const __m256 gv = _mm256_loadu_ps(g + i);
    const __m256 s = _mm256_div_ps(gv, _mm256_add_ps(one, exp256(_mm256_xor_ps(gv, sign))));
    _mm256_storeu_ps(a + i, _mm256_mul_ps(_mm256_loadu_ps(a + i), s));
  }
  for (; i < n; ++i) a[i] *= g[i] / (1.0f + std::exp(-g[i]));
}

QV_AVX512 void softmax_avx512(float* x, int n) {
  __m512 mv = _mm512_set1_ps(-INFINITY);
  int i = 0;
  for (; i + 16 <= n; i += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(x + i));
  float m = _mm512_reduce_max_ps(mv);
  for (; i < n; ++i) m = std::max(m, x[i]);
  const __m512 mb = _mm512_set1_ps(m);
  __m512 sv = _mm512_setzero_ps();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), mb));
    _mm512_storeu_ps(x + i, e);
    sv = _mm512_add_ps(sv, e);
  }
  double sum = hsum512(sv);
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  const __m512 inv = _mm512_set1_ps(static_cast<float>(1.0 / sum));
  for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
  for (; i < n; ++i) x[i] *= static_cast<float>(1.0 / sum);
}

QV_AVX2 void softmax_avx2(float* x, int n) {
  __m256 mv = _mm256_set1_ps(-INFINITY);
  int i = 0;
  for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, mv);
  float m = *std::max_element(lanes, lanes + 8);
  for (; i < n; ++i) m = std::max(m, x[i]);
  const __m256 mb = _mm256_set1_ps(m);
  __m256 sv = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb));
    _mm256_storeu_ps(x + i, e);
    sv = _mm256_add_ps(sv, e);
  }
  double sum = hsum256(sv);
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  const __m256 inv = _mm256_set1_ps(static_cast<float>(1.0 / sum));
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
  for (; i < n; ++i) x[i] *= static_cast<float>(1.0 / sum);
}

QV_AVX512 void attend_avx512(const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                             float* scores, float* out) {
  const int hv = hd / 16 * 16;
  for (int j = 0; j < n_keys; ++j) {
    const float* kr = k + size_t(j) * ld;
    __m512 acc = _mm512_setzero_ps();
    for (int d = 0; d < hv; d += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), _mm512_loadu_ps(kr + d), acc);
    float s = hsum512(acc);
    for (int d = hv; d < hd; ++d) s += q[d] * kr[d];
    scores[j] = s * scale;
  }
  softmax_avx512(scores, n_keys);
  for (int d = 0; d < hd; ++d) out[d] = 0.0f;
  for (int j = 0; j < n_keys; ++j) {
    const float* vr = v + size_t(j) * ld;
    const __m512 p = _mm512_set1_ps(scores[j]);
    for (int d = 0; d < hv; d += 16)
      _mm512_storeu_ps(out + d, _mm512_fmadd_ps(p, _mm512_loadu_ps(vr + d), _mm512_loadu_ps(out + d)));
    for (int d = hv; d < hd; ++d) out[d] += scores[j] * vr[d];
  }
}

QV_AVX2 void attend_avx2(const float* q, const float* k, const float* v, size_t ld, int n_keys, int hd, float scale,
                         float* scores, float* out) {
  const int hv = hd / 8 * 8;
  for (int j = 0; j < n_keys; ++j) {
    const float* kr = k + size_t(j) * ld;
    __m256 acc = _mm256_setzero_ps();
    for (int d = 0; d < hv; d += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(kr + d), acc);
    float s = hsum256(acc);
    for (int d = hv; d < hd; ++d) s += q[d] * kr[d];
    scores[j] = s * scale;
  }
  softmax_avx2(scores, n_keys);
  for (int d = 0; d < hd; ++d) out[d] = 0.0f;
  for (int j = 0; j < n_keys; ++j) {
    const float* vr = v + size_t(j) * ld;
    const __m256 p = _mm256_set1_ps(scores[j]);
    for (int d = 0; d < hv; d += 8)
      _mm256_storeu_ps(out + d, _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + d), _mm256_loadu_ps(out + d)));
    for (int d = hv; d < hd; ++d) out[d] += scores[j] * vr[d];
  }
}

}  // namespace qwenvl::cpu::detail
