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
#include "cpu_test_util.h"
#include "support/test_env.h"
#include "util/half.h"

using namespace qwenvl;
using namespace qwenvl::cpu;
using namespace qwenvl::cpu::test_util;

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
