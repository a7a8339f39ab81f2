// The vision encoder on the GPU, one picture at a time: 14x14 patches (im2col + GEMM), the
// interpolated position table, 48 pre-norm blocks (cuBLAS GEMMs, flash attention over the
// per-head interleaved q|k|v, exact GELU), the resampler's cross attention, ln_post and proj.
// The biased linears add their bias to the fp32 sum before the one rounding to fp16, as torch's
// addmm (cuBLASLt's bias epilogue); QWENVL_VIT_LT_BIAS=0 adds it after the GEMM's rounding, in
// the next kernel (the earlier path, for A/B measurements).
// The pass from the workspace's pixels to its fp16 features is captured once after load as a
// CUDA graph (QWENVL_VISION_GRAPH=0 turns that off) and replayed per picture; the features stay
// on the device for the prompt's splices.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda/cuda_backend.h"
#include "cuda/workspace.h"
#include "util/half.h"

namespace qwenvl::cuda {

// From sp.pixels ([3][S][S] fp32) to sp.out ([Q][H] fp16), all on stream_. Only device
// buffers that live as long as the backend are touched, so a captured copy can be replayed.
Status CudaBackend::enqueue_vision() {
  const ModelConfig& c = cfg_;
  const VisionConfig& v = c.visual;
  const int T = v.grid() * v.grid(), W = v.width, M = v.mlp_width, S = v.image_size, P = v.patch_size;
  const int heads = v.heads, hd = W / heads, H = c.hidden_size, Q = v.n_queries, rheads = H / 128;
  const float eps = static_cast<float>(c.layer_norm_epsilon);
  const int K = model_->conv_k;
  const DeviceModel& m = *model_;
  const VisionSpace sp = vision_space(ws_.as<char>(), c, K);
  // C = A Wt^T + b, Wt [n][kk]: through the bias epilogue, or the GEMM alone with *pending = b,
  // the bias the caller's next kernel then adds.
  auto biased = [&](const __half* a, int lda, const __half* wt, const __half* b, __half* out, int ldc, int rows, int n,
                    int kk, const __half** pending) -> Status {
    if (vit_lt_bias_) {
      *pending = nullptr;
      return gemm_.linear_bias(a, lda, wt, kk, b, out, ldc, rows, n, kk);
    }
    *pending = b;
    return gemm_.linear(a, lda, wt, kk, out, ldc, rows, n, kk);
  };
  const __half* later = nullptr;
  __half* patches = sp.big;
  QWENVL_CUDA_TRY(kernels::im2col_patches(sp.pixels, 1, S, P, K, patches, stream_), "cutting patches");
  QWENVL_TRY(gemm_.linear(patches, K, m.conv_w, K, sp.ln, W, T, W, K));
  QWENVL_CUDA_TRY(
      kernels::layernorm(sp.ln, m.vit_pos, nullptr, T, nullptr, sp.stream, m.ln_pre_w, m.ln_pre_b, T, W, eps, stream_),
      "positions + ln_pre");
  // Low-memory mode: layer l runs from slot l % 2 while layer l + 1 is copied into the other
  // slot on copy_stream_ (after layer l - 1, its previous user, is done); the end of layer l
  // already needs layer l + 1's ln_1, so it waits for that copy.
  const bool streamed = m.vit_streamed;
  const size_t n_layers = m.vit.size();
  auto copy_layer = [&](size_t l) -> Status {
    const int slot = static_cast<int>(l % 2);
    if (l >= 2) {
      QWENVL_CUDA_TRY(cudaStreamWaitEvent(copy_stream_, vit_used_[slot], 0), "ordering a vision layer copy");
    }
    QWENVL_CUDA_TRY(cudaMemcpyAsync(m.vit_slots[slot].get(), m.vit_host.as<char>() + m.vit_begin[l],
                                    m.vit_begin[l + 1] - m.vit_begin[l], cudaMemcpyHostToDevice, copy_stream_),
                    "copying a vision layer to the GPU");
    QWENVL_CUDA_TRY(cudaEventRecord(vit_copied_[slot], copy_stream_), "recording a CUDA event");
    return Status();
  };
  auto layer = [&](size_t l) { return streamed ? vit_layer_in(m, l, m.vit_slots[l % 2].as<char>()) : m.vit[l]; };
  if (streamed) {
    QWENVL_TRY(copy_layer(0));
    QWENVL_CUDA_TRY(cudaStreamWaitEvent(stream_, vit_copied_[0], 0), "waiting for a vision layer");
  }
  const VitLayerDevice first = layer(0);
  QWENVL_CUDA_TRY(kernels::layernorm(sp.stream, nullptr, nullptr, 0, nullptr, sp.ln, first.ln_1_w, first.ln_1_b, T, W,
                                     eps, stream_),
                  "ln_1");
  for (size_t l = 0; l < n_layers; ++l) {
    if (streamed && l + 1 < n_layers) QWENVL_TRY(copy_layer(l + 1));
    const VitLayerDevice w = layer(l);
    QWENVL_TRY(biased(sp.ln, W, w.in_w, w.in_b, sp.qkv, 3 * W, T, 3 * W, W, &later));
    if (later) {
      QWENVL_CUDA_TRY(kernels::bias_act(sp.qkv, later, T, 3 * W, 3 * W, kernels::Activation::None, stream_),
                      "in_proj bias");
    }
    kernels::AttentionArgs a;
    a.q = sp.qkv;
    a.q_row = 3LL * W;
    a.q_head = 3LL * hd;  // head h: q at 3*hd*h, k at +hd, v at +2*hd
    a.k = sp.qkv + hd;
    a.v = sp.qkv + 2 * hd;
    a.kv_row = 3LL * W;
    a.kv_head = 3LL * hd;
    a.o = sp.attn;
    a.o_row = W;
    a.o_head = hd;
    a.n_q = a.n_kv = T;
    a.heads = heads;
    a.head_dim = hd;
    a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    QWENVL_CUDA_TRY(kernels::flash_attention(a, stream_), "vision attention");
    QWENVL_TRY(biased(sp.attn, W, w.out_w, w.out_b, sp.ln, W, T, W, W, &later));
    QWENVL_CUDA_TRY(
        kernels::layernorm(sp.stream, sp.ln, later, 0, sp.stream, sp.ln, w.ln_2_w, w.ln_2_b, T, W, eps, stream_),
        "residual + ln_2");
    QWENVL_TRY(biased(sp.ln, W, w.fc_w, w.fc_b, sp.big, M, T, M, W, &later));
    QWENVL_CUDA_TRY(kernels::bias_act(sp.big, later, T, M, M, kernels::Activation::GeluErf, stream_), "GELU");
    QWENVL_TRY(biased(sp.big, M, w.proj_w, w.proj_b, sp.ln, W, T, W, M, &later));
    const bool more = l + 1 < n_layers;
    if (streamed && more) {
      QWENVL_CUDA_TRY(cudaStreamWaitEvent(stream_, vit_copied_[(l + 1) % 2], 0), "waiting for a vision layer");
    }
    const VitLayerDevice next = more ? layer(l + 1) : VitLayerDevice();
    QWENVL_CUDA_TRY(kernels::layernorm(sp.stream, sp.ln, later, 0, sp.stream, more ? sp.ln : nullptr,
                                       more ? next.ln_1_w : nullptr, more ? next.ln_1_b : nullptr, T, W, eps, stream_),
                    "residual + ln_1");
    if (streamed) QWENVL_CUDA_TRY(cudaEventRecord(vit_used_[l % 2], stream_), "recording a CUDA event");
  }
  // Resampler: 256 learned queries attend to the 1024 patch features.
  QWENVL_TRY(gemm_.linear(sp.stream, W, m.kv_proj_w, W, sp.kv, H, T, H, W));
  QWENVL_CUDA_TRY(
      kernels::layernorm(sp.kv, nullptr, nullptr, 0, nullptr, sp.kv, m.ln_kv_w, m.ln_kv_b, T, H, eps, stream_),
      "ln_kv");
  QWENVL_CUDA_TRY(kernels::layernorm(sp.kv, m.pos_k, nullptr, T, sp.kin, nullptr, nullptr, nullptr, T, H, eps, stream_),
                  "key positions");
  QWENVL_TRY(biased(sp.kin, H, m.wk, m.bk, sp.keys, H, T, H, H, &later));
  if (later)
    QWENVL_CUDA_TRY(kernels::bias_act(sp.keys, later, T, H, H, kernels::Activation::None, stream_), "key bias");
  __half* values = sp.kin;  // the keys' input is no longer needed
  QWENVL_TRY(biased(sp.kv, H, m.wv, m.bv, values, H, T, H, H, &later));
  if (later)
    QWENVL_CUDA_TRY(kernels::bias_act(values, later, T, H, H, kernels::Activation::None, stream_), "value bias");
  kernels::AttentionArgs a;
  a.q = m.q_proj;
  a.q_row = H;
  a.q_head = 128;
  a.k = sp.keys;
  a.v = values;
  a.kv_row = H;
  a.kv_head = 128;
  a.o = sp.att;
  a.o_row = H;
  a.o_head = 128;
  a.n_q = Q;
  a.n_kv = T;
  a.heads = rheads;
  a.head_dim = 128;
  a.scale = 1.0f / std::sqrt(128.0f);
  QWENVL_CUDA_TRY(kernels::flash_attention(a, stream_), "resampler attention");
  QWENVL_TRY(biased(sp.att, H, m.attn_out_w, m.attn_out_b, sp.out, H, Q, H, H, &later));
  if (later) {
    QWENVL_CUDA_TRY(kernels::bias_act(sp.out, later, Q, H, H, kernels::Activation::None, stream_),
                    "resampler out_proj bias");
  }
  QWENVL_CUDA_TRY(
      kernels::layernorm(sp.out, nullptr, nullptr, 0, nullptr, sp.out2, m.ln_post_w, m.ln_post_b, Q, H, eps, stream_),
      "ln_post");
  QWENVL_TRY(gemm_.matmul(sp.out2, m.proj, sp.out, Q, H, H));
  return Status();
}

Status CudaBackend::prepare_vision_graph() {
  if (model_->vit_streamed) return Status();  // the low-memory path orders a copy stream by events
  if (const char* env = std::getenv("QWENVL_VISION_GRAPH"); env && std::strcmp(env, "0") == 0) return Status();
  // One eager pass over zero pixels first: it sets the kernels' attributes and warms cuBLAS's
  // choices outside the capture.
  const VisionSpace sp = vision_space(ws_.as<char>(), cfg_, model_->conv_k);
  const size_t S = cfg_.visual.image_size;
  auto first_pass = [&]() -> Status {
    QWENVL_CUDA_TRY(cudaMemsetAsync(sp.pixels, 0, 3 * S * S * sizeof(float), stream_), "clearing the picture buffer");
    QWENVL_TRY(enqueue_vision());
    QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "a first pass of the vision encoder");
    return Status();
  };
  if (Status f = first_pass(); !f.ok()) {
    cudaStreamSynchronize(stream_);
    fail(f);
    if (!usable_) return f;  // a sticky error: the GPU is unusable, and loading fails
    cudaGetLastError();
    std::fprintf(stderr,
                 "qwenvl: the vision encoder's CUDA graph was not captured (%s); pictures are encoded without it\n",
                 f.message().c_str());
    return Status();
  }
  const cudaError_t begin = cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal);
  const Status s = begin == cudaSuccess ? enqueue_vision() : Status();
  cudaGraph_t g = nullptr;
  const cudaError_t e = begin == cudaSuccess ? cudaStreamEndCapture(stream_, &g) : begin;
  cudaError_t inst = cudaErrorUnknown;
  if (s.ok() && e == cudaSuccess && g) inst = cudaGraphInstantiate(&vision_graph_, g, 0);
  if (g) cudaGraphDestroy(g);
  if (inst != cudaSuccess) {
    // The graph is an optimisation: pictures are encoded with direct launches instead.
    const std::string why = !s.ok()            ? s.message()
                            : e != cudaSuccess ? std::string(cudaGetErrorString(e))
                                               : std::string(cudaGetErrorString(inst));
    cudaGetLastError();
    vision_graph_ = nullptr;
    std::fprintf(stderr,
                 "qwenvl: the vision encoder's CUDA graph could not be captured (%s); pictures are encoded "
                 "without it\n",
                 why.c_str());
  }
  return Status();
}

Status CudaBackend::encode_images_kept(const float* pixels, int n, const uint16_t** kept) {
  if (!usable_) return Status::error("the GPU is unusable after an earlier error (" + broken_.message() + ")");
  if (!kept) return Status::error("encode_images_kept: nowhere to put the features");
  *kept = nullptr;
  if (n <= 0) return Status();
  if (!pixels) return Status::error("encode_images: no pixel buffer");
  const ModelConfig& c = cfg_;
  const size_t S = c.visual.image_size, feat = static_cast<size_t>(c.visual.n_queries) * c.hidden_size;
  const VisionSpace sp = vision_space(ws_.as<char>(), c, model_->conv_k);
  kept_n_ = 0;
  if (kept_.size() < n * feat * sizeof(__half)) {
    kept_.release();
    auto b = DeviceBuffer::allocate(n * feat * sizeof(__half), "picture features");
    if (!b) return fail(b.status());
    kept_ = std::move(b.value());
  }
  auto run = [&](int img) -> Status {
    QWENVL_CUDA_TRY(cudaMemcpyAsync(sp.pixels, pixels + static_cast<size_t>(img) * 3 * S * S, 3 * S * S * sizeof(float),
                                    cudaMemcpyHostToDevice, stream_),
                    "copying a picture to the GPU");
    if (vision_graph_) {
      QWENVL_CUDA_TRY(cudaGraphLaunch(vision_graph_, stream_), "launching the vision graph");
    } else {
      QWENVL_TRY(enqueue_vision());
    }
    QWENVL_CUDA_TRY(cudaMemcpyAsync(kept_.as<__half>() + img * feat, sp.out, feat * sizeof(__half),
                                    cudaMemcpyDeviceToDevice, stream_),
                    "keeping picture features");
    return Status();
  };
  for (int i = 0; i < n; ++i) {
    Status s = run(i);
    if (!s.ok()) {
      cudaStreamSynchronize(stream_);
      return fail(s.with_context("picture " + std::to_string(i + 1) + ": "));
    }
  }
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "encoding pictures");
  kept_n_ = n;
  *kept = kept_.as<uint16_t>();
  return Status();
}

Status CudaBackend::copy_kept_features(float* out) {
  if (!out) return Status::error("copy_kept_features: no output buffer");
  const size_t count = static_cast<size_t>(kept_n_) * cfg_.visual.n_queries * cfg_.hidden_size;
  if (count == 0) return Status();
  if (h_kept_.size() < count * sizeof(uint16_t)) {
    auto p = PinnedBuffer::allocate(count * sizeof(uint16_t), "picture features");
    if (!p) return p.status();
    h_kept_ = std::move(p.value());
  }
  QWENVL_CUDA_TRY(
      cudaMemcpyAsync(h_kept_.as<uint16_t>(), kept_.get(), count * sizeof(uint16_t), cudaMemcpyDeviceToHost, stream_),
      "copying picture features");
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream_), "copying picture features");
  half_to_float_n(h_kept_.as<uint16_t>(), out, count);
  return Status();
}

Status CudaBackend::encode_images(const float* pixels, int n, float* out) {
  if (n > 0 && !out) return Status::error("encode_images: no output buffer");
  const uint16_t* kept = nullptr;
  QWENVL_TRY(encode_images_kept(pixels, n, &kept));
  return fail(copy_kept_features(out));
}

}  // namespace qwenvl::cuda
