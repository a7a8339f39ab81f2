#include "cpu/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/attention.h"
#include "cpu/gemm.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "cpu/profile.h"
#include "model/rotary.h"
#include "util/half.h"

namespace qwenvl::cpu {

namespace {

std::vector<float> bias_or_zero(const GptqLinear& l) {
  if (l.bias) return to_f32(l.bias);
  return std::vector<float>(l.out_features, 0.0f);
}

const GptqLinear& linear_of(const LlmLayerWeights& l, int which) {
  switch (which) {
    case 0:
      return l.c_attn;
    case 1:
      return l.c_proj;
    case 2:
      return l.w1;
    case 3:
      return l.w2;
    default:
      break;
  }
  return l.mlp_c_proj;
}

// Runs fn(begin, end) over [0, n) on the pool in pieces of at least `grain`.
template <class Fn>
void par(ThreadPool& pool, size_t n, size_t grain, Fn fn) {
  pool.parallel_for(n, grain, [&](size_t b, size_t e) { fn(b, e); });
}

}  // namespace

Decoder::Decoder(const ModelWeights& weights, ThreadPool& pool, int max_context, bool fast, Isa isa)
    : w_(weights), pool_(pool), max_context_(max_context), fast_(fast), isa_(isa) {
  const ModelConfig& c = w_.config;
  H_ = c.hidden_size;
  heads_ = c.num_heads;
  hd_ = c.head_dim();
  F_ = c.ffn_size;
  for (const auto& l : w_.layers)
    small_.push_back({to_f32(l.ln_1), to_f32(l.ln_2), bias_or_zero(l.c_attn), bias_or_zero(l.c_proj),
                      bias_or_zero(l.w1), bias_or_zero(l.w2), bias_or_zero(l.mlp_c_proj)});
  ln_f_ = to_f32(w_.ln_f);
  if (fast_) {
    packed_.resize(w_.layers.size());
    pool_.parallel_for(w_.layers.size() * 5, 1, [&](size_t b, size_t e) {
      for (size_t j = b; j < e; ++j) packed_[j / 5][j % 5] = PackedInt4(linear_of(w_.layers[j / 5], int(j % 5)));
    });
  }
}

void Decoder::project(int i, int which, const float* x, int T, const float* bias, float* y) {
  static const char* const kNames[2][5] = {
      {"llm.prefill.c_attn", "llm.prefill.c_proj", "llm.prefill.w1", "llm.prefill.w2", "llm.prefill.mlp_c_proj"},
      {"llm.decode.c_attn", "llm.decode.c_proj", "llm.decode.w1", "llm.decode.w2", "llm.decode.mlp_c_proj"}};
  profile::Scope scope(kNames[T <= kGemvMaxRows ? 1 : 0][which]);
  if (fast_)
    fast_linear(pool_, isa_, x, T, FastWeight::packed(packed_[i][which]), bias, y);
  else
    linear(pool_, x, T, WeightRef::from_gptq(linear_of(w_.layers[i], which)), bias, y);
}

void Decoder::attention(const float* qkv, int T, int pos0, const float* kc, const float* vc, float* ctx) {
  profile::Scope scope(T <= kGemvMaxRows ? "llm.decode.attention" : "llm.prefill.attention");
  const float norm = static_cast<float>(std::sqrt(static_cast<double>(hd_)));
  if (fast_ && T >= 8) {
    AttentionArgs a;
    a.T = T;
    a.n_keys = pos0 + T;
    a.heads = heads_;
    a.head_dim = hd_;
    a.q = qkv;
    a.ldq = 3 * H_;
    a.q_head = hd_;
    a.k = kc;
    a.v = vc;
    a.ldk = a.ldv = H_;
    a.k_head = a.v_head = hd_;
    a.out = ctx;
    a.ldo = H_;
    a.scale = 1.0f / norm;
    a.causal_offset = pos0;
    a.isa = isa_;
    attention_gemm(pool_, a);
    return;
  }
  // Causal attention: scores / sqrt(head_dim), softmax over keys 0..p.
  if (fast_) {
    const float scale = 1.0f / norm;
    pool_.parallel_for(size_t(heads_) * T, 1, [&](size_t b, size_t e) {
      thread_local std::vector<float> scores;
      scores.resize(size_t(pos0 + T));
      for (size_t job = b; job < e; ++job) {
        const int hh = static_cast<int>(job / T), t = static_cast<int>(job % T);
        const size_t off = size_t(hh) * hd_;
        attend_row(isa_, &qkv[size_t(t) * 3 * H_ + off], kc + off, vc + off, size_t(H_), pos0 + t + 1, hd_, scale,
                   scores.data(), &ctx[size_t(t) * H_ + off]);
      }
    });
    return;
  }
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

void Decoder::layer(int i, std::vector<float>& h, int T, int pos0, const Rotary& rope, CpuKvCache& kv, Workspace& ws) {
  const LayerSmall& s = small_[i];
  const ModelConfig& c = w_.config;
  Floats &a = ws.a, &qkv = ws.qkv, &ctx = ws.ctx, &tmp = ws.tmp, &up = ws.up, &gate = ws.gate;
  par(pool_, size_t(T), 8, [&](size_t b, size_t e) {
    rms_norm(&h[b * H_], int(e - b), H_, s.ln1.data(), c.layer_norm_epsilon, &a[b * H_]);
  });
  project(i, 0, a.data(), T, s.c_attn_b.data(), qkv.data());

  // Rotary on q and k (all head_dim dims), keys cached after rotary, logn on queries only.
  float* kc = kv.k[i].data();
  float* vc = kv.v[i].data();
  const double log_seq = std::log(static_cast<double>(c.seq_length));
  par(pool_, size_t(T), 16, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const int64_t p = pos0 + int64_t(t);
      float* q = &qkv[t * 3 * H_];
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
  });

  attention(qkv.data(), T, pos0, kc, vc, ctx.data());
  project(i, 1, ctx.data(), T, s.c_proj_b.data(), tmp.data());
  par(pool_, h.size(), 16384, [&](size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) h[k] += tmp[k];
  });

  par(pool_, size_t(T), 8, [&](size_t b, size_t e) {
    rms_norm(&h[b * H_], int(e - b), H_, s.ln2.data(), c.layer_norm_epsilon, &a[b * H_]);
  });
  if (fast_ && T <= kGemvMaxRows) {
    profile::Scope scope("llm.decode.w1+w2+silu");
    // Decoding: up, gate and their product in one pass over the pool (same column blocks).
    const PackedInt4 &w1 = packed_[i][2], &w2 = packed_[i][3];
    pool_.parallel_for(size_t(w1.blocks), 1, [&](size_t b0, size_t b1) {
      const size_t n0 = b0 * PackedInt4::kCols, n1 = std::min<size_t>(b1 * PackedInt4::kCols, size_t(F_));
      for (int t = 0; t < T; ++t) {
        const float* x = &a[size_t(t) * H_];
        float* u = &up[size_t(t) * F_];
        float* g = &gate[size_t(t) * F_];
        gemv_int4(isa_, w1, x, s.w1_b.data(), u, int(b0), int(b1));
        gemv_int4(isa_, w2, x, s.w2_b.data(), g, int(b0), int(b1));
        mul_silu(isa_, u + n0, g + n0, n1 - n0);
      }
    });
  } else {
    project(i, 2, a.data(), T, s.w1_b.data(), up.data());
    project(i, 3, a.data(), T, s.w2_b.data(), gate.data());
    par(pool_, size_t(T) * F_, 16384, [&](size_t b, size_t e) {
      if (fast_)
        mul_silu(isa_, &up[b], &gate[b], e - b);
      else
        mul_silu_inplace(&up[b], &gate[b], e - b);
    });
  }
  project(i, 4, up.data(), T, s.mlp_b.data(), tmp.data());
  par(pool_, h.size(), 16384, [&](size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) h[k] += tmp[k];
  });
}

Status Decoder::forward(CpuKvCache& kv, const ForwardRequest& r) {
  const int T = r.n_tokens, pos0 = kv.length();
  profile::Scope total(T <= kGemvMaxRows ? "total.llm.decode" : "total.llm.prefill");
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
  Workspace ws{Floats(size_t(T) * H_), Floats(size_t(T) * 3 * H_), Floats(size_t(T) * H_),
               Floats(size_t(T) * H_), Floats(size_t(T) * F_),     Floats(size_t(T) * F_)};
  for (int i = 0; i < static_cast<int>(w_.layers.size()); ++i) layer(i, h, T, pos0, rope, kv, ws);

  if (r.logits == LogitsMode::None || !r.on_logits) return Status();
  const int first = r.logits == LogitsMode::Last ? T - 1 : 0;
  const int V = c.vocab_size;
  const WeightRef head = WeightRef::f16_rows(w_.lm_head);
  const FastWeight fast_head = FastWeight::f16_rows(w_.lm_head->as<uint16_t>(), V, H_);
  constexpr int kChunk = 32;
  const int rows = std::min(kChunk, T - first);
  std::vector<float> normed(size_t(rows) * H_), logits(size_t(rows) * V);
  for (int t0 = first; t0 < T; t0 += kChunk) {
    const int n = std::min(kChunk, T - t0);
    {
      profile::Scope scope("llm.lm_head");
      rms_norm(&h[size_t(t0) * H_], n, H_, ln_f_.data(), c.layer_norm_epsilon, normed.data());
      if (fast_)
        fast_linear(pool_, isa_, normed.data(), n, fast_head, nullptr, logits.data());
      else
        linear(pool_, normed.data(), n, head, nullptr, logits.data());
    }
    profile::Scope scope("llm.logits_callback");
    for (int t = 0; t < n; ++t) r.on_logits(t0 + t, &logits[size_t(t) * V]);
  }
  return Status();
}

}  // namespace qwenvl::cpu
