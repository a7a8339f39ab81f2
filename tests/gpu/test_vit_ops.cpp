// GPU test: the vision encoder's GEMMs through cuBLAS at the real shapes (in_proj 1664->4992,
// c_fc 1664->8192 with exact GELU, c_proj 8192->1664, x @ proj) with the bias/GELU kernel,
// bias_act alone at the real 1024-row shapes (vectorised and scalar paths), SiLU(gate) * up
// over the tile-interleaved layout, the patch im2col and the fp16/fp32 casts.
// Run: build/tests/gpu/test_vit_ops
#include <functional>
#include <memory>

#include "cuda/gemm.h"
#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

double rf(double v) { return round_half(static_cast<float>(v)); }
double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }

// y = act(x W^T + b), W [n][kk] (nn.Linear), or x @ B with B [kk][n] when `as_matmul`.
void test_linear(Rng& rng, cuda::Gemm& gemm, const char* name, int m, int n, int kk, bool bias, bool gelu_act,
                 bool as_matmul = false) {
  const auto x = rng.normal(static_cast<size_t>(m) * kk),
             w = rng.normal(static_cast<size_t>(n) * kk, 1.f / std::sqrt(kk));
  const auto b = rng.normal(n, 0.5f);
  const auto xr = round_half(x), wr = round_half(w), br = round_half(b);
  std::vector<double> ref(static_cast<size_t>(m) * n), ref_r(ref.size());
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double a = 0, ar = 0;
      for (int c = 0; c < kk; ++c) {
        const size_t wi = as_matmul ? static_cast<size_t>(c) * n + j : static_cast<size_t>(j) * kk + c;
        a += static_cast<double>(x[static_cast<size_t>(i) * kk + c]) * w[wi];
        ar += static_cast<double>(xr[static_cast<size_t>(i) * kk + c]) * wr[wi];
      }
      if (bias) {
        a += b[j];
        ar += br[j];
      }
      ref[static_cast<size_t>(i) * n + j] = gelu_act ? gelu(a) : a;
      ref_r[static_cast<size_t>(i) * n + j] = gelu_act ? rf(gelu(rf(ar))) : rf(ar);
    }
  }
  Dev<uint16_t> dx(x.size()), dw(w.size()), db(n), dy(ref.size());
  dx.upload(to_half(x));
  dw.upload(to_half(w));
  db.upload(to_half(b));
  dy.poison();
  Status s = as_matmul ? gemm.matmul(as_half(dx), as_half(dw), as_half(dy), m, n, kk)
                       : gemm.linear(as_half(dx), kk, as_half(dw), kk, as_half(dy), n, m, n, kk);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  if (bias || gelu_act) {
    GPU_CUDA(k::bias_act(as_half(dy), bias ? as_half(db) : nullptr, m, n, n,
                         gelu_act ? k::Activation::GeluErf : k::Activation::None, nullptr));
  }
  expect_close(name, from_half(dy.download()), ref, ref_r);
}

// bias_act alone at the encoder's real shapes (1024 rows), in place over a poisoned row padding
// when ld > cols: y = act(fp16(y + b)). `shift` offsets y (1: unaligned, the scalar path).
void test_bias_act(Rng& rng, int rows, int cols, int ld, bool with_bias, bool gelu_act, int shift) {
  const auto y = rng.normal(static_cast<size_t>(rows) * cols, 2.f), b = rng.normal(cols, 0.5f);
  const auto yr = round_half(y), br = round_half(b);
  std::vector<double> ref(y.size()), ref_r(y.size());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r) * cols + c;
      const double a = static_cast<double>(y[i]) + (with_bias ? b[c] : 0.0);
      const double ar = with_bias ? rf(static_cast<double>(yr[i]) + br[c]) : yr[i];
      ref[i] = gelu_act ? gelu(a) : a;
      ref_r[i] = rf(gelu_act ? gelu(ar) : ar);
    }
  }
  Dev<uint16_t> dy(static_cast<size_t>(rows) * ld + shift), db(cols);
  dy.poison();
  const auto yh = to_half(y);
  for (int r = 0; r < rows; ++r) {
    GPU_CUDA(cudaMemcpy(dy.get() + shift + static_cast<size_t>(r) * ld, yh.data() + static_cast<size_t>(r) * cols,
                        cols * 2, cudaMemcpyHostToDevice));
  }
  db.upload(to_half(b));
  GPU_CUDA(k::bias_act(as_half(dy) + shift, with_bias ? as_half(db) : nullptr, rows, cols, ld,
                       gelu_act ? k::Activation::GeluErf : k::Activation::None, nullptr));
  const auto all = dy.download();
  std::vector<float> got(ref.size());
  size_t pad_touched = 0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < ld; ++c) {
      const uint16_t v = all[shift + static_cast<size_t>(r) * ld + c];
      if (c < cols) {
        got[static_cast<size_t>(r) * cols + c] = half_to_float(v);
      } else {
        pad_touched += v != 0xFFFF;
      }
    }
  }
  char tag[96];
  std::snprintf(tag, sizeof tag, "bias_act %dx%d ld %d%s%s%s", rows, cols, ld, with_bias ? " +bias" : "",
                gelu_act ? " +gelu" : "", shift ? " unaligned" : "");
  expect_close(tag, got, ref, ref_r);
  GPU_CHECK(pad_touched == 0, "%s: %zu padding values written", tag, pad_touched);
}

void test_silu_mul(Rng& rng, int ntok, int cols) {
  const auto f = rng.normal(static_cast<size_t>(ntok) * 2 * cols, 3.f);
  const auto fr = round_half(f);
  const int ld = cols + 48, col0 = 16;
  std::vector<double> ref(static_cast<size_t>(ntok) * cols), ref_r(ref.size());
  for (int t = 0; t < ntok; ++t) {
    for (int j = 0; j < cols; ++j) {
      const size_t up = static_cast<size_t>(t) * 2 * cols + (j / 16) * 32 + j % 16, gate = up + 16;
      ref[static_cast<size_t>(t) * cols + j] = f[up] * (f[gate] / (1 + std::exp(-static_cast<double>(f[gate]))));
      const double g = rf(fr[gate] / (1 + std::exp(-static_cast<double>(fr[gate]))));
      ref_r[static_cast<size_t>(t) * cols + j] = rf(fr[up] * g);
    }
  }
  Dev<uint16_t> df(f.size()), dh(static_cast<size_t>(ntok) * ld);
  df.upload(to_half(f));
  dh.poison();
  GPU_CUDA(k::silu_mul_tiled(as_half(df), ntok, cols, as_half(dh), ld, col0, nullptr));
  const auto h = from_half(dh.download());
  std::vector<float> got(ref.size());
  for (int t = 0; t < ntok; ++t) {
    for (int j = 0; j < cols; ++j) got[static_cast<size_t>(t) * cols + j] = h[static_cast<size_t>(t) * ld + col0 + j];
  }
  expect_close("silu(gate) * up, tiled", got, ref, ref_r);
}

void test_im2col(Rng& rng) {
  const int n = 2, size = 42, patch = 14, grid = size / patch, kp = 592;
  const auto px = rng.normal(static_cast<size_t>(n) * 3 * size * size);
  Dev<float> dp(px.size());
  Dev<uint16_t> dout(static_cast<size_t>(n) * grid * grid * kp);
  dp.upload(px);
  dout.poison();
  GPU_CUDA(k::im2col_patches(dp.get(), n, size, patch, kp, as_half(dout), nullptr));
  const auto out = dout.download();
  size_t wrong = 0;
  for (int img = 0; img < n; ++img) {
    for (int p = 0; p < grid * grid; ++p) {
      for (int e = 0; e < kp; ++e) {
        float want = 0;
        if (e < 3 * patch * patch) {
          const int ch = e / (patch * patch), ky = (e / patch) % patch, kx = e % patch;
          want = px[((static_cast<size_t>(img) * 3 + ch) * size + (p / grid) * patch + ky) * size + (p % grid) * patch +
                    kx];
        }
        wrong += out[(static_cast<size_t>(img) * grid * grid + p) * kp + e] != float_to_half(want);
      }
    }
  }
  std::printf("  %-44s %zu wrong of %zu\n", "im2col 2 x 3 x 42 x 42, patch 14", wrong, out.size());
  GPU_CHECK(wrong == 0, "im2col: %zu values differ", wrong);
}

void test_casts(Rng& rng) {
  const auto x = rng.normal(100003, 1000.f);
  Dev<float> df(x.size()), dback(x.size());
  Dev<uint16_t> dh(x.size());
  df.upload(x);
  dh.poison();
  dback.poison();
  GPU_CUDA(k::f32_to_f16(df.get(), as_half(dh), x.size(), nullptr));
  GPU_CUDA(k::f16_to_f32(as_half(dh), dback.get(), x.size(), nullptr));
  const auto h = dh.download();
  const auto back = dback.download();
  size_t wrong = 0;
  for (size_t i = 0; i < x.size(); ++i) wrong += h[i] != float_to_half(x[i]) || back[i] != half_to_float(h[i]);
  std::printf("  %-44s %zu wrong\n", "fp32 <-> fp16 casts", wrong);
  GPU_CHECK(wrong == 0, "casts: %zu values differ", wrong);
}

// Times (printed, never asserted) of one ViT block's operations at the real shapes (1024
// patches, width 1664, MLP 8192) besides attention (test_attention times that): where the
// encoder's time goes, block by block.
void time_vit_block(Rng& rng, cuda::Gemm& gemm) {
  const int T = 1024, W = 1664, M = 8192;
  auto filled = [&](size_t n, float sd) {
    auto d = std::make_unique<Dev<uint16_t>>(n);
    d->upload(to_half(rng.normal(n, sd)));
    return d;
  };
  auto x = filled(static_cast<size_t>(T) * W, 1.f), ln = filled(static_cast<size_t>(T) * W, 1.f);
  auto qkv = filled(static_cast<size_t>(T) * 3 * W, 1.f), big = filled(static_cast<size_t>(T) * M, 1.f);
  auto w_in = filled(static_cast<size_t>(3) * W * W, 0.02f), w_out = filled(static_cast<size_t>(W) * W, 0.02f);
  auto w_fc = filled(static_cast<size_t>(M) * W, 0.02f), w_proj = filled(static_cast<size_t>(W) * M, 0.01f);
  auto b3 = filled(3 * W, 0.1f), bm = filled(M, 0.1f), b1 = filled(W, 0.1f), g1 = filled(W, 0.1f);
  struct Op {
    const char* name;
    double flops;
    std::function<void()> run;
  };
  const std::vector<Op> ops = {
      {"in_proj GEMM 1024x1664->4992", 2.0 * T * 3 * W * W,
       [&] { (void)gemm.linear(as_half(*ln), W, as_half(*w_in), W, as_half(*qkv), 3 * W, T, 3 * W, W); }},
      {"in_proj bias 1024x4992", 0,
       [&] { k::bias_act(as_half(*qkv), as_half(*b3), T, 3 * W, 3 * W, k::Activation::None, nullptr); }},
      {"out_proj GEMM 1024x1664->1664", 2.0 * T * W * W,
       [&] { (void)gemm.linear(as_half(*qkv), 3 * W, as_half(*w_out), W, as_half(*ln), W, T, W, W); }},
      {"residual + LayerNorm 1024x1664", 0,
       [&] {
         k::layernorm(as_half(*x), as_half(*ln), as_half(*b1), 0, as_half(*x), as_half(*ln), as_half(*g1), as_half(*b1),
                      T, W, 1e-6f, nullptr);
       }},
      {"c_fc GEMM 1024x1664->8192", 2.0 * T * M * W,
       [&] { (void)gemm.linear(as_half(*ln), W, as_half(*w_fc), W, as_half(*big), M, T, M, W); }},
      {"c_fc bias + GELU 1024x8192", 0,
       [&] { k::bias_act(as_half(*big), as_half(*bm), T, M, M, k::Activation::GeluErf, nullptr); }},
      {"c_proj GEMM 1024x8192->1664", 2.0 * T * W * M,
       [&] { (void)gemm.linear(as_half(*big), M, as_half(*w_proj), M, as_half(*ln), W, T, W, M); }},
  };
  double total = 0;
  for (const Op& op : ops) {
    const float us = time_us(op.run, 20);
    total += us;
    if (op.flops > 0) {
      std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (std::string(op.name) + " time").c_str(), us,
                  op.flops / us / 1e6);
    } else {
      std::printf("  %-44s %8.2f us\n", (std::string(op.name) + " time").c_str(), us);
    }
  }
  // The block runs residual + LayerNorm twice.
  const float ln_us = time_us(ops[3].run, 20);
  total += ln_us;
  std::printf("  %-44s %8.2f us  (x 48 blocks: %.2f ms, attention apart)\n", "vit block without attention time", total,
              total * 48 / 1000);
  GPU_CUDA(cudaGetLastError());
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_vit_ops")) return skip;
  Rng rng(99);
  cuda::Gemm gemm;
  const Status s = gemm.init(nullptr, nullptr, 0);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  test_linear(rng, gemm, "vit in_proj 64 x 1664->4992 +bias", 64, 4992, 1664, true, false);
  test_linear(rng, gemm, "vit c_fc 64 x 1664->8192 +bias +gelu", 64, 8192, 1664, true, true);
  test_linear(rng, gemm, "vit c_proj 64 x 8192->1664 +bias", 64, 1664, 8192, true, false);
  test_linear(rng, gemm, "patch conv 64 x 592->1664", 64, 1664, 592, false, false);
  test_linear(rng, gemm, "x @ proj 16 x 4096->4096", 16, 4096, 4096, false, false, true);
  test_bias_act(rng, 1024, 4992, 4992, true, false, 0);  // in_proj
  test_bias_act(rng, 1024, 8192, 8192, true, true, 0);   // c_fc + GELU
  test_bias_act(rng, 256, 4096, 4096, true, false, 0);   // resampler out_proj
  test_bias_act(rng, 64, 1664, 1672, true, true, 0);     // a row stride wider than the row
  test_bias_act(rng, 64, 1664, 1664, false, true, 0);    // GELU alone
  test_bias_act(rng, 64, 1664, 1664, true, true, 1);     // unaligned: the scalar kernel
  test_bias_act(rng, 33, 1660, 1666, true, true, 0);     // widths not a multiple of 8
  test_silu_mul(rng, 5, 11008);
  test_im2col(rng);
  test_casts(rng);
  time_vit_block(rng, gemm);
  return finish("test_vit_ops");
}
