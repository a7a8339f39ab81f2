// Next-token choice with the semantics of HF transformers' generate() as chat() calls it:
// repetition penalty over every id seen so far, then temperature, top-k and top-p warpers
// (TopPLogitsWarper: keep the smallest set of best tokens whose mass exceeds top_p, always the
// best one), then a draw from the softmax. Greedy (qwenvl/sampling.h: no sampling,
// temperature 0 or top-p 0) is the first argmax. Seeded, reproducible.
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
// Modifies `logits` (divides by the temperature).
std::vector<Candidate> sampling_candidates(float* logits, int n, const SamplingParams& params);

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params) : p_(params), rng_(params.seed) {}
  int32_t next(float* logits, int n, const std::vector<int32_t>& seen);

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
};

}  // namespace qwenvl
