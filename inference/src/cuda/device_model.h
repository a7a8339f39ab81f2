// The model's weights on the GPU: one allocation holding the repacked int4 layers, the fp16
// lm_head and vision encoder, the interpolated position tables and the resampler's constant query
// projection. The token embedding table stays in the mapped model file (rows are gathered per
// step), so the ModelWeights must outlive the backend, as the engine's Model guarantees.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda/cuda_util.h"
#include "model/weights.h"
#include "qwenvl_kernels.h"

namespace qwenvl::cuda {

class Gemm;

struct LlmLayerDevice {
  const __half* ln_1 = nullptr;
  const __half* ln_2 = nullptr;
  kernels::Int4Weight c_attn;    // H -> 3H, bias kept
  kernels::Int4Weight c_proj;    // H -> H
  kernels::Int4Weight w12;       // H -> 2F, w1 (up) and w2 (gate) tiles interleaved
  kernels::Int4Weight mlp_proj;  // F -> H
};

struct VitLayerDevice {
  const __half *ln_1_w = nullptr, *ln_1_b = nullptr;
  const __half *in_w = nullptr, *in_b = nullptr;    // [3W][W], per-head interleaved q|k|v
  const __half *out_w = nullptr, *out_b = nullptr;  // [W][W]
  const __half *ln_2_w = nullptr, *ln_2_b = nullptr;
  const __half *fc_w = nullptr, *fc_b = nullptr;      // [M][W]
  const __half *proj_w = nullptr, *proj_b = nullptr;  // [W][M]
};

struct DeviceModel {
  ModelConfig config;
  DeviceBuffer arena;
  size_t int4_bytes = 0, llm_fp16_bytes = 0, vision_bytes = 0;

  // Decoder.
  std::vector<LlmLayerDevice> layers;
  const __half* ln_f = nullptr;
  const __half* lm_head = nullptr;  // [V][H]
  const uint16_t* wte = nullptr;    // host [V][H] fp16 bits, in the mapped file

  // Vision transformer.
  int conv_k = 0;                   // 3 * patch^2 padded to a multiple of 8
  const __half* conv_w = nullptr;   // [W][conv_k]
  const __half* vit_pos = nullptr;  // [grid^2][W], bicubic-interpolated
  const __half *ln_pre_w = nullptr, *ln_pre_b = nullptr;
  std::vector<VitLayerDevice> vit;
  // Low-memory mode: vit's pointers point into vit_host (pinned host memory), layer i at bytes
  // [vit_begin[i], vit_begin[i + 1]); encode_images copies each layer into one of the two device
  // slots before it runs (vit_layer_in()). Otherwise vit_begin only records the layout.
  bool vit_streamed = false;
  PinnedBuffer vit_host;
  std::vector<size_t> vit_begin;
  size_t vit_slot_bytes = 0;
  DeviceBuffer vit_slots[2];

  // Resampler.
  const __half* kv_proj_w = nullptr;  // [H][W]
  const __half *ln_kv_w = nullptr, *ln_kv_b = nullptr;
  const __half* pos_k = nullptr;   // [grid^2][H], bicubic-interpolated pos_embed
  const __half* q_proj = nullptr;  // [n_queries][H] = (ln_q(query) + pos_embed) Wq^T + bq
  const __half *wk = nullptr, *bk = nullptr, *wv = nullptr, *bv = nullptr;  // [H][H], [H]
  const __half *attn_out_w = nullptr, *attn_out_b = nullptr;
  const __half *ln_post_w = nullptr, *ln_post_b = nullptr;
  const __half* proj = nullptr;  // [H][H] used as x @ proj
};

// Checks that the CUDA kernels support the config's sizes; the message names the size.
Status check_cuda_support(const ModelConfig& c);

// Uploads and repacks every tensor. `progress(fraction)` returns false to cancel. With
// low_memory, or when the whole model does not fit the free GPU memory, the ViT layers stay in
// pinned host memory (DeviceModel::vit_streamed).
Result<std::unique_ptr<DeviceModel>> upload_model(const ModelWeights& weights, cudaStream_t stream, Gemm& gemm,
                                                  const std::function<bool(double)>& progress, bool low_memory);

// Layer l's pointers rebased from the host copy into a device slot holding that layer's bytes.
VitLayerDevice vit_layer_in(const DeviceModel& m, size_t l, const char* slot);

}  // namespace qwenvl::cuda
