// The Qwen-7B decoder in fp32 on the CPU with a KV cache: RMSNorm, c_attn (Q|K|V) with bias,
// rotate-half RoPE (dynamic NTK base), logn query scaling past seq_length, causal attention,
// SwiGLU (w2 is the gate), ln_f and lm_head. Keys and values live in a CpuKvCache, one per
// conversation; the decoder itself holds only the widened small weights. With `fast`, the int4
// layers are repacked once (cpu/kernels.h) and every matrix product goes through cpu/gemm.h.
#pragma once

#include <array>
#include <vector>

#include "cpu/kernels.h"
#include "cpu/ops.h"
#include "cpu/scratch.h"
#include "engine/backend.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

// One conversation's keys (after rotary) and values: per layer [capacity][H], grown on demand.
class CpuKvCache final : public KvCache {
 public:
  explicit CpuKvCache(size_t layers) : k(layers), v(layers) {}
  std::vector<std::vector<float>> k, v;
  int capacity = 0;
};

class Decoder {
 public:
  Decoder(const ModelWeights& weights, ThreadPool& pool, int max_context, bool fast, Isa isa);
  // Runs a request Backend::forward has checked, appending to `kv` from kv.length() on.
  Status forward(CpuKvCache& kv, const ForwardRequest& request);
  int max_context() const { return max_context_; }
  size_t layers() const { return w_.layers.size(); }

 private:
  struct Workspace {  // one per forward, shared by the layers
    Floats a, qkv, ctx, tmp, up, gate;
  };
  void layer(int i, std::vector<float>& h, int T, int pos0, const Rotary& rope, CpuKvCache& kv, Workspace& ws);
  void ensure_capacity(CpuKvCache& kv, int n);
  // y = x W^T + b for linear `which` (0 c_attn, 1 c_proj, 2 w1, 3 w2, 4 mlp_c_proj) of layer i.
  void project(int i, int which, const float* x, int T, const float* bias, float* y);
  void attention(const float* qkv, int T, int pos0, const float* kc, const float* vc, float* ctx);

  const ModelWeights& w_;
  ThreadPool& pool_;
  int max_context_;
  int H_, heads_, hd_, F_;
  bool fast_;
  Isa isa_;
  std::vector<std::array<PackedInt4, 5>> packed_;  // fast path only
  struct LayerSmall {
    std::vector<float> ln1, ln2, c_attn_b, c_proj_b, w1_b, w2_b, mlp_b;
  };
  std::vector<LayerSmall> small_;
  std::vector<float> ln_f_;
};

}  // namespace qwenvl::cpu
