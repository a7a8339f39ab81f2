// GPU test: flash attention (ViT 1024 tokens x 16 heads x 104 with the per-head interleaved
// q|k|v layout, the resampler's 256 queries over 1024 keys at head_dim 128, causal prefill over
// the paged KV cache, the tiny model's head sizes) and split-K decode attention at several
// cache lengths (past 2048 included), against a double-precision CPU softmax attention.
// Unmasked attention runs with each key split (flash_attention_ksplit: 1; 2, 4 x 64 queries;
// 2 x 128) and the default, each checked and, at the ViT and resampler shapes, timed.
// Also times the ViT, resampler and decode cases. Run: build/tests/gpu/test_attention
#include <algorithm>
#include <functional>
#include <memory>

#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

// Element accessors: q(i, h, d), k(j, h, d), v(j, h, d).
using Get = std::function<float(int, int, int)>;

// out[i][h][d] for exact and rounded inputs at once; key j visible to query i when !causal or
// j <= q_offset + i.
void reference(const Get& q, const Get& kk, const Get& v, const Get& qr, const Get& kr, const Get& vr, int n_q,
               int n_kv, int heads, int D, bool causal, int q_offset, double scale, std::vector<double>& out,
               std::vector<double>& out_r) {
  out.assign(static_cast<size_t>(n_q) * heads * D, 0);
  out_r.assign(out.size(), 0);
  std::vector<double> s(n_kv), sr(n_kv);
  for (int h = 0; h < heads; ++h) {
    for (int i = 0; i < n_q; ++i) {
      const int visible = causal ? std::min(n_kv, q_offset + i + 1) : n_kv;
      double mx = -1e300, mxr = -1e300;
      for (int j = 0; j < visible; ++j) {
        double a = 0, ar = 0;
        for (int d = 0; d < D; ++d) {
          a += static_cast<double>(q(i, h, d)) * kk(j, h, d);
          ar += static_cast<double>(qr(i, h, d)) * kr(j, h, d);
        }
        s[j] = a * scale;
        sr[j] = ar * scale;
        mx = std::max(mx, s[j]);
        mxr = std::max(mxr, sr[j]);
      }
      double l = 0, lr = 0;
      for (int j = 0; j < visible; ++j) {
        s[j] = std::exp(s[j] - mx);
        sr[j] = std::exp(sr[j] - mxr);
        l += s[j];
        lr += sr[j];
      }
      double* o = &out[(static_cast<size_t>(i) * heads + h) * D];
      double* orr = &out_r[(static_cast<size_t>(i) * heads + h) * D];
      for (int j = 0; j < visible; ++j) {
        const double p = s[j] / l, pr = sr[j] / lr;
        for (int d = 0; d < D; ++d) {
          o[d] += p * v(j, h, d);
          orr[d] += pr * vr(j, h, d);
        }
      }
    }
  }
}

void same_without_pipeline(const std::string& tag, k::AttentionArgs a, Dev<uint16_t>& out, bool timed);

// Unmasked attention `a` (output buffer `out`) run with the default key split and with every
// variant (1 group; 2 and 4 groups of 64 queries, 2 of 128; the split ones with Q fragments in
// registers, "qregs", and re-read per tile, "qsmem", the same kernel at head sizes up to 64),
// every output checked against the reference (a wrong merge of the groups' partial softmax fails
// here), the default's bits equal to those of a variant with the split it reports; the
// single-group kernel also against its single-buffered twin. Timed when flops > 0.
void check_splits(const std::string& tag, k::AttentionArgs a, Dev<uint16_t>& out, const std::vector<double>& ref,
                  const std::vector<double>& ref_rounded, double flops) {
  k::flash_attention_ksplit(0);
  const k::FlashSplit chosen = k::flash_attention_split_for(a);
  auto name = [](const k::FlashSplit& f) {
    return "ksplit " + std::to_string(f.ksplit) + (f.block_queries == 128 ? "x128" : "");
  };
  a.o = as_half(out);
  out.poison();
  GPU_CUDA(k::flash_attention(a, nullptr));
  const std::vector<uint16_t> by_default = out.download();
  expect_close(tag + " default " + name(chosen), from_half(by_default), ref, ref_rounded);
  if (flops > 0) {
    const float us = time_us([&] { k::flash_attention(a, nullptr); }, 20);
    std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (tag + " default time").c_str(), us, flops / us / 1e6);
  }
  int default_matches = 0;  // variants with the chosen split and the default's bits
  const k::FlashSplit variants[] = {{1, 64}, {2, 64}, {4, 64}, {2, 128}};
  for (const k::FlashSplit& f : variants) {
    for (int qregs : {1, -1}) {
      if (f.ksplit == 1 && qregs < 0) continue;  // no Q-register choice in the single-group kernel
      k::flash_attention_ksplit(f.ksplit, f.block_queries);
      k::flash_attention_split_qregs(f.ksplit == 1 ? 0 : qregs);
      const k::FlashSplit got_split = k::flash_attention_split_for(a);
      GPU_CHECK(got_split.ksplit == f.ksplit && got_split.block_queries == f.block_queries, "%s: %s not taken",
                tag.c_str(), name(f).c_str());
      const std::string vt = tag + " " + name(f) + (f.ksplit == 1 ? "" : qregs > 0 ? " qregs" : " qsmem");
      out.poison();
      GPU_CUDA(k::flash_attention(a, nullptr));
      const std::vector<uint16_t> got = out.download();
      expect_close(vt, from_half(got), ref, ref_rounded);
      if (f.ksplit == chosen.ksplit && f.block_queries == chosen.block_queries) default_matches += got == by_default;
      if (flops > 0) {
        const float us = time_us([&] { k::flash_attention(a, nullptr); }, 20);
        std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (vt + " time").c_str(), us, flops / us / 1e6);
      }
      if (f.ksplit == 1) same_without_pipeline(vt, a, out, flops > 0);
    }
  }
  GPU_CHECK(default_matches > 0, "%s: the default differs from the %s it reports", tag.c_str(), name(chosen).c_str());
  k::flash_attention_ksplit(0);
  k::flash_attention_split_qregs(0);
}

// Self-attention over an interleaved [T][heads][3][D] buffer (the ViT in_proj output).
void test_vit(Rng& rng, int T, int heads, int D) {
  const int W = heads * D;
  const auto x = rng.normal(static_cast<size_t>(T) * 3 * W);
  const auto xr = round_half(x);
  auto at = [&](const std::vector<float>& b, int part) {
    return
        [&b, part, W, D](int i, int h, int d) { return b[static_cast<size_t>(i) * 3 * W + h * 3 * D + part * D + d]; };
  };
  std::vector<double> ref, ref_r;
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  reference(at(x, 0), at(x, 1), at(x, 2), at(xr, 0), at(xr, 1), at(xr, 2), T, T, heads, D, false, 0, scale, ref, ref_r);
  Dev<uint16_t> dx(x.size()), dout(static_cast<size_t>(T) * W);
  dx.upload(to_half(x));
  dout.poison();
  k::AttentionArgs a;
  a.q = as_half(dx);
  a.q_row = 3LL * W;
  a.q_head = 3LL * D;
  a.k = as_half(dx) + D;
  a.v = as_half(dx) + 2 * D;
  a.kv_row = 3LL * W;
  a.kv_head = 3LL * D;
  a.o = as_half(dout);
  a.o_row = W;
  a.o_head = D;
  a.n_q = a.n_kv = T;
  a.heads = heads;
  a.head_dim = D;
  a.scale = static_cast<float>(scale);
  const std::string tag = "flash vit " + std::to_string(T) + " x " + std::to_string(heads) + "h x " + std::to_string(D);
  const bool timed = heads == 16 && D == 104;  // the real shape
  check_splits(tag, a, dout, ref, round_output(ref_r), timed ? 4.0 * T * T * D * heads : 0);
}

// The single-buffered kernel (flash_attention_pipeline(false)) on the same inputs gives the same
// bits as the double-buffered one that wrote `out`; timed for comparison when `timed`.
void same_without_pipeline(const std::string& tag, k::AttentionArgs a, Dev<uint16_t>& out, bool timed) {
  const std::vector<uint16_t> piped = out.download();
  Dev<uint16_t> plain(out.size());
  plain.poison();
  a.o = as_half(plain);
  k::flash_attention_pipeline(false);
  GPU_CUDA(k::flash_attention(a, nullptr));
  const std::vector<uint16_t> got = plain.download();
  if (timed) {
    const float us = time_us([&] { k::flash_attention(a, nullptr); }, 20);
    std::printf("  %-44s %8.2f us\n", (tag + " single-buffered time").c_str(), us);
  }
  k::flash_attention_pipeline(true);
  size_t differ = 0;
  for (size_t i = 0; i < got.size(); ++i) differ += got[i] != piped[i];
  std::printf("  %-44s %zu of %zu differ\n", (tag + " vs single-buffered").c_str(), differ, got.size());
  GPU_CHECK(differ == 0, "%s: %zu values differ between the double- and single-buffered kernels", tag.c_str(), differ);
}

// Cross attention with contiguous [rows][heads * D] q, k, v (the resampler).
void test_cross(Rng& rng, int n_q, int n_kv, int heads, int D) {
  const int H = heads * D;
  const auto q = rng.normal(static_cast<size_t>(n_q) * H), kk = rng.normal(static_cast<size_t>(n_kv) * H),
             v = rng.normal(static_cast<size_t>(n_kv) * H);
  const auto qr = round_half(q), kr = round_half(kk), vr = round_half(v);
  auto at = [H, D](const std::vector<float>& b) {
    return [&b, H, D](int i, int h, int d) { return b[static_cast<size_t>(i) * H + h * D + d]; };
  };
  std::vector<double> ref, ref_r;
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  reference(at(q), at(kk), at(v), at(qr), at(kr), at(vr), n_q, n_kv, heads, D, false, 0, scale, ref, ref_r);
  Dev<uint16_t> dq(q.size()), dk(kk.size()), dv(v.size()), dout(q.size());
  dq.upload(to_half(q));
  dk.upload(to_half(kk));
  dv.upload(to_half(v));
  dout.poison();
  k::AttentionArgs a;
  a.q = as_half(dq);
  a.q_row = H;
  a.q_head = D;
  a.k = as_half(dk);
  a.v = as_half(dv);
  a.kv_row = H;
  a.kv_head = D;
  a.o = as_half(dout);
  a.o_row = H;
  a.o_head = D;
  a.n_q = n_q;
  a.n_kv = n_kv;
  a.heads = heads;
  a.head_dim = D;
  a.scale = static_cast<float>(scale);
  const std::string tag = "flash cross " + std::to_string(n_q) + "x" + std::to_string(n_kv) + " x " +
                          std::to_string(heads) + "h x " + std::to_string(D);
  const bool timed = n_q == 256 && n_kv == 1024 && heads == 32;  // the resampler
  check_splits(tag, a, dout, ref, round_output(ref_r), timed ? 4.0 * n_q * n_kv * D * heads : 0);
}

// A paged cache (page 64, one layer) holding random K, V for `len` positions.
struct Cache {
  int heads, D, len, P = 64;
  std::vector<float> kx, vx;  // [len][heads][D]
  std::vector<std::unique_ptr<Dev<uint16_t>>> pages;
  std::unique_ptr<Dev<__half*>> table;
  k::KvCacheView view;

  Cache(Rng& rng, int heads_, int D_, int len_) : heads(heads_), D(D_), len(len_) {
    kx = rng.normal(static_cast<size_t>(len) * heads * D);
    vx = rng.normal(kx.size());
    const int n_pages = (len + P - 1) / P;
    std::vector<__half*> ptrs;
    const size_t plane = static_cast<size_t>(P) * D;
    for (int p = 0; p < n_pages; ++p) {
      std::vector<float> host(2 * heads * plane, NAN);  // positions past len stay NaN: must never be read
      for (int which = 0; which < 2; ++which) {
        const auto& src = which ? vx : kx;
        for (int h = 0; h < heads; ++h) {
          for (int r = 0; r < P && p * P + r < len; ++r) {
            for (int d = 0; d < D; ++d) {
              host[(static_cast<size_t>(which) * heads + h) * plane + static_cast<size_t>(r) * D + d] =
                  src[(static_cast<size_t>(p * P + r) * heads + h) * D + d];
            }
          }
        }
      }
      pages.push_back(std::make_unique<Dev<uint16_t>>(host.size()));
      pages.back()->upload(to_half(host));
      ptrs.push_back(as_half(*pages.back()));
    }
    table = std::make_unique<Dev<__half*>>(ptrs.size());
    table->upload(ptrs);
    view.pages = table->get();
    view.page_size = P;
    view.layers = 1;
    view.heads = heads;
    view.head_dim = D;
  }
  Get get(const std::vector<float>& b) const {
    const int h_ = heads, d_ = D;
    return [&b, h_, d_](int j, int h, int d) { return b[(static_cast<size_t>(j) * h_ + h) * d_ + d]; };
  }
};

void test_prefill(Rng& rng, int heads, int D, int past, int n_q) {
  Cache c(rng, heads, D, past + n_q);
  const int H = heads * D;
  // Queries inside a [n_q][3H] qkv buffer, as the decoder leaves them.
  const auto qkv = rng.normal(static_cast<size_t>(n_q) * 3 * H);
  const auto qkvr = round_half(qkv);
  const auto kr = round_half(c.kx), vr = round_half(c.vx);
  auto qa = [H, D](const std::vector<float>& b) {
    return [&b, H, D](int i, int h, int d) { return b[static_cast<size_t>(i) * 3 * H + h * D + d]; };
  };
  std::vector<double> ref, ref_r;
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  reference(qa(qkv), c.get(c.kx), c.get(c.vx), qa(qkvr), c.get(kr), c.get(vr), n_q, past + n_q, heads, D, true, past,
            scale, ref, ref_r);
  Dev<uint16_t> dq(qkv.size()), dout(static_cast<size_t>(n_q) * H);
  dq.upload(to_half(qkv));
  dout.poison();
  k::AttentionArgs a;
  a.q = as_half(dq);
  a.q_row = 3LL * H;
  a.q_head = D;
  a.cache = c.view;
  a.o = as_half(dout);
  a.o_row = H;
  a.o_head = D;
  a.n_q = n_q;
  a.n_kv = past + n_q;
  a.heads = heads;
  a.head_dim = D;
  a.causal = true;
  a.q_offset = past;
  a.scale = static_cast<float>(scale);
  GPU_CUDA(k::flash_attention(a, nullptr));
  expect_close("flash causal paged past " + std::to_string(past) + " +" + std::to_string(n_q) + " x " +
                   std::to_string(heads) + "h x " + std::to_string(D),
               from_half(dout.download()), ref, round_output(ref_r));
}

std::string g_tune_tag;  // the split setting under test, in the timing labels

void test_decode(Rng& rng, int heads, int D, int len) {
  Cache c(rng, heads, D, len);
  const auto q = rng.normal(static_cast<size_t>(heads) * D);
  const auto qr = round_half(q), kr = round_half(c.kx), vr = round_half(c.vx);
  auto qa = [D](const std::vector<float>& b) {
    return [&b, D](int, int h, int d) { return b[static_cast<size_t>(h) * D + d]; };
  };
  std::vector<double> ref, ref_r;
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  reference(qa(q), c.get(c.kx), c.get(c.vx), qa(qr), c.get(kr), c.get(vr), 1, len, heads, D, false, 0, scale, ref,
            ref_r);
  Dev<uint16_t> dq(q.size()), dout(q.size());
  const size_t scratch_bytes = k::attention_decode_scratch_bytes(heads, D);
  Dev<char> scratch(scratch_bytes);
  Dev<int> dlen(1);
  dq.upload(to_half(q));
  dlen.upload({len});
  dout.poison();
  scratch.poison();  // partial results must be written before they are read; the counters start at zero
  GPU_CUDA(cudaMemset(scratch.get() + scratch_bytes - heads * sizeof(int), 0, heads * sizeof(int)));
  GPU_CUDA(k::attention_decode(as_half(dq), c.view, 0, dlen.get(), static_cast<float>(scale), scratch.get(),
                               as_half(dout), nullptr));
  const std::string tag =
      "decode len " + std::to_string(len) + " x " + std::to_string(heads) + "h x " + std::to_string(D);
  expect_close(tag, from_half(dout.download()), ref, round_output(ref_r));
  // Run again: the per-head counters must be back at zero, the result the same.
  dout.poison();
  GPU_CUDA(k::attention_decode(as_half(dq), c.view, 0, dlen.get(), static_cast<float>(scale), scratch.get(),
                               as_half(dout), nullptr));
  expect_close(tag + " (again)", from_half(dout.download()), ref, round_output(ref_r));
  if (len >= 286 && heads == 32) {
    const float us = time_us(
        [&] {
          k::attention_decode(as_half(dq), c.view, 0, dlen.get(), static_cast<float>(scale), scratch.get(),
                              as_half(dout), nullptr);
        },
        50);
    std::printf("  %-44s %8.2f us  %7.1f GB/s\n", (tag + g_tune_tag + " time").c_str(), us,
                2.0 * len * heads * D * 2 / us / 1e3);
  }
}

// The rotary step fused into decode attention: the raw q|k|v row of position len - 1 goes in;
// the output and the cache rows written must equal, bit for bit, rope_qkv followed by plain decode
// attention on a twin cache, and the output must match a double reference that rotates q and k.
void test_decode_rope(int heads, int D, int len, double alpha, int seq_length) {
  Rng ra(len * 31 + 7), rb(len * 31 + 7), rng(len + 5);
  Cache ca(ra, heads, D, len), cb(rb, heads, D, len);
  const int H = heads * D, p = len - 1;
  const auto qkv = rng.normal(static_cast<size_t>(3) * H);
  const auto qkvr = round_half(qkv);
  const double base = 10000.0 * std::pow(alpha, static_cast<double>(D) / (D - 2));
  std::vector<float> inv(D / 2);
  for (int i = 0; i < D / 2; ++i) inv[i] = 1.0f / std::pow(static_cast<float>(base), static_cast<float>(2 * i) / D);
  // Reference: q and the new key rotated in double (exact inputs), and the fp16 chain (rounded).
  const bool scaled = p >= seq_length;
  const double logn = scaled ? std::log(p + 1.0) / std::log(static_cast<double>(seq_length)) : 1.0;
  const double logn16 = round_half(static_cast<float>(logn));
  std::vector<double> q(H), qr(H), kn(H), knr(H), vn(H), vnr(H);
  for (int h = 0; h < heads; ++h) {
    for (int d = 0; d < D / 2; ++d) {
      const double ang = static_cast<double>(static_cast<float>(p) * inv[d]);
      const double c = std::cos(ang), sn = std::sin(ang);
      const int i0 = h * D + d, i1 = i0 + D / 2;
      q[i0] = (qkv[i0] * c - qkv[i1] * sn) * logn;
      q[i1] = (qkv[i1] * c + qkv[i0] * sn) * logn;
      double s0 = round_half(static_cast<float>(qkvr[i0] * c - qkvr[i1] * sn));
      double s1 = round_half(static_cast<float>(qkvr[i1] * c + qkvr[i0] * sn));
      qr[i0] = scaled ? round_half(static_cast<float>(s0 * logn16)) : s0;
      qr[i1] = scaled ? round_half(static_cast<float>(s1 * logn16)) : s1;
      kn[i0] = qkv[H + i0] * c - qkv[H + i1] * sn;
      kn[i1] = qkv[H + i1] * c + qkv[H + i0] * sn;
      knr[i0] = round_half(static_cast<float>(qkvr[H + i0] * c - qkvr[H + i1] * sn));
      knr[i1] = round_half(static_cast<float>(qkvr[H + i1] * c + qkvr[H + i0] * sn));
      vn[i0] = qkv[2 * H + i0], vn[i1] = qkv[2 * H + i1];
      vnr[i0] = qkvr[2 * H + i0], vnr[i1] = qkvr[2 * H + i1];
    }
  }
  const auto kr = round_half(ca.kx), vr = round_half(ca.vx);
  auto row_or = [&](const std::vector<float>& cache, const std::vector<double>& last) -> Get {
    return [&cache, &last, heads, D, p](int j, int h, int d) {
      return j == p ? static_cast<float>(last[h * D + d]) : cache[(static_cast<size_t>(j) * heads + h) * D + d];
    };
  };
  // The exact reference needs doubles at the last row: use a getter over doubles for q and it.
  auto qget = [&](const std::vector<double>& b) -> Get {
    return [&b, D](int, int h, int d) { return static_cast<float>(b[h * D + d]); };
  };
  std::vector<double> ref, ref_r;
  const double scale = 1 / std::sqrt(static_cast<double>(D));
  reference(qget(q), row_or(ca.kx, kn), row_or(ca.vx, vn), qget(qr), row_or(kr, knr), row_or(vr, vnr), 1, len, heads, D,
            false, 0, scale, ref, ref_r);

  Dev<uint16_t> qa(qkv.size()), qb(qkv.size()), outa(H), outb(H);
  Dev<float> dinv(D / 2);
  Dev<int> dpast(1), dlen(1);
  const size_t scratch_bytes = k::attention_decode_scratch_bytes(heads, D);
  Dev<char> sa(scratch_bytes), sb(scratch_bytes);
  qa.upload(to_half(qkv));
  qb.upload(to_half(qkv));
  dinv.upload(inv);
  dpast.upload({p});
  dlen.upload({len});
  outa.poison();
  outb.poison();
  sa.poison();
  sb.poison();
  GPU_CUDA(cudaMemset(sa.get() + scratch_bytes - heads * sizeof(int), 0, heads * sizeof(int)));
  GPU_CUDA(cudaMemset(sb.get() + scratch_bytes - heads * sizeof(int), 0, heads * sizeof(int)));
  // Poison the last row of both caches: it must be written before it is read.
  for (Cache* c : {&ca, &cb}) {
    std::vector<uint16_t> nan_row(D, 0xFFFF);
    for (int which = 0; which < 2; ++which) {
      for (int h = 0; h < heads; ++h) {
        uint16_t* at = c->pages[p / c->P]->get() + (static_cast<size_t>(which) * heads + h) * c->P * D +
                       static_cast<size_t>(p % c->P) * D;
        GPU_CUDA(cudaMemcpy(at, nan_row.data(), D * 2, cudaMemcpyHostToDevice));
      }
    }
  }
  GPU_CUDA(k::rope_qkv(as_half(qa), nullptr, 1, dpast.get(), dinv.get(), seq_length, true, ca.view, 0, nullptr));
  GPU_CUDA(k::attention_decode(as_half(qa), ca.view, 0, dlen.get(), static_cast<float>(scale), sa.get(), as_half(outa),
                               nullptr));
  k::DecodeRope rope;
  rope.inv_freq = dinv.get();
  rope.seq_length = seq_length;
  rope.logn = true;
  GPU_CUDA(k::attention_decode(as_half(qb), cb.view, 0, dlen.get(), static_cast<float>(scale), sb.get(), as_half(outb),
                               nullptr, rope));
  const std::string tag = "decode+rope len " + std::to_string(len) + " x " + std::to_string(heads) + "h x " +
                          std::to_string(D) + " a=" + std::to_string(static_cast<int>(alpha));
  const std::vector<uint16_t> ha = outa.download(), hb = outb.download();
  GPU_CHECK(ha == hb, "%s: output differs from rope_qkv + attention_decode", tag.c_str());
  size_t same_rows = 0;
  for (int which = 0; which < 2; ++which) {
    const std::vector<uint16_t> pa = ca.pages[p / ca.P]->download(), pb = cb.pages[p / cb.P]->download();
    for (int h = 0; h < heads; ++h) {
      const size_t at = (static_cast<size_t>(which) * heads + h) * ca.P * D + static_cast<size_t>(p % ca.P) * D;
      same_rows += std::equal(pa.begin() + at, pa.begin() + at + D, pb.begin() + at);
    }
  }
  GPU_CHECK(same_rows == static_cast<size_t>(2 * heads), "%s: %zu of %d cache rows equal", tag.c_str(), same_rows,
            2 * heads);
  std::printf("  %-44s output %s, %zu/%d cache rows equal to rope_qkv\n", tag.c_str(), ha == hb ? "equal" : "DIFFERS",
              same_rows, 2 * heads);
  expect_close(tag, from_half(hb), ref, round_output(ref_r));
  // Run again (the KV row is rewritten with the same bits; counters back at zero).
  outb.poison();
  GPU_CUDA(k::attention_decode(as_half(qb), cb.view, 0, dlen.get(), static_cast<float>(scale), sb.get(), as_half(outb),
                               nullptr, rope));
  GPU_CHECK(outb.download() == hb, "%s: a second run differs", tag.c_str());
  if (heads == 32 && len >= 286) {
    const float us_two = time_us(
        [&] {
          k::rope_qkv(as_half(qa), nullptr, 1, dpast.get(), dinv.get(), seq_length, true, ca.view, 0, nullptr);
          k::attention_decode(as_half(qa), ca.view, 0, dlen.get(), static_cast<float>(scale), sa.get(), as_half(outa),
                              nullptr);
        },
        50);
    const float us_one = time_us(
        [&] {
          k::attention_decode(as_half(qb), cb.view, 0, dlen.get(), static_cast<float>(scale), sb.get(), as_half(outb),
                              nullptr, rope);
        },
        50);
    std::printf("  %-44s %8.2f us (rope_qkv + attention: %.2f us)\n", (tag + " time").c_str(), us_one, us_two);
  }
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_attention")) return skip;
  Rng rng(4242);
  test_vit(rng, 1024, 16, 104);
  test_vit(rng, 1024, 4, 16);  // tiny ViT
  test_cross(rng, 256, 1024, 32, 128);
  test_cross(rng, 256, 1024, 1, 128);  // tiny resampler
  test_cross(rng, 100, 37, 2, 64);     // one partial key tile
  test_cross(rng, 70, 200, 3, 104);    // partial query and key tiles
  test_cross(rng, 130, 999, 2, 40);    // 999 keys: no multiple of 32, 64, 128; padded head dims
  test_cross(rng, 64, 33, 1, 128);     // two key tiles: groups 2 and 3 of ksplit 4 see no key
  test_vit(rng, 200, 3, 104);          // the ViT layout with partial tiles
  test_prefill(rng, 4, 128, 0, 286);
  test_prefill(rng, 4, 128, 200, 131);
  test_prefill(rng, 2, 64, 2000, 312);
  for (int len : {1, 37, 286, 2048, 2049, 4100}) test_decode(rng, 32, 128, len);
  test_decode(rng, 2, 64, 300);
  for (int len : {1, 64, 65, 286, 2049, 4100, 7934}) test_decode_rope(32, 128, len, len > 2048 ? 3.0 : 1.0, 2048);
  // Split settings for long contexts (checked and timed; the default stays 32 keys / 64 splits).
  for (const auto& t : std::vector<std::pair<int, int>>{{64, 64}, {128, 64}, {128, 32}, {256, 32}}) {
    k::attention_decode_tune(t.first, t.second);
    g_tune_tag = " k" + std::to_string(t.first) + "/s" + std::to_string(t.second);
    for (int len : {286, 2049, 7934}) test_decode(rng, 32, 128, len);
  }
  k::attention_decode_tune(32, 64);
  g_tune_tag.clear();
  test_decode_rope(2, 64, 300, 1.0, 256);
  return finish("test_attention");
}
