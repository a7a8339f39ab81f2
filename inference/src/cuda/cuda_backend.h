// The CUDA backend: the whole model on one GPU. Decode steps (1 token) run the fused int4 GEMV
// kernels as one captured CUDA graph; prompts run in chunks through the fused int4 GEMM and
// flash attention (or, with QWENVL_PREFILL_GEMM=cublas, dequantised layers and cuBLAS: see
// cuda/int4_prefill.h); the vision encoder runs cuBLAS GEMMs. Each conversation's KV cache is a list
// of pages of kPageSize positions from the backend's pool (cuda/kv_pages.h); the kernels (and the
// captured decode graph) read one device page table, refilled only when the cache changes.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <memory>
#include <string>
#include <vector>

#include "cuda/cuda_util.h"
#include "cuda/device_model.h"
#include "cuda/gemm.h"
#include "cuda/int4_prefill.h"
#include "cuda/kv_pages.h"
#include "engine/backend.h"
#include "qwenvl/engine.h"

namespace qwenvl::cuda {

class CudaBackend final : public Backend {
 public:
  static constexpr int kPageSize = 64;                         // positions per KV page
  static constexpr int kPrefillChunk = 512;                    // prompt tokens per GEMM pass
  static constexpr size_t kCublasWorkspace = size_t{8} << 20;  // QWENVL_CUBLAS_WORKSPACE_MB overrides
  static constexpr int kLogitRows = 8;                         // rows of logits per GEMM when all are wanted
  static constexpr size_t kFreePages = 4;                      // released pages the pool keeps for reuse

  static Result<std::unique_ptr<CudaBackend>> create(const ModelWeights& weights, const LoadOptions& options);
  ~CudaBackend() override;

  std::string device_description() const override { return description_; }
  int max_context() const override { return max_context_; }
  int vocab_size() const override { return cfg_.vocab_size; }
  Status encode_images(const float* pixels, int n, float* out) override;
  bool keeps_features() const override { return true; }
  Status encode_images_kept(const float* pixels, int n, const uint16_t** kept) override;
  Status copy_kept_features(float* out) override;
  bool picks_on_device() const override { return true; }

 protected:
  std::unique_ptr<KvCache> make_kv_cache() override;
  Status run_forward(KvCache& cache, const ForwardRequest& request) override;

 private:
  CudaBackend() = default;
  Status init(const ModelWeights& weights, const LoadOptions& options);
  Status use_cache(CudaKvCache& kv, int positions);
  Status set_rotary(double ntk_alpha);
  kernels::KvCacheView cache_view() const;
  // Token embeddings of rows [start, start + rows) into host memory, with host splices; kept
  // (device) splices too when fetch_kept (a synchronous copy), else those rows are left as they
  // are for splice_kept, which copies them on the device into dst (the rows' device buffer).
  Status fill_embeddings(const ForwardRequest& r, int start, int rows, uint16_t* dst, bool fetch_kept);
  Status splice_kept(const ForwardRequest& r, int start, int rows, __half* dst);
  Status deliver_logits(const ForwardRequest& r, int index, const float* host_logits) const;
  Status fail(Status s);  // marks the backend unusable on sticky CUDA errors

  // Vision encoder (cuda_vision.cpp): the pass over the workspace's pixels, and its CUDA graph.
  Status enqueue_vision();
  Status prepare_vision_graph();  // after load; on failure the pass runs eagerly

  // Decoder (cuda_decoder.cpp).
  // `past`: positions already in the cache before these rows.
  Status run_small(const ForwardRequest& r, int start, int rows, int past, bool last_chunk);
  Status enqueue_small_layers(int rows, int past);
  Status run_prefill(const ForwardRequest& r, int start, int rows, int past, bool last_chunk);
  // kind 0: logits to the host; kind 1: greedy pick on the device (ForwardRequest::pick);
  // kind 2: sampled pick on the device (ForwardRequest::pick_sampling).
  Status capture_decode_graph(int kind);
  Status enqueue_decode_step(int kind);
  Status prepare_pick(const ForwardRequest& r);  // the seen-id mask and this step's mark block
  Status finish_pick(const ForwardRequest& r);   // reads the choice, or reports bad logits

  std::unique_ptr<DeviceModel> model_;
  ModelConfig cfg_;
  std::string description_;
  cudaStream_t stream_ = nullptr;
  Gemm gemm_;
  DeviceBuffer cublas_ws_;
  bool vit_lt_bias_ = true;  // the vision biases through Gemm::linear_bias (QWENVL_VIT_LT_BIAS=0: off)
  // Prompt chunks of Int4Prefill::kMinRows+ rows through cuBLAS (the default; not ready with
  // QWENVL_PREFILL_GEMM=mma); its memory is leased per chunk.
  Int4Prefill prefill_gemm_;
  bool prefill_lease_warned_ = false;  // the lease failed once (said on stderr once)
  bool usable_ = true;
  Status broken_;

  int max_context_ = 0;
  int small_max_ = 1;  // tokens handled by the GEMV path
  int chunk_ = 0;      // prefill chunk
  double rotary_alpha_ = -1;

  // KV pages, and the device page table with the id of the cache whose pages it holds.
  KvPagePool pages_;
  DeviceBuffer page_table_;
  uint64_t table_cache_ = 0;
  uint64_t next_cache_id_ = 1;

  // Small-batch (decode) buffers.
  DeviceBuffer dec_;
  __half *d_x_ = nullptr, *d_xn_ = nullptr, *d_qkv_ = nullptr, *d_attn_ = nullptr, *d_h_ = nullptr;
  float* d_logits_ = nullptr;
  void* d_attn_scratch_ = nullptr;  // decode attention's partials and counters (zeroed once)
  float* d_inv_freq_ = nullptr;
  int* d_params_ = nullptr;  // [0] position of the first new token, [1] KV length after the step, [2] prefill past
  PinnedBuffer h_x_;         // small-batch input rows [small_max][H]
  PinnedBuffer h_params_;    // int[2]
  PinnedBuffer h_logits_;    // float [kLogitRows][V]

  // Greedy decoding on the device: a byte per vocabulary id seen (the repetition penalty), the
  // mark block ([0] new ids, [1] penalty bits, [2..] ids) copied in by the pick graph, the choice.
  static constexpr int kMarkMax = 32;
  uint8_t* d_seen_ = nullptr;
  int* d_pick_block_ = nullptr;
  int* d_pick_ = nullptr;  // [0] token, [1] first bad logit index (V when none)
  void* d_pick_scratch_ = nullptr;
  PinnedBuffer h_pick_block_, h_pick_;
  // Sampled decoding on the device: this step's kernels::SampleArgs (copied in by the sampled
  // graph) and the sampler's scratch (zeroed once).
  kernels::SampleArgs* d_sample_args_ = nullptr;
  void* d_sample_scratch_ = nullptr;
  PinnedBuffer h_sample_args_;
  std::vector<int32_t> seen_marked_;  // the ids whose mask bytes are set, in the caller's order

  // Prefill and vision workspace (never used at the same time).
  DeviceBuffer ws_;
  PinnedBuffer h_stage_[2];
  cudaEvent_t stage_done_[2] = {nullptr, nullptr};
  int stage_cur_ = 0;

  // Low-memory mode: the stream that copies vision layers in, and per slot "copied" / "used".
  cudaStream_t copy_stream_ = nullptr;
  cudaEvent_t vit_copied_[2] = {nullptr, nullptr}, vit_used_[2] = {nullptr, nullptr};

  // Picture features of the last encode call ([kept_n_][Q][H] fp16) and a host copy's staging.
  DeviceBuffer kept_;
  int kept_n_ = 0;
  PinnedBuffer h_kept_;
  cudaGraphExec_t vision_graph_ = nullptr;  // sp.pixels -> sp.out

  // The captured decode steps (per kind).
  cudaGraphExec_t graph_[3] = {nullptr, nullptr, nullptr};
  cudaEvent_t step_begin_ = nullptr, step_end_ = nullptr;  // GPU time of a decode step
  int decode_steps_[3] = {0, 0, 0};
  bool graphs_enabled_ = true;
};

}  // namespace qwenvl::cuda

namespace qwenvl {
// The factory registered in backends/builtin.cpp; uses options.max_context and on_progress.
Result<std::unique_ptr<Backend>> make_cuda_backend(const ModelWeights& weights, const LoadOptions& options);
}  // namespace qwenvl
