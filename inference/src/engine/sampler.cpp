// Next-token choice (sampler.h): repetition penalty, temperature, top-k, top-p, a seeded draw,
// and the check that refuses NaN or infinite logits instead of drawing from them.
#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qwenvl {

int32_t argmax(const float* logits, int n) {
  int32_t best = 0;
  for (int i = 1; i < n; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

void apply_repetition_penalty(float* logits, int n, const std::vector<int32_t>& seen, float penalty) {
  if (penalty == 1.0f) return;
  std::vector<uint8_t> done(static_cast<size_t>(n), 0);
  for (int32_t id : seen)
    if (id >= 0 && id < n && !done[id]) {
      done[id] = 1;
      logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
    }
}

std::vector<Candidate> sampling_candidates(float* logits, int n, const SamplingParams& p) {
  if (n <= 0) return {};
  if (p.temperature != 1.0f)
    for (int i = 0; i < n; ++i) logits[i] /= p.temperature;
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) order[i] = i;
  auto better = [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  size_t keep = order.size();
  if (p.top_k > 0 && p.top_k < n) {  // TopKLogitsWarper keeps every token >= the k-th value
    std::nth_element(order.begin(), order.begin() + (p.top_k - 1), order.end(), better);
    const float kth = logits[order[p.top_k - 1]];
    keep = static_cast<size_t>(std::partition(order.begin(), order.end(), [&](int32_t i) { return logits[i] >= kth; }) -
                               order.begin());
  }
  const float max_logit = logits[*std::min_element(order.begin(), order.begin() + keep, better)];
  auto weight = [&](int32_t id) { return std::exp(double(logits[id]) - max_logit); };
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += weight(order[i]);

  // TopPLogitsWarper: a token survives while the mass of the tokens better than it is below
  // top_p. Only as many of the best tokens are sorted as that mass needs.
  size_t sorted = 0;
  if (p.top_p < 1.0f) {
    size_t want = std::min<size_t>(keep, 64);
    for (;;) {
      std::partial_sort(order.begin(), order.begin() + want, order.begin() + keep, better);
      sorted = want;
      double before = 0;
      size_t cut = 0;
      while (cut < sorted && (cut == 0 || before / total < p.top_p)) before += weight(order[cut++]);
      if (cut < sorted || sorted == keep) {
        keep = cut;
        break;
      }
      want = std::min(keep, want * 4);
    }
  }
  if (sorted < keep && keep <= 4096) std::sort(order.begin(), order.begin() + keep, better);
  std::vector<Candidate> out(keep);
  double mass = 0;
  for (size_t i = 0; i < keep; ++i) mass += (out[i] = {order[i], weight(order[i])}).prob;
  for (Candidate& c : out) c.prob /= mass;
  return out;
}

Status check_logits(const float* logits, int n) {
  for (int i = 0; i < n; ++i) {
    const float v = logits[i];
    if (std::isfinite(v) && std::fabs(v) <= kMaxLogit) continue;
    const std::string what = std::isnan(v)   ? "NaN"
                             : std::isinf(v) ? "infinite"
                                             : "absurdly large (" + std::to_string(v) + ")";
    return Status::error("the model produced " + what + " logits (token " + std::to_string(i) +
                         "): the checkpoint is damaged (NaN or infinite weights?)");
  }
  return Status();
}

Result<int32_t> Sampler::next(float* logits, int n, const std::vector<int32_t>& seen) {
  if (n <= 0) return Result<int32_t>::error("no logits to sample from (vocabulary size " + std::to_string(n) + ")");
  // Checked before anything else: NaN breaks the orderings below (the top-k threshold becomes NaN
  // and no candidate survives), so bad logits must never reach them.
  QWENVL_TRY(check_logits(logits, n));
  apply_repetition_penalty(logits, n, seen, p_.repetition_penalty);
  if (is_greedy(p_)) return argmax(logits, n);
  std::vector<Candidate> c = sampling_candidates(logits, n, p_);
  if (c.empty())
    return Result<int32_t>::error("sampling left no candidate token");  // guard; finite logits always keep one
  return pick_for_uniform(c, draw());
}

int32_t pick_for_uniform(const std::vector<Candidate>& c, double u) {
  double acc = 0;
  for (const Candidate& k : c) {
    acc += k.prob;
    if (u < acc) return k.id;
  }
  return c.back().id;
}

}  // namespace qwenvl
