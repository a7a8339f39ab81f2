#include "cpu/vision.h"

#include <cmath>

#include "cpu/attention.h"
#include "cpu/gemm.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "cpu/profile.h"
#include "model/vision_pos.h"

namespace qwenvl::cpu {

namespace {
constexpr double kEps = 1e-6;
}

const float* VisionEncoder::widen(const TensorView* t) {
  small_.push_back(to_f32(t));
  return small_.back().data();
}

void VisionEncoder::lin(const float* x, int M, const WeightRef& w, const float* bias, float* y) const {
  if (!fast_) return linear(pool_, x, M, w, bias, y);
  const FastWeight f = w.kind == WeightRef::Kind::F16Cols ? FastWeight::f16_cols(w.f16, w.K, w.N)
                                                          : FastWeight::f16_rows(w.f16, w.N, w.K);
  fast_linear(pool_, isa_, x, M, f, bias, y);
}

void VisionEncoder::add_rows(float* x, const float* y, size_t n) const {
  if (!fast_) {
    for (size_t k = 0; k < n; ++k) x[k] += y[k];
    return;
  }
  pool_.parallel_for(n, 16384, [&](size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) x[k] += y[k];
  });
}

void VisionEncoder::layer_norm_rows(const float* x, int rows, int n, const float* w, const float* b, float* y) const {
  if (!fast_) return layer_norm(x, rows, n, w, b, kEps, y);
  pool_.parallel_for(size_t(rows), 8, [&](size_t r0, size_t r1) {
    cpu::layer_norm_rows(isa_, x + r0 * n, int(r1 - r0), n, w, b, kEps, y + r0 * n);
  });
}

VisionEncoder::VisionEncoder(const ModelWeights& weights, ThreadPool& pool, bool fast, Isa isa)
    : w_(weights), pool_(pool), fast_(fast), isa_(isa) {
  const VisionConfig& vc = w_.config.visual;
  W_ = vc.width;
  H_ = w_.config.hidden_size;
  grid_ = vc.grid();
  T_ = grid_ * grid_;
  P_ = vc.patch_size;
  S_ = vc.image_size;
  small_.reserve(16 + 8 * w_.visual.layers.size());
  const VisionWeights& v = w_.visual;
  pos_vit_ = abs_pos_table(v.pos_embed, grid_);
  pos_keys_ = abs_pos_table(v.pool.pos_embed, grid_);
  ln_pre_w_ = widen(v.ln_pre_w);
  ln_pre_b_ = widen(v.ln_pre_b);
  for (const auto& l : v.layers)
    layer_small_.push_back({widen(l.ln_1_w), widen(l.ln_1_b), widen(l.in_proj_b), widen(l.out_proj_b), widen(l.ln_2_w),
                            widen(l.ln_2_b), widen(l.c_fc_b), widen(l.c_proj_b)});
  ln_kv_w_ = widen(v.pool.ln_kv_w);
  ln_kv_b_ = widen(v.pool.ln_kv_b);
  in_b_ = widen(v.pool.in_proj_b);
  out_b_ = widen(v.pool.out_proj_b);
  ln_post_w_ = widen(v.ln_post_w);
  ln_post_b_ = widen(v.ln_post_b);

  // Queries do not depend on the picture: q = (ln_q(query) + pos_embed) Wq^T + bq, then the
  // MultiheadAttention scaling q * sqrt(1 / head_dim).
  const int Q = vc.n_queries;
  std::vector<float> query = to_f32(v.pool.query), pos = to_f32(v.pool.pos_embed);
  std::vector<float> lnw = to_f32(v.pool.ln_q_w), lnb = to_f32(v.pool.ln_q_b), q_in(size_t(Q) * H_);
  layer_norm(query.data(), Q, H_, lnw.data(), lnb.data(), kEps, q_in.data());
  for (size_t i = 0; i < q_in.size(); ++i) q_in[i] += pos[i];
  WeightRef wq = WeightRef::f16_rows(v.pool.in_proj_w);
  wq.N = H_;  // the first H rows of in_proj_weight are Wq
  q_proj_.resize(size_t(Q) * H_);
  lin(q_in.data(), Q, wq, in_b_, q_proj_.data());
  const float scaling = static_cast<float>(std::sqrt(1.0 / 128.0));
  for (float& x : q_proj_) x *= scaling;
}

void VisionEncoder::attention(const float* qkv, float* ctx) const {
  profile::Scope p("vit.attention");
  const int heads = w_.config.visual.heads, hd = W_ / heads;
  // Per-head interleaved layout: head hh owns columns [3*hd*hh, 3*hd*(hh+1)) = q | k | v.
  const float norm = static_cast<float>(std::sqrt(static_cast<double>(hd)));
  if (fast_) {
    AttentionArgs a;
    a.T = a.n_keys = T_;
    a.heads = heads;
    a.head_dim = hd;
    a.q = qkv;
    a.k = qkv + hd;
    a.v = qkv + 2 * hd;
    a.ldq = a.ldk = a.ldv = 3 * W_;
    a.q_head = a.k_head = a.v_head = 3 * hd;
    a.out = ctx;
    a.ldo = W_;
    a.scale = 1.0f / norm;
    a.isa = isa_;
    attention_gemm(pool_, a);
  } else
    pool_.parallel_for(size_t(heads) * T_, 16, [&](size_t b, size_t e) {
      std::vector<float> q(hd), scores(T_);
      for (size_t job = b; job < e; ++job) {
        const int hh = static_cast<int>(job / T_), t = static_cast<int>(job % T_);
        const float* qr = &qkv[size_t(t) * 3 * W_ + size_t(3 * hd) * hh];
        for (int d = 0; d < hd; ++d) q[d] = qr[d] / norm;
        for (int j = 0; j < T_; ++j) scores[j] = dot(q.data(), &qkv[size_t(j) * 3 * W_ + size_t(3 * hd) * hh + hd], hd);
        softmax_inplace(scores.data(), T_);
        float* o = &ctx[size_t(t) * W_ + size_t(hd) * hh];
        for (int d = 0; d < hd; ++d) o[d] = 0;
        for (int j = 0; j < T_; ++j) {
          const float p = scores[j];
          const float* vr = &qkv[size_t(j) * 3 * W_ + size_t(3 * hd) * hh + 2 * hd];
          for (int d = 0; d < hd; ++d) o[d] += p * vr[d];
        }
      }
    });
}

void VisionEncoder::block(int i, std::vector<float>& x, Workspace& ws) const {
  const VisionLayerWeights& l = w_.visual.layers[i];
  const LayerSmall& s = layer_small_[i];
  Floats &h = ws.h, &qkv = ws.qkv, &ctx = ws.ctx, &tmp = ws.tmp, &mid = ws.mid;
  {
    profile::Scope p("vit.ln");
    layer_norm_rows(x.data(), T_, W_, s.ln1w, s.ln1b, h.data());
  }
  {
    profile::Scope p("vit.qkv");
    lin(h.data(), T_, WeightRef::f16_rows(l.in_proj_w), s.inb, qkv.data());
  }
  attention(qkv.data(), ctx.data());
  {
    profile::Scope p("vit.out_proj");
    lin(ctx.data(), T_, WeightRef::f16_rows(l.out_proj_w), s.outb, tmp.data());
    add_rows(x.data(), tmp.data(), x.size());
  }
  {
    profile::Scope p("vit.ln");
    layer_norm_rows(x.data(), T_, W_, s.ln2w, s.ln2b, h.data());
  }
  {
    profile::Scope p("vit.c_fc");
    lin(h.data(), T_, WeightRef::f16_rows(l.c_fc_w), s.fcb, mid.data());
  }
  {
    profile::Scope p("vit.gelu");
    if (fast_)
      pool_.parallel_for(mid.size(), 8192, [&](size_t b, size_t e) { gelu_erf(isa_, mid.data() + b, e - b); });
    else
      gelu_erf_inplace(mid.data(), mid.size());
  }
  {
    profile::Scope p("vit.c_proj");
    lin(mid.data(), T_, WeightRef::f16_rows(l.c_proj_w), s.projb, tmp.data());
    add_rows(x.data(), tmp.data(), x.size());
  }
}

void VisionEncoder::resample(const std::vector<float>& x, float* out) const {
  profile::Scope scope("vit.resampler");
  const ResamplerWeights& p = w_.visual.pool;
  const int Q = w_.config.visual.n_queries, heads = H_ / 128, hd = 128;
  std::vector<float> kv(size_t(T_) * H_), kvn(size_t(T_) * H_);
  lin(x.data(), T_, WeightRef::f16_rows(p.kv_proj_w), nullptr, kv.data());
  layer_norm_rows(kv.data(), T_, H_, ln_kv_w_, ln_kv_b_, kvn.data());
  // keys = (kv + pos) Wk^T + bk; values = kv Wv^T + bv (rows H..2H and 2H..3H of in_proj).
  for (size_t i = 0; i < kv.size(); ++i) kv[i] = kvn[i] + pos_keys_[i];
  WeightRef wk = WeightRef::f16_rows(p.in_proj_w), wv = wk;
  wk.N = wv.N = H_;
  wk.f16 += size_t(H_) * H_;
  wv.f16 += size_t(2) * H_ * H_;
  std::vector<float> keys(size_t(T_) * H_), values(size_t(T_) * H_);
  lin(kv.data(), T_, wk, in_b_ + H_, keys.data());
  lin(kvn.data(), T_, wv, in_b_ + 2 * H_, values.data());
  std::vector<float> ctx(size_t(Q) * H_);
  if (fast_) {  // the queries are scaled already (constructor)
    AttentionArgs a;
    a.T = Q;
    a.n_keys = T_;
    a.heads = heads;
    a.head_dim = hd;
    a.q = q_proj_.data();
    a.k = keys.data();
    a.v = values.data();
    a.ldq = a.ldk = a.ldv = H_;
    a.q_head = a.k_head = a.v_head = hd;
    a.out = ctx.data();
    a.ldo = H_;
    a.isa = isa_;
    attention_gemm(pool_, a);
  } else
    pool_.parallel_for(size_t(heads) * Q, 8, [&](size_t b, size_t e) {
      std::vector<float> scores(T_);
      for (size_t job = b; job < e; ++job) {
        const int hh = static_cast<int>(job / Q), q = static_cast<int>(job % Q);
        const float* qr = &q_proj_[size_t(q) * H_ + size_t(hd) * hh];
        for (int j = 0; j < T_; ++j) scores[j] = dot(qr, &keys[size_t(j) * H_ + size_t(hd) * hh], hd);
        softmax_inplace(scores.data(), T_);
        float* o = &ctx[size_t(q) * H_ + size_t(hd) * hh];
        for (int d = 0; d < hd; ++d) o[d] = 0;
        for (int j = 0; j < T_; ++j) {
          const float pj = scores[j];
          const float* vr = &values[size_t(j) * H_ + size_t(hd) * hh];
          for (int d = 0; d < hd; ++d) o[d] += pj * vr[d];
        }
      }
    });
  std::vector<float> attn(size_t(Q) * H_), normed(size_t(Q) * H_);
  lin(ctx.data(), Q, WeightRef::f16_rows(p.out_proj_w), out_b_, attn.data());
  layer_norm(attn.data(), Q, H_, ln_post_w_, ln_post_b_, kEps, normed.data());
  lin(normed.data(), Q, WeightRef::f16_cols(w_.visual.proj), nullptr, out);
}

void VisionEncoder::encode(const float* pixels, float* out) const {
  profile::Scope total("total.vision");
  // Patches flattened in the conv weight's (channel, row, col) order.
  const int K = 3 * P_ * P_;
  std::vector<float> patches(size_t(T_) * K);
  for (int gy = 0; gy < grid_; ++gy)
    for (int gx = 0; gx < grid_; ++gx) {
      float* p = &patches[(size_t(gy) * grid_ + gx) * K];
      for (int c = 0; c < 3; ++c)
        for (int i = 0; i < P_; ++i)
          for (int j = 0; j < P_; ++j) *p++ = pixels[(size_t(c) * S_ + gy * P_ + i) * S_ + gx * P_ + j];
    }
  std::vector<float> x(size_t(T_) * W_), y(size_t(T_) * W_);
  {
    profile::Scope scope("vit.patches");
    lin(patches.data(), T_, WeightRef::f16_rows(w_.visual.conv1), nullptr, x.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += pos_vit_[i];
    layer_norm_rows(x.data(), T_, W_, ln_pre_w_, ln_pre_b_, y.data());
  }
  const int M = w_.config.visual.mlp_width;
  Workspace ws{Floats(size_t(T_) * W_), Floats(size_t(T_) * 3 * W_), Floats(size_t(T_) * W_), Floats(size_t(T_) * W_),
               Floats(size_t(T_) * M)};
  for (int i = 0; i < static_cast<int>(w_.visual.layers.size()); ++i) block(i, y, ws);
  resample(y, out);
}

}  // namespace qwenvl::cpu
