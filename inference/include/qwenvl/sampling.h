// Sampling parameters and the one definition of which values are valid. The settings dialog,
// the stored settings, the CLI flags, the server and the engine all read the same limits
// table and call the same validate(); nobody keeps a copy of the ranges.
//
// Greedy: do_sample = false, or temperature = 0, or top_p = 0. Top-p 0 keeps only the most
// probable token (as HF's TopPLogitsWarper does with min_tokens_to_keep = 1) and temperature 0
// is greedy in the OpenAI API, so both are accepted everywhere and mean greedy decoding.
#pragma once

#include <cstdint>

#include "qwenvl/status.h"

namespace qwenvl {

struct SamplingParams {
  bool do_sample = true;            // false: greedy
  float temperature = 1.0f;         // 0: greedy
  float top_p = 0.5f;               // 1.0 disables; 0: greedy
  int top_k = 0;                    // 0 disables
  float repetition_penalty = 1.0f;  // 1.0 disables
  uint64_t seed = 0;
  int max_new_tokens = 512;
};

// A closed range [min, max] with the step and decimals a spin box shows it with.
struct RealLimit {
  double min, max, step;
  int decimals;
  bool contains(double v) const { return v >= min && v <= max; }  // false for NaN
};
struct IntLimit {
  int64_t min, max;
  bool contains(int64_t v) const { return v >= min && v <= max; }
};

struct SamplingLimits {
  RealLimit temperature{0.0, 5.0, 0.05, 2};
  RealLimit top_p{0.0, 1.0, 0.05, 2};
  IntLimit top_k{0, 151936};  // up to the vocabulary
  RealLimit repetition_penalty{0.5, 5.0, 0.05, 2};
  IntLimit max_new_tokens{1, 8192};  // the default context length
};
const SamplingLimits& sampling_limits();

// Ok, or which value is out of range and what the range is ("top-p is 1.5; it must be between
// 0 and 1 (0 means greedy)").
Status validate_sampling(const SamplingParams& params);

// Whether these parameters choose the argmax at every step (after the repetition penalty).
bool is_greedy(const SamplingParams& params);

// Each value brought into its range (NaN becomes the default); for settings read from disk.
SamplingParams clamp_sampling(const SamplingParams& params);

}  // namespace qwenvl
