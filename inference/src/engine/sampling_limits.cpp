// The sampling limits table and its checks (qwenvl/sampling.h).
#include <cmath>
#include <sstream>

#include "qwenvl/sampling.h"

namespace qwenvl {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

Status out_of_range(const char* what, double v, double lo, double hi, const char* note = "") {
  return Status::error(std::string(what) + " is " + number(v) + "; it must be between " + number(lo) + " and " +
                       number(hi) + note);
}

double clamp_to(const RealLimit& l, double v, double fallback) {
  if (std::isnan(v)) return fallback;
  return v < l.min ? l.min : v > l.max ? l.max : v;
}

template <class T>
T clamp_to(const IntLimit& l, T v) {
  return static_cast<T>(static_cast<int64_t>(v) < l.min ? l.min : static_cast<int64_t>(v) > l.max ? l.max : v);
}

}  // namespace

const SamplingLimits& sampling_limits() {
  static const SamplingLimits limits;
  return limits;
}

Status validate_sampling(const SamplingParams& p) {
  const SamplingLimits& l = sampling_limits();
  if (!l.max_new_tokens.contains(p.max_new_tokens))
    return out_of_range("the reply length", p.max_new_tokens, double(l.max_new_tokens.min),
                        double(l.max_new_tokens.max), " tokens");
  if (!l.repetition_penalty.contains(p.repetition_penalty))
    return out_of_range("the repetition penalty", p.repetition_penalty, l.repetition_penalty.min,
                        l.repetition_penalty.max, " (1 means none)");
  // The sampling values matter only when sampling, but a value outside its range is refused
  // either way, so a setting that is wrong is found before it is switched on.
  if (!l.temperature.contains(p.temperature))
    return out_of_range("the temperature", p.temperature, l.temperature.min, l.temperature.max, " (0 means greedy)");
  if (!l.top_p.contains(p.top_p)) return out_of_range("top-p", p.top_p, l.top_p.min, l.top_p.max, " (0 means greedy)");
  if (!l.top_k.contains(p.top_k))
    return out_of_range("top-k", p.top_k, double(l.top_k.min), double(l.top_k.max), " (0 means no limit)");
  return Status();
}

bool is_greedy(const SamplingParams& p) { return !p.do_sample || p.temperature == 0.0f || p.top_p == 0.0f; }

SamplingParams clamp_sampling(const SamplingParams& p) {
  const SamplingLimits& l = sampling_limits();
  const SamplingParams d;
  SamplingParams c = p;
  c.temperature = static_cast<float>(clamp_to(l.temperature, p.temperature, d.temperature));
  c.top_p = static_cast<float>(clamp_to(l.top_p, p.top_p, d.top_p));
  c.repetition_penalty = static_cast<float>(clamp_to(l.repetition_penalty, p.repetition_penalty, d.repetition_penalty));
  c.top_k = clamp_to(l.top_k, p.top_k);
  c.max_new_tokens = clamp_to(l.max_new_tokens, p.max_new_tokens);
  return c;
}

}  // namespace qwenvl
