// Shared by the CPU kernel tests (tst_cpu_kernels, tst_cpu_amx, tst_cpu_attention): random
// layers and vectors, the ISAs this CPU runs, the tolerance check, the GEMM and packing cases.
#pragma once

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu/speed.h"
#include "util/half.h"

namespace qwenvl::cpu::test_util {

// A random GPTQ layer: asymmetric zero points, scales over several binades (so that
// s * (q - z) needs fp16 rounding), random nibbles.
struct RandomGptq : OwnedGptq {
  RandomGptq(int N, int K, int G, uint32_t seed) : OwnedGptq(K, N, G) {
    std::mt19937 rng(seed);
    for (auto& w : qweight) w = rng();
    for (auto& z : qzeros) z = rng();
    std::uniform_real_distribution<float> u(0.5f, 2.0f);
    std::uniform_int_distribution<int> e(-9, -2);
    for (auto& s : scales) s = float_to_half(std::ldexp(u(rng), e(rng)));
  }
};

inline std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
    if (isa_supported(i))
      out.push_back(i);
    else
      qInfo("ISA %s: not supported by this CPU, skipped", isa_name(i));
  }
  return out;
}

// |y - ref| <= 1e-5 * sum |x_k w_k| + 1e-30 for each output (fp32 summation of K terms).
inline bool close(double y, double ref, double abs_sum, QString* why, const QString& where) {
  if (!std::isfinite(y) || std::fabs(y - ref) > 1e-5 * abs_sum + 1e-30) {
    *why = QString("%1: got %2, want %3 (sum |x w| %4)").arg(where).arg(y, 0, 'g', 9).arg(ref, 0, 'g', 9).arg(abs_sum);
    return false;
  }
  return true;
}

// A GEMM case of fast_linear: x, W as FastWeight (int4, fp16 rows or fp16 columns) and the
// double-precision reference y = x W^T + b with sum |x w| + |b| per output.
struct GemmCase {
  int M = 0, N = 0, K = 0;
  std::vector<float> x, bias;
  std::unique_ptr<RandomGptq> g;
  std::unique_ptr<PackedInt4> p;
  std::vector<uint16_t> w;
  FastWeight fw;
  std::vector<double> ref, abs_sum;

  GemmCase(const QString& kind, int m, int n, int k) : M(m), N(n), K(k) {
    x = random_vector(size_t(M) * K, 21);
    bias = random_vector(size_t(N), 22);
    std::vector<float> wf(size_t(N) * K);  // W[n][k] as the reference sees it
    if (kind == "int4") {
      g = std::make_unique<RandomGptq>(N, K, 128, 31u);
      p = std::make_unique<PackedInt4>(g->l);
      fw = FastWeight::packed(*p);
      g->l.dequantize_rows(0, N, wf.data());
    } else {
      std::mt19937 rng(N);
      std::normal_distribution<float> d(0.0f, 0.05f);
      w.resize(size_t(N) * K);
      for (auto& h : w) h = float_to_half(d(rng));
      if (kind == "rows") {
        fw = FastWeight::f16_rows(w.data(), N, K);
        for (size_t i = 0; i < w.size(); ++i) wf[i] = half_to_float(w[i]);
      } else {  // stored [K][N]
        fw = FastWeight::f16_cols(w.data(), K, N);
        for (int kk = 0; kk < K; ++kk)
          for (int nn = 0; nn < N; ++nn) wf[size_t(nn) * K + kk] = half_to_float(w[size_t(kk) * N + nn]);
      }
    }
    ref.resize(size_t(M) * N);
    abs_sum.resize(size_t(M) * N);
    for (int mm = 0; mm < M; ++mm)
      for (int nn = 0; nn < N; ++nn) {
        double s = 0, a = 0;
        const float* xr = &x[size_t(mm) * K];
        const float* wr = &wf[size_t(nn) * K];
        for (int kk = 0; kk < K; ++kk) {
          s += double(xr[kk]) * wr[kk];
          a += std::fabs(double(xr[kk]) * wr[kk]);
        }
        ref[size_t(mm) * N + nn] = s + bias[nn];
        abs_sum[size_t(mm) * N + nn] = a + std::fabs(bias[nn]);
      }
  }
  // y (row stride ldy) against the reference.
  bool check(const std::vector<float>& y, int ldy, const QString& where, QString* why) const {
    for (int mm = 0; mm < M; ++mm)
      for (int nn = 0; nn < N; ++nn) {
        const size_t i = size_t(mm) * N + nn;
        if (!close(y[size_t(mm) * ldy + nn], ref[i], abs_sum[i], why,
                   QString("%1 m=%2 n=%3").arg(where).arg(mm).arg(nn)))
          return false;
      }
    return true;
  }
};

// A panel packing case (gemm.h's amx_pack_panel): int4 layers whose scales are "binades" (the
// RandomGptq spread), "extreme" (fp16 denormals up to 2^15: products underflow to fp16
// denormals and overflow to inf) or "signed" (extreme, with negative and zero scales), with
// random or symmetric zeros; fp16 rows of random bits ("bits": denormals, +-0, +-inf, no NaN,
// "nan": with NaNs as well) or fp16 columns.
struct PackCase {
  int N = 0, K = 0;
  std::unique_ptr<RandomGptq> g;
  std::unique_ptr<PackedInt4> p;
  std::vector<uint16_t> w;
  FastWeight fw;

  PackCase(const QString& kind, const QString& values, int n, int k, int G, uint32_t seed) : N(n), K(k) {
    std::mt19937 rng(seed);
    if (kind.startsWith("int4")) {
      g = std::make_unique<RandomGptq>(N, K, G, seed);
      if (kind == "int4 symmetric")
        for (auto& z : g->qzeros) z = 0x77777777u;
      std::uniform_int_distribution<int> bits(0, 0x7bff), pick(0, 15);
      for (auto& sc : g->scales) {
        if (values == "binades") break;
        sc = uint16_t(bits(rng));  // every finite positive fp16: denormals up to 2^15
        if (values == "signed") {
          const int r = pick(rng);
          if (r < 6) sc |= 0x8000u;                         // negative
          if (r == 6 || r == 7) sc = r == 6 ? 0 : 0x8000u;  // +-0
        }
      }
      p = std::make_unique<PackedInt4>(g->l);
      fw = FastWeight::packed(*p);
      return;
    }
    std::uniform_int_distribution<int> bits(0, 0xffff), pick(0, 31);
    w.resize(size_t(N) * K);
    for (auto& h : w) {
      h = uint16_t(bits(rng));
      const int r = pick(rng);
      if (r == 0) h = 0;
      if (r == 1) h = 0x8000u;
      if (r == 2) h &= 0x83ffu;                 // a denormal (or zero) of either sign
      if (r == 3) h = (h & 0x8000u) | 0x7c00u;  // +-inf
      const bool nan = (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0;
      if (nan && values != "nan") h &= 0xfc00u;  // NaN-free: inf instead
    }
    fw = kind == "rows" ? FastWeight::f16_rows(w.data(), N, K) : FastWeight::f16_cols(w.data(), K, N);
  }
};

// The Amx split's shapes: the real K of each layer with a few of its columns (the emulation is
// scalar), rows below and above a 32-row block, narrow last panels, odd K and N.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

inline void amx_rows() {
  QTest::addColumn<QString>("kind");
  QTest::addColumn<int>("M");
  QTest::addColumn<int>("N");
  QTest::addColumn<int>("K");
  QTest::newRow("int4 c_attn K=4096, 384 columns") << "int4" << 37 << 384 << 4096;
  QTest::newRow("int4 mlp c_proj K=11008, 256 columns") << "int4" << 9 << 256 << 11008;
  QTest::newRow("int4 ragged N=40") << "int4" << 5 << 40 << 256;
  QTest::newRow("fp16 ViT in_proj K=1664, 520 columns") << "rows" << 70 << 520 << 1664;
  QTest::newRow("fp16 ViT c_proj K=8192, 160 columns") << "rows" << 33 << 160 << 8192;
  QTest::newRow("fp16 columns (visual proj) K=1664, 200 columns") << "cols" << 40 << 200 << 1664;
  QTest::newRow("row parts 200x96x256") << "rows" << 200 << 96 << 256;
  QTest::newRow("odd 37x77x200") << "rows" << 37 << 77 << 200;
  QTest::newRow("odd K 4x45x77") << "rows" << 4 << 45 << 77;
}
}  // namespace qwenvl::cpu::test_util
