// Backend's non-virtual part: a request is checked once here, for every backend, before the
// backend's own pass runs; the cache's token record is kept here too.
#include "engine/backend.h"

#include <algorithm>
#include <cmath>

namespace qwenvl {

void KvCache::truncate(int n) {
  n = std::max(0, std::min(n, length()));
  tokens_.resize(static_cast<size_t>(n));
  release_after(n);
}

std::unique_ptr<KvCache> Backend::new_kv_cache() {
  std::unique_ptr<KvCache> c = make_kv_cache();
  if (c) c->owner_ = this;
  return c;
}

Status Backend::check(const KvCache& cache, const ForwardRequest& r) const {
  if (cache.owner_ != this) return Status::error("forward: the KV cache belongs to another backend");
  const int n = r.n_tokens;
  if (n <= 0 || !r.ids) return Status::error("forward: no tokens given");
  const int V = vocab_size();
  for (int i = 0; i < n; ++i) {
    if (r.ids[i] < 0 || r.ids[i] >= V)
      return Status::error("forward: token id " + std::to_string(r.ids[i]) + " is outside the vocabulary (" +
                           std::to_string(V) + ")");
  }
  for (const EmbeddingSplice& s : r.splices) {
    if (s.offset < 0 || s.rows < 0 || s.offset + s.rows > n)
      return Status::error("forward: an embedding splice (offset " + std::to_string(s.offset) + ", " +
                           std::to_string(s.rows) + " rows) does not fit the " + std::to_string(n) + " tokens");
    if (s.rows > 0 && !s.data && !s.kept)
      return Status::error("forward: an embedding splice (offset " + std::to_string(s.offset) + ") has no data");
    if (s.kept && !keeps_features())
      return Status::error("forward: this backend keeps no picture features (an embedding splice names some)");
  }
  if (cache.length() + n > max_context())
    return Status::error("the conversation needs " + std::to_string(cache.length() + n) +
                         " positions but the context holds " + std::to_string(max_context()) +
                         ": start a new chat or raise the context length");
  if (!std::isfinite(r.ntk_alpha) || r.ntk_alpha < 1.0)
    return Status::error("forward: NTK alpha " + std::to_string(r.ntk_alpha) + " is not a finite number >= 1");
  return Status();
}

Status Backend::encode_images_kept(const float*, int, const uint16_t**) {
  return Status::error("this backend keeps no picture features (Backend::encode_images gives them to the host)");
}

Status Backend::copy_kept_features(float*) {
  return Status::error("this backend keeps no picture features (Backend::encode_images gives them to the host)");
}

Status Backend::forward(KvCache& cache, const ForwardRequest& r) {
  QWENVL_TRY(check(cache, r));
  if (r.pick && (!picks_on_device() || r.n_tokens != 1))
    return Status::error("forward: this backend cannot pick tokens itself (Runner::step_greedy picks on the host)");
  if (const SamplingParams* sp = r.pick_sampling) {
    // Sampled picks come only for parameters that are not greedy (Runner::step_sample; is_greedy's
    // rule, written out: this library is linked into the CUDA module, which has no engine).
    if (!sp->do_sample || !(sp->temperature > 0) || !(sp->top_p > 0) || sp->top_k < 0 ||
        !(r.pick_uniform >= 0 && r.pick_uniform < 1))
      return Status::error(
          "forward: a sampled pick needs do_sample, temperature > 0, top-p > 0, top-k >= 0 and a uniform in "
          "[0, 1)");
  }
  QWENVL_TRY(run_forward(cache, r));
  cache.tokens_.insert(cache.tokens_.end(), r.ids, r.ids + r.n_tokens);
  cache.alpha_ = r.ntk_alpha;
  return Status();
}

}  // namespace qwenvl
