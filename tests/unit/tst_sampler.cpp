// Sampling semantics against literal re-statements of HF transformers' warpers on random
// logits: TopP (ascending cumulative softmax, drop mass <= 1 - top_p, keep the best), TopK
// (ties at the k-th value kept), temperature, repetition penalty; seeded draws reproducible.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "engine/sampler.h"
#include "qwenvl/sampling.h"

using namespace qwenvl;

namespace {

// HF TopPLogitsWarper + TopKLogitsWarper, written as the library does it, on a copy.
std::set<int32_t> hf_kept(std::vector<float> logits, float temperature, int top_k, float top_p) {
  const int n = static_cast<int>(logits.size());
  for (float& l : logits) l /= temperature;
  if (top_k > 0 && top_k < n) {
    std::vector<float> s = logits;
    std::nth_element(s.begin(), s.begin() + (top_k - 1), s.end(), std::greater<float>());
    const float kth = s[top_k - 1];
    for (float& l : logits)
      if (l < kth) l = -INFINITY;
  }
  std::set<int32_t> kept;
  if (top_p >= 1.0f) {
    for (int i = 0; i < n; ++i)
      if (std::isfinite(logits[i])) kept.insert(i);
    return kept;
  }
  std::vector<int32_t> asc(n);
  std::iota(asc.begin(), asc.end(), 0);
  std::stable_sort(asc.begin(), asc.end(), [&](int a, int b) { return logits[a] < logits[b]; });
  double mx = -INFINITY;
  for (float l : logits) mx = std::max<double>(mx, l);
  std::vector<double> probs(n);
  double total = 0;
  for (int i = 0; i < n; ++i) total += probs[i] = std::isfinite(logits[i]) ? std::exp(logits[i] - mx) : 0.0;
  double cum = 0;
  for (int r = 0; r < n; ++r) {
    cum += probs[asc[r]] / total;
    bool remove = cum <= 1.0 - top_p && r != n - 1;
    if (!remove && std::isfinite(logits[asc[r]])) kept.insert(asc[r]);
  }
  return kept;
}

std::vector<float> random_logits(std::mt19937& g, int n, float spread) {
  std::normal_distribution<float> d(0.0f, spread);
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

}  // namespace

class TestSampler : public QObject {
  Q_OBJECT
 private slots:
  void matchesHfWarpers() {
    std::mt19937 g(1);
    const float top_ps[] = {0.1f, 0.3f, 0.5f, 0.8f, 0.95f, 1.0f};
    const int top_ks[] = {0, 1, 5, 50};
    const float temps[] = {0.3f, 1.0f, 1.7f};
    int cases = 0;
    for (float spread : {0.5f, 2.0f, 6.0f})
      for (float tp : top_ps)
        for (int tk : top_ks)
          for (float t : temps) {
            std::vector<float> logits = random_logits(g, 3000, spread);
            SamplingParams p;
            p.temperature = t;
            p.top_k = tk;
            p.top_p = tp;
            std::set<int32_t> expect = hf_kept(logits, t, tk, tp);
            std::vector<float> work = logits;
            std::vector<Candidate> c = sampling_candidates(work.data(), int(work.size()), p);
            std::set<int32_t> got;
            double mass = 0;
            for (const auto& k : c) {
              got.insert(k.id);
              mass += k.prob;
            }
            QVERIFY2(got == expect, qPrintable(QString("spread %1 top_p %2 top_k %3 T %4: %5 kept, HF keeps %6")
                                                   .arg(spread)
                                                   .arg(tp)
                                                   .arg(tk)
                                                   .arg(t)
                                                   .arg(got.size())
                                                   .arg(expect.size())));
            QVERIFY(std::abs(mass - 1.0) < 1e-9);
            ++cases;
          }
    QVERIFY(cases > 100);
  }

  void tiesAtTopKAreKept() {
    std::vector<float> logits = {1, 3, 3, 3, 0, 2};
    SamplingParams p;
    p.top_k = 2;
    p.top_p = 1.0f;
    auto c = sampling_candidates(logits.data(), 6, p);
    QCOMPARE(int(c.size()), 3);
  }

  void bestTokenAlwaysKept() {
    std::vector<float> logits = {0, 10, 0, 0};
    SamplingParams p;
    p.top_p = 0.01f;
    auto c = sampling_candidates(logits.data(), 4, p);
    QCOMPARE(int(c.size()), 1);
    QCOMPARE(c[0].id, 1);
  }

  void repetitionPenalty() {
    std::vector<float> logits = {2.0f, -2.0f, 1.0f};
    apply_repetition_penalty(logits.data(), 3, {0, 1, 0, 1}, 2.0f);
    QCOMPARE(logits[0], 1.0f);   // positive: divided, once even though seen twice
    QCOMPARE(logits[1], -4.0f);  // negative: multiplied
    QCOMPARE(logits[2], 1.0f);   // unseen: unchanged
  }

  void greedyIsFirstArgmax() {
    std::vector<float> logits = {1, 5, 5, 2};
    SamplingParams p;
    p.do_sample = false;
    Sampler s(p);
    QCOMPARE(*s.next(logits.data(), 4, {}), 1);
  }

  void zeroTopPOrTemperatureIsGreedy() {
    // top-p 0 keeps only the best token in HF's warper; temperature 0 is greedy in the OpenAI
    // API. Both are valid everywhere and give the argmax at every draw, whatever the seed.
    std::mt19937 g(11);
    for (int round = 0; round < 20; ++round) {
      std::vector<float> logits = random_logits(g, 300, 3.0f);
      const int32_t best = argmax(logits.data(), 300);
      QCOMPARE(*hf_kept(logits, 1.0f, 0, 0.0f).begin(), best);
      for (int which = 0; which < 2; ++which) {
        SamplingParams p;
        p.seed = static_cast<uint64_t>(round);
        (which ? p.temperature : p.top_p) = 0.0f;
        QVERIFY(validate_sampling(p).ok());
        QVERIFY(is_greedy(p));
        Sampler s(p);
        std::vector<float> copy = logits;
        QCOMPARE(*s.next(copy.data(), 300, {}), best);
      }
    }
  }

  void limitsTableIsTheOneCheck() {
    const SamplingLimits& l = sampling_limits();
    SamplingParams p;
    QVERIFY(validate_sampling(p).ok());
    p.top_p = static_cast<float>(l.top_p.max) + 0.5f;
    QVERIFY(!validate_sampling(p).ok());
    QVERIFY(validate_sampling(p).message().find("top-p") != std::string::npos);
    p.top_p = -0.01f;
    QVERIFY(!validate_sampling(p).ok());
    p.top_p = NAN;
    QVERIFY(!validate_sampling(p).ok());
    QCOMPARE(clamp_sampling(p).top_p, SamplingParams().top_p);
    p = SamplingParams();
    p.temperature = -1;
    QVERIFY(!validate_sampling(p).ok());
    QCOMPARE(clamp_sampling(p).temperature, 0.0f);
    p = SamplingParams();
    p.max_new_tokens = 0;
    QVERIFY(!validate_sampling(p).ok());
    p.max_new_tokens = static_cast<int>(l.max_new_tokens.max) + 1;
    QVERIFY(!validate_sampling(p).ok());
    QCOMPARE(clamp_sampling(p).max_new_tokens, static_cast<int>(l.max_new_tokens.max));
    p = SamplingParams();
    p.top_k = -1;
    QVERIFY(!validate_sampling(p).ok());
    p.top_k = 40;
    p.repetition_penalty = 0.1f;
    QVERIFY(!validate_sampling(p).ok());
  }

  void seededDrawsAreReproducible() {
    std::mt19937 g(5);
    std::vector<float> logits = random_logits(g, 500, 1.0f);
    SamplingParams p;
    p.top_p = 0.9f;
    auto draw = [&](uint64_t seed) {
      p.seed = seed;
      Sampler s(p);
      std::vector<int32_t> out;
      for (int i = 0; i < 50; ++i) {
        std::vector<float> l = logits;
        out.push_back(*s.next(l.data(), 500, {}));
      }
      return out;
    };
    QCOMPARE(draw(42), draw(42));
    QVERIFY(draw(42) != draw(43));
  }

  // Issue 9, item 6: --top-k 5 on a checkpoint with NaN weights crashed in Sampler::next (the
  // top-k threshold was NaN, no candidate survived, back() on an empty vector).
  void nanLogitsAreReportedNotSampled() {
    std::mt19937 g(3);
    const float bad_values[] = {NAN, INFINITY, -INFINITY, 3e38f};
    for (float bad : bad_values)
      for (int mode = 0; mode < 4; ++mode) {
        SamplingParams p;
        p.top_k = mode == 0 ? 5 : 0;
        p.top_p = mode == 1 ? 0.8f : 1.0f;
        p.do_sample = mode != 2;
        p.repetition_penalty = mode == 3 ? 1.3f : 1.0f;
        std::vector<float> logits = random_logits(g, 1000, 2.0f);
        for (int i = 0; i < 1000; i += 7) logits[i] = bad;  // every 7th, the first one included
        Sampler s(p);
        std::vector<float> copy = logits;
        Result<int32_t> r = s.next(copy.data(), 1000, {1, 2, 3});
        QVERIFY2(!r.ok(), qPrintable(QString("mode %1 value %2 was sampled").arg(mode).arg(bad)));
        QVERIFY2(r.message().find("checkpoint is damaged") != std::string::npos, r.message().c_str());
        QVERIFY2(r.message().find("token 0") != std::string::npos, r.message().c_str());
      }
    // All NaN: nothing finite to fall back on, still no crash.
    std::vector<float> all_nan(50, NAN);
    SamplingParams p;
    p.top_k = 5;
    Sampler s(p);
    QVERIFY(!s.next(all_nan.data(), 50, {}).ok());
    QVERIFY(!s.next(all_nan.data(), 0, {}).ok());
    QVERIFY(sampling_candidates(all_nan.data(), 0, p).empty());
  }

  void sameSeedSameDrawsWithPenalty() {
    std::mt19937 g(9);
    SamplingParams p;
    p.top_k = 40;
    p.top_p = 0.9f;
    p.temperature = 0.7f;
    p.repetition_penalty = 1.1f;
    p.seed = 5;
    Sampler a(p), b(p);
    for (int i = 0; i < 200; ++i) {
      std::vector<float> logits = random_logits(g, 400, 3.0f);
      std::vector<float> copy = logits;
      Result<int32_t> r = a.next(logits.data(), 400, {7, 8});
      QVERIFY(r.ok());
      QCOMPARE(*r, *b.next(copy.data(), 400, {7, 8}));
    }
  }

  // The contract the device sampler (kernels/sample.cu) relies on: a sampled next() is one
  // draw() from the seeded stream, then the first candidate (sampling_candidates, after the
  // penalty) whose cumulative probability exceeds it; greedy steps draw nothing.
  void drawIsTheUniformNextUses() {
    std::mt19937 g(21);
    struct P {
      float t, tp;
      int tk;
      float pen;
    };
    for (const P& q :
         {P{1.0f, 0.8f, 0, 1.0f}, P{0.7f, 1.0f, 5, 1.3f}, P{1.5f, 0.9f, 40, 0.8f}, P{1.0f, 1.0f, 0, 1.0f}}) {
      SamplingParams p;
      p.temperature = q.t;
      p.top_p = q.tp;
      p.top_k = q.tk;
      p.repetition_penalty = q.pen;
      p.seed = 3;
      Sampler cpu(p), stream(p);
      const std::vector<int32_t> seen = {1, 5, 9, 5, 200};
      for (int i = 0; i < 300; ++i) {
        std::vector<float> logits = random_logits(g, 500, 3.0f);
        std::vector<float> copy = logits;
        const Result<int32_t> got = cpu.next(logits.data(), 500, seen);
        QVERIFY(got.ok());
        apply_repetition_penalty(copy.data(), 500, seen, p.repetition_penalty);
        const std::vector<Candidate> c = sampling_candidates(copy.data(), 500, p);
        QCOMPARE(*got, pick_for_uniform(c, stream.draw()));
      }
    }
    SamplingParams greedy;
    greedy.do_sample = false;
    greedy.seed = 4;
    Sampler a(greedy), b(greedy);
    std::vector<float> logits = random_logits(g, 50, 2.0f);
    for (int i = 0; i < 5; ++i) QVERIFY(a.next(logits.data(), 50, {}).ok());
    QCOMPARE(a.draw(), b.draw());
  }

  void drawsFollowTheDistribution() {
    std::vector<float> logits = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    SamplingParams p;
    p.top_p = 1.0f;
    p.seed = 7;
    Sampler s(p);
    int counts[3] = {0, 0, 0};
    const int N = 20000;
    for (int i = 0; i < N; ++i) {
      std::vector<float> l = logits;
      counts[*s.next(l.data(), 3, {})]++;
    }
    QVERIFY(std::abs(counts[0] / double(N) - 0.6) < 0.02);
    QVERIFY(std::abs(counts[1] / double(N) - 0.3) < 0.02);
    QVERIFY(std::abs(counts[2] / double(N) - 0.1) < 0.02);
  }
};

QTEST_GUILESS_MAIN(TestSampler)
#include "tst_sampler.moc"
