// CudaBackend: creation (probe, upload, buffers), the KV caches and page table, rotary tables,
// and the dispatch of a forward pass into GEMV steps (few tokens) or GEMM chunks (prompts).
#include "cuda/cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda/cuda_probe.h"
#include "cuda/workspace.h"
#include "model/rotary.h"
#include "util/half.h"

namespace qwenvl {

Result<std::unique_ptr<Backend>> make_cuda_backend(const ModelWeights& weights, const LoadOptions& options) {
  auto b = cuda::CudaBackend::create(weights, options);
  if (!b) return b.status();
  return std::unique_ptr<Backend>(std::move(b.value()));
}

namespace cuda {

Result<std::unique_ptr<CudaBackend>> CudaBackend::create(const ModelWeights& weights, const LoadOptions& options) {
  std::unique_ptr<CudaBackend> b(new CudaBackend());
  Status s = b->init(weights, options);
  if (!s.ok()) return s.with_context("CUDA backend: ");
  return b;
}

CudaBackend::~CudaBackend() {
  if (stream_) cudaStreamSynchronize(stream_);
  for (auto& g : graph_) {
    if (g) cudaGraphExecDestroy(g);
  }
  if (vision_graph_) cudaGraphExecDestroy(vision_graph_);
  gemm_.release();
  for (auto& e : stage_done_) {
    if (e) cudaEventDestroy(e);
  }
  if (copy_stream_) cudaStreamSynchronize(copy_stream_);
  for (int i = 0; i < 2; ++i) {
    if (vit_copied_[i]) cudaEventDestroy(vit_copied_[i]);
    if (vit_used_[i]) cudaEventDestroy(vit_used_[i]);
  }
  if (copy_stream_) cudaStreamDestroy(copy_stream_);
  if (step_begin_) cudaEventDestroy(step_begin_);
  if (step_end_) cudaEventDestroy(step_end_);
  if (stream_) cudaStreamDestroy(stream_);
}

Status CudaBackend::init(const ModelWeights& weights, const LoadOptions& options) {
  std::string name;
  QWENVL_TRY(cuda_probe(&name));
  QWENVL_TRY(check_cuda_support(weights.config));
  cfg_ = weights.config;
  cudaDeviceProp prop{};
  QWENVL_CUDA_TRY(cudaGetDeviceProperties(&prop, 0), "reading the GPU's properties");
  char mem[32];
  std::snprintf(mem, sizeof mem, "%.1f GiB", static_cast<double>(prop.totalGlobalMem) / (1 << 30));
  description_ = std::string(prop.name) + " (CUDA, compute " + std::to_string(prop.major) + "." +
                 std::to_string(prop.minor) + ", " + mem + ")";
  QWENVL_CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "creating a CUDA stream");
  {
    // QWENVL_CUBLAS_WORKSPACE_MB (1..256) overrides the size, for measurements: NVIDIA suggests
    // 32 MiB on Hopper, where some GEMM kernels need more than the default.
    size_t bytes = kCublasWorkspace;
    if (const char* env = std::getenv("QWENVL_CUBLAS_WORKSPACE_MB"); env && *env) {
      char* end = nullptr;
      const long mb = std::strtol(env, &end, 10);
      if (*end == '\0' && mb >= 1 && mb <= 256) {
        bytes = static_cast<size_t>(mb) << 20;
      } else {
        std::fprintf(stderr, "qwenvl: QWENVL_CUBLAS_WORKSPACE_MB=%s is not a number of MiB in 1..256; ignored\n", env);
      }
    }
    auto ws = DeviceBuffer::allocate(bytes, "the cuBLAS workspace");
    if (!ws) return ws.status();
    cublas_ws_ = std::move(ws.value());
  }
  QWENVL_TRY(gemm_.init(stream_, cublas_ws_.get(), cublas_ws_.size()));
  vit_lt_bias_ = vit_lt_bias_from_env();
  if (!vit_lt_bias_) {
    std::fprintf(stderr,
                 "qwenvl: QWENVL_VIT_LT_BIAS=0: the vision encoder adds its biases after the GEMMs' rounding\n");
  }

  std::function<bool(double)> progress;
  if (options.on_progress) {
    progress = [&](double f) { return options.on_progress(LoadProgress{f, "uploading weights to the GPU"}); };
  }
  auto m = upload_model(weights, stream_, gemm_, progress, options.low_memory);
  if (!m) return m.status();
  model_ = std::move(m.value());
  if (model_->vit_streamed) {
    description_ += ", low-memory mode";
    QWENVL_CUDA_TRY(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking), "creating a CUDA stream");
    for (int i = 0; i < 2; ++i) {
      QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&vit_copied_[i], cudaEventDisableTiming), "creating a CUDA event");
      QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&vit_used_[i], cudaEventDisableTiming), "creating a CUDA event");
    }
  }

  const int H = cfg_.hidden_size, F = cfg_.ffn_size, V = cfg_.vocab_size, D = cfg_.head_dim();
  max_context_ = std::max(1, options.max_context);
  small_max_ = std::max(1, std::min(kernels::gemv_int4_max_tokens(H), kernels::gemv_int4_max_tokens(F)));
  chunk_ = std::max(small_max_ + 1, std::min(kPrefillChunk, max_context_));

  // Small-batch buffers.
  {
    Carver k(nullptr);
    const size_t S = small_max_;
    auto carve = [&](Carver& c) {
      d_x_ = c.take<__half>(S * H);
      d_xn_ = c.take<__half>(S * H);
      d_qkv_ = c.take<__half>(S * 3 * H);
      d_attn_ = c.take<__half>(S * H);
      d_h_ = c.take<__half>(S * F);
      d_logits_ = c.take<float>(V);
      d_attn_scratch_ = c.take<char>(kernels::attention_decode_scratch_bytes(cfg_.num_heads, D));
      d_inv_freq_ = c.take<float>(D / 2);
      d_params_ = c.take<int>(4);
      d_seen_ = c.take<uint8_t>(V);
      d_pick_block_ = c.take<int>(2 + kMarkMax);
      d_pick_ = c.take<int>(2);
      d_pick_scratch_ = c.take<char>(kernels::greedy_pick_scratch_bytes());
      d_sample_args_ = c.take<kernels::SampleArgs>(1);
      d_sample_scratch_ = c.take<char>(kernels::sample_pick_scratch_bytes(V));
    };
    carve(k);
    auto buf = DeviceBuffer::allocate(k.used(), "decode buffers");
    if (!buf) return buf.status();
    dec_ = std::move(buf.value());
    Carver real(dec_.as<char>());
    carve(real);
    QWENVL_CUDA_TRY(cudaMemsetAsync(dec_.get(), 0, dec_.size(), stream_), "clearing decode buffers");
  }
  const size_t ws_bytes = std::max(prefill_space(nullptr, cfg_, chunk_, kLogitRows).bytes,
                                   vision_space(nullptr, cfg_, model_->conv_k).bytes);
  {
    auto ws = DeviceBuffer::allocate(ws_bytes, "the prompt and picture workspace");
    if (!ws) return ws.status();
    ws_ = std::move(ws.value());
  }
  auto pin = [](PinnedBuffer& dst, size_t bytes, const char* what) -> Status {
    auto p = PinnedBuffer::allocate(bytes, what);
    if (!p) return p.status();
    dst = std::move(p.value());
    return Status();
  };
  QWENVL_TRY(pin(h_x_, static_cast<size_t>(small_max_) * H * 2, "decode inputs"));
  QWENVL_TRY(pin(h_params_, 4 * sizeof(int), "decode positions"));
  QWENVL_TRY(pin(h_logits_, static_cast<size_t>(kLogitRows) * V * sizeof(float), "logits"));
  QWENVL_TRY(pin(h_pick_block_, (2 + kMarkMax) * sizeof(int), "decode choices"));
  QWENVL_TRY(pin(h_pick_, 2 * sizeof(int), "decode choices"));
  QWENVL_TRY(pin(h_sample_args_, sizeof(kernels::SampleArgs), "sampling parameters"));
  for (int i = 0; i < 2; ++i) {
    QWENVL_TRY(pin(h_stage_[i], static_cast<size_t>(chunk_) * H * 2, "prompt embeddings"));
    QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&stage_done_[i], cudaEventDisableTiming), "creating a CUDA event");
  }
  QWENVL_CUDA_TRY(cudaEventCreate(&step_begin_), "creating a CUDA event");
  QWENVL_CUDA_TRY(cudaEventCreate(&step_end_), "creating a CUDA event");
  const size_t n_pages = (static_cast<size_t>(max_context_) + kPageSize - 1) / kPageSize;
  const size_t page_bytes = static_cast<size_t>(cfg_.num_layers) * 2 * cfg_.num_heads * kPageSize * cfg_.head_dim() * 2;
  pages_.init(page_bytes, kFreePages, stream_);
  {
    auto t = DeviceBuffer::allocate(n_pages * sizeof(__half*), "the KV page table");
    if (!t) return t.status();
    page_table_ = std::move(t.value());
  }
  QWENVL_CUDA_TRY(cudaMemsetAsync(page_table_.get(), 0, page_table_.size(), stream_), "clearing the KV page table");
  QWENVL_TRY(set_rotary(1.0));
  {
    auto k =
        DeviceBuffer::allocate(static_cast<size_t>(cfg_.visual.n_queries) * H * sizeof(__half), "picture features");
    if (!k) return k.status();
    kept_ = std::move(k.value());
  }
  if (prefill_gemm_from_env() == PrefillGemm::Cublas) {
    // Prompt chunks of kMinRows+ rows lease fp16 slots for the dequantised layers while they run
    // (cuda/int4_prefill.h); without that memory at the time, a prompt keeps the int4 GEMM.
    std::vector<const kernels::Int4Weight*> order;
    for (const LlmLayerDevice& l : model_->layers)
      order.insert(order.end(), {&l.c_attn, &l.c_proj, &l.w12, &l.mlp_proj});
    const Status s = prefill_gemm_.init(gemm_, stream_, order, chunk_);
    if (!s.ok()) {
      std::fprintf(stderr, "qwenvl: the cuBLAS prompt path is not available (%s); prompts use the int4 GEMM\n",
                   s.message().c_str());
    }
  } else {
    std::fprintf(stderr, "qwenvl: QWENVL_PREFILL_GEMM=mma: prompts use the int4 GEMM\n");
  }
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "preparing the CUDA backend");
  QWENVL_TRY(prepare_vision_graph());
  return Status();
}

kernels::KvCacheView CudaBackend::cache_view() const {
  kernels::KvCacheView v;
  v.pages = page_table_.as<__half* const>();
  v.page_size = kPageSize;
  v.layers = cfg_.num_layers;
  v.heads = cfg_.num_heads;
  v.head_dim = cfg_.head_dim();
  return v;
}

std::unique_ptr<KvCache> CudaBackend::make_kv_cache() {
  return std::make_unique<CudaKvCache>(pages_, next_cache_id_++, kPageSize);
}

Status CudaBackend::use_cache(CudaKvCache& kv, int positions) {
  bool grew = false;
  QWENVL_TRY(kv.reserve(positions, &grew));
  // Decode steps on the same cache find the table as they left it: no copy, no synchronisation.
  if (!grew && table_cache_ == kv.id()) return Status();
  const std::vector<__half*>& ptrs = kv.page_ptrs();
  // The table is read by kernels already queued; a synchronous copy orders after them.
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "switching the KV cache");
  QWENVL_CUDA_TRY(cudaMemcpy(page_table_.get(), ptrs.data(), ptrs.size() * sizeof(__half*), cudaMemcpyHostToDevice),
                  "updating the KV page table");
  table_cache_ = kv.id();
  return Status();
}

Status CudaBackend::set_rotary(double ntk_alpha) {
  if (ntk_alpha == rotary_alpha_) return Status();
  const int D = cfg_.head_dim();
  const std::vector<float> inv = rotary_inv_freq(D, rotary_base_for_alpha(cfg_.rotary_emb_base, D, ntk_alpha));
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "updating the rotary table");
  QWENVL_CUDA_TRY(cudaMemcpy(d_inv_freq_, inv.data(), inv.size() * sizeof(float), cudaMemcpyHostToDevice),
                  "updating the rotary table");
  rotary_alpha_ = ntk_alpha;
  return Status();
}

Status CudaBackend::fill_embeddings(const ForwardRequest& r, int start, int rows, uint16_t* dst, bool fetch_kept) {
  const size_t H = cfg_.hidden_size;
  for (int i = 0; i < rows; ++i) {
    std::memcpy(dst + i * H, model_->wte + static_cast<size_t>(r.ids[start + i]) * H, H * 2);
  }
  bool fetched = false;
  for (const EmbeddingSplice& s : r.splices) {
    const int lo = std::max(s.offset, start), hi = std::min(s.offset + s.rows, start + rows);
    if (hi <= lo) continue;
    uint16_t* d = dst + static_cast<size_t>(lo - start) * H;
    if (!s.data) {
      if (!fetch_kept) continue;  // splice_kept's rows
      QWENVL_CUDA_TRY(cudaMemcpyAsync(d, s.kept + static_cast<size_t>(lo - s.offset) * H,
                                      static_cast<size_t>(hi - lo) * H * 2, cudaMemcpyDeviceToHost, stream_),
                      "copying picture features");
      fetched = true;
      continue;
    }
    for (int p = lo; p < hi; ++p) {
      const float* src = s.data + static_cast<size_t>(p - s.offset) * H;
      uint16_t* row = dst + static_cast<size_t>(p - start) * H;
      for (size_t c = 0; c < H; ++c) row[c] = float_to_half(src[c]);
    }
  }
  if (fetched) QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "copying picture features");
  return Status();
}

Status CudaBackend::splice_kept(const ForwardRequest& r, int start, int rows, __half* dst) {
  const size_t H = cfg_.hidden_size;
  for (const EmbeddingSplice& s : r.splices) {
    const int lo = std::max(s.offset, start), hi = std::min(s.offset + s.rows, start + rows);
    if (hi <= lo || s.data) continue;
    QWENVL_CUDA_TRY(
        cudaMemcpyAsync(dst + static_cast<size_t>(lo - start) * H, s.kept + static_cast<size_t>(lo - s.offset) * H,
                        static_cast<size_t>(hi - lo) * H * 2, cudaMemcpyDeviceToDevice, stream_),
        "splicing picture features");
  }
  return Status();
}

Status CudaBackend::deliver_logits(const ForwardRequest& r, int index, const float* host_logits) const {
  if (r.on_logits) r.on_logits(index, host_logits);
  return Status();
}

Status CudaBackend::fail(Status s) {
  if (!s.ok()) {
    const cudaError_t sticky = cudaPeekAtLastError();
    if (sticky == cudaErrorIllegalAddress || sticky == cudaErrorLaunchFailure ||
        sticky == cudaErrorHardwareStackError || sticky == cudaErrorIllegalInstruction ||
        sticky == cudaErrorMisalignedAddress) {
      usable_ = false;
      broken_ = s;
    }
  }
  return s;
}

Status CudaBackend::run_forward(KvCache& cache, const ForwardRequest& r) {
  if (!usable_) return Status::error("the GPU is unusable after an earlier error (" + broken_.message() + ")");
  // Backend::forward hands back only caches this backend made.
  CudaKvCache& kv = static_cast<CudaKvCache&>(cache);
  const int n = r.n_tokens;
  int past = kv.length();
  QWENVL_TRY(fail(use_cache(kv, past + n)));
  QWENVL_TRY(fail(set_rotary(r.ntk_alpha)));
  const int step = n <= small_max_ ? n : chunk_;
  for (int start = 0; start < n; start += step) {
    const int rows = std::min(step, n - start);
    const bool last = start + rows == n;
    Status s = rows <= small_max_ ? run_small(r, start, rows, past, last) : run_prefill(r, start, rows, past, last);
    if (!s.ok()) {
      cudaStreamSynchronize(stream_);
      return fail(s);
    }
    past += rows;
  }
  return Status();
}

}  // namespace cuda
}  // namespace qwenvl
