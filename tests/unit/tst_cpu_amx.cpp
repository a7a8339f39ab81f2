// The Amx GEMM split (cpu/gemm_amx*.cpp): its packing, blocking and arithmetic on the emulated
// tile unit against double precision and bit for bit across every schedule, its one-pass
// AVX-512 packing against the three-pass one, and, where this CPU has AMX, the tile unit
// against its emulation.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu_test_util.h"
#include "support/test_env.h"
#include "util/half.h"

using namespace qwenvl;
using namespace qwenvl::cpu;
using namespace qwenvl::cpu::test_util;

class TestCpuAmx : public QObject {
  Q_OBJECT
 private slots:
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
};

QTEST_GUILESS_MAIN(TestCpuAmx)
#include "tst_cpu_amx.moc"
