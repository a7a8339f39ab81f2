// How the CUDA backend's one workspace is carved up, for a prompt chunk (decoder) or for one
// picture (vision encoder); the two phases never overlap, so they share the allocation.
#pragma once

#include <cuda_fp16.h>

#include <algorithm>
#include <cstddef>

#include "model/config.h"

namespace qwenvl::cuda {

// Bumps 256-byte aligned pieces off a base pointer (or only counts when base is null).
class Carver {
 public:
  explicit Carver(char* base) : base_(base) {}
  template <class T>
  T* take(size_t count) {
    const size_t at = used_;
    used_ += (count * sizeof(T) + 255) / 256 * 256;
    return base_ ? reinterpret_cast<T*>(base_ + at) : nullptr;
  }
  size_t used() const { return used_; }

 private:
  char* base_;
  size_t used_ = 0;
};

struct PrefillSpace {
  __half *x, *xn, *qkv, *attn, *h;
  float* logits;  // [logit_rows][V]
  size_t bytes;
};

inline PrefillSpace prefill_space(char* base, const ModelConfig& c, int chunk, int logit_rows) {
  Carver k(base);
  const size_t C = chunk, H = c.hidden_size, F = c.ffn_size;
  PrefillSpace s;
  s.x = k.take<__half>(C * H);
  s.xn = k.take<__half>(C * H);
  s.qkv = k.take<__half>(C * 3 * H);
  s.attn = k.take<__half>(C * H);
  s.h = k.take<__half>(C * F);
  s.logits = k.take<float>(static_cast<size_t>(logit_rows) * c.vocab_size);
  s.bytes = k.used();
  return s;
}

struct VisionSpace {
  __half* stream;  // [T][W], the residual stream, then the ViT output
  // ViT phase
  __half *ln, *qkv, *attn, *big;  // big: [T][M] MLP, also the patches
  float* pixels;                  // [3][S][S]
  // Resampler phase (over the ViT phase's buffers)
  __half *kv, *kin, *keys, *att, *out, *out2;  // out: the features [Q][H]
  size_t bytes;
};

inline VisionSpace vision_space(char* base, const ModelConfig& c, int conv_k) {
  const VisionConfig& v = c.visual;
  const size_t T = static_cast<size_t>(v.grid()) * v.grid(), W = v.width, M = v.mlp_width, H = c.hidden_size;
  const size_t Q = v.n_queries, S = v.image_size;
  VisionSpace s;
  Carver k(base);
  s.stream = k.take<__half>(T * W);
  const size_t rest0 = k.used();
  s.ln = k.take<__half>(T * W);
  s.qkv = k.take<__half>(T * 3 * W);
  s.attn = k.take<__half>(T * W);
  s.big = k.take<__half>(std::max(T * M, T * static_cast<size_t>(conv_k)));
  s.pixels = k.take<float>(3 * S * S);
  const size_t vit_end = k.used();
  Carver r(base ? base + rest0 : nullptr);
  s.kv = r.take<__half>(T * H);
  s.kin = r.take<__half>(T * H);
  s.keys = r.take<__half>(T * H);
  s.att = r.take<__half>(Q * H);
  s.out = r.take<__half>(Q * H);
  s.out2 = r.take<__half>(Q * H);
  s.bytes = std::max(vit_end, rest0 + r.used());
  return s;
}

}  // namespace qwenvl::cuda
