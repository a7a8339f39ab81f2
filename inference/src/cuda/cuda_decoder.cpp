// The decoder on the GPU: few-token steps through the fused int4 GEMV kernels (one token: a
// captured CUDA graph, reusable because positions and lengths live in device memory), and
// prompt chunks through the fused int4 GEMM (or dequantised layers and cuBLAS, cuda/int4_prefill.h)
// with causal flash attention over the paged cache.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_stats.h"
#include "cuda/workspace.h"
#include "engine/sampler.h"

namespace qwenvl::cuda {

namespace {
float attention_scale(int head_dim) { return 1.0f / std::sqrt(static_cast<float>(head_dim)); }

// Causal attention of `rows` new queries (packed q|k|v rows of width 3H) over the paged cache
// holding `past` earlier positions plus these rows.
kernels::AttentionArgs causal_args(const __half* qkv, __half* out, const kernels::KvCacheView& kv, int layer, int rows,
                                   int past, const ModelConfig& c) {
  const int H = c.hidden_size, D = c.head_dim();
  kernels::AttentionArgs a;
  a.q = qkv;
  a.q_row = 3LL * H;
  a.q_head = D;
  a.cache = kv;
  a.layer = layer;
  a.o = out;
  a.o_row = H;
  a.o_head = D;
  a.n_q = rows;
  a.n_kv = past + rows;
  a.heads = c.num_heads;
  a.head_dim = D;
  a.causal = true;
  a.q_offset = past;
  a.scale = attention_scale(D);
  return a;
}
}  // namespace

Status CudaBackend::enqueue_small_layers(int rows, int past) {
  const ModelConfig& c = cfg_;
  const int H = c.hidden_size, D = c.head_dim();
  const float eps = static_cast<float>(c.layer_norm_epsilon);
  const kernels::KvCacheView kv = cache_view();
  const auto& L = model_->layers;
  using kernels::Int4Epilogue;
  for (size_t l = 0; l < L.size(); ++l) {
    const LlmLayerDevice& w = L[l];
    // ln_1 runs inside the c_attn GEMV's prologue, ln_2 inside w1/w2's.
    QWENVL_CUDA_TRY(
        kernels::gemv_int4(w.c_attn, d_x_, rows, d_qkv_, nullptr, Int4Epilogue::Store, stream_, w.ln_1, eps),
        "ln_1 + c_attn");
    if (rows == 1) {
      // One token: the rotary step and the KV write happen inside the attention kernel.
      kernels::DecodeRope rope;
      rope.inv_freq = d_inv_freq_;
      rope.seq_length = c.seq_length;
      rope.logn = c.use_logn_attn;
      QWENVL_CUDA_TRY(kernels::attention_decode(d_qkv_, kv, static_cast<int>(l), d_params_ + 1, attention_scale(D),
                                                d_attn_scratch_, d_attn_, stream_, rope),
                      "rotary embedding + decode attention");
    } else {
      QWENVL_CUDA_TRY(kernels::rope_qkv(d_qkv_, nullptr, rows, d_params_, d_inv_freq_, c.seq_length, c.use_logn_attn,
                                        kv, static_cast<int>(l), stream_),
                      "rotary embedding");
      const kernels::AttentionArgs a = causal_args(d_qkv_, d_attn_, kv, static_cast<int>(l), rows, past, c);
      QWENVL_CUDA_TRY(kernels::flash_attention(a, stream_), "attention");
    }
    QWENVL_CUDA_TRY(kernels::gemv_int4(w.c_proj, d_attn_, rows, d_x_, d_x_, Int4Epilogue::Residual, stream_),
                    "attn.c_proj");
    QWENVL_CUDA_TRY(kernels::gemv_int4(w.w12, d_x_, rows, d_h_, nullptr, Int4Epilogue::SiluMul, stream_, w.ln_2, eps),
                    "ln_2 + mlp.w1/w2");
    QWENVL_CUDA_TRY(kernels::gemv_int4(w.mlp_proj, d_h_, rows, d_x_, d_x_, Int4Epilogue::Residual, stream_),
                    "mlp.c_proj");
  }
  QWENVL_CUDA_TRY(kernels::rmsnorm(d_x_, nullptr, nullptr, nullptr, d_xn_, model_->ln_f, rows, H, eps, stream_),
                  "ln_f");
  return Status();
}

// One decode token: inputs from pinned memory, 32 layers, lm_head, then either the logits back
// to pinned memory (kind 0) or the choice made on the device, two ints back (kind 1 greedy,
// kind 2 sampled with the parameters and uniform copied in from pinned memory).
Status CudaBackend::enqueue_decode_step(int kind) {
  const int H = cfg_.hidden_size, V = cfg_.vocab_size;
  QWENVL_CUDA_TRY(cudaMemcpyAsync(d_x_, h_x_.as<__half>(), static_cast<size_t>(H) * 2, cudaMemcpyHostToDevice, stream_),
                  "copying the token embedding");
  QWENVL_CUDA_TRY(cudaMemcpyAsync(d_params_, h_params_.as<int>(), 2 * sizeof(int), cudaMemcpyHostToDevice, stream_),
                  "copying the position");
  if (kind >= 1) {
    QWENVL_CUDA_TRY(cudaMemcpyAsync(d_pick_block_, h_pick_block_.as<int>(), (2 + kMarkMax) * sizeof(int),
                                    cudaMemcpyHostToDevice, stream_),
                    "copying the seen tokens");
  }
  if (kind == 2) {
    QWENVL_CUDA_TRY(cudaMemcpyAsync(d_sample_args_, h_sample_args_.as<kernels::SampleArgs>(),
                                    sizeof(kernels::SampleArgs), cudaMemcpyHostToDevice, stream_),
                    "copying the sampling parameters");
  }
  QWENVL_TRY(enqueue_small_layers(1, 0));
  QWENVL_CUDA_TRY(kernels::gemv_f16_f32(model_->lm_head, V, H, d_xn_, d_logits_, stream_), "lm_head");
  if (kind == 0) {
    QWENVL_CUDA_TRY(cudaMemcpyAsync(h_logits_.as<float>(), d_logits_, static_cast<size_t>(V) * sizeof(float),
                                    cudaMemcpyDeviceToHost, stream_),
                    "copying the logits");
    return Status();
  }
  QWENVL_CUDA_TRY(kernels::mark_seen(d_pick_block_, d_seen_, V, kMarkMax, stream_), "marking seen tokens");
  if (kind == 1) {
    QWENVL_CUDA_TRY(
        kernels::greedy_pick(d_logits_, V, d_seen_, d_pick_block_, kMaxLogit, d_pick_scratch_, d_pick_, stream_),
        "choosing the next token");
  } else {
    QWENVL_CUDA_TRY(kernels::sample_pick(d_logits_, V, d_seen_, d_pick_block_, d_sample_args_, kMaxLogit,
                                         d_sample_scratch_, d_pick_, stream_),
                    "sampling the next token");
  }
  QWENVL_CUDA_TRY(cudaMemcpyAsync(h_pick_.as<int>(), d_pick_, 2 * sizeof(int), cudaMemcpyDeviceToHost, stream_),
                  "copying the chosen token");
  return Status();
}

Status CudaBackend::capture_decode_graph(int kind) {
  if (!graphs_enabled_ || decode_steps_[kind] == 0) {  // the first step runs eagerly (sets kernel attributes)
    return enqueue_decode_step(kind);
  }
  QWENVL_CUDA_TRY(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "starting a CUDA graph capture");
  const Status s = enqueue_decode_step(kind);
  cudaGraph_t g = nullptr;
  const cudaError_t e = cudaStreamEndCapture(stream_, &g);
  cudaError_t inst = cudaErrorUnknown;
  if (s.ok() && e == cudaSuccess && g) inst = cudaGraphInstantiate(&graph_[kind], g, 0);
  if (g) cudaGraphDestroy(g);
  if (inst != cudaSuccess) {
    // Graphs are an optimisation: fall back to launching the step directly.
    cudaGetLastError();
    graph_[kind] = nullptr;
    graphs_enabled_ = false;
    return enqueue_decode_step(kind);
  }
  QWENVL_CUDA_TRY(cudaGraphLaunch(graph_[kind], stream_), "launching the decode graph");
  return Status();
}

Status CudaBackend::prepare_pick(const ForwardRequest& r) {
  int* block = h_pick_block_.as<int>();
  const float penalty = r.pick_penalty;
  std::memcpy(&block[1], &penalty, sizeof(float));
  block[0] = 0;
  if (penalty == 1.0f || !r.pick_seen) return Status();  // the mask is not read
  const std::vector<int32_t>& seen = *r.pick_seen;
  const bool extends =
      seen_marked_.size() <= seen.size() && std::equal(seen_marked_.begin(), seen_marked_.end(), seen.begin());
  if (!extends) {
    QWENVL_CUDA_TRY(cudaMemsetAsync(d_seen_, 0, static_cast<size_t>(cfg_.vocab_size), stream_),
                    "clearing the seen tokens");
    seen_marked_.clear();
  }
  const size_t fresh = seen.size() - seen_marked_.size();
  if (fresh <= static_cast<size_t>(kMarkMax)) {
    // Marked inside the graph, from the pinned block.
    block[0] = static_cast<int>(fresh);
    std::copy(seen.begin() + static_cast<long>(seen_marked_.size()), seen.end(), block + 2);
  } else {
    // Many (a new prompt): a block in the idle prompt workspace, marked before the graph runs.
    std::vector<int> big(2 + fresh);
    big[0] = static_cast<int>(fresh);
    big[1] = block[1];
    std::copy(seen.begin() + static_cast<long>(seen_marked_.size()), seen.end(), big.begin() + 2);
    if (big.size() * sizeof(int) > ws_.size()) return Status::error("too many seen tokens for the workspace");
    QWENVL_CUDA_TRY(cudaMemcpyAsync(ws_.get(), big.data(), big.size() * sizeof(int), cudaMemcpyHostToDevice, stream_),
                    "copying the seen tokens");
    QWENVL_CUDA_TRY(kernels::mark_seen(ws_.as<int>(), d_seen_, cfg_.vocab_size, static_cast<int>(fresh), stream_),
                    "marking seen tokens");
    QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "marking seen tokens");  // `big` goes out of scope
  }
  seen_marked_ = seen;
  return Status();
}

Status CudaBackend::finish_pick(const ForwardRequest& r) {
  const int V = cfg_.vocab_size;
  const int* out = h_pick_.as<int>();
  if (out[1] < V) {
    // The same words as check_logits (engine/sampler.h), for the first bad logit.
    float v = 0;
    QWENVL_CUDA_TRY(cudaMemcpy(&v, d_logits_ + out[1], sizeof(float), cudaMemcpyDeviceToHost), "reading a logit");
    const std::string what = std::isnan(v)   ? "NaN"
                             : std::isinf(v) ? "infinite"
                                             : "absurdly large (" + std::to_string(v) + ")";
    return Status::error("the model produced " + what + " logits (token " + std::to_string(out[1]) +
                         "): the checkpoint is damaged (NaN or infinite weights?)");
  }
  *r.pick = out[0];
  return Status();
}

Status CudaBackend::run_small(const ForwardRequest& r, int start, int rows, int past, bool last_chunk) {
  const int H = cfg_.hidden_size, V = cfg_.vocab_size;
  QWENVL_TRY(fill_embeddings(r, start, rows, h_x_.as<uint16_t>(), true));
  h_params_.as<int>()[0] = past;
  h_params_.as<int>()[1] = past + rows;
  const bool all = r.logits == LogitsMode::All;
  if (rows == 1) {
    const bool sampled = r.pick && r.pick_sampling;  // never greedy parameters (Backend::forward)
    const int kind = r.pick ? (sampled ? 2 : 1) : 0;
    if (kind >= 1) QWENVL_TRY(prepare_pick(r));
    if (sampled) {
      kernels::SampleArgs* a = h_sample_args_.as<kernels::SampleArgs>();
      a->temperature = r.pick_sampling->temperature;
      a->top_p = r.pick_sampling->top_p;
      a->top_k = r.pick_sampling->top_k;
      a->pad = 0;
      a->uniform = r.pick_uniform;
    }
    const bool timed = graph_[kind] != nullptr;
    if (timed) {
      QWENVL_CUDA_TRY(cudaEventRecord(step_begin_, stream_), "recording a CUDA event");
      QWENVL_CUDA_TRY(cudaGraphLaunch(graph_[kind], stream_), "launching the decode graph");
      QWENVL_CUDA_TRY(cudaEventRecord(step_end_, stream_), "recording a CUDA event");
    } else {
      QWENVL_TRY(capture_decode_graph(kind));
    }
    ++decode_steps_[kind];
    QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "running a decode step");
    if (timed) {
      float ms = 0;
      if (cudaEventElapsedTime(&ms, step_begin_, step_end_) == cudaSuccess) add_decode_step(ms);
    }
    if (kind >= 1) return finish_pick(r);
    if (all || (r.logits == LogitsMode::Last && last_chunk))
      QWENVL_TRY(deliver_logits(r, start, h_logits_.as<float>()));
    return Status();
  }
  QWENVL_CUDA_TRY(
      cudaMemcpyAsync(d_x_, h_x_.as<__half>(), static_cast<size_t>(rows) * H * 2, cudaMemcpyHostToDevice, stream_),
      "copying token embeddings");
  QWENVL_CUDA_TRY(cudaMemcpyAsync(d_params_, h_params_.as<int>(), 2 * sizeof(int), cudaMemcpyHostToDevice, stream_),
                  "copying positions");
  QWENVL_TRY(enqueue_small_layers(rows, past));
  int first = rows, count = 0;
  if (all) {
    first = 0;
    count = rows;
  } else if (r.logits == LogitsMode::Last && last_chunk) {
    first = rows - 1;
    count = 1;
  }
  for (int i = 0; i < count; ++i) {
    float* host = h_logits_.as<float>() + static_cast<size_t>(i) * V;
    QWENVL_CUDA_TRY(
        kernels::gemv_f16_f32(model_->lm_head, V, H, d_xn_ + static_cast<size_t>(first + i) * H, d_logits_, stream_),
        "lm_head");
    QWENVL_CUDA_TRY(
        cudaMemcpyAsync(host, d_logits_, static_cast<size_t>(V) * sizeof(float), cudaMemcpyDeviceToHost, stream_),
        "copying logits");
  }
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "running a decoder step");
  for (int i = 0; i < count; ++i) {
    QWENVL_TRY(deliver_logits(r, start + first + i, h_logits_.as<float>() + static_cast<size_t>(i) * V));
  }
  return Status();
}

Status CudaBackend::run_prefill(const ForwardRequest& r, int start, int rows, int past, bool last_chunk) {
  const ModelConfig& c = cfg_;
  const int H = c.hidden_size, V = c.vocab_size;
  const float eps = static_cast<float>(c.layer_norm_epsilon);
  const PrefillSpace sp = prefill_space(ws_.as<char>(), c, chunk_, kLogitRows);
  const kernels::KvCacheView kv = cache_view();
  const auto& L = model_->layers;

  // Token embeddings and this chunk's first position travel in the same pinned staging buffer;
  // the pictures' kept features are copied over their rows on the device.
  const int slot = stage_cur_;
  stage_cur_ ^= 1;
  QWENVL_CUDA_TRY(cudaEventSynchronize(stage_done_[slot]), "waiting for a staging buffer");
  uint16_t* stage = h_stage_[slot].as<uint16_t>();
  QWENVL_TRY(fill_embeddings(r, start, rows, stage, false));
  QWENVL_CUDA_TRY(cudaMemcpyAsync(sp.x, stage, static_cast<size_t>(rows) * H * 2, cudaMemcpyHostToDevice, stream_),
                  "copying prompt embeddings");
  QWENVL_TRY(splice_kept(r, start, rows, sp.x));  // picture features, device to device
  int* past_host = reinterpret_cast<int*>(h_params_.as<int>() + 2 + slot);
  *past_host = past;
  QWENVL_CUDA_TRY(cudaMemcpyAsync(d_params_ + 2 + slot, past_host, sizeof(int), cudaMemcpyHostToDevice, stream_),
                  "copying the prompt position");
  QWENVL_CUDA_TRY(cudaEventRecord(stage_done_[slot], stream_), "recording a CUDA event");

  using kernels::Int4Epilogue;
  // The int4 layers: each layer dequantised one layer ahead on a side stream and multiplied by
  // cuBLAS for chunks of kMinRows+ rows (cuda/int4_prefill.h: its slots are leased for this chunk),
  // else (short chunks, QWENVL_PREFILL_GEMM=mma, or no memory for the lease) gemm_int4.
  bool dense = prefill_gemm_.ready() && rows >= Int4Prefill::kMinRows;
  if (dense) {
    const Status lease = prefill_gemm_.acquire();
    if (!lease.ok()) {
      dense = false;
      if (!prefill_lease_warned_) {
        prefill_lease_warned_ = true;
        std::fprintf(stderr, "qwenvl: %s; this prompt uses the int4 GEMM (slower, no extra memory)\n",
                     lease.message().c_str());
      }
    }
  }
  // The lease is given back on every way out of this chunk, an error included.
  struct LeaseGuard {
    Int4Prefill* p;
    ~LeaseGuard() {
      if (p) (void)p->release();
    }
  } lease_guard{dense ? &prefill_gemm_ : nullptr};
  if (dense) QWENVL_TRY(prefill_gemm_.dequant(L[0].c_attn));
  auto int4 = [&](const kernels::Int4Weight& w, const kernels::Int4Weight* next, const __half* x, __half* y,
                  const __half* residual, Int4Epilogue ep, const char* what) -> Status {
    if (!dense) {
      QWENVL_CUDA_TRY(kernels::gemm_int4(w, x, rows, y, residual, ep, stream_), what);
      return Status();
    }
    if (next) QWENVL_TRY(prefill_gemm_.dequant(*next));
    const Status s = prefill_gemm_.gemm(w, x, rows, y, residual, ep);
    return s.ok() ? s : Status::error(std::string(what) + ": " + s.message());
  };
  for (size_t l = 0; l < L.size(); ++l) {
    const LlmLayerDevice& w = L[l];
    const kernels::Int4Weight* next_attn = l + 1 < L.size() ? &L[l + 1].c_attn : nullptr;
    QWENVL_CUDA_TRY(kernels::rmsnorm(sp.x, nullptr, nullptr, nullptr, sp.xn, w.ln_1, rows, H, eps, stream_), "ln_1");
    QWENVL_TRY(int4(w.c_attn, &w.c_proj, sp.xn, sp.qkv, nullptr, Int4Epilogue::Store, "c_attn"));
    QWENVL_CUDA_TRY(kernels::rope_qkv(sp.qkv, nullptr, rows, d_params_ + 2 + slot, d_inv_freq_, c.seq_length,
                                      c.use_logn_attn, kv, static_cast<int>(l), stream_),
                    "rotary embedding");
    const kernels::AttentionArgs a = causal_args(sp.qkv, sp.attn, kv, static_cast<int>(l), rows, past, c);
    QWENVL_CUDA_TRY(kernels::flash_attention(a, stream_), "prompt attention");
    QWENVL_TRY(int4(w.c_proj, &w.w12, sp.attn, sp.x, sp.x, Int4Epilogue::Residual, "attn.c_proj"));
    QWENVL_CUDA_TRY(kernels::rmsnorm(sp.x, nullptr, nullptr, nullptr, sp.xn, w.ln_2, rows, H, eps, stream_), "ln_2");
    QWENVL_TRY(int4(w.w12, &w.mlp_proj, sp.xn, sp.h, nullptr, Int4Epilogue::SiluMul, "mlp.w1/w2"));
    QWENVL_TRY(int4(w.mlp_proj, next_attn, sp.h, sp.x, sp.x, Int4Epilogue::Residual, "mlp.c_proj"));
  }
  if (dense) QWENVL_TRY(prefill_gemm_.release());
  QWENVL_CUDA_TRY(kernels::rmsnorm(sp.x, nullptr, nullptr, nullptr, sp.xn, model_->ln_f, rows, H, eps, stream_),
                  "ln_f");

  if (r.logits == LogitsMode::All) {
    for (int r0 = 0; r0 < rows; r0 += kLogitRows) {
      const int nr = std::min(kLogitRows, rows - r0);
      QWENVL_TRY(gemm_.linear_f32(sp.xn + static_cast<size_t>(r0) * H, H, model_->lm_head, H, sp.logits, V, nr, V, H));
      QWENVL_CUDA_TRY(cudaMemcpyAsync(h_logits_.as<float>(), sp.logits, static_cast<size_t>(nr) * V * sizeof(float),
                                      cudaMemcpyDeviceToHost, stream_),
                      "copying logits");
      QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "computing logits");
      for (int i = 0; i < nr; ++i) {
        QWENVL_TRY(deliver_logits(r, start + r0 + i, h_logits_.as<float>() + static_cast<size_t>(i) * V));
      }
    }
  } else if (r.logits == LogitsMode::Last && last_chunk) {
    QWENVL_CUDA_TRY(
        kernels::gemv_f16_f32(model_->lm_head, V, H, sp.xn + static_cast<size_t>(rows - 1) * H, d_logits_, stream_),
        "lm_head");
    QWENVL_CUDA_TRY(cudaMemcpyAsync(h_logits_.as<float>(), d_logits_, static_cast<size_t>(V) * sizeof(float),
                                    cudaMemcpyDeviceToHost, stream_),
                    "copying logits");
    QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "running the prompt");
    QWENVL_TRY(deliver_logits(r, start + rows - 1, h_logits_.as<float>()));
  } else if (last_chunk) {
    QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "running the prompt");
  }
  return Status();
}

}  // namespace qwenvl::cuda
