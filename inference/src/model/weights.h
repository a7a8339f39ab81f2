// The model's tensors, looked up by their published names and checked against config.json:
// every tensor present with the expected dtype and shape. Views point into the mapped files;
// nothing is copied here. Backends convert them into their own layouts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/safetensors.h"
#include "qwenvl/status.h"

namespace qwenvl {

// An AutoGPTQ (2023, "v1") int4 linear layer, y = x W^T + b with W [N, K]:
//   qweight int32 [K/8, N]   word [r][n] holds q for k = 8r + j in bits [4j, 4j + 4)
//   qzeros  int32 [K/G, N/8] word [g][c] holds (zero - 1) for n = 8c + j in bits [4j, 4j + 4)
//   scales  fp16  [K/G, N]
//   g_idx   int32 [K]        must equal k / G (act-order is refused)
//   bias    fp16  [N]
// W[n][k] = fp16(scales[g][n] * (q(k, n) - (stored_zero(g, n) + 1))), g = k / G: the product
// is rounded to fp16 as the official kernels form it (see gptq.cpp; the goldens confirm it).
struct GptqLinear {
  int in_features = 0;   // K
  int out_features = 0;  // N
  int group_size = 0;    // G
  const TensorView* qweight = nullptr;
  const TensorView* qzeros = nullptr;
  const TensorView* scales = nullptr;
  const TensorView* g_idx = nullptr;
  const TensorView* bias = nullptr;  // may be null when the file has none

  int q(int k, int n) const;
  int zero(int g, int n) const;  // stored nibble + 1
  float scale(int g, int n) const;
  float weight(int n, int k) const;  // the dequantised value (an fp16 number)
  // Dequantises rows [n0, n1) of W into out[(n - n0) * K + k] (fp32).
  void dequantize_rows(int n0, int n1, float* out) const;
};

struct LlmLayerWeights {
  const TensorView* ln_1 = nullptr;  // [H]
  const TensorView* ln_2 = nullptr;  // [H]
  GptqLinear c_attn;                 // H -> 3H (Q | K | V blocks), bias real
  GptqLinear c_proj;                 // H -> H
  GptqLinear w1;                     // H -> F (up)
  GptqLinear w2;                     // H -> F (gate, goes through SiLU)
  GptqLinear mlp_c_proj;             // F -> H
};

struct VisionLayerWeights {
  const TensorView* ln_1_w = nullptr;
  const TensorView* ln_1_b = nullptr;
  const TensorView* in_proj_w = nullptr;   // [3W, W], per-head interleaved q|k|v
  const TensorView* in_proj_b = nullptr;   // [3W]
  const TensorView* out_proj_w = nullptr;  // [W, W]
  const TensorView* out_proj_b = nullptr;
  const TensorView* ln_2_w = nullptr;
  const TensorView* ln_2_b = nullptr;
  const TensorView* c_fc_w = nullptr;  // [M, W]
  const TensorView* c_fc_b = nullptr;
  const TensorView* c_proj_w = nullptr;  // [W, M]
  const TensorView* c_proj_b = nullptr;
};

struct ResamplerWeights {
  const TensorView* query = nullptr;      // [256, H]
  const TensorView* pos_embed = nullptr;  // [256, H]
  const TensorView* kv_proj_w = nullptr;  // [H, W] (no bias)
  const TensorView* ln_q_w = nullptr;
  const TensorView* ln_q_b = nullptr;
  const TensorView* ln_kv_w = nullptr;
  const TensorView* ln_kv_b = nullptr;
  const TensorView* in_proj_w = nullptr;   // [3H, H], contiguous q | k | v blocks
  const TensorView* in_proj_b = nullptr;   // [3H]
  const TensorView* out_proj_w = nullptr;  // [H, H]
  const TensorView* out_proj_b = nullptr;
};

struct VisionWeights {
  const TensorView* conv1 = nullptr;      // [W, 3, 14, 14], no bias
  const TensorView* pos_embed = nullptr;  // [256, W] (16 x 16 grid)
  const TensorView* ln_pre_w = nullptr;
  const TensorView* ln_pre_b = nullptr;
  std::vector<VisionLayerWeights> layers;
  ResamplerWeights pool;
  const TensorView* ln_post_w = nullptr;  // [H]
  const TensorView* ln_post_b = nullptr;
  const TensorView* proj = nullptr;  // [H, H], used as x @ proj
};

struct ModelWeights {
  ModelConfig config;
  std::unique_ptr<SafetensorsArchive> archive;
  const TensorView* wte = nullptr;      // [V, H] fp16
  const TensorView* ln_f = nullptr;     // [H]
  const TensorView* lm_head = nullptr;  // [V, H] fp16
  std::vector<LlmLayerWeights> layers;
  VisionWeights visual;
};

// Opens DIR's config files and safetensors and binds every tensor, checking dtypes and shapes
// against the config. An error names the file and the tensor.
Result<std::unique_ptr<ModelWeights>> load_model_weights(const std::string& dir);

}  // namespace qwenvl
