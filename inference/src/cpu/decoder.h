// The Qwen-7B decoder in fp32 on the CPU with a KV cache: RMSNorm, c_attn (Q|K|V) with bias,
// rotate-half RoPE (dynamic NTK base), logn query scaling past seq_length, causal attention,
// SwiGLU (w2 is the gate), ln_f and lm_head.
#pragma once

#include <vector>

#include "cpu/ops.h"
#include "engine/backend.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

class Decoder {
 public:
  Decoder(const ModelWeights& weights, ThreadPool& pool, int max_context);
  Status forward(const ForwardRequest& request);
  int kv_length() const { return kv_len_; }
  void kv_truncate(int n) { kv_len_ = n < kv_len_ ? n : kv_len_; }
  int max_context() const { return max_context_; }

 private:
  void layer(int i, std::vector<float>& h, int T, int pos0, const Rotary& rope);
  void ensure_capacity(int n);

  const ModelWeights& w_;
  ThreadPool& pool_;
  int max_context_;
  int H_, heads_, hd_, F_;
  int kv_len_ = 0;
  int capacity_ = 0;
  std::vector<std::vector<float>> k_cache_, v_cache_;  // per layer [capacity][H]
  struct LayerSmall {
    std::vector<float> ln1, ln2, c_attn_b, c_proj_b, w1_b, w2_b, mlp_b;
  };
  std::vector<LayerSmall> small_;
  std::vector<float> ln_f_;
};

}  // namespace qwenvl::cpu
