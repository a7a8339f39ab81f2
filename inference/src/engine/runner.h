// The step-wise runner beneath ChatSession::generate, conform and the benchmark: one KV cache
// of its own, a prompt's pictures encoded and spliced in, the prompt run over what the cache
// does not hold yet, then one token at a time. The pipeline prompt -> pictures -> splices ->
// prefill -> step exists only here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/internal.h"
#include "engine/prompt.h"
#include "engine/sampler.h"

namespace qwenvl {

// Where the runner finds a prompt's pictures, by the label between <img> and </img>.
class PictureSource {
 public:
  virtual ~PictureSource() = default;
  // The encoder's input ([3][S][S] normalised) for `label`; an error for an unknown picture.
  virtual Result<const float*> input(const std::string& label) = 0;
  // Features kept from an earlier encoding ([n_queries][hidden]), or null.
  virtual const float* features(const std::string& label) = 0;
  // Offered the encoder's output for `label` after a prefill used it.
  virtual void keep(const std::string& label, std::vector<float> features) = 0;
};

struct PrefillInfo {
  std::vector<ImageSpan> spans;  // every picture of the prompt, in order
  double ntk_alpha = 1.0;
  int prompt_tokens = 0;
  int cached_tokens = 0;  // reused from the cache, not computed again
  int images_encoded = 0;
  double vision_seconds = 0;
};

// Callers serialise runners of one model through ModelImpl::busy (a tool that owns the model
// alone needs no lock). The runner must not outlive the model.
class Runner {
 public:
  explicit Runner(ModelImpl& model) : model_(model) {}
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs the prompt `ids`: finds its pictures, reuses the cached prefix computed with the same
  // NTK alpha (at least the last position always runs), encodes the pictures whose span is not
  // cached and has no kept features, splices them in, and runs the rest of the prompt with the
  // given logits mode (indices in on_logits are positions of `ids`).
  Result<PrefillInfo> prefill(const std::vector<int32_t>& ids, PictureSource& pictures, LogitsMode mode,
                              const LogitsFn& on_logits);
  // One more token, at the alpha of the last prefill; its logits go to on_logits (index 0).
  Status step(int32_t token, const LogitsFn& on_logits);
  // One more token, and the greedy choice of the next one (argmax after the repetition penalty
  // over `seen`) in *next; on a GPU the logits stay on the device.
  Status step_greedy(int32_t token, const std::vector<int32_t>& seen, float repetition_penalty, int32_t* next);
  // One more token, and the next one chosen by `sampler` (its parameters, its seeded stream) with
  // the repetition penalty over `seen`: on a GPU the draw happens on the device from
  // sampler.draw(), elsewhere Sampler::next runs over the logits on the host.
  Status step_sample(int32_t token, const std::vector<int32_t>& seen, Sampler& sampler, int32_t* next);

  int length() const { return cache_ ? cache_->length() : 0; }
  int max_context() const { return model_.backend->max_context(); }
  // Forgets every cached position.
  void reset();

 private:
  Status ensure_cache();
  // A one-token step whose next token `choose` picks from a copy of the host logits.
  Status pick_on_host(int32_t token, int32_t* next, const std::function<Result<int32_t>(float*, int)>& choose);
  // A one-token step whose next token the backend picks on the device (greedy without `sampling`).
  Status pick_on_device(int32_t token, const std::vector<int32_t>& seen, float repetition_penalty,
                        const SamplingParams* sampling, double uniform, int32_t* next);
  Result<std::vector<ImageSpan>> check_pictures(const std::vector<int32_t>& ids, PictureSource& pictures) const;

  ModelImpl& model_;
  std::unique_ptr<KvCache> cache_;
  std::vector<float> pick_scratch_;  // pick_on_host's copy of the logits, kept across steps
};

}  // namespace qwenvl
