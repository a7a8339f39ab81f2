// CudaBackend: creation (probe, upload, buffers), the KV cache pages, rotary tables, and the
// dispatch of a forward pass into GEMV steps (few tokens) or GEMM chunks (prompts).
#include "cuda/cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cuda/cuda_probe.h"
#include "cuda/workspace.h"
#include "util/half.h"

namespace qwenvl {

Result<std::unique_ptr<Backend>> make_cuda_backend(const ModelWeights& weights, const BackendOptions& options) {
  auto b = cuda::CudaBackend::create(weights, options);
  if (!b) return b.status();
  return std::unique_ptr<Backend>(std::move(b.value()));
}

namespace cuda {

Result<std::unique_ptr<CudaBackend>> CudaBackend::create(const ModelWeights& weights, const BackendOptions& options) {
  std::unique_ptr<CudaBackend> b(new CudaBackend());
  Status s = b->init(weights, options);
  if (!s.ok()) return s.with_context("CUDA backend: ");
  return b;
}

CudaBackend::~CudaBackend() {
  if (stream_) cudaStreamSynchronize(stream_);
  if (graph_) cudaGraphExecDestroy(graph_);
  gemm_.release();
  for (auto& e : stage_done_) {
    if (e) cudaEventDestroy(e);
  }
  if (step_begin_) cudaEventDestroy(step_begin_);
  if (step_end_) cudaEventDestroy(step_end_);
  if (stream_) cudaStreamDestroy(stream_);
}

Status CudaBackend::init(const ModelWeights& weights, const BackendOptions& options) {
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
    auto ws = DeviceBuffer::allocate(kCublasWorkspace, "the cuBLAS workspace");
    if (!ws) return ws.status();
    cublas_ws_ = std::move(ws.value());
  }
  QWENVL_TRY(gemm_.init(stream_, cublas_ws_.get(), cublas_ws_.size()));

  std::function<bool(double)> progress;
  if (options.on_progress) {
    progress = [&](double f) { return options.on_progress(f, "uploading weights to the GPU"); };
  }
  auto m = upload_model(weights, stream_, gemm_, progress);
  if (!m) return m.status();
  model_ = std::move(m.value());

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
  for (int i = 0; i < 2; ++i) {
    QWENVL_TRY(pin(h_stage_[i], static_cast<size_t>(chunk_) * H * 2, "prompt embeddings"));
    QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&stage_done_[i], cudaEventDisableTiming), "creating a CUDA event");
  }
  QWENVL_CUDA_TRY(cudaEventCreate(&step_begin_), "creating a CUDA event");
  QWENVL_CUDA_TRY(cudaEventCreate(&step_end_), "creating a CUDA event");
  const size_t n_pages = (static_cast<size_t>(max_context_) + kPageSize - 1) / kPageSize;
  page_ptrs_.assign(n_pages, nullptr);
  {
    auto t = DeviceBuffer::allocate(n_pages * sizeof(__half*), "the KV page table");
    if (!t) return t.status();
    page_table_ = std::move(t.value());
  }
  QWENVL_CUDA_TRY(cudaMemsetAsync(page_table_.get(), 0, page_table_.size(), stream_), "clearing the KV page table");
  QWENVL_TRY(set_rotary(1.0));
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "preparing the CUDA backend");
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

Status CudaBackend::ensure_pages(int positions) {
  const size_t need = (static_cast<size_t>(positions) + kPageSize - 1) / kPageSize;
  if (need <= pages_.size()) return Status();
  const size_t page_bytes = static_cast<size_t>(cfg_.num_layers) * 2 * cfg_.num_heads * kPageSize * cfg_.head_dim() * 2;
  while (pages_.size() < need) {
    auto p = DeviceBuffer::allocate(page_bytes, "the KV cache (" + std::to_string((pages_.size() + 1) * kPageSize) +
                                                    " positions)");
    if (!p) return p.status();
    page_ptrs_[pages_.size()] = p->as<__half>();
    pages_.push_back(std::move(p.value()));
  }
  // The table is read by kernels already queued; a synchronous copy orders after them.
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "growing the KV cache");
  QWENVL_CUDA_TRY(cudaMemcpy(page_table_.get(), page_ptrs_.data(), need * sizeof(__half*), cudaMemcpyHostToDevice),
                  "updating the KV page table");
  return Status();
}

void CudaBackend::kv_truncate(int n) {
  kv_len_ = std::max(0, std::min(n, kv_len_));
  // Give back pages past the kept length (keeping one spare) so a cleared chat frees memory.
  const size_t keep = (static_cast<size_t>(kv_len_) + kPageSize - 1) / kPageSize + 1;
  if (pages_.size() > keep) {
    cudaStreamSynchronize(stream_);
    while (pages_.size() > keep) {
      page_ptrs_[pages_.size() - 1] = nullptr;
      pages_.pop_back();
    }
  }
}

Status CudaBackend::set_rotary(double ntk_alpha) {
  if (ntk_alpha == rotary_alpha_) return Status();
  const int D = cfg_.head_dim();
  // modeling_qwen.py: base = rotary_emb_base * alpha^(d / (d - 2)) as a Python float, then
  // inv_freq = 1 / base^(arange(0, d, 2) / d) in float32.
  const double base = cfg_.rotary_emb_base * std::pow(ntk_alpha, static_cast<double>(D) / (D - 2));
  std::vector<float> inv(D / 2);
  for (int i = 0; i < D / 2; ++i) {
    const float e = static_cast<float>(2 * i) / static_cast<float>(D);
    inv[i] = 1.0f / std::pow(static_cast<float>(base), e);
  }
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "updating the rotary table");
  QWENVL_CUDA_TRY(cudaMemcpy(d_inv_freq_, inv.data(), inv.size() * sizeof(float), cudaMemcpyHostToDevice),
                  "updating the rotary table");
  rotary_alpha_ = ntk_alpha;
  return Status();
}

void CudaBackend::fill_embeddings(const ForwardRequest& r, int start, int rows, uint16_t* dst) const {
  const size_t H = cfg_.hidden_size;
  for (int i = 0; i < rows; ++i) {
    std::memcpy(dst + i * H, model_->wte + static_cast<size_t>(r.ids[start + i]) * H, H * 2);
  }
  for (const EmbeddingSplice& s : r.splices) {
    const int lo = std::max(s.offset, start), hi = std::min(s.offset + s.rows, start + rows);
    for (int p = lo; p < hi; ++p) {
      const float* src = s.data + static_cast<size_t>(p - s.offset) * H;
      uint16_t* d = dst + static_cast<size_t>(p - start) * H;
      for (size_t c = 0; c < H; ++c) d[c] = float_to_half(src[c]);
    }
  }
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

Status CudaBackend::forward(const ForwardRequest& r) {
  if (!usable_) return Status::error("the GPU is unusable after an earlier error (" + broken_.message() + ")");
  const int n = r.n_tokens;
  if (n <= 0 || !r.ids) return Status::error("forward: no tokens given");
  if (kv_len_ + n > max_context_) {
    return Status::error("the conversation needs " + std::to_string(kv_len_ + n) + " positions but the context holds " +
                         std::to_string(max_context_) + ": start a new chat or raise the context length");
  }
  for (int i = 0; i < n; ++i) {
    if (r.ids[i] < 0 || r.ids[i] >= cfg_.vocab_size) {
      return Status::error("forward: token id " + std::to_string(r.ids[i]) + " is outside the vocabulary (" +
                           std::to_string(cfg_.vocab_size) + ")");
    }
  }
  for (const EmbeddingSplice& s : r.splices) {
    if (s.offset < 0 || s.rows < 0 || s.offset + s.rows > n || (s.rows > 0 && !s.data)) {
      return Status::error("forward: an embedding splice (offset " + std::to_string(s.offset) + ", " +
                           std::to_string(s.rows) + " rows) does not fit the " + std::to_string(n) + " tokens");
    }
  }
  QWENVL_TRY(fail(ensure_pages(kv_len_ + n)));
  QWENVL_TRY(fail(set_rotary(r.ntk_alpha)));
  const int step = n <= small_max_ ? n : chunk_;
  for (int start = 0; start < n; start += step) {
    const int rows = std::min(step, n - start);
    const bool last = start + rows == n;
    Status s = rows <= small_max_ ? run_small(r, start, rows, last) : run_prefill(r, start, rows, last);
    if (!s.ok()) {
      cudaStreamSynchronize(stream_);
      return fail(s);
    }
    kv_len_ += rows;
  }
  return Status();
}

}  // namespace cuda
}  // namespace qwenvl
