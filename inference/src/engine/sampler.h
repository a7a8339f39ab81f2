// Next-token choice with the semantics of HF transformers' generate() as chat() calls it:
// repetition penalty over every id seen so far, then temperature, top-k and top-p warpers
// (TopPLogitsWarper: keep the smallest set of best tokens whose mass exceeds top_p, always the
// best one), then a draw from the softmax. Greedy (qwenvl/sampling.h: no sampling,
// temperature 0 or top-p 0) is the first argmax. Seeded, reproducible. Logits that are NaN or
// infinite mean a damaged checkpoint; Sampler::next reports them instead of sampling from them.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "qwenvl/engine.h"

namespace qwenvl {

int32_t argmax(const float* logits, int n);

// RepetitionPenaltyLogitsProcessor: every distinct id in `seen` has its logit divided by the
// penalty when positive, multiplied when negative. Modifies `logits`.
void apply_repetition_penalty(float* logits, int n, const std::vector<int32_t>& seen, float penalty);

struct Candidate {
  int32_t id;
  double prob;  // normalised over the candidates
};
// The tokens a sampled draw can pick after temperature, top-k and top-p, with their
// probabilities; best first unless more than 4096 remain (no top-p, large or no top-k).
// Modifies `logits` (divides by the temperature). Expects finite logits (check_logits); empty
// only when n <= 0.
std::vector<Candidate> sampling_candidates(float* logits, int n, const SamplingParams& params);
// The draw's token: the first candidate whose cumulative probability exceeds u in [0, 1), the
// last one when rounding leaves u past the total. c must not be empty.
int32_t pick_for_uniform(const std::vector<Candidate>& c, double u);

// Ok when every logit is finite and small enough that the repetition penalty and temperature
// cannot overflow it; otherwise "the model produced NaN logits (token 17): the checkpoint is
// damaged". A model never produces logits anywhere near kMaxLogit.
constexpr float kMaxLogit = 1e30f;
Status check_logits(const float* logits, int n);

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params) : p_(params), rng_(params.seed) {}
  // The next token, or an error when the logits are not finite (check_logits) or n <= 0.
  Result<int32_t> next(float* logits, int n, const std::vector<int32_t>& seen);
  // The uniform in [0, 1) that next() draws for a sampled (not greedy) token, taken from the same
  // seeded stream: a device sampler given draw() consumes the stream exactly as next() would, so
  // a seeded run stays reproducible whichever side samples.
  double draw() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  const SamplingParams& params() const { return p_; }

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
};

}  // namespace qwenvl
