// Uploading the model: sizes are planned in a first pass over the tensors, one device allocation
// is made, and a second pass copies (through pinned staging buffers), repacks the int4 layers
// on the GPU and precomputes what is constant (position tables, the resampler's queries).
#include "cuda/device_model.h"

#include <algorithm>
#include <cstring>

#include "cuda/gemm.h"
#include "model/vision_pos.h"
#include "util/half.h"

namespace qwenvl::cuda {

namespace {

constexpr size_t kAlign = 256;
constexpr size_t kStageBytes = size_t{32} << 20;

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// Host -> device copies through two pinned buffers so that the memcpy out of the mapped file
// overlaps the DMA of the previous piece.
class Stager {
 public:
  ~Stager() {
    for (auto& e : done_) {
      if (e) cudaEventDestroy(e);
    }
  }
  Status init() {
    for (int i = 0; i < 2; ++i) {
      auto b = PinnedBuffer::allocate(kStageBytes, "staging weights");
      if (!b) return b.status();
      buf_[i] = std::move(b.value());
      QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&done_[i], cudaEventDisableTiming), "creating a CUDA event");
    }
    return Status();
  }
  Status copy(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
    for (size_t off = 0; off < bytes; off += kStageBytes) {
      const size_t n = std::min(kStageBytes, bytes - off);
      QWENVL_CUDA_TRY(cudaEventSynchronize(done_[cur_]), "waiting for a weight upload");
      std::memcpy(buf_[cur_].as<char>(), static_cast<const char*>(src) + off, n);
      QWENVL_CUDA_TRY(
          cudaMemcpyAsync(static_cast<char*>(dst) + off, buf_[cur_].as<char>(), n, cudaMemcpyHostToDevice, stream),
          "copying weights to the GPU");
      QWENVL_CUDA_TRY(cudaEventRecord(done_[cur_], stream), "recording a CUDA event");
      cur_ ^= 1;
    }
    return Status();
  }

 private:
  PinnedBuffer buf_[2];
  cudaEvent_t done_[2] = {nullptr, nullptr};
  int cur_ = 0;
};

bool all_zero(const uint16_t* h, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (h[i] & 0x7fffu) return false;
  }
  return true;
}

// One traversal of the model, run twice: sizing (upload_ false) and uploading.
class Builder {
 public:
  Builder(bool upload, char* base, cudaStream_t stream, Stager* stager, const std::function<bool(double)>* progress,
          size_t total, char* host_base = nullptr, bool stream_vit = false)
      : upload_(upload),
        base_(base),
        stream_(stream),
        stager_(stager),
        progress_(progress),
        total_(total),
        host_base_(host_base),
        stream_vit_(stream_vit) {}

  size_t used() const { return offset_; }
  // Low-memory mode: the ViT layers are placed in (pinned) host memory instead, between
  // begin_host() and end_host().
  bool streams_vit() const { return stream_vit_; }
  void begin_host() { host_mode_ = stream_vit_; }
  void end_host() { host_mode_ = false; }
  size_t host_used() const { return host_offset_; }
  const Status& status() const { return status_; }

  // fp16 tensor (or elements [first, first + count) of it) copied as is.
  const __half* fp16(const TensorView* t, size_t first = 0, size_t count = 0) {
    if (!count) count = static_cast<size_t>(t->numel()) - first;
    const size_t bytes = count * 2;
    char* dst = place(bytes);
    if (dst) copy(dst, t->data + first * 2, bytes);
    return reinterpret_cast<const __half*>(dst);
  }

  const __half* host_fp16(size_t count, const std::function<std::vector<uint16_t>()>& make) {
    char* dst = place(count * 2);
    if (dst) {
      const std::vector<uint16_t> data = make();
      copy(dst, data.data(), count * 2);
    }
    return reinterpret_cast<const __half*>(dst);
  }

  __half* reserve(size_t count) { return reinterpret_cast<__half*>(place(count * 2)); }

  // A single layer, or (gate given) up and gate interleaved tile by tile.
  kernels::Int4Weight int4(const GptqLinear& up, const GptqLinear* gate = nullptr) {
    const int parts = gate ? 2 : 1;
    kernels::Int4Weight w;
    w.n = up.out_features * parts;
    w.k = up.in_features;
    w.group = up.group_size;
    char* q = place(kernels::int4_q_words(w.n, w.k) * 16);
    char* s = place(kernels::int4_scale_words(w.n, w.k, w.group) * 4);
    char* z = place(kernels::int4_zero_words(w.n, w.k, w.group) * 8);
    // Bias in tile order; dropped when every part is zero (the file stores zeros for no_bias).
    const GptqLinear* layers[2] = {&up, gate};
    bool any_bias = false;
    for (int p = 0; p < parts; ++p) {
      const TensorView* b = layers[p]->bias;
      if (b && !all_zero(b->as<uint16_t>(), static_cast<size_t>(b->numel()))) any_bias = true;
    }
    char* bias = any_bias ? place(static_cast<size_t>(w.n) * 2) : nullptr;
    w.q = reinterpret_cast<const uint4*>(q);
    w.scales = reinterpret_cast<const uint32_t*>(s);
    w.zeros = reinterpret_cast<const uint2*>(z);
    w.bias = reinterpret_cast<const __half*>(bias);
    // Symmetric checkpoints (every zero point 8) take the decode GEMV's folded-zero path.
    w.symmetric = true;
    for (int p = 0; p < parts; ++p) {
      const TensorView* z = layers[p]->qzeros;
      w.symmetric = w.symmetric && kernels::int4_zeros_symmetric(z->data, z->nbytes);
    }
    if (!upload_ || !status_.ok()) return w;
    const int n1 = up.out_features;
    for (int p = 0; p < parts; ++p) {
      const GptqLinear& l = *layers[p];
      status_ = stage_raw(l);
      if (!status_.ok()) return w;
      const cudaError_t e = kernels::repack_int4(
          raw_q_.as<uint32_t>(), raw_z_.as<uint32_t>(), raw_s_.as<__half>(), n1, w.k, w.group,
          reinterpret_cast<uint4*>(q), reinterpret_cast<uint32_t*>(s), reinterpret_cast<uint2*>(z), parts, p, stream_);
      if (e != cudaSuccess) {
        status_ = cuda_status(e, "repacking int4 weights of " + l.qweight->name);
        return w;
      }
    }
    if (bias) {
      std::vector<uint16_t> tiled(static_cast<size_t>(w.n), 0);
      for (int p = 0; p < parts; ++p) {
        const TensorView* b = layers[p]->bias;
        if (!b) continue;
        const uint16_t* src = b->as<uint16_t>();
        for (int n = 0; n < n1; ++n) tiled[static_cast<size_t>((n / 16) * parts + p) * 16 + n % 16] = src[n];
      }
      copy(bias, tiled.data(), tiled.size() * 2);
    }
    report(kernels::int4_q_words(w.n, w.k) * 16);
    return w;
  }

 private:
  char* place(size_t bytes) {
    if (host_mode_) {
      const size_t at = host_offset_;
      host_offset_ += align_up(bytes);
      return upload_ ? host_base_ + at : nullptr;
    }
    const size_t at = offset_;
    offset_ += align_up(bytes);
    return upload_ ? base_ + at : nullptr;
  }

  void copy(void* dst, const void* src, size_t bytes) {
    if (!status_.ok()) return;
    if (host_mode_) {
      std::memcpy(dst, src, bytes);
    } else {
      status_ = stager_->copy(dst, src, bytes, stream_);
    }
    report(bytes);
  }

  void report(size_t bytes) {
    done_ += bytes;
    if (status_.ok() && progress_ && *progress_ && !(*progress_)(static_cast<double>(done_) / total_)) {
      status_ = Status::error("cancelled");
    }
  }

  static Status grow(DeviceBuffer& b, size_t bytes, const char* what) {
    if (b.size() >= bytes) return Status();
    b.release();
    auto r = DeviceBuffer::allocate(bytes, what);
    if (!r) return r.status();
    b = std::move(r.value());
    return Status();
  }

  Status stage_raw(const GptqLinear& l) {
    QWENVL_TRY(grow(raw_q_, l.qweight->nbytes, "repacking int4 weights"));
    QWENVL_TRY(grow(raw_z_, l.qzeros->nbytes, "repacking int4 weights"));
    QWENVL_TRY(grow(raw_s_, l.scales->nbytes, "repacking int4 weights"));
    QWENVL_TRY(stager_->copy(raw_q_.get(), l.qweight->data, l.qweight->nbytes, stream_));
    QWENVL_TRY(stager_->copy(raw_z_.get(), l.qzeros->data, l.qzeros->nbytes, stream_));
    QWENVL_TRY(stager_->copy(raw_s_.get(), l.scales->data, l.scales->nbytes, stream_));
    return Status();
  }

  bool upload_;
  char* base_;
  cudaStream_t stream_;
  Stager* stager_;
  const std::function<bool(double)>* progress_;
  size_t total_;
  size_t offset_ = 0, done_ = 0;
  char* host_base_ = nullptr;
  bool stream_vit_ = false, host_mode_ = false;
  size_t host_offset_ = 0;
  Status status_;
  DeviceBuffer raw_q_, raw_z_, raw_s_;
};

std::vector<uint16_t> narrow(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = float_to_half(v[i]);
  return out;
}

// The traversal shared by both passes; fills m's pointers (meaningful in the upload pass).
void build(Builder& b, const ModelWeights& w, DeviceModel& m) {
  const ModelConfig& c = w.config;
  const int H = c.hidden_size, W = c.visual.width, grid = c.visual.grid(), P = c.visual.patch_size;
  m.layers.resize(w.layers.size());
  size_t mark = b.used();
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LlmLayerWeights& lw = w.layers[i];
    LlmLayerDevice& d = m.layers[i];
    d.ln_1 = b.fp16(lw.ln_1);
    d.ln_2 = b.fp16(lw.ln_2);
    d.c_attn = b.int4(lw.c_attn);
    d.c_proj = b.int4(lw.c_proj);
    d.w12 = b.int4(lw.w1, &lw.w2);
    d.mlp_proj = b.int4(lw.mlp_c_proj);
  }
  m.int4_bytes = b.used() - mark;
  mark = b.used();
  m.ln_f = b.fp16(w.ln_f);
  m.lm_head = b.fp16(w.lm_head);
  m.llm_fp16_bytes = b.used() - mark;
  mark = b.used();

  const VisionWeights& v = w.visual;
  const int k_raw = 3 * P * P;
  m.conv_k = (k_raw + 7) / 8 * 8;
  m.conv_w = b.host_fp16(static_cast<size_t>(W) * m.conv_k, [&] {
    std::vector<uint16_t> out(static_cast<size_t>(W) * m.conv_k, 0);
    const uint16_t* src = v.conv1->as<uint16_t>();
    for (int r = 0; r < W; ++r)
      std::memcpy(&out[static_cast<size_t>(r) * m.conv_k], src + static_cast<size_t>(r) * k_raw, k_raw * 2);
    return out;
  });
  m.vit_pos =
      b.host_fp16(static_cast<size_t>(grid) * grid * W, [&] { return narrow(abs_pos_table(v.pos_embed, grid)); });
  m.ln_pre_w = b.fp16(v.ln_pre_w);
  m.ln_pre_b = b.fp16(v.ln_pre_b);
  m.vit.resize(v.layers.size());
  m.vit_begin.assign(v.layers.size() + 1, 0);
  b.begin_host();
  for (size_t i = 0; i < v.layers.size(); ++i) {
    const VisionLayerWeights& s = v.layers[i];
    VitLayerDevice& d = m.vit[i];
    m.vit_begin[i] = b.host_used();
    d.ln_1_w = b.fp16(s.ln_1_w);
    d.ln_1_b = b.fp16(s.ln_1_b);
    d.in_w = b.fp16(s.in_proj_w);
    d.in_b = b.fp16(s.in_proj_b);
    d.out_w = b.fp16(s.out_proj_w);
    d.out_b = b.fp16(s.out_proj_b);
    d.ln_2_w = b.fp16(s.ln_2_w);
    d.ln_2_b = b.fp16(s.ln_2_b);
    d.fc_w = b.fp16(s.c_fc_w);
    d.fc_b = b.fp16(s.c_fc_b);
    d.proj_w = b.fp16(s.c_proj_w);
    d.proj_b = b.fp16(s.c_proj_b);
  }
  m.vit_begin[v.layers.size()] = b.host_used();
  b.end_host();
  const ResamplerWeights& r = v.pool;
  const size_t HH = static_cast<size_t>(H) * H;
  m.kv_proj_w = b.fp16(r.kv_proj_w);
  m.ln_kv_w = b.fp16(r.ln_kv_w);
  m.ln_kv_b = b.fp16(r.ln_kv_b);
  m.pos_k = b.host_fp16(static_cast<size_t>(grid) * grid * H, [&] { return narrow(abs_pos_table(r.pos_embed, grid)); });
  m.q_proj = b.reserve(static_cast<size_t>(c.visual.n_queries) * H);
  m.wk = b.fp16(r.in_proj_w, HH, HH);
  m.wv = b.fp16(r.in_proj_w, 2 * HH, HH);
  m.bk = b.fp16(r.in_proj_b, H, H);
  m.bv = b.fp16(r.in_proj_b, 2 * static_cast<size_t>(H), H);
  m.attn_out_w = b.fp16(r.out_proj_w);
  m.attn_out_b = b.fp16(r.out_proj_b);
  m.ln_post_w = b.fp16(v.ln_post_w);
  m.ln_post_b = b.fp16(v.ln_post_b);
  m.proj = b.fp16(v.proj);
  m.vision_bytes = b.used() - mark;
}

// q_proj = (ln_q(query) + pos_embed) Wq^T + bq, the same for every picture.
Status precompute_queries(const ModelWeights& w, DeviceModel& m, cudaStream_t stream, Gemm& gemm, Stager& stager) {
  const ResamplerWeights& r = w.visual.pool;
  const int H = w.config.hidden_size, Q = w.config.visual.n_queries;
  const size_t QH = static_cast<size_t>(Q) * H, HH = static_cast<size_t>(H) * H;
  auto tmp = DeviceBuffer::allocate((3 * QH + HH + 3 * static_cast<size_t>(H)) * 2, "the resampler's queries");
  if (!tmp) return tmp.status();
  __half* query = tmp->as<__half>();
  __half* pos = query + QH;
  __half* sum = pos + QH;
  __half* wq = sum + QH;
  __half* bq = wq + HH;
  __half* lnw = bq + H;
  __half* lnb = lnw + H;
  QWENVL_TRY(stager.copy(query, r.query->data, QH * 2, stream));
  QWENVL_TRY(stager.copy(pos, r.pos_embed->data, QH * 2, stream));
  QWENVL_TRY(stager.copy(wq, r.in_proj_w->data, HH * 2, stream));
  QWENVL_TRY(stager.copy(bq, r.in_proj_b->data, static_cast<size_t>(H) * 2, stream));
  QWENVL_TRY(stager.copy(lnw, r.ln_q_w->data, static_cast<size_t>(H) * 2, stream));
  QWENVL_TRY(stager.copy(lnb, r.ln_q_b->data, static_cast<size_t>(H) * 2, stream));
  const float eps = static_cast<float>(w.config.layer_norm_epsilon);
  QWENVL_CUDA_TRY(kernels::layernorm(query, nullptr, nullptr, 0, nullptr, sum, lnw, lnb, Q, H, eps, stream), "ln_q");
  QWENVL_CUDA_TRY(kernels::layernorm(sum, pos, nullptr, 0, sum, nullptr, nullptr, nullptr, Q, H, eps, stream),
                  "adding the resampler's query positions");
  __half* out = const_cast<__half*>(m.q_proj);
  if (vit_lt_bias_from_env()) {
    QWENVL_TRY(gemm.linear_bias(sum, H, wq, H, bq, out, H, Q, H, H));
  } else {
    QWENVL_TRY(gemm.linear(sum, H, wq, H, out, H, Q, H, H));
    QWENVL_CUDA_TRY(kernels::bias_act(out, bq, Q, H, H, kernels::Activation::None, stream), "the query bias");
  }
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream), "precomputing the resampler's queries");
  return Status();
}

}  // namespace

Status check_cuda_support(const ModelConfig& c) {
  auto fail = [](const std::string& what) {
    return Status::error("the CUDA backend does not support this model: " + what + " (use the CPU backend)");
  };
  const int H = c.hidden_size, F = c.ffn_size, D = c.head_dim(), G = c.quant.group_size;
  if (H % 64 || F % 64) return fail("hidden_size and intermediate_size / 2 must be multiples of 64");
  if (D % 8 || D > 128 || D < 8) return fail("the attention head size must be a multiple of 8 up to 128");
  if (c.num_heads * D != H) return fail("num_attention_heads * kv_channels must equal hidden_size");
  if (G % 64 || H % G || F % G) return fail("the GPTQ group size must be a multiple of 64 dividing the layer inputs");
  if (c.rotary_pct != 1.0) return fail("rotary_pct other than 1.0");
  const VisionConfig& v = c.visual;
  if (v.width % 8 || v.heads <= 0 || v.width % v.heads)
    return fail("vision width must be a multiple of 8 and of heads");
  const int vd = v.width / v.heads;
  if (vd % 8 || vd > 128) return fail("the vision head size must be a multiple of 8 up to 128");
  if (v.mlp_width % 8) return fail("the vision MLP width must be a multiple of 8");
  if (v.output_dim != H || H % 128) return fail("the resampler needs output_dim = hidden_size, a multiple of 128");
  if (v.image_size % v.patch_size) return fail("image_size must be a multiple of patch_size");
  if (H > 11264 || v.width > 11264) return fail("widths above 11264");
  return Status();
}

Result<std::unique_ptr<DeviceModel>> upload_model(const ModelWeights& weights, cudaStream_t stream, Gemm& gemm,
                                                  const std::function<bool(double)>& progress, bool low_memory) {
  QWENVL_TRY(check_cuda_support(weights.config));
  auto m = std::make_unique<DeviceModel>();
  m->config = weights.config;
  {
    size_t free_b = 0, total_b = 0;
    QWENVL_CUDA_TRY(cudaMemGetInfo(&free_b, &total_b), "reading the free GPU memory");
    const size_t margin = size_t{256} << 20;  // activations, KV cache pages, cuBLAS
    Builder sizing(false, nullptr, stream, nullptr, nullptr, 1);
    DeviceModel scratch;
    build(sizing, weights, scratch);
    size_t need = sizing.used();
    // Low-memory mode, asked for or when the whole model does not fit: the ViT layers stay in
    // pinned host memory and are streamed through two device slots while a picture is encoded.
    if (low_memory || need + margin > free_b) {
      Builder lean(false, nullptr, stream, nullptr, nullptr, 1, nullptr, true);
      DeviceModel layout;
      build(lean, weights, layout);
      size_t slot = 0;
      for (size_t i = 0; i + 1 < layout.vit_begin.size(); ++i)
        slot = std::max(slot, layout.vit_begin[i + 1] - layout.vit_begin[i]);
      need = lean.used() + 2 * slot;
      m->vit_streamed = true;
      m->vit_slot_bytes = slot;
      auto host = PinnedBuffer::allocate(lean.host_used(), "the vision layers in host memory (low-memory mode)");
      if (!host) return host.status();
      m->vit_host = std::move(host.value());
    }
    if (need + margin > free_b) {
      return Status::error("the model needs " + format_mib(need + margin) + " of GPU memory but only " +
                           format_mib(free_b) + " of " + format_mib(total_b) +
                           " is free: close other programs using the GPU, or use the CPU backend");
    }
    auto arena = DeviceBuffer::allocate(need - (m->vit_streamed ? 2 * m->vit_slot_bytes : 0), "the model's weights");
    if (!arena) return arena.status();
    m->arena = std::move(arena.value());
    if (m->vit_streamed) {
      for (auto& slot : m->vit_slots) {
        auto b = DeviceBuffer::allocate(m->vit_slot_bytes, "a vision layer slot (low-memory mode)");
        if (!b) return b.status();
        slot = std::move(b.value());
      }
    }
  }
  Stager stager;
  QWENVL_TRY(stager.init());
  Builder upload(true, m->arena.as<char>(), stream, &stager, &progress, m->arena.size() + m->vit_host.size(),
                 m->vit_host.as<char>(), m->vit_streamed);
  build(upload, weights, *m);
  QWENVL_TRY(upload.status());
  QWENVL_TRY(precompute_queries(weights, *m, stream, gemm, stager));
  m->wte = weights.wte->as<uint16_t>();
  QWENVL_CUDA_TRY(cudaStreamSynchronize(stream), "uploading the model");
  return m;
}

VitLayerDevice vit_layer_in(const DeviceModel& m, size_t l, const char* slot) {
  const char* begin = m.vit_host.as<char>() + m.vit_begin[l];
  auto at = [&](const __half* p) {
    return reinterpret_cast<const __half*>(slot + (reinterpret_cast<const char*>(p) - begin));
  };
  const VitLayerDevice& h = m.vit[l];
  VitLayerDevice d;
  d.ln_1_w = at(h.ln_1_w);
  d.ln_1_b = at(h.ln_1_b);
  d.in_w = at(h.in_w);
  d.in_b = at(h.in_b);
  d.out_w = at(h.out_w);
  d.out_b = at(h.out_b);
  d.ln_2_w = at(h.ln_2_w);
  d.ln_2_b = at(h.ln_2_b);
  d.fc_w = at(h.fc_w);
  d.fc_b = at(h.fc_b);
  d.proj_w = at(h.proj_w);
  d.proj_b = at(h.proj_b);
  return d;
}

}  // namespace qwenvl::cuda
