// The CPU backend's fast path (int4/fp16 SIMD kernels, oneDNN GEMMs) against its reference
// path on checkpoints the goldens never saw: asymmetric zero points (tiny_asym) and a 3-layer
// sharded one (tiny_sharded). Pictures, a 600-token prompt with two pictures spliced in and
// logits at every position, greedy decoding, three tokens at once, and a 2300-token prompt
// with dynamic NTK and logn attention, on every ISA this CPU supports (QWENVL_CPU_ISA forces
// each). Held to the CPU bars (rel-L2 <= 2e-4, same greedy ids); outputs start as NaN.
#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "cpu/cpu_backend.h"
#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "engine/backend.h"
#include "model/rotary.h"
#include "support/compare.h"
#include "support/test_env.h"

using namespace qwenvl;

namespace {

using Rows = std::vector<std::vector<float>>;

Status run(Backend& b, KvCache& kv, const std::vector<int32_t>& ids, const std::vector<EmbeddingSplice>& splices,
           double alpha, LogitsMode mode, Rows& out) {
  ForwardRequest r;
  r.ids = ids.data();
  r.n_tokens = static_cast<int>(ids.size());
  r.splices = splices;
  r.ntk_alpha = alpha;
  r.logits = mode;
  out.assign(ids.size(), {});
  const int V = b.vocab_size();
  r.on_logits = [&](int index, const float* l) { out[index].assign(l, l + V); };
  return b.forward(kv, r);
}

int argmax(const std::vector<float>& v) { return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin()); }

// Everything one backend produces for the script below.
struct Trace {
  std::vector<float> features;
  std::vector<Rows> passes;  // logits of each forward pass, in order
  std::vector<int> greedy;
};

Trace run_script(Backend& b, const ModelConfig& c, uint32_t seed, QString* error) {
  Trace t;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> token(0, 151642);
  const int S = c.visual.image_size, H = c.hidden_size, Q = c.visual.n_queries;
  std::vector<float> pixels(size_t(2) * 3 * S * S);
  for (auto& p : pixels) p = normal(rng);
  t.features.assign(size_t(2) * Q * H, std::numeric_limits<float>::quiet_NaN());
  auto check = [&](const Status& s) {
    if (!s.ok() && error->isEmpty()) *error = QString::fromStdString(s.message());
    return s.ok();
  };
  if (!check(b.encode_images(pixels.data(), 2, t.features.data()))) return t;
  const std::unique_ptr<KvCache> kv = b.new_kv_cache();
  std::vector<int32_t> ids(600);
  for (auto& id : ids) id = token(rng);
  const std::vector<EmbeddingSplice> splices = {{21, Q, t.features.data()},
                                                {300, Q, t.features.data() + size_t(Q) * H}};
  Rows rows;
  if (!check(run(b, *kv, ids, splices, 1.0, LogitsMode::All, rows))) return t;
  t.passes.push_back(rows);
  int next = argmax(rows.back());
  for (int step = 0; step < 6; ++step) {
    t.greedy.push_back(next);
    if (!check(run(b, *kv, {next}, {}, 1.0, LogitsMode::Last, rows))) return t;
    t.passes.push_back(rows);
    next = argmax(rows.back());
  }
  const std::vector<int32_t> three = {token(rng), token(rng), token(rng)};
  if (!check(run(b, *kv, three, {}, 1.0, LogitsMode::All, rows))) return t;
  t.passes.push_back(rows);
  // A long prompt: dynamic NTK (alpha 3) and logn scaling of queries past 2048, then decoding.
  kv->truncate(0);
  std::vector<int32_t> long_ids(2300);
  for (auto& id : long_ids) id = token(rng);
  const double alpha = ntk_alpha_for_length(2300, c.seq_length);
  if (!check(run(b, *kv, long_ids, {{5, Q, t.features.data()}}, alpha, LogitsMode::Last, rows))) return t;
  t.passes.push_back(rows);
  for (int step = 0; step < 3; ++step) {
    next = argmax(rows.back());
    t.greedy.push_back(next);
    if (!check(run(b, *kv, {next}, {}, alpha, LogitsMode::Last, rows))) return t;
    t.passes.push_back(rows);
  }
  return t;
}

}  // namespace

class TestCpuFast : public QObject {
  Q_OBJECT
 private slots:
  void fastMatchesReference_data() {
    QTest::addColumn<QString>("checkpoint");
    QTest::addColumn<QString>("isa");
    QTest::addColumn<int>("split");
    for (const char* ckpt : {"tiny_asym", "tiny_sharded"})
      for (cpu::Isa isa : {cpu::Isa::Avx2, cpu::Isa::Avx512})
        for (cpu::GemmSplit split : {cpu::GemmSplit::Tiles, cpu::GemmSplit::Bf16x3, cpu::GemmSplit::Amx}) {
          const QString name = QString("%1 %2 %3").arg(ckpt, cpu::isa_name(isa), cpu::gemm_split_name(split));
          QTest::newRow(qPrintable(name)) << QString(ckpt) << QString(cpu::isa_name(isa)) << int(split);
        }
  }
  void fastMatchesReference() {
    QFETCH(QString, checkpoint);
    QFETCH(QString, isa);
    QFETCH(int, split);
    const cpu::Isa want = isa == "avx512" ? cpu::Isa::Avx512 : cpu::Isa::Avx2;
    if (!cpu::isa_supported(want)) QSKIP(qPrintable(isa + " is not supported by this CPU"));
    // The amx split on the real tile unit, or on its (slow) emulation when QWENVL_CPU_AMX_EMULATE=1
    // (tst_cpu_kernels checks the emulation on every machine).
    if (cpu::GemmSplit(split) == cpu::GemmSplit::Amx && !cpu::amx_available() &&
        qgetenv("QWENVL_CPU_AMX_EMULATE") != "1")
      QSKIP("this CPU (or the OS) has no AMX (QWENVL_CPU_AMX_EMULATE=1 runs the emulation)");
    auto weights = load_model_weights(test::checkpoint_dir(checkpoint.toStdString()));
    QVERIFY2(weights.ok(), weights.ok() ? "" : weights.message().c_str());
    const ModelConfig& c = (*weights)->config;
    LoadOptions ref_opt;
    ref_opt.max_context = 4096;
    ref_opt.cpu_kernels = CpuKernels::Reference;
    LoadOptions fast_opt = ref_opt;
    fast_opt.cpu_kernels = CpuKernels::Fast;
    fast_opt.cpu_threads = 3;  // another split than the reference's
    qputenv("QWENVL_CPU_ISA", isa.toUtf8());
    qunsetenv("QWENVL_CPU_KERNELS");
    auto ref = make_cpu_backend(**weights, ref_opt);
    auto fast = make_cpu_backend(**weights, fast_opt);
    qunsetenv("QWENVL_CPU_ISA");
    QVERIFY(ref.ok() && fast.ok());
    QVERIFY2((*fast)->device_description().find(isa.toStdString()) != std::string::npos,
             (*fast)->device_description().c_str());
    QString err;
    const Trace a = run_script(**ref, c, 77, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    // The prompt's and the vision encoder's GEMMs each way (gemm.h); bf16x3 falls back to the
    // tiles where oneDNN has no fast bf16 matmul, which the kernel test reports.
    const cpu::GemmSplit before = cpu::gemm_split();
    cpu::set_gemm_split(cpu::GemmSplit(split));
    const Trace b = run_script(**fast, c, 77, &err);
    cpu::set_gemm_split(before);
    QVERIFY2(err.isEmpty(), qPrintable(err));

    const double fe = test::relative_l2(b.features, a.features);
    qInfo("vision features rel-L2 %.2e", fe);
    QVERIFY2(fe <= 2e-4, qPrintable(QString("vision features rel-L2 %1").arg(fe)));
    QCOMPARE(b.greedy, a.greedy);
    QCOMPARE(b.passes.size(), a.passes.size());
    double worst = 0;
    for (size_t p = 0; p < a.passes.size(); ++p) {
      QCOMPARE(b.passes[p].size(), a.passes[p].size());
      for (size_t r = 0; r < a.passes[p].size(); ++r) {
        if (a.passes[p][r].empty()) continue;
        const double e = test::relative_l2(b.passes[p][r], a.passes[p][r]);
        QVERIFY2(std::isfinite(e), qPrintable(QString("pass %1 row %2: not finite").arg(p).arg(r)));
        worst = std::max(worst, e);
        QVERIFY2(e <= 2e-4, qPrintable(QString("pass %1 row %2: logits rel-L2 %3").arg(p).arg(r).arg(e)));
      }
    }
    qInfo("worst logits rel-L2 %.2e over %zu passes, greedy ids equal", worst, a.passes.size());
  }
};

QTEST_GUILESS_MAIN(TestCpuFast)
#include "tst_cpu_fast.moc"
