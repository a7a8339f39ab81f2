// What a compute backend (cpu/, cuda/) provides to the engine: the vision encoder, and the
// decoder running over KV caches it hands out (one per conversation). The engine owns
// tokenisation, the chat template, picture preprocessing, sampling and streaming.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/weights.h"
#include "qwenvl/sampling.h"
#include "qwenvl/status.h"

namespace qwenvl {

class Backend;

// Rows of input embeddings that replace the token embeddings at some positions of a forward
// pass: a picture's 256 resampler outputs between <img> and </img>. The rows come from the host
// (`data`) or, on a backend whose keeps_features() is true, from features it keeps in its own
// memory (`kept`, from encode_images_kept), which it reads without a trip through the host.
struct EmbeddingSplice {
  int offset = 0;  // first position, relative to the start of this forward pass
  int rows = 0;
  const float* data = nullptr;     // [rows][hidden] fp32 on the host
  const uint16_t* kept = nullptr;  // or [rows][hidden] fp16 bits in the backend's memory
};

enum class LogitsMode { None, Last, All };

// Receives [vocab] fp32 logits for position `index` (0-based within the pass); the pointer is
// valid only during the call.
using LogitsFn = std::function<void(int index, const float* logits)>;

struct ForwardRequest {
  const int32_t* ids = nullptr;  // tokens for positions [cache.length(), cache.length() + n_tokens)
  int n_tokens = 0;
  std::vector<EmbeddingSplice> splices;
  // Dynamic NTK: chosen on the prompt pass from the full prompt length and kept for every
  // decode step (model/rotary.h).
  double ntk_alpha = 1.0;
  LogitsMode logits = LogitsMode::Last;  // Last: index n_tokens - 1
  LogitsFn on_logits;
  // Greedy decoding of a one-token pass, for backends whose picks_on_device() is true: *pick
  // receives the first argmax of its logits after the repetition penalty over pick_seen (as
  // Sampler::next with greedy parameters), on_logits is not called and no logits reach the host.
  // Non-finite logits fail the pass with check_logits' message (engine/sampler.h).
  int32_t* pick = nullptr;
  const std::vector<int32_t>* pick_seen = nullptr;
  float pick_penalty = 1.0f;
  // Sampled decoding instead (with pick): when pick_sampling is set (never greedy parameters:
  // temperature > 0 and top-p > 0, checked by forward),
  // *pick receives the token Sampler::next's rules give for the uniform pick_uniform (penalty,
  // temperature, top-k, top-p, the first token whose cumulative probability exceeds it); the
  // repetition penalty is still pick_penalty.
  const SamplingParams* pick_sampling = nullptr;
  double pick_uniform = 0;
};

// One conversation's keys and values, made by Backend::new_kv_cache() and valid only with that
// backend (which must outlive it). It records the tokens it holds and the NTK alpha of the last
// pass, so a conversation can find the prefix it may reuse. Storage is the backend's business.
class KvCache {
 public:
  virtual ~KvCache() = default;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int length() const { return static_cast<int>(tokens_.size()); }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  double ntk_alpha() const { return alpha_; }
  // Drops the positions from n onwards (n <= length()).
  void truncate(int n);

 protected:
  KvCache() = default;
  // Lets the backend give back storage past the first `n` positions.
  virtual void release_after(int n) { (void)n; }

 private:
  friend class Backend;
  const Backend* owner_ = nullptr;
  std::vector<int32_t> tokens_;
  double alpha_ = 1.0;
};

// Numerics every backend must follow to match the official model (checked by conform):
// GPTQ weights are the fp16 product fp16(scale * (q - zero)) (see model/gptq.cpp: exact fp32
// products put logits 2.5e-4 off the goldens), RMSNorm normalises in fp32, rotary tables and
// rotation are fp32 (rotate-half, model/rotary.h), logn scales queries at positions >= seq_length.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string device_description() const = 0;
  // The most positions one cache can hold, and the vocabulary that ids must fall in.
  virtual int max_context() const = 0;
  virtual int vocab_size() const = 0;

  // pixels: [n][3][S][S] normalised (CLIP) fp32; out: [n][n_queries][hidden] fp32.
  virtual Status encode_images(const float* pixels, int n, float* out) = 0;

  // Whether the backend can keep picture features in its own memory (a GPU's) for splices.
  virtual bool keeps_features() const { return false; }
  // Encodes like encode_images but keeps the features ([n][n_queries][hidden] fp16, what the
  // official model feeds the LLM) in the backend's memory: *kept points at them, for
  // EmbeddingSplice::kept, until the next encode call on this backend.
  virtual Status encode_images_kept(const float* pixels, int n, const uint16_t** kept);
  // The features of the last encode_images_kept call widened to fp32 on the host ([n][Q][H]).
  virtual Status copy_kept_features(float* out);

  // Whether run_forward answers ForwardRequest::pick (else forward refuses a request with one).
  virtual bool picks_on_device() const { return false; }

  // An empty cache for one conversation; storage grows as passes need it.
  std::unique_ptr<KvCache> new_kv_cache();
  // Checks the request (tokens, ids in the vocabulary, splices inside the pass with data, room
  // in the cache, a finite alpha >= 1), then appends n_tokens to `cache` and computes the
  // requested logits. On failure the cache keeps what it held before the call.
  Status forward(KvCache& cache, const ForwardRequest& request);

 protected:
  virtual std::unique_ptr<KvCache> make_kv_cache() = 0;
  // Runs a checked request over a cache this backend made; cache.length() is the first position.
  virtual Status run_forward(KvCache& cache, const ForwardRequest& request) = 0;

 private:
  Status check(const KvCache& cache, const ForwardRequest& request) const;
};

}  // namespace qwenvl
