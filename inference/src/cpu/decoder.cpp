#include "cpu/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "model/rotary.h"
#include "util/half.h"

namespace qwenvl::cpu {

namespace {

std::vector<float> bias_or_zero(const GptqLinear& l) {
  if (l.bias) return to_f32(l.bias);
  return std::vector<float>(l.out_features, 0.0f);
}

}  // namespace

Decoder::Decoder(const ModelWeights& weights, ThreadPool& pool, int max_context)
    : w_(weights), pool_(pool), max_context_(max_context) {
  const ModelConfig& c = w_.config;
  H_ = c.hidden_size;
  heads_ = c.num_heads;
  hd_ = c.head_dim();
  F_ = c.ffn_size;
  for (const auto& l : w_.layers)
    small_.push_back({to_f32(l.ln_1), to_f32(l.ln_2), bias_or_zero(l.c_attn), bias_or_zero(l.c_proj),
                      bias_or_zero(l.w1), bias_or_zero(l.w2), bias_or_zero(l.mlp_c_proj)});
  ln_f_ = to_f32(w_.ln_f);
}

void Decoder::ensure_capacity(CpuKvCache& kv, int n) {
  if (n <= kv.capacity) return;
  int cap = std::max(n, std::min(max_context_, std::max(256, kv.capacity * 2)));
  for (size_t i = 0; i < kv.k.size(); ++i) {
    kv.k[i].resize(size_t(cap) * H_);
    kv.v[i].resize(size_t(cap) * H_);
  }
  kv.capacity = cap;
}

void Decoder::layer(int i, std::vector<float>& h, int T, int pos0, const Rotary& rope, CpuKvCache& kv) {
  const LlmLayerWeights& l = w_.layers[i];
  const LayerSmall& s = small_[i];
  const ModelConfig& c = w_.config;
  std::vector<float> a(size_t(T) * H_), qkv(size_t(T) * 3 * H_);
  rms_norm(h.data(), T, H_, s.ln1.data(), c.layer_norm_epsilon, a.data());
  linear(pool_, a.data(), T, WeightRef::from_gptq(l.c_attn), s.c_attn_b.data(), qkv.data());

  // Rotary on q and k (all head_dim dims), keys cached after rotary, logn on queries only.
  float* kc = kv.k[i].data();
  float* vc = kv.v[i].data();
  const double log_seq = std::log(static_cast<double>(c.seq_length));
  for (int t = 0; t < T; ++t) {
    const int64_t p = pos0 + t;
    float* q = &qkv[size_t(t) * 3 * H_];
    float* k = q + H_;
    const float* v = q + 2 * H_;
    for (int hh = 0; hh < heads_; ++hh) {
      rope.apply(q + size_t(hh) * hd_, p);
      rope.apply(k + size_t(hh) * hd_, p);
    }
    if (c.use_logn_attn && p + 1 > c.seq_length) {
      const float f = static_cast<float>(std::log(static_cast<double>(p + 1)) / log_seq);
      for (int d = 0; d < H_; ++d) q[d] *= f;
    }
    std::memcpy(kc + size_t(p) * H_, k, sizeof(float) * H_);
    std::memcpy(vc + size_t(p) * H_, v, sizeof(float) * H_);
  }

  // Causal attention: scores / sqrt(head_dim), softmax over keys 0..p.
  std::vector<float> ctx(size_t(T) * H_);
  const float norm = static_cast<float>(std::sqrt(static_cast<double>(hd_)));
  pool_.parallel_for(size_t(heads_) * T, 4, [&](size_t b, size_t e) {
    std::vector<float> scores(size_t(pos0 + T));
    for (size_t job = b; job < e; ++job) {
      const int hh = static_cast<int>(job / T), t = static_cast<int>(job % T);
      const int n_keys = pos0 + t + 1;
      const float* q = &qkv[size_t(t) * 3 * H_ + size_t(hh) * hd_];
      for (int j = 0; j < n_keys; ++j) scores[j] = dot(q, kc + size_t(j) * H_ + size_t(hh) * hd_, hd_) / norm;
      softmax_inplace(scores.data(), n_keys);
      float* o = &ctx[size_t(t) * H_ + size_t(hh) * hd_];
      std::fill(o, o + hd_, 0.0f);
      for (int j = 0; j < n_keys; ++j) {
        const float pj = scores[j];
        const float* vr = vc + size_t(j) * H_ + size_t(hh) * hd_;
        for (int d = 0; d < hd_; ++d) o[d] += pj * vr[d];
      }
    }
  });
  std::vector<float> tmp(size_t(T) * H_);
  linear(pool_, ctx.data(), T, WeightRef::from_gptq(l.c_proj), s.c_proj_b.data(), tmp.data());
  for (size_t k = 0; k < h.size(); ++k) h[k] += tmp[k];

  rms_norm(h.data(), T, H_, s.ln2.data(), c.layer_norm_epsilon, a.data());
  std::vector<float> up(size_t(T) * F_), gate(size_t(T) * F_);
  linear(pool_, a.data(), T, WeightRef::from_gptq(l.w1), s.w1_b.data(), up.data());
  linear(pool_, a.data(), T, WeightRef::from_gptq(l.w2), s.w2_b.data(), gate.data());
  mul_silu_inplace(up.data(), gate.data(), up.size());
  linear(pool_, up.data(), T, WeightRef::from_gptq(l.mlp_c_proj), s.mlp_b.data(), tmp.data());
  for (size_t k = 0; k < h.size(); ++k) h[k] += tmp[k];
}

Status Decoder::forward(CpuKvCache& kv, const ForwardRequest& r) {
  const int T = r.n_tokens, pos0 = kv.length();
  const ModelConfig& c = w_.config;
  std::vector<float> h(size_t(T) * H_);
  const uint16_t* wte = w_.wte->as<uint16_t>();
  for (int t = 0; t < T; ++t) {
    const int32_t id = r.ids[t];
    for (int d = 0; d < H_; ++d) h[size_t(t) * H_ + d] = half_to_float(wte[size_t(id) * H_ + d]);
  }
  for (const EmbeddingSplice& s : r.splices)
    if (s.rows > 0) std::memcpy(&h[size_t(s.offset) * H_], s.data, sizeof(float) * size_t(s.rows) * H_);
  ensure_capacity(kv, pos0 + T);
  // Dynamic NTK: alpha fixed on the prompt pass.
  const Rotary rope(hd_, rotary_base_for_alpha(c.rotary_emb_base, hd_, r.ntk_alpha));
  for (int i = 0; i < static_cast<int>(w_.layers.size()); ++i) layer(i, h, T, pos0, rope, kv);

  if (r.logits == LogitsMode::None || !r.on_logits) return Status();
  const int first = r.logits == LogitsMode::Last ? T - 1 : 0;
  const int V = c.vocab_size;
  const WeightRef head = WeightRef::f16_rows(w_.lm_head);
  constexpr int kChunk = 32;
  std::vector<float> normed(size_t(kChunk) * H_), logits(size_t(kChunk) * V);
  for (int t0 = first; t0 < T; t0 += kChunk) {
    const int n = std::min(kChunk, T - t0);
    rms_norm(&h[size_t(t0) * H_], n, H_, ln_f_.data(), c.layer_norm_epsilon, normed.data());
    linear(pool_, normed.data(), n, head, nullptr, logits.data());
    for (int t = 0; t < n; ++t) r.on_logits(t0 + t, &logits[size_t(t) * V]);
  }
  return Status();
}

}  // namespace qwenvl::cpu
