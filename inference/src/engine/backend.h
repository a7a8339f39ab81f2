// What a compute backend (cpu/, cuda/) provides to the engine: the vision encoder and the
// decoder with its KV cache. The engine owns tokenisation, the chat template, picture
// preprocessing, sampling and streaming; backends only compute.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/weights.h"
#include "qwenvl/status.h"

namespace qwenvl {

// Rows of input embeddings that replace the token embeddings at some positions of a forward
// pass: a picture's 256 resampler outputs between <img> and </img>.
struct EmbeddingSplice {
  int offset = 0;               // first position, relative to the start of this forward pass
  int rows = 0;
  const float* data = nullptr;  // [rows][hidden] fp32
};

enum class LogitsMode { None, Last, All };

struct ForwardRequest {
  const int32_t* ids = nullptr;  // tokens for positions [kv_length(), kv_length() + n_tokens)
  int n_tokens = 0;
  std::vector<EmbeddingSplice> splices;
  // Dynamic NTK: chosen by the engine on the prompt pass from the full prompt length and kept
  // for every decode step; rotary base = rotary_emb_base * alpha^(d / (d - 2)).
  double ntk_alpha = 1.0;
  LogitsMode logits = LogitsMode::Last;
  // Receives [vocab] fp32 logits for position `index` (0-based within this pass); for Last,
  // index is n_tokens - 1. The pointer is valid only during the call.
  std::function<void(int index, const float* logits)> on_logits;
};

// Numerics every backend must follow to match the official model (checked by conform):
// GPTQ weights are the fp16 product fp16(scale * (q - zero)) (see model/gptq.cpp: exact fp32
// products put logits 2.5e-4 off the goldens), RMSNorm normalises in fp32, rotary tables and
// rotation are fp32 (rotate-half), logn scales queries at positions >= seq_length.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string device_description() const = 0;

  // pixels: [n][3][S][S] normalised (CLIP) fp32; out: [n][n_queries][hidden] fp32.
  virtual Status encode_images(const float* pixels, int n, float* out) = 0;
  // Appends n_tokens to the KV cache and computes the requested logits.
  virtual Status forward(const ForwardRequest& request) = 0;
  virtual int kv_length() const = 0;
  // Drops cached positions from n onwards (n <= kv_length()).
  virtual void kv_truncate(int n) = 0;
  // The most positions the cache can hold.
  virtual int max_context() const = 0;
};

struct BackendOptions {
  int cpu_threads = 0;
  int max_context = 8192;
  std::function<bool(double fraction, const std::string& stage)> on_progress;
};

Result<std::unique_ptr<Backend>> make_cpu_backend(const ModelWeights& weights, const BackendOptions& options);
#ifdef QWENVL_HAVE_CUDA
Result<std::unique_ptr<Backend>> make_cuda_backend(const ModelWeights& weights, const BackendOptions& options);
#endif

// Dynamic NTK alpha for a prompt pass of `length` tokens (modeling_qwen.py):
// max(2^ceil(log2(length / seq_length) + 1) - 1, 1).
double ntk_alpha_for_length(int length, int seq_length);

}  // namespace qwenvl
