// The fast CPU attention (cpu/attention.h) against a double-precision reference: the fp32
// sgemm path, and the tile unit's path (attention_amx) on its portable emulation everywhere and
// on the hardware where this machine has AMX (bit for bit the emulation). Shapes: the ViT's
// (1024 tokens, head_dim 104, q|k|v interleaved per head as vision.cpp passes them), ragged
// row counts, the resampler's cross-attention and the decoder's causal prompt (head_dim 128,
// with and without a past). Outputs are poisoned with NaN first, and the padding past each row
// must stay NaN.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cpu/attention.h"
#include "cpu/gemm.h"
#include "cpu_test_util.h"
#include "support/test_env.h"

using namespace qwenvl;
using namespace qwenvl::cpu;

namespace {

using test_util::kSanitized;

// The bars, relative to the largest |output| (scores of standard deviation about 2 here). fp32:
// sgemm's summation error, measured at most 1.4e-6 at these shapes. The tile unit's three bf16
// products: lo rounded and lo.lo dropped, about 2^-17 of each |a b| (gemm_amx.cpp); measured on
// the emulation at most 1.42e-5 (the ViT's 16 heads; the others 7e-6 to 1.4e-5), so 3e-5
// leaves a margin of about 2 and still fails B's lo halves dropped (4.5e-3 and more).
constexpr double kFp32Bar = 3e-6;
constexpr double kAmxBar = 3e-5;

// An attention problem: q, k, v in the layout of the caller (interleaved per head as the ViT's
// qkv, or the decoder's q of a qkv row and k, v caches), and the double-precision answer.
struct Case {
  int T = 0, past = 0, heads = 0, hd = 0, n_keys = 0, ldo = 0;
  bool causal = false;
  std::vector<float> qkv, kc, vc;  // interleaved: all in qkv; else q in qkv, k and v in kc, vc
  AttentionArgs args;
  std::vector<double> ref;
  double ref_max = 0;

  Case(int t, int keys, int h, int d, bool interleaved, bool is_causal, int past_keys, uint32_t seed)
      : T(t), past(past_keys), heads(h), hd(d), n_keys(keys), causal(is_causal) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.5f);
    const int W = heads * hd;
    ldo = W + 5;  // a padding after each row, which must stay NaN
    AttentionArgs& a = args;
    a.T = T;
    a.n_keys = n_keys;
    a.heads = heads;
    a.head_dim = hd;
    a.scale = float(1.0 / std::sqrt(double(hd)));
    a.causal_offset = causal ? past : -1;
    a.isa = default_isa();
    if (interleaved) {  // vision.cpp: head h owns columns [3 hd h, 3 hd (h + 1)) = q | k | v
      qkv.resize(size_t(std::max(T, n_keys)) * 3 * W);
      for (float& x : qkv) x = nd(rng);
      a.q = qkv.data();
      a.k = qkv.data() + hd;
      a.v = qkv.data() + 2 * hd;
      a.ldq = a.ldk = a.ldv = 3 * W;
      a.q_head = a.k_head = a.v_head = 3 * hd;
    } else {  // decoder.cpp: q within rows of 3W, k and v caches of W
      qkv.resize(size_t(T) * 3 * W);
      kc.resize(size_t(n_keys) * W);
      vc.resize(size_t(n_keys) * W);
      for (auto* v : {&qkv, &kc, &vc})
        for (float& x : *v) x = nd(rng);
      a.q = qkv.data();
      a.ldq = 3 * W;
      a.q_head = hd;
      a.k = kc.data();
      a.v = vc.data();
      a.ldk = a.ldv = W;
      a.k_head = a.v_head = hd;
    }
    a.ldo = ldo;
    ref.assign(size_t(T) * W, 0.0);
    std::vector<double> s(static_cast<size_t>(n_keys));
    for (int hh = 0; hh < heads; ++hh)
      for (int t = 0; t < T; ++t) {
        const float* q = a.q + size_t(t) * a.ldq + size_t(hh) * a.q_head;
        const int n = causal ? std::min(n_keys, past + t + 1) : n_keys;
        double top = -1e300;
        for (int j = 0; j < n; ++j) {
          const float* k = a.k + size_t(j) * a.ldk + size_t(hh) * a.k_head;
          double d = 0;
          for (int i = 0; i < hd; ++i) d += double(q[i]) * k[i];
          s[size_t(j)] = d * a.scale;
          top = std::max(top, s[size_t(j)]);
        }
        double sum = 0;
        for (int j = 0; j < n; ++j) sum += (s[size_t(j)] = std::exp(s[size_t(j)] - top));
        double* o = &ref[size_t(t) * W + size_t(hh) * hd];
        for (int j = 0; j < n; ++j) {
          const float* v = a.v + size_t(j) * a.ldv + size_t(hh) * a.v_head;
          for (int i = 0; i < hd; ++i) o[i] += s[size_t(j)] / sum * v[i];
        }
      }
    for (double r : ref) ref_max = std::max(ref_max, std::fabs(r));
  }

  std::vector<float> poisoned() const { return std::vector<float>(size_t(T) * ldo, std::nanf("")); }

  // The largest |out - ref| / max |ref| (infinity for a NaN); *padding: whether the padding
  // stayed NaN.
  double error(const std::vector<float>& out, bool* padding) const {
    const int W = heads * hd;
    double worst = 0;
    *padding = true;
    for (int t = 0; t < T; ++t) {
      for (int i = 0; i < W; ++i) {
        const double d = std::fabs(double(out[size_t(t) * ldo + i]) - ref[size_t(t) * W + i]);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
      }
      for (int i = W; i < ldo; ++i) *padding = *padding && std::isnan(out[size_t(t) * ldo + i]);
    }
    return worst / ref_max;
  }
};

void cases() {
  QTest::addColumn<int>("T");
  QTest::addColumn<int>("keys");
  QTest::addColumn<int>("heads");
  QTest::addColumn<int>("hd");
  QTest::addColumn<bool>("interleaved");
  QTest::addColumn<bool>("causal");
  QTest::addColumn<int>("past");
  // The ViT: 16 heads of 104 at 1024 tokens; a few of its heads (the emulation is scalar, and
  // about 10x slower again under the sanitizers), each head's jobs the same code.
  QTest::newRow("ViT T=1024 hd=104 interleaved") << 1024 << 1024 << (kSanitized ? 1 : 16) << 104 << true << false << 0;
  QTest::newRow("ragged T=37 hd=104 interleaved") << 37 << 37 << 3 << 104 << true << false << 0;
  QTest::newRow("resampler Q=37 keys=300 hd=104") << 37 << 300 << 2 << 104 << false << false << 0;
  QTest::newRow("LLM prompt causal T=100 hd=128") << 100 << 100 << 2 << 128 << false << true << 0;
  QTest::newRow("LLM causal T=70 past=45 hd=128") << 70 << 115 << 3 << 128 << false << true << 45;
  QTest::newRow("one key, T=8 hd=128 causal") << 8 << 8 << 1 << 128 << false << true << 0;
}

}  // namespace

class TestCpuAttention : public QObject {
  Q_OBJECT
 private slots:
  // oneDNN's fp32 sgemm path (the Tiles split).
  void sgemmPathMatchesDouble_data() { cases(); }
  void sgemmPathMatchesDouble() {
    QFETCH(int, T);
    QFETCH(int, keys);
    QFETCH(int, heads);
    QFETCH(int, hd);
    QFETCH(bool, interleaved);
    QFETCH(bool, causal);
    QFETCH(int, past);
    const Case c(T, keys, heads, hd, interleaved, causal, past, 7u + T);
    const GemmSplit before = gemm_split();
    set_gemm_split(GemmSplit::Tiles);
    ThreadPool pool(3);
    std::vector<float> out = c.poisoned();
    AttentionArgs a = c.args;
    a.out = out.data();
    attention_gemm(pool, a);
    set_gemm_split(before);
    bool padding = false;
    const double err = c.error(out, &padding);
    qInfo("sgemm: max |out - ref| / max |ref| = %.3g", err);
    QVERIFY2(err <= kFp32Bar, qPrintable(QString("error %1").arg(err)));
    QVERIFY(padding);
  }

  // The tile unit's path on its emulation: within kAmxBar of double precision, and the same
  // bits with other thread counts, microkernels and job schedules (QWENVL_CPU_AMX_DYNAMIC; the
  // small shapes: the emulation is slow).
  void amxEmulatedMatchesDouble_data() { cases(); }
  void amxEmulatedMatchesDouble() {
    QFETCH(int, T);
    QFETCH(int, keys);
    QFETCH(int, heads);
    QFETCH(int, hd);
    QFETCH(bool, interleaved);
    QFETCH(bool, causal);
    QFETCH(int, past);
    const Case c(T, keys, heads, hd, interleaved, causal, past, 7u + T);
    std::vector<float> out = c.poisoned();
    AttentionArgs a = c.args;
    a.out = out.data();
    {
      ThreadPool pool(3);
      QVERIFY(attention_amx(pool, a, AmxUnit::Emulated));
    }
    bool padding = false;
    const double err = c.error(out, &padding);
    qInfo("amx (emulated): max |out - ref| / max |ref| = %.3g", err);
    QVERIFY2(err <= kAmxBar, qPrintable(QString("error %1").arg(err)));
    QVERIFY(padding);
    if (double(T) * keys * heads > 1e5) return;
    struct Variant {
      const char *kernel, *dynamic;
      int threads;
    };
    const test::EnvScope env{"QWENVL_CPU_AMX_KERNEL", "QWENVL_CPU_AMX_DYNAMIC"};
    for (const Variant& v : {Variant{"", "", 1}, Variant{"2", "0", 2}, Variant{"1", "", 4}}) {
      qputenv("QWENVL_CPU_AMX_KERNEL", v.kernel);
      qputenv("QWENVL_CPU_AMX_DYNAMIC", v.dynamic);
      ThreadPool pool(v.threads);
      std::vector<float> again = c.poisoned();
      a.out = again.data();
      QVERIFY(attention_amx(pool, a, AmxUnit::Emulated));
      qunsetenv("QWENVL_CPU_AMX_KERNEL");
      qunsetenv("QWENVL_CPU_AMX_DYNAMIC");
      QVERIFY2(std::memcmp(out.data(), again.data(), sizeof(float) * out.size()) == 0,
               qPrintable(QString("the result changed with kernel '%1', dynamic '%2', %3 threads")
                              .arg(v.kernel)
                              .arg(v.dynamic)
                              .arg(v.threads)));
    }
  }

  // Where this machine has AMX: attention_amx on the tile unit, and attention_gemm under the Amx
  // split (the dispatch), bit for bit the emulation (the sgemm path's bits below
  // kAmxAttentionMinRows rows); with QWENVL_CPU_AMX_ATTENTION=0 the sgemm path's bits. Elsewhere the hardware path must
  // refuse, leaving the output as it was.
  void amxHardwareMatchesEmulation_data() { cases(); }
  void amxHardwareMatchesEmulation() {
    QFETCH(int, T);
    QFETCH(int, keys);
    QFETCH(int, heads);
    QFETCH(int, hd);
    QFETCH(bool, interleaved);
    QFETCH(bool, causal);
    QFETCH(int, past);
    const Case c(T, keys, heads, hd, interleaved, causal, past, 7u + T);
    ThreadPool pool(3);
    std::vector<float> hw = c.poisoned();
    AttentionArgs a = c.args;
    a.out = hw.data();
    if (!amx_available()) {
      QVERIFY(!attention_amx(pool, a, AmxUnit::Hardware));
      QVERIFY(std::all_of(hw.begin(), hw.end(), [](float x) { return std::isnan(x); }));
      QSKIP("this CPU (or the OS) has no AMX: the emulation test covers the tile unit's path");
    }
    QVERIFY(attention_amx(pool, a, AmxUnit::Hardware));
    std::vector<float> emu = c.poisoned(), dispatched = c.poisoned();
    a.out = emu.data();
    QVERIFY(attention_amx(pool, a, AmxUnit::Emulated));
    std::vector<float> sgemm_out = c.poisoned(), switched_off = c.poisoned();
    const GemmSplit before = gemm_split();
    set_gemm_split(GemmSplit::Amx);
    a.out = dispatched.data();
    attention_gemm(pool, a);
    const test::EnvScope env{"QWENVL_CPU_AMX_ATTENTION"};
    qputenv("QWENVL_CPU_AMX_ATTENTION", "0");  // the sgemm path under amx
    a.out = switched_off.data();
    attention_gemm(pool, a);
    qunsetenv("QWENVL_CPU_AMX_ATTENTION");
    set_gemm_split(GemmSplit::Tiles);
    a.out = sgemm_out.data();
    attention_gemm(pool, a);
    set_gemm_split(before);
    bool padding = false;
    const double err = c.error(hw, &padding);
    double worst = 0;
    for (size_t i = 0; i < hw.size(); ++i)
      if (!std::isnan(hw[i])) worst = std::max(worst, double(std::fabs(hw[i] - emu[i])));
    qInfo("amx (hardware): max |out - ref| / max |ref| = %.3g, max |hardware - emulation| = %.3g", err, worst);
    QVERIFY2(err <= kAmxBar, qPrintable(QString("error %1").arg(err)));
    QVERIFY(padding);
    QVERIFY2(std::memcmp(hw.data(), emu.data(), sizeof(float) * hw.size()) == 0,
             "the tile unit's result differs from its emulation's");
    if (T >= kAmxAttentionMinRows)
      QVERIFY2(std::memcmp(hw.data(), dispatched.data(), sizeof(float) * hw.size()) == 0,
               "attention_gemm under the Amx split did not run the tile unit's path");
    else  // too few rows for the tile unit's path: the sgemm path under amx too
      QVERIFY2(std::memcmp(sgemm_out.data(), dispatched.data(), sizeof(float) * hw.size()) == 0,
               "attention_gemm under the Amx split ran the tile unit's path for fewer rows than its minimum");
    QVERIFY2(std::memcmp(sgemm_out.data(), switched_off.data(), sizeof(float) * hw.size()) == 0,
             "QWENVL_CPU_AMX_ATTENTION=0 did not keep the sgemm path");
  }
};

QTEST_GUILESS_MAIN(TestCpuAttention)
#include "tst_cpu_attention.moc"
