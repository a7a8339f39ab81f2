// GPU test: sampled decoding on the device (mark_seen + sample_pick) against the engine's CPU
// sampler on fixed logits at the real vocabulary size. For each parameter set (top-p, top-k,
// temperature, the repetition penalty over a history, combinations; peaked, flat and tied
// logits) it draws 20000 tokens with seeded uniforms and checks: no token outside the CPU
// sampler's kept set; a G-test of the counts against the CPU sampler's own probabilities
// (sampling_candidates, double) at a significance of 1e-6, so a false failure is negligible
// and the seed makes it deterministic anyway; where the kept set is small (the device sorts it
// as the CPU does), the very token Sampler::next draws for the same uniform. Then seeded runs
// repeat, the scratch survives other calls, and bad logits are reported. Outputs are poisoned.
// Run: build/tests/gpu/test_sample
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "engine/sampler.h"
#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

constexpr int kV = 151936;
constexpr int kDraws = 20000;

struct DeviceSampler {
  int n;
  Dev<float> logits;
  Dev<uint8_t> mark;
  Dev<int> block{2 + 4096};
  Dev<char> scratch;
  Dev<k::SampleArgs> args{kDraws};
  Dev<int> out{2 * kDraws};
  explicit DeviceSampler(int vocab)
      : n(vocab),
        logits(static_cast<size_t>(vocab)),
        mark(static_cast<size_t>(vocab)),
        scratch(k::sample_pick_scratch_bytes(vocab)) {
    GPU_CUDA(cudaMemset(scratch.get(), 0, scratch.size()));
  }
  // Clears the mask, marks `seen` and sets the penalty, as the decode graph's block does.
  void set_seen(const std::vector<int32_t>& seen, float penalty) {
    GPU_CUDA(cudaMemset(mark.get(), 0, static_cast<size_t>(n)));
    std::vector<int> b(2 + seen.size());
    b[0] = static_cast<int>(seen.size());
    std::memcpy(&b[1], &penalty, sizeof(float));
    std::copy(seen.begin(), seen.end(), b.begin() + 2);
    GPU_CUDA(cudaMemcpy(block.get(), b.data(), std::min(b.size(), block.size()) * sizeof(int), cudaMemcpyHostToDevice));
    if (!seen.empty()) GPU_CUDA(k::mark_seen(block.get(), mark.get(), n, static_cast<int>(seen.size()), nullptr));
  }
  // One draw per uniform; returns the tokens (or -1 - bad index when logits were refused).
  std::vector<int> draw(const std::vector<float>& l, const SamplingParams& p, const std::vector<double>& uniforms) {
    logits.upload(l);
    std::vector<k::SampleArgs> a(uniforms.size());
    for (size_t i = 0; i < a.size(); ++i) a[i] = {p.temperature, p.top_p, p.top_k, 0, uniforms[i]};
    args.upload(a);
    out.poison();
    for (size_t i = 0; i < a.size(); ++i) {
      GPU_CUDA(k::sample_pick(logits.get(), n, mark.get(), block.get(), args.get() + i, kMaxLogit, scratch.get(),
                              out.get() + 2 * i, nullptr));
    }
    const std::vector<int> o = out.download();
    std::vector<int> t(uniforms.size());
    for (size_t i = 0; i < t.size(); ++i) t[i] = o[2 * i + 1] == n ? o[2 * i] : -1 - o[2 * i + 1];
    return t;
  }
};

std::vector<double> uniforms(uint64_t seed, int count) {
  SamplingParams p;
  p.seed = seed;
  Sampler s(p);  // the engine's stream: what a session hands the device
  std::vector<double> u(static_cast<size_t>(count));
  for (double& x : u) x = s.draw();
  return u;
}

// Upper 1e-6 quantile of chi-square with df degrees of freedom (Wilson-Hilferty; z = 4.753).
double chi2_critical(int df) {
  const double d = df, z = 4.753;
  const double t = 1 - 2 / (9 * d) + z * std::sqrt(2 / (9 * d));
  return std::max(d * t * t * t, 30.0);  // df 1: the exact quantile is 23.9
}

struct Case {
  const char* name;
  std::vector<float> logits;
  float temperature, top_p;
  int top_k;
  float penalty;
  std::vector<int32_t> seen;
  bool same_tokens;  // the kept set is small and sorted: the very CPU tokens are expected
};

// The CPU sampler's kept tokens and probabilities (best first while it sorts).
std::vector<Candidate> cpu_candidates(const Case& c) {
  std::vector<float> l = c.logits;
  apply_repetition_penalty(l.data(), static_cast<int>(l.size()), c.seen, c.penalty);
  SamplingParams p;
  p.temperature = c.temperature;
  p.top_p = c.top_p;
  p.top_k = c.top_k;
  return sampling_candidates(l.data(), static_cast<int>(l.size()), p);
}

void run_case(DeviceSampler& d, const Case& c, uint64_t seed) {
  SamplingParams p;
  p.temperature = c.temperature;
  p.top_p = c.top_p;
  p.top_k = c.top_k;
  p.repetition_penalty = c.penalty;
  const std::vector<Candidate> cand = cpu_candidates(c);
  d.set_seen(c.seen, c.penalty);
  const std::vector<double> u = uniforms(seed, kDraws);
  const std::vector<int> got = d.draw(c.logits, p, u);

  std::vector<int> slot(static_cast<size_t>(d.n), -1);  // token -> index in cand
  for (size_t i = 0; i < cand.size(); ++i) slot[cand[i].id] = static_cast<int>(i);
  std::vector<double> count(cand.size(), 0);
  int outside = 0, first_outside = 0;
  for (int t : got) {
    if (t < 0 || t >= d.n || slot[t] < 0) {
      if (outside++ == 0) first_outside = t;
      continue;
    }
    count[slot[t]] += 1;
  }
  GPU_CHECK(outside == 0, "%s: %d draws outside the CPU's kept set of %zu (first: %d)", c.name, outside, cand.size(),
            first_outside);

  // G-test over groups: the candidates best first, a token of its own when it expects >= 20
  // draws, else merged with its neighbours until the group does.
  std::vector<size_t> order(cand.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return cand[a].prob > cand[b].prob || (cand[a].prob == cand[b].prob && cand[a].id < cand[b].id);
  });
  std::vector<std::pair<double, double>> groups;  // expected, observed
  double exp_acc = 0, obs_acc = 0;
  for (size_t i : order) {
    exp_acc += cand[i].prob * kDraws;
    obs_acc += count[i];
    if (exp_acc >= 20) {
      groups.push_back({exp_acc, obs_acc});
      exp_acc = obs_acc = 0;
    }
  }
  if (exp_acc > 0 || obs_acc > 0) {  // the tail short of 20 expected draws joins the last group
    if (groups.empty()) groups.push_back({0, 0});
    groups.back().first += exp_acc;
    groups.back().second += obs_acc;
  }
  double g = 0;
  for (const auto& [e, o] : groups)
    if (o > 0) g += 2 * o * std::log(o / e);
  // G = 2 sum O ln(O/E) (sum O = sum E = the draws inside the kept set).
  const int n_groups = static_cast<int>(groups.size());
  const int df = std::max(1, n_groups - 1);
  const double crit = chi2_critical(df);
  GPU_CHECK(n_groups <= 1 || g <= crit, "%s: G = %.1f over %d groups (critical %.1f at 1e-6)", c.name, g, n_groups,
            crit);

  int differ = 0;
  if (c.same_tokens) {
    // Sampler::next's draw for the same uniform over the sorted candidates.
    for (size_t i = 0; i < got.size(); ++i) differ += got[i] != pick_for_uniform(cand, u[i]);
    // The gathered path draws in the CPU's order: for these cases, the very CPU token is expected.
    // (On the H200, before the kernel's fix for an empty bin after the top-p mass, 17216 of 20000
    // differed in "peaked, penalty 1.3, top-p 0.8": that case fell to the exact path.)
    GPU_CHECK(differ <= 2, "%s: %d of %d draws differ from the CPU sampler's token for the same uniform", c.name,
              differ, kDraws);
  }
  std::printf("  %-34s kept %6zu  groups %4d  G %8.1f (crit %7.1f)%s\n", c.name, cand.size(), n_groups, g, crit,
              c.same_tokens ? (differ ? "  tokens: some differ" : "  tokens: same as CPU") : "");
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_sample")) return skip;
  Rng rng(2024);

  // Peaked: a dense low tail and a sparse head of 40 tokens far above it (as a model's logits).
  std::vector<float> peaked = rng.normal(kV, 1.5f);
  std::vector<int32_t> head;
  for (int i = 0; i < 40; ++i) {
    const int id = rng.uniform_int(0, kV - 1);
    peaked[id] = 16.f + rng.normal(1, 1.2f)[0];
    head.push_back(id);
  }
  // History for the penalty: the head's best few, some negative tail ids, repeats.
  std::vector<int32_t> hist(head.begin(), head.begin() + 8);
  for (int i = 0; i < 30; ++i) hist.push_back(rng.uniform_int(0, kV - 1));
  hist.push_back(head[0]);
  const std::vector<float> flat = rng.normal(kV, 0.5f);
  const std::vector<float> tied(kV, 2.5f);
  std::vector<float> kth_ties = rng.normal(kV, 1.f);
  for (int i = 0; i < 3; ++i) kth_ties[1000 + 7 * i] = 10.f;
  for (int i = 0; i < 4; ++i) kth_ties[5000 + 11 * i] = 9.f;  // top-k 5 keeps all 4 (ties at the 5th)

  std::vector<Case> cases = {
      {"peaked, top-p 0.8", peaked, 1.f, 0.8f, 0, 1.f, {}, true},
      {"peaked, top-k 5", peaked, 1.f, 1.f, 5, 1.f, {}, true},
      {"peaked, temperature 0.7", peaked, 0.7f, 1.f, 0, 1.f, {}, false},
      {"peaked, penalty 1.3, top-p 0.8", peaked, 1.f, 0.8f, 0, 1.3f, hist, true},
      {"peaked, all four", peaked, 0.7f, 0.9f, 20, 1.3f, hist, true},
      {"peaked, temperature 2, top-p 0.95", peaked, 2.f, 0.95f, 0, 1.f, {}, false},
      {"flat, top-p 0.8", flat, 1.f, 0.8f, 0, 1.f, {}, false},
      {"flat, top-k 5", flat, 1.f, 1.f, 5, 1.f, {}, false},
      {"flat, temperature 5", flat, 5.f, 1.f, 0, 1.f, {}, false},
      {"flat, top-k 50000, top-p 0.95", flat, 1.f, 0.95f, 50000, 1.2f, hist, false},
      {"tied, top-p 0.5", tied, 1.f, 0.5f, 0, 1.f, {}, false},
      {"ties at the k-th, top-k 5", kth_ties, 1.f, 1.f, 5, 1.f, {}, true},
  };
  DeviceSampler d(kV);
  uint64_t seed = 11;
  for (const Case& c : cases) run_case(d, c, seed++);

  // A vocabulary the fast path holds whole (every token gathered).
  {
    DeviceSampler small(3000);
    Case c{"small vocabulary, top-p 0.95", rng.normal(3000, 0.5f), 1.f, 0.95f, 0, 1.f, {}, false};
    run_case(small, c, 99);
  }

  // Seeded runs repeat, also after other parameters used the same scratch.
  {
    SamplingParams p;
    p.temperature = 0.8f;
    p.top_p = 0.9f;
    p.top_k = 30;
    d.set_seen({}, 1.f);
    const std::vector<double> u = uniforms(7, 500);
    const std::vector<int> a = d.draw(peaked, p, u);
    SamplingParams q;
    q.top_p = 1.f;
    (void)d.draw(flat, q, uniforms(8, 50));  // the exact path in between
    const std::vector<int> b = d.draw(peaked, p, u);
    GPU_CHECK(a == b, "the same seed and logits gave different tokens");
    const std::vector<int> c = d.draw(peaked, p, uniforms(9, 500));
    GPU_CHECK(a != c, "another seed gave the same 500 tokens");
  }

  // Bad logits: the first bad index, as greedy_pick and check_logits report it.
  {
    SamplingParams p;
    p.top_p = 0.8f;
    d.set_seen({}, 1.f);
    for (const auto& bad : std::vector<std::vector<std::pair<int, float>>>{
             {{kV - 1, std::nanf("")}}, {{70000, INFINITY}, {90000, std::nanf("")}}, {{123456, 3e30f}}}) {
      std::vector<float> l = rng.normal(kV);
      for (const auto& b : bad) l[b.first] = b.second;
      const std::vector<int> t = d.draw(l, p, {0.5});
      GPU_CHECK(t[0] == -1 - bad.front().first, "bad logit at %d reported as %d", bad.front().first, t[0]);
    }
    // And the next call on good logits samples again.
    const std::vector<int> t = d.draw(peaked, p, {0.5});
    GPU_CHECK(t[0] >= 0, "no token after bad logits (%d)", t[0]);
  }

  // Timing at the real size (information only): the gathered path and the exact path.
  for (const auto& tc : std::vector<std::pair<const char*, std::pair<const std::vector<float>*, float>>>{
           {"sample pick time, peaked top-p 0.8 (gathered)", {&peaked, 0.8f}},
           {"sample pick time, flat top-p 0.8 (exact path)", {&flat, 0.8f}}}) {
    SamplingParams p;
    p.top_p = tc.second.second;
    d.set_seen({}, 1.f);
    d.logits.upload(*tc.second.first);
    const std::vector<k::SampleArgs> a = {{p.temperature, p.top_p, p.top_k, 0, 0.37}};
    d.args.upload(a);
    const float us = time_us(
        [&] {
          k::sample_pick(d.logits.get(), kV, d.mark.get(), d.block.get(), d.args.get(), kMaxLogit, d.scratch.get(),
                         d.out.get(), nullptr);
        },
        100);
    std::printf("  %-44s %8.2f us\n", tc.first, us);
  }
  return finish("test_sample");
}
