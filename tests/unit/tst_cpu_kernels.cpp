// The fast CPU kernels (cpu/kernels.h, cpu/gemm.h) against double-precision references at the
// real Qwen-7B and ViT-bigG shapes, on every ISA this machine supports (generic, AVX2,
// AVX-512 are each forced in turn; the ones the CPU lacks are listed as skipped), with outputs
// poisoned with NaN first. The int4 dequantisation must equal GptqLinear::weight bit for bit
// (the official fp16(scale * (q - zero))); GEMVs and GEMMs stay within fp32 summation error.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "cpu/bf16_pack.h"
#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu/speed.h"
#include "support/test_env.h"
#include "util/half.h"

using namespace qwenvl;
using namespace qwenvl::cpu;

namespace {

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

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<Isa> isas() {
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
bool close(double y, double ref, double abs_sum, QString* why, const QString& where) {
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

void amx_rows() {
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
}  // namespace

class TestCpuKernels : public QObject {
  Q_OBJECT
 private slots:
  void int4DequantIsBitExact_data() {
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("K");
    QTest::addColumn<int>("G");
    QTest::newRow("c_attn 4096x12288") << 12288 << 4096 << 128;
    QTest::newRow("mlp c_proj 11008x4096") << 4096 << 11008 << 128;
    QTest::newRow("ragged N=40, G=64") << 40 << 256 << 64;
    QTest::newRow("G=16 (generic below AVX2's step)") << 24 << 64 << 16;
  }
  void int4DequantIsBitExact() {
    QFETCH(int, N);
    QFETCH(int, K);
    QFETCH(int, G);
    RandomGptq r(N, K, G, 11u + N);
    PackedInt4 p(r.l);
    const int nb = std::min(3, p.blocks);
    std::vector<float> tile(size_t(nb) * 16 * K);
    for (Isa isa : isas()) {
      for (int b0 : {0, p.blocks - nb}) {
        std::fill(tile.begin(), tile.end(), std::numeric_limits<float>::quiet_NaN());
        dequant_int4(isa, p, b0, b0 + nb, tile.data(), K);
        for (int j = 0; j < nb * 16; ++j) {
          const int n = b0 * 16 + j;
          if (n >= N) break;
          for (int k = 0; k < K; ++k) {
            const float want = r.l.weight(n, k), got = tile[size_t(j) * K + k];
            if (std::memcmp(&want, &got, 4) != 0)
              QFAIL(qPrintable(
                  QString("%1: W[%2][%3] = %4, want %5").arg(isa_name(isa)).arg(n).arg(k).arg(got).arg(want)));
          }
        }
      }
    }
  }

  void int4GemvMatchesDouble_data() {
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("K");
    QTest::addColumn<int>("G");
    QTest::newRow("c_attn 4096 -> 12288") << 12288 << 4096 << 128;
    QTest::newRow("w1 4096 -> 11008") << 11008 << 4096 << 128;
    QTest::newRow("mlp c_proj 11008 -> 4096") << 4096 << 11008 << 128;
    QTest::newRow("ragged 256 -> 40, G=64") << 40 << 256 << 64;
  }
  void int4GemvMatchesDouble() {
    QFETCH(int, N);
    QFETCH(int, K);
    QFETCH(int, G);
    RandomGptq r(N, K, G, 5u + K);
    PackedInt4 p(r.l);
    const std::vector<float> x = random_vector(size_t(K), 3), bias = random_vector(size_t(N), 4);
    // The reference: every weight from GptqLinear::weight, summed in double.
    std::vector<double> ref(N), abs_sum(N);
    std::vector<float> row(K);
    for (int n = 0; n < N; ++n) {
      r.l.dequantize_rows(n, n + 1, row.data());
      double s = 0, a = 0;
      for (int k = 0; k < K; ++k) {
        s += double(x[k]) * row[k];
        a += std::fabs(double(x[k]) * row[k]);
      }
      ref[n] = s + bias[n];
      abs_sum[n] = a + std::fabs(bias[n]);
    }
    ThreadPool pool(3);
    std::vector<float> y(N);
    for (Isa isa : isas()) {
      std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
      gemv_int4(isa, p, x.data(), bias.data(), y.data(), 0, p.blocks);
      QString why;
      for (int n = 0; n < N; ++n)
        QVERIFY2(close(y[n], ref[n], abs_sum[n], &why, QString("%1 n=%2").arg(isa_name(isa)).arg(n)), qPrintable(why));
      // Through fast_linear: the split over threads gives the same numbers.
      std::vector<float> y2(N, std::numeric_limits<float>::quiet_NaN());
      fast_linear(pool, isa, x.data(), 1, FastWeight::packed(p), bias.data(), y2.data());
      QVERIFY(std::memcmp(y.data(), y2.data(), sizeof(float) * N) == 0);
    }
  }

  void f16GemvMatchesDouble() {
    // lm_head rows (K = 4096) and a ViT row width (K = 1664), with a ragged row count.
    for (int K : {4096, 1664, 100}) {
      const int N = 1027;
      std::mt19937 rng(K);
      std::normal_distribution<float> d(0.0f, 0.05f);
      std::vector<uint16_t> w(size_t(N) * K);
      for (auto& h : w) h = float_to_half(d(rng));
      const std::vector<float> x = random_vector(size_t(K), 9);
      ThreadPool pool(3);
      std::vector<float> y(N);
      for (Isa isa : isas()) {
        std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
        fast_linear(pool, isa, x.data(), 1, FastWeight::f16_rows(w.data(), N, K), nullptr, y.data());
        QString why;
        for (int n = 0; n < N; ++n) {
          double s = 0, a = 0;
          for (int k = 0; k < K; ++k) {
            const double p = double(x[k]) * half_to_float(w[size_t(n) * K + k]);
            s += p;
            a += std::fabs(p);
          }
          QVERIFY2(close(y[n], s, a, &why, QString("%1 K=%2 n=%3").arg(isa_name(isa)).arg(K).arg(n)), qPrintable(why));
        }
      }
    }
  }

  void geluAndSiluMatchDouble() {
    // The ViT's c_fc outputs (1024 x 8192 per layer) and the MLP gate: values over a wide range,
    // with odd counts so the scalar tails run; exact erf and exp in double as the reference.
    std::vector<float> x = random_vector(8192 * 3 + 13, 41);
    for (size_t i = 0; i < x.size(); ++i) x[i] *= float(1 + i % 7);  // up to |x| ~ 30
    x[0] = 0.0f;
    x[1] = -0.0f;
    x[2] = 100.0f;
    x[3] = -100.0f;
    const std::vector<float> a = random_vector(x.size(), 42);
    for (Isa isa : isas()) {
      std::vector<float> g = x, m = a;
      gelu_erf(isa, g.data(), g.size());
      mul_silu(isa, m.data(), x.data(), m.size());
      for (size_t i = 0; i < x.size(); ++i) {
        const double v = x[i];
        const double gr = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        // erf to 1.5e-7 (Abramowitz and Stegun 7.1.26) plus fp32 rounding.
        QVERIFY2(std::isfinite(g[i]) && std::fabs(g[i] - gr) <= 1e-7 * std::fabs(v) + 4e-7 * std::fabs(gr),
                 qPrintable(QString("%1 gelu(%2) = %3, want %4")
                                .arg(isa_name(isa))
                                .arg(v)
                                .arg(g[i], 0, 'g', 9)
                                .arg(gr, 0, 'g', 9)));
        const double sr = double(a[i]) * v / (1.0 + std::exp(-v));
        QVERIFY2(std::isfinite(m[i]) && std::fabs(m[i] - sr) <= 1e-6 * std::fabs(sr) + 1e-30,
                 qPrintable(QString("%1 silu(%2) = %3, want %4")
                                .arg(isa_name(isa))
                                .arg(v)
                                .arg(m[i], 0, 'g', 9)
                                .arg(sr, 0, 'g', 9)));
      }
    }
  }

  void layerNormMatchesDouble() {
    // The ViT's LayerNorm rows (1664 wide, the resampler's 4096) and an odd width for the scalar
    // tails; rows with different offsets and scales, each normalised with its own mean and variance.
    for (int n : {1664, 4096, 37}) {
      const int rows = 5;
      std::vector<float> x = random_vector(size_t(rows) * n, 43), w = random_vector(size_t(n), 44),
                         b = random_vector(size_t(n), 45);
      for (int r = 0; r < rows; ++r)
        for (int i = 0; i < n; ++i) x[size_t(r) * n + i] = x[size_t(r) * n + i] * float(r + 1) + float(100 * r);
      for (Isa isa : isas()) {
        std::vector<float> y(x.size(), std::numeric_limits<float>::quiet_NaN());
        layer_norm_rows(isa, x.data(), rows, n, w.data(), b.data(), 1e-6, y.data());
        for (int r = 0; r < rows; ++r) {
          const float* xr = &x[size_t(r) * n];
          double mean = 0, var = 0;
          for (int i = 0; i < n; ++i) mean += xr[i];
          mean /= n;
          for (int i = 0; i < n; ++i) var += (xr[i] - mean) * (xr[i] - mean);
          const double inv = 1.0 / std::sqrt(var / n + 1e-6);
          for (int i = 0; i < n; ++i) {
            const double ref = (xr[i] - mean) * inv * w[i] + b[i];
            const double got = y[size_t(r) * n + i];
            // the normalised value, the product and the sum each rounded to fp32
            const double tol = 4e-7 * (std::fabs((xr[i] - mean) * inv * w[i]) + std::fabs(b[i])) + 1e-30;
            QVERIFY2(std::isfinite(got) && std::fabs(got - ref) <= tol,
                     qPrintable(QString("%1 n=%2 row %3 [%4]: %5, want %6")
                                    .arg(isa_name(isa))
                                    .arg(n)
                                    .arg(r)
                                    .arg(i)
                                    .arg(got, 0, 'g', 9)
                                    .arg(ref, 0, 'g', 9)));
          }
        }
      }
    }
  }

  void softmaxAndAttendRowMatchDouble_data() {
    QTest::addColumn<int>("keys");
    QTest::addColumn<int>("hd");
    QTest::newRow("first token") << 1 << 128;
    QTest::newRow("286-token prompt") << 286 << 128;
    QTest::newRow("8k context") << 8221 << 128;
    QTest::newRow("ViT head 104, 1024 keys") << 1024 << 104;
    QTest::newRow("odd head size") << 37 << 13;
  }
  void softmaxAndAttendRowMatchDouble() {
    QFETCH(int, keys);
    QFETCH(int, hd);
    const int heads = 3;
    const size_t ld = size_t(heads) * hd;  // keys and values of all heads per row, as in the cache
    const std::vector<float> k = random_vector(size_t(keys) * ld, 51), v = random_vector(size_t(keys) * ld, 52);
    std::vector<float> q = random_vector(ld, 53);
    for (auto& e : q) e *= 2.0f;  // peaked and flat rows both occur
    const float scale = 1.0f / std::sqrt(float(hd));
    for (int h = 0; h < heads; ++h) {
      const size_t off = size_t(h) * hd;
      std::vector<double> p(keys), ref(hd, 0.0);
      double mx = -1e300, sum = 0;
      for (int j = 0; j < keys; ++j) {
        double s = 0;
        for (int d = 0; d < hd; ++d) s += double(q[off + d]) * k[size_t(j) * ld + off + d];
        p[j] = s * scale;
        mx = std::max(mx, p[j]);
      }
      for (int j = 0; j < keys; ++j) sum += (p[j] = std::exp(p[j] - mx));
      double abs_ref = 0;
      for (int j = 0; j < keys; ++j) {
        p[j] /= sum;
        for (int d = 0; d < hd; ++d) ref[d] += p[j] * v[size_t(j) * ld + off + d];
      }
      for (int d = 0; d < hd; ++d) abs_ref = std::max(abs_ref, std::fabs(ref[d]));
      for (Isa isa : isas()) {
        // softmax alone on the same scores
        std::vector<float> sc(keys);
        for (int j = 0; j < keys; ++j) {
          double s = 0;
          for (int d = 0; d < hd; ++d) s += double(q[off + d]) * k[size_t(j) * ld + off + d];
          sc[j] = float(s * scale);
        }
        softmax(isa, sc.data(), keys);
        for (int j = 0; j < keys; ++j)
          QVERIFY2(std::isfinite(sc[j]) && std::fabs(sc[j] - p[j]) <= 2e-6 * p[j] + 1e-9,
                   qPrintable(QString("%1 softmax[%2] = %3, want %4").arg(isa_name(isa)).arg(j).arg(sc[j]).arg(p[j])));
        std::vector<float> scores(keys), out(hd, std::numeric_limits<float>::quiet_NaN());
        attend_row(isa, q.data() + off, k.data() + off, v.data() + off, ld, keys, hd, scale, scores.data(), out.data());
        for (int d = 0; d < hd; ++d)
          QVERIFY2(
              std::isfinite(out[d]) && std::fabs(out[d] - ref[d]) <= 1e-5 * abs_ref + 1e-6,
              qPrintable(
                  QString("%1 head %2 d=%3: %4, want %5").arg(isa_name(isa)).arg(h).arg(d).arg(out[d]).arg(ref[d])));
      }
    }
  }

  // The bf16 pair lines of the blocked weights (bf16_pack.h) on each path, against the element
  // by element definition: a layout of 16-pair blocks (one of them partial, so the scalar tail
  // runs too) whose blocks lie in a shuffled order, the destination NaN-free and poisoned.
  void bf16PairLinesMatchDefinition() {
    const int kl = 3 * 32 + 6, ld = 150;
    std::mt19937 rng(7);
    std::vector<uint16_t> src(size_t(16) * ld);
    for (auto& v : src) v = uint16_t(rng());
    std::vector<int> order = {3, 0, 2, 1};
    std::vector<int64_t> fk(kl);
    for (int k = 0; k < kl; ++k) fk[k] = int64_t(order[k / 32]) * 16 * 32 + (k % 32) / 2 * 32 + k % 2;
    for (Isa isa : isas()) {
      std::vector<uint16_t> out(size_t(4) * 16 * 32, 0xdead);
      bf16::pairs_to_lines(isa, src.data() + 4, size_t(ld), kl, fk.data(), out.data());
      for (int k = 0; k < kl; ++k)
        for (int j = 0; j < 16; ++j)
          QVERIFY2(out[size_t(fk[k] + 2 * j)] == src[size_t(j) * ld + 4 + k],
                   qPrintable(QString("%1 k=%2 row %3").arg(isa_name(isa)).arg(k).arg(j)));
      // Nothing else written: the partial block's missing pairs keep the poison.
      for (int i = (kl / 2) % 16 * 32; i < 32 * 16; ++i)
        QVERIFY2(out[size_t(order[kl / 32]) * 16 * 32 + i] == 0xdead,
                 qPrintable(QString("%1 i=%2").arg(isa_name(isa)).arg(i)));
    }
  }

  // The Amx split's packing, blocking and arithmetic on the emulated tile unit (any machine):
  // within fp32 summation error of double precision, and bit for bit the same result for every
  // ISA of the packing, thread count, panel width, k block, microkernel and loop order
  // (QWENVL_CPU_AMX_KERNEL, QWENVL_CPU_AMX_ORDER: the per-element order is fixed) as the first
  // run's, kernel 0 in order 0. The emulation runs each microkernel's own sequence of tile
  // loads and products, so a kernel that reloads a tile before its last reader fails here.
  void amxEmulatedGemmMatchesDouble_data() { amx_rows(); }
  void amxEmulatedGemmMatchesDouble() {
    QFETCH(QString, kind);
    QFETCH(int, M);
    QFETCH(int, N);
    QFETCH(int, K);
    const GemmCase c(kind, M, N, K);
    const int ldy = N + 3;  // a row stride wider than N, as fast_linear's callers pass
    std::vector<float> first, y(size_t(M) * ldy);
    struct Run {
      Isa isa;
      int threads, nt;
      const char *kb, *parts, *kernel = "", *order = "", *shared = "", *dynamic = "";
    };
    std::vector<Run> runs;
    for (Isa isa : isas()) runs.push_back({isa, 1, 0, "", ""});
    runs.push_back({default_isa(), 3, 0, "", ""});
    runs.push_back({default_isa(), 3, 48, "96", ""});  // panels of 64 columns, k blocks of 3 steps
    runs.push_back({default_isa(), 1, 48, "96", ""});
    runs.push_back({default_isa(), 3, 128, "", "4"});  // four row parts where M allows, each packing its panel
    // Panels packed once before the products, shared by the row parts (forced on, and where they
    // fit), and row parts in the pool's fixed chunks only.
    runs.push_back({default_isa(), 3, 48, "96", "3", "", "", "1"});
    runs.push_back({default_isa(), 2, 0, "", "", "", "", "1"});
    runs.push_back({default_isa(), 3, 128, "", "2", "", "", "-1"});
    runs.push_back({default_isa(), 3, 48, "96", "2", "", "", "", "0"});  // fixed chunks, not taken
    // The other microkernels and loop orders, with the default and with short k blocks. Under the
    // sanitizers (about 10x slower in the emulation) only on the smaller shapes: each variant's
    // code still runs there, and the CI stays within its time.
    const bool all_variants = !kSanitized || double(M) * N * K < 2e7;
    if (all_variants) runs.push_back({default_isa(), 3, 0, "", "", "1", ""});
    if (all_variants) {
      runs.push_back({default_isa(), 3, 0, "", "", "2", ""});
      runs.push_back({default_isa(), 3, 48, "96", "", "2", "1"});
      runs.push_back({default_isa(), 3, 0, "", "", "0", "1"});
      runs.push_back({default_isa(), 3, 0, "", "", "1", "2"});
      runs.push_back({default_isa(), 3, 0, "", "", "3", "1"});
      runs.push_back({default_isa(), 3, 128, "64", "0", "2", "2"});
    }
    const test::EnvScope env{"QWENVL_CPU_AMX_KB",    "QWENVL_CPU_AMX_PARTS",  "QWENVL_CPU_AMX_KERNEL",
                             "QWENVL_CPU_AMX_ORDER", "QWENVL_CPU_AMX_SHARED", "QWENVL_CPU_AMX_DYNAMIC"};
    for (const Run& r : runs) {
      set_gemm_tile_columns(r.nt);
      qputenv("QWENVL_CPU_AMX_KB", r.kb);
      qputenv("QWENVL_CPU_AMX_PARTS", r.parts);
      qputenv("QWENVL_CPU_AMX_KERNEL", r.kernel);
      qputenv("QWENVL_CPU_AMX_ORDER", r.order);
      qputenv("QWENVL_CPU_AMX_SHARED", r.shared);
      qputenv("QWENVL_CPU_AMX_DYNAMIC", r.dynamic);
      ThreadPool pool(r.threads);
      std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
      QVERIFY(amx_linear(pool, r.isa, c.x.data(), M, c.fw, c.bias.data(), y.data(), ldy, 0, AmxUnit::Emulated));
      const QString where = QString("%1 threads=%2 nt=%3 kb=%4 kernel=%5 order=%6 shared=%7 dynamic=%8")
                                .arg(isa_name(r.isa))
                                .arg(r.threads)
                                .arg(r.nt)
                                .arg(r.kb)
                                .arg(r.kernel)
                                .arg(r.order)
                                .arg(r.shared)
                                .arg(r.dynamic);
      QString why;
      QVERIFY2(c.check(y, ldy, where, &why), qPrintable(why));
      for (int m = 0; m < M; ++m)  // the padding between rows untouched
        for (int n = N; n < ldy; ++n) QVERIFY(std::isnan(y[size_t(m) * ldy + n]));
      if (first.empty())
        first = y;
      else
        QVERIFY2(std::memcmp(first.data(), y.data(), sizeof(float) * y.size()) == 0,
                 qPrintable("the result differs from the first run's: " + where));
    }
    set_gemm_tile_columns(0);
    qunsetenv("QWENVL_CPU_AMX_KB");
    qunsetenv("QWENVL_CPU_AMX_PARTS");
    qunsetenv("QWENVL_CPU_AMX_KERNEL");
    qunsetenv("QWENVL_CPU_AMX_ORDER");
    qunsetenv("QWENVL_CPU_AMX_SHARED");
    qunsetenv("QWENVL_CPU_AMX_DYNAMIC");
  }

  // The Amx split's fused AVX-512 panel packer (gemm_amx_pack.cpp), with integer rounding and
  // with AVX512_BF16's where the CPU has it, writes the same bytes as the three passes it
  // replaces (widen, split, interleave) at every ISA this machine has, for
  // panels of 32, 64 and 128 columns, at their own width and at the widest with nb < np (whole
  // zero blocks), the last one ragged; both outputs poisoned differently first, so that an
  // element either leaves unwritten differs. Int4 with negative or zero scales is compared with
  // the AVX-512 passes only: the portable dequantisation forms -0 where q = z and s < 0 (or s =
  // 0 and q < z), the SIMD ones +0 (simd_x86.h's table512).
  void amxFusedPackingIsBitExact_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("values");
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("K");
    QTest::addColumn<int>("G");
    QTest::addColumn<bool>("fused");  // whether the fused packer serves this weight
    QTest::newRow("int4 c_attn K=4096") << "int4"
                                        << "binades" << 160 << 4096 << 128 << true;
    QTest::newRow("int4 mlp c_proj K=11008, ragged N=200") << "int4"
                                                           << "binades" << 200 << 11008 << 128 << true;
    QTest::newRow("int4 symmetric K=4096") << "int4 symmetric"
                                           << "binades" << 96 << 4096 << 128 << true;
    QTest::newRow("int4 extreme scales K=4096") << "int4"
                                                << "extreme" << 136 << 4096 << 128 << true;
    QTest::newRow("int4 signed scales K=1024") << "int4"
                                               << "signed" << 72 << 1024 << 128 << true;
    QTest::newRow("int4 groups of 32, N=40") << "int4"
                                             << "binades" << 40 << 256 << 32 << true;
    QTest::newRow("int4 groups of 64, symmetric") << "int4 symmetric"
                                                  << "extreme" << 48 << 512 << 64 << true;
    QTest::newRow("int4 groups of 16 (three passes)") << "int4"
                                                      << "binades" << 48 << 256 << 16 << false;
    QTest::newRow("fp16 rows ViT K=1664") << "rows"
                                          << "bits" << 200 << 1664 << 0 << true;
    QTest::newRow("fp16 rows ViT c_proj K=8192") << "rows"
                                                 << "bits" << 128 << 8192 << 0 << true;
    QTest::newRow("fp16 rows odd K=77, N=45") << "rows"
                                              << "bits" << 45 << 77 << 0 << true;
    QTest::newRow("fp16 rows K=20 < 32") << "rows"
                                         << "bits" << 17 << 20 << 0 << true;
    QTest::newRow("fp16 rows with NaN, K=200") << "rows"
                                               << "nan" << 70 << 200 << 0 << true;
    QTest::newRow("fp16 columns (three passes)") << "cols"
                                                 << "bits" << 50 << 96 << 0 << false;
  }
  void amxFusedPackingIsBitExact() {
    if (!isa_supported(Isa::Avx512)) QSKIP("this CPU has no AVX-512: the fused packer never runs");
    QFETCH(QString, kind);
    QFETCH(QString, values);
    QFETCH(int, N);
    QFETCH(int, K);
    QFETCH(int, G);
    QFETCH(bool, fused);
    const PackCase c(kind, values, N, K, G, uint32_t(N * 7 + K));
    std::vector<Isa> refs = isas();
    if (values == "signed") refs = {Isa::Avx512};
    std::vector<PanelPacker> packers = {PanelPacker::Fused};
    if (amx_pack_bf16_available())
      packers.push_back(PanelPacker::FusedBf16);
    else
      qInfo("AVX512_BF16: not supported by this CPU, its fused packer skipped");
    std::vector<uint16_t> got, want, part;
    for (PanelPacker packer : packers)
      for (int np_full : {32, 64, 128})
        for (int n0 = 0; n0 < N; n0 += np_full) {
          const int nb = std::min(np_full, N - n0);
          for (int np : {(nb + 31) / 32 * 32, np_full}) {
            const size_t size = amx_panel_size(c.fw, np);
            got.assign(size, 0xaaaa);
            QCOMPARE(amx_pack_panel(Isa::Avx512, packer, c.fw, n0, nb, np, got.data()), fused);
            // Its last blocks alone (a shared panel's part): those as in the whole, the rest untouched.
            const int nc16 = np / 16, half = nc16 / 2;
            part.assign(size, 0x7777);
            amx_pack_panel(Isa::Avx512, packer, c.fw, n0, nb, np, part.data(), half, nc16);
            for (size_t e = 0; e < size; ++e) {
              const bool in_part = int(e / 1024 % size_t(nc16)) >= half;  // 1024 bf16 per block and step
              if (part[e] != (in_part ? got[e] : 0x7777))
                QFAIL(qPrintable(
                    QString("blocks [%1, %2) of a panel of %3: bf16 %4 wrong").arg(half).arg(nc16).arg(np).arg(e)));
            }
            for (Isa isa : refs) {
              want.assign(size, 0x5555);
              QVERIFY(!amx_pack_panel(isa, PanelPacker::Passes, c.fw, n0, nb, np, want.data()));
              size_t i = 0;
              while (i < size && got[i] == want[i]) ++i;
              QVERIFY2(i == size,
                       qPrintable(QString("%8: panel of %1 at n0=%2 nb=%3, %4 passes: bf16 %5 is %6, want %7")
                                      .arg(np)
                                      .arg(n0)
                                      .arg(nb)
                                      .arg(isa_name(isa))
                                      .arg(i)
                                      .arg(i < size ? got[i] : 0, 4, 16, QChar('0'))
                                      .arg(i < size ? want[i] : 0, 4, 16, QChar('0'))
                                      .arg(packer == PanelPacker::Fused ? "fused" : "fused bf16")));
            }
          }
        }
  }

  // The same on the CPU's own tile unit through fast_linear (QWENVL_CPU_GEMM=amx), where this
  // machine has AMX; its difference from the emulation is printed. Then every microkernel and
  // loop order on the tile unit: bit for bit kernel 0's result in order 0, and bit for bit its
  // own emulation.
  void amxHardwareGemmMatchesDouble_data() { amx_rows(); }
  void amxHardwareGemmMatchesDouble() {
    if (!amx_available()) QSKIP("this CPU (or the OS) has no AMX: the emulation test covers the Amx split's code");
    QFETCH(QString, kind);
    QFETCH(int, M);
    QFETCH(int, N);
    QFETCH(int, K);
    const GemmCase c(kind, M, N, K);
    std::vector<float> y(size_t(M) * N), emu(size_t(M) * N);
    {
      ThreadPool pool(1);
      QVERIFY(amx_linear(pool, default_isa(), c.x.data(), M, c.fw, c.bias.data(), emu.data(), N, 0, AmxUnit::Emulated));
    }
    const GemmSplit before = gemm_split();
    set_gemm_split(GemmSplit::Amx);
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      for (Isa isa : isas()) {
        std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
        const uint64_t calls = amx_calls();
        fast_linear(pool, isa, c.x.data(), M, c.fw, c.bias.data(), y.data());
        if (M > kGemvMaxRows) QVERIFY2(amx_calls() > calls, "the amx split fell back to the fp32 tiles");
        QString why;
        QVERIFY2(c.check(y, N, QString("%1 threads=%2").arg(isa_name(isa)).arg(threads), &why), qPrintable(why));
        if (M > kGemvMaxRows) {
          double worst = 0;
          for (size_t i = 0; i < y.size(); ++i)
            worst = std::max(worst, std::fabs(double(y[i]) - emu[i]) / c.abs_sum[i]);
          qInfo("%s threads=%d: max |hardware - emulation| / sum |x w| = %.3g", isa_name(isa), threads, worst);
        }
      }
    }
    set_gemm_split(before);
    std::vector<float> first(y.size()), variant(y.size()), variant_emu(y.size());
    struct Variant {
      const char *kernel, *order, *kb;
    };
    const Variant variants[] = {{"0", "0", ""}, {"1", "0", ""},   {"2", "0", ""},   {"3", "0", ""},
                                {"0", "1", ""}, {"1", "1", "96"}, {"2", "1", "96"}, {"3", "1", "128"},
                                {"1", "2", ""}, {"2", "2", "64"}};
    ThreadPool pool(3);
    const test::EnvScope env{"QWENVL_CPU_AMX_KERNEL", "QWENVL_CPU_AMX_ORDER", "QWENVL_CPU_AMX_KB"};
    for (const Variant& v : variants) {
      const bool is_first = &v == &variants[0];
      qputenv("QWENVL_CPU_AMX_KERNEL", v.kernel);
      qputenv("QWENVL_CPU_AMX_ORDER", v.order);
      qputenv("QWENVL_CPU_AMX_KB", v.kb);
      const QString where = QString("kernel=%1 order=%2 kb=%3").arg(v.kernel).arg(v.order).arg(v.kb);
      std::vector<float>& out = is_first ? first : variant;
      QVERIFY(amx_linear(pool, default_isa(), c.x.data(), M, c.fw, c.bias.data(), out.data(), N, 0, AmxUnit::Hardware));
      QVERIFY(amx_linear(pool, default_isa(), c.x.data(), M, c.fw, c.bias.data(), variant_emu.data(), N, 0,
                         AmxUnit::Emulated));
      double worst = 0;
      for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, double(std::fabs(out[i] - variant_emu[i])));
      qInfo("%s: max |hardware - its emulation| = %.3g", qPrintable(where), worst);
      QString why;
      QVERIFY2(c.check(out, N, where, &why), qPrintable(why));
      if (!is_first)
        QVERIFY2(std::memcmp(first.data(), out.data(), sizeof(float) * out.size()) == 0,
                 qPrintable("the tile unit's result differs from kernel 0's in order 0: " + where));
    }
    qunsetenv("QWENVL_CPU_AMX_KERNEL");
    qunsetenv("QWENVL_CPU_AMX_ORDER");
    qunsetenv("QWENVL_CPU_AMX_KB");
  }

  void tiledGemmMatchesDouble_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("M");
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("K");
    QTest::newRow("int4 prefill c_attn") << "int4" << 37 << 12288 << 4096;
    QTest::newRow("int4 prefill mlp c_proj") << "int4" << 9 << 4096 << 11008;
    QTest::newRow("fp16 ViT c_fc 1664 -> 8192") << "rows" << 70 << 8192 << 1664;
    QTest::newRow("fp16 ViT in_proj 1664 -> 4992") << "rows" << 130 << 4992 << 1664;
    QTest::newRow("fp16 columns (visual proj) 1664 -> 4096") << "cols" << 40 << 4096 << 1664;
    QTest::newRow("fp16 rows, a narrow last tile: 1664 -> 1000") << "rows" << 50 << 1000 << 1664;
  }
  void tiledGemmMatchesDouble() {
    QFETCH(QString, kind);
    QFETCH(int, M);
    QFETCH(int, N);
    QFETCH(int, K);
    const GemmCase c(kind, M, N, K);
    std::vector<float> y(size_t(M) * N);
    const GemmSplit before = gemm_split();
    if (!bf16x3_available()) qInfo("oneDNN has no fast bf16 matmul here: the bf16x3 split runs as tiles");
    // The bf16x3 split's plans (gemm.h); Blocks also with small row blocks, K' chunks and
    // panels (several of each at these shapes: the sum post-op's accumulation, the blocked
    // weights' chunk and tile offsets, a narrow last tile) and with plain weights.
    struct Config {
      GemmSplit split;
      Bf16Plan plan;
      const char *name, *mb, *kc, *panel_mb, *blocked;
    };
    const Config configs[] = {
        {GemmSplit::Tiles, Bf16Plan::Blocks, "tiles", "", "", "", ""},
        {GemmSplit::Bf16x3, Bf16Plan::Blocks, "bf16x3 blocks", "", "", "", ""},
        {GemmSplit::Bf16x3, Bf16Plan::Blocks, "bf16x3 blocks mb 32 kc 1000 panel 2 MiB", "32", "1000", "2", ""},
        {GemmSplit::Bf16x3, Bf16Plan::Blocks, "bf16x3 blocks plain weights", "48", "", "", "0"},
        {GemmSplit::Bf16x3, Bf16Plan::Tiles, "bf16x3 tiles", "", "", "", ""},
        {GemmSplit::Bf16x3, Bf16Plan::Team, "bf16x3 team", "", "", "1", ""},
    };
    const Bf16Plan plan_before = bf16_plan();
    for (const Config& cfg : configs) {
      const GemmSplit split = cfg.split;
      set_gemm_split(split);
      set_bf16_plan(cfg.plan);
      qputenv("QWENVL_CPU_BF16_MB", cfg.mb);
      qputenv("QWENVL_CPU_BF16_KC", cfg.kc);
      qputenv("QWENVL_CPU_BF16_PANEL_MB", cfg.panel_mb);
      qputenv("QWENVL_CPU_BF16_BLOCKED", cfg.blocked);
      for (int threads : {1, 3}) {
        if (threads == 1 && &cfg > &configs[1]) continue;  // the further plans with the pool only
        ThreadPool pool(threads);
        for (Isa isa : isas()) {
          std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
          const uint64_t matmuls = bf16x3_matmuls();
          fast_linear(pool, isa, c.x.data(), M, c.fw, c.bias.data(), y.data());
          // Where oneDNN has the fast bf16 matmul, the split must have used it (a silent fall
          // back to the fp32 tiles would pass the accuracy check below without testing it).
          if (split == GemmSplit::Bf16x3 && bf16x3_available() && M > kGemvMaxRows && kind != "cols")
            QVERIFY2(bf16x3_matmuls() > matmuls, "the bf16x3 split fell back to the fp32 tiles");
          QString why;
          QVERIFY2(c.check(y, N, QString("%1 %2 threads=%3").arg(isa_name(isa), cfg.name).arg(threads), &why),
                   qPrintable(why));
        }
      }
    }
    set_gemm_split(before);
    set_bf16_plan(plan_before);
    for (const char* name :
         {"QWENVL_CPU_BF16_MB", "QWENVL_CPU_BF16_KC", "QWENVL_CPU_BF16_PANEL_MB", "QWENVL_CPU_BF16_BLOCKED"})
      qunsetenv(name);
  }
};

QTEST_GUILESS_MAIN(TestCpuKernels)
#include "tst_cpu_kernels.moc"
