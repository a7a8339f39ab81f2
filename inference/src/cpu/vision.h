// The vision encoder in fp32 on the CPU (visual.py): 14x14 patch convolution, interpolated
// positions, ln_pre, the ViT blocks, the resampler and x @ proj. Constant parts (position
// tables, the resampler's projected queries) are computed once at construction.
#pragma once

#include <vector>

#include "cpu/kernels.h"
#include "cpu/matmul.h"
#include "cpu/scratch.h"
#include "model/weights.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

class VisionEncoder {
 public:
  // fast: oneDNN GEMMs over fp16 tiles widened as used, attention as GEMMs (cpu/gemm.h).
  VisionEncoder(const ModelWeights& weights, ThreadPool& pool, bool fast, Isa isa);
  // pixels: [3][S][S] CLIP-normalised; out: [n_queries][hidden].
  void encode(const float* pixels, float* out) const;

 private:
  struct Workspace {  // one per encode, shared by the blocks
    Floats h, qkv, ctx, tmp, mid;
  };
  void block(int layer, std::vector<float>& x, Workspace& ws) const;
  void resample(const std::vector<float>& x, float* out) const;
  void lin(const float* x, int M, const WeightRef& w, const float* bias, float* y) const;
  void attention(const float* qkv, float* ctx) const;
  void add_rows(float* x, const float* y, size_t n) const;
  void layer_norm_rows(const float* x, int rows, int n, const float* w, const float* b, float* y) const;

  const ModelWeights& w_;
  ThreadPool& pool_;
  bool fast_;
  Isa isa_;
  int W_, H_, T_, grid_, P_, S_;
  std::vector<float> pos_vit_;             // [T][W]
  std::vector<float> pos_keys_;            // [T][H], resampler keys
  std::vector<float> q_proj_;              // [Q][H]: (ln_q(query) + pos_embed) Wq^T + bq, scaled
  std::vector<std::vector<float>> small_;  // norms and biases widened once
  struct LayerSmall {
    const float *ln1w, *ln1b, *inb, *outb, *ln2w, *ln2b, *fcb, *projb;
  };
  std::vector<LayerSmall> layer_small_;
  const float *ln_pre_w_, *ln_pre_b_, *ln_kv_w_, *ln_kv_b_, *in_b_, *out_b_, *ln_post_w_, *ln_post_b_;
  const float* widen(const TensorView* t);
};

}  // namespace qwenvl::cpu
