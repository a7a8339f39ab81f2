// GPU test: residual update + RMSNorm (decoder) and + LayerNorm (vision, with a periodic
// position table), and the QKV post-processing (bias, rotate-half rotary with dynamic-NTK
// frequencies, logn past seq_length, paged KV cache write), against CPU references at the real
// widths (LayerNorm also in the ViT block's aliased in-place form at 1024 x 1664 and 4096, and
// through the shared-row path for odd widths and unaligned rows). Run: build/tests/gpu/test_norm_rope
#include <algorithm>
#include <memory>

#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

double rf(double v) { return round_half(static_cast<float>(v)); }

void test_rmsnorm(Rng& rng, int rows, int width) {
  const size_t n = static_cast<size_t>(rows) * width;
  const auto x = rng.normal(n), y = rng.normal(n), b = rng.normal(width, 0.1f), w = rng.normal(width, 0.1f, 1.f);
  const auto xr = round_half(x), yr = round_half(y), br = round_half(b), wr = round_half(w);
  const double eps = 1e-6;
  std::vector<double> res(n), res_r(n), out(n), out_r(n);
  for (int r = 0; r < rows; ++r) {
    double ss = 0, ss_r = 0;
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      res[i] = x[i] + y[i] + b[c];
      res_r[i] = rf(xr[i] + rf(yr[i] + br[c]));
      ss += res[i] * res[i];
      ss_r += res_r[i] * res_r[i];
    }
    const double inv = 1 / std::sqrt(ss / width + eps), inv_r = 1 / std::sqrt(ss_r / width + eps);
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      out[i] = res[i] * inv * w[c];
      out_r[i] = rf(rf(res_r[i] * inv_r) * wr[c]);
    }
  }
  Dev<uint16_t> dx(n), dy(n), db(width), dw(width), dres(n), dout(n);
  dx.upload(to_half(x));
  dy.upload(to_half(y));
  db.upload(to_half(b));
  dw.upload(to_half(w));
  dres.poison();
  dout.poison();
  GPU_CUDA(k::rmsnorm(as_half(dx), as_half(dy), as_half(db), as_half(dres), as_half(dout), as_half(dw), rows, width,
                      1e-6f, nullptr));
  const std::string tag = "rmsnorm " + std::to_string(rows) + "x" + std::to_string(width);
  expect_close(tag + " residual", from_half(dres.download()), res, res_r);
  expect_close(tag + " output", from_half(dout.download()), out, out_r);
  // In place, no residual input: x -> x.
  GPU_CUDA(
      k::rmsnorm(as_half(dres), nullptr, nullptr, nullptr, as_half(dres), as_half(dw), rows, width, 1e-6f, nullptr));
  expect_close(tag + " in place", from_half(dres.download()), out, out_r);
}

// LayerNorm of each row of the residual stream, in double (out from res) and as the kernel
// rounds (out_r from the fp16 stream res_r, the fp16 weights and an fp16 output).
void layernorm_reference(const std::vector<double>& res, const std::vector<double>& res_r, int rows, int width,
                         const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& wr,
                         const std::vector<float>& br, std::vector<double>& out, std::vector<double>& out_r) {
  for (int r = 0; r < rows; ++r) {
    double m = 0, mr = 0;
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      m += res[i];
      mr += res_r[i];
    }
    m /= width;
    mr /= width;
    double v = 0, vr = 0;
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      v += (res[i] - m) * (res[i] - m);
      vr += (res_r[i] - mr) * (res_r[i] - mr);
    }
    const double rs = 1 / std::sqrt(v / width + 1e-6), rsr = 1 / std::sqrt(vr / width + 1e-6);
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c;
      out[i] = (res[i] - m) * rs * w[c] + b[c];
      out_r[i] = rf((res_r[i] - mr) * rsr * wr[c] + br[c]);
    }
  }
}

void test_layernorm(Rng& rng, int rows, int width, int period) {
  const size_t n = static_cast<size_t>(rows) * width;
  const auto x = rng.normal(n, 2.f), y = rng.normal(static_cast<size_t>(period) * width),
             w = rng.normal(width, 0.1f, 1.f), b = rng.normal(width, 0.1f);
  const auto xr = round_half(x), yr = round_half(y), wr = round_half(w), br = round_half(b);
  std::vector<double> out(n), out_r(n), res(n), res_r(n);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < width; ++c) {
      const size_t i = static_cast<size_t>(r) * width + c, j = static_cast<size_t>(r % period) * width + c;
      res[i] = x[i] + y[j];
      res_r[i] = rf(xr[i] + yr[j]);
    }
  layernorm_reference(res, res_r, rows, width, w, b, wr, br, out, out_r);
  Dev<uint16_t> dx(n), dy(y.size()), dw(width), db(width), dres(n), dout(n);
  dx.upload(to_half(x));
  dy.upload(to_half(y));
  dw.upload(to_half(w));
  db.upload(to_half(b));
  dres.poison();
  dout.poison();
  GPU_CUDA(k::layernorm(as_half(dx), as_half(dy), nullptr, period, as_half(dres), as_half(dout), as_half(dw),
                        as_half(db), rows, width, 1e-6f, nullptr));
  const std::string tag = "layernorm " + std::to_string(rows) + "x" + std::to_string(width);
  expect_close(tag + " residual", from_half(dres.download()), res, res_r);
  expect_close(tag + " output", from_half(dout.download()), out, out_r);
}

// The ViT block's form at the real shapes: stream += fp16(gemm_out + bias) in place (res_out
// aliases x) and ln(stream) written over the GEMM output (out aliases y); or only the residual
// (the last block, out null); or a plain LayerNorm in place (x == out, the resampler's ln_kv).
// `shift` offsets every buffer by that many halves (1: misaligned, the scalar path).
void test_layernorm_block(Rng& rng, int rows, int width, bool with_y, bool with_out, int shift) {
  const size_t n = static_cast<size_t>(rows) * width;
  const auto x = rng.normal(n, 2.f), y = rng.normal(n), yb = rng.normal(width, 0.5f), w = rng.normal(width, 0.1f, 1.f),
             b = rng.normal(width, 0.1f);
  const auto xr = round_half(x), yr = round_half(y), ybr = round_half(yb), wr = round_half(w), br = round_half(b);
  std::vector<double> res(n), res_r(n), out(n), out_r(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = i % static_cast<size_t>(width);
    res[i] = with_y ? x[i] + y[i] + static_cast<double>(yb[c]) : x[i];
    res_r[i] = with_y ? rf(xr[i] + rf(yr[i] + ybr[c])) : xr[i];
  }
  layernorm_reference(res, res_r, rows, width, w, b, wr, br, out, out_r);
  Dev<uint16_t> dx(n + shift), dy(n + shift), dyb(width + shift), dw(width + shift), db(width + shift);
  dx.poison();
  dy.poison();
  auto up = [&](Dev<uint16_t>& d, const std::vector<float>& v) {
    GPU_CUDA(cudaMemcpy(d.get() + shift, to_half(v).data(), v.size() * 2, cudaMemcpyHostToDevice));
  };
  up(dx, x);
  up(dyb, yb);
  up(dw, w);
  up(db, b);
  if (with_y) up(dy, y);
  __half* px = as_half(dx) + shift;
  __half* py = as_half(dy) + shift;
  auto at = [&](Dev<uint16_t>& d) { return as_half(d) + shift; };
  std::string tag = "layernorm " + std::to_string(rows) + "x" + std::to_string(width) +
                    (with_y ? " +fp16(y+b)" : " in place") + (shift ? " unaligned" : "");
  if (with_y) {
    GPU_CUDA(
        k::layernorm(px, py, at(dyb), 0, px, with_out ? py : nullptr, at(dw), at(db), rows, width, 1e-6f, nullptr));
    const auto got_res = from_half(dx.download());
    expect_close(tag + " residual", std::vector<float>(got_res.begin() + shift, got_res.end()), res, res_r);
    if (with_out) {
      const auto got = from_half(dy.download());
      expect_close(tag + " output", std::vector<float>(got.begin() + shift, got.end()), out, out_r);
    }
  } else {
    GPU_CUDA(k::layernorm(px, nullptr, nullptr, 0, nullptr, px, at(dw), at(db), rows, width, 1e-6f, nullptr));
    const auto got = from_half(dx.download());
    expect_close(tag + " output", std::vector<float>(got.begin() + shift, got.end()), out, out_r);
  }
}

// Rotary on [ntok] tokens at positions past.., heads x D, into layer 1 of a 2-layer cache.
void test_rope(Rng& rng, int heads, int D, int ntok, int past, double alpha, int seq_length) {
  const int H = heads * D, P = 64, layers = 2, layer = 1;
  const size_t n = static_cast<size_t>(ntok) * 3 * H;
  const auto qkv = rng.normal(n), bias = rng.normal(3 * H, 0.1f);
  const auto qkvr = round_half(qkv), biasr = round_half(bias);
  const double base = 10000.0 * std::pow(alpha, static_cast<double>(D) / (D - 2));
  std::vector<float> inv(D / 2);
  for (int i = 0; i < D / 2; ++i) inv[i] = 1.0f / std::pow(static_cast<float>(base), static_cast<float>(2 * i) / D);
  std::vector<double> q(static_cast<size_t>(ntok) * H), qr(q.size()), kk(q.size()), kr(q.size()), v(q.size()),
      vr(q.size());
  for (int t = 0; t < ntok; ++t) {
    const int p = past + t;
    const double logn = p >= seq_length ? std::log(p + 1.0) / std::log(static_cast<double>(seq_length)) : 1.0;
    const double logn16 = rf(logn);
    for (int h = 0; h < heads; ++h) {
      for (int d = 0; d < D / 2; ++d) {
        const double ang = static_cast<double>(static_cast<float>(p) * inv[d]);
        const double c = std::cos(ang), s = std::sin(ang);
        for (int part = 0; part < 3; ++part) {
          const size_t i0 = static_cast<size_t>(t) * 3 * H + part * H + h * D + d, i1 = i0 + D / 2;
          const double a0 = qkv[i0] + bias[part * H + h * D + d], a1 = qkv[i1] + bias[part * H + h * D + d + D / 2];
          const double b0 = rf(qkvr[i0] + biasr[part * H + h * D + d]);
          const double b1 = rf(qkvr[i1] + biasr[part * H + h * D + d + D / 2]);
          const size_t o0 = static_cast<size_t>(t) * H + h * D + d, o1 = o0 + D / 2;
          if (part == 2) {
            v[o0] = a0, v[o1] = a1, vr[o0] = b0, vr[o1] = b1;
            continue;
          }
          double r0 = a0 * c - a1 * s, r1 = a1 * c + a0 * s;
          double s0 = rf(b0 * c - b1 * s), s1 = rf(b1 * c + b0 * s);
          if (part == 0) {
            q[o0] = r0 * logn, q[o1] = r1 * logn;
            qr[o0] = p >= seq_length ? rf(s0 * logn16) : s0;
            qr[o1] = p >= seq_length ? rf(s1 * logn16) : s1;
          } else {
            kk[o0] = r0, kk[o1] = r1, kr[o0] = s0, kr[o1] = s1;
          }
        }
      }
    }
  }
  const int n_pages = (past + ntok + P - 1) / P;
  const size_t page_halves = static_cast<size_t>(layers) * 2 * heads * P * D;
  std::vector<std::unique_ptr<Dev<uint16_t>>> pages;
  std::vector<__half*> ptrs;
  for (int i = 0; i < n_pages; ++i) {
    pages.push_back(std::make_unique<Dev<uint16_t>>(page_halves));
    pages.back()->poison();
    ptrs.push_back(as_half(*pages.back()));
  }
  Dev<__half*> table(ptrs.size());
  table.upload(ptrs);
  Dev<uint16_t> dqkv(n), dbias(3 * H);
  Dev<float> dinv(D / 2);
  Dev<int> dpast(1);
  dqkv.upload(to_half(qkv));
  dbias.upload(to_half(bias));
  dinv.upload(inv);
  dpast.upload({past});
  k::KvCacheView cv;
  cv.pages = table.get();
  cv.page_size = P;
  cv.layers = layers;
  cv.heads = heads;
  cv.head_dim = D;
  GPU_CUDA(
      k::rope_qkv(as_half(dqkv), as_half(dbias), ntok, dpast.get(), dinv.get(), seq_length, true, cv, layer, nullptr));
  const std::vector<float> out = from_half(dqkv.download());
  std::vector<float> gq(q.size()), gk(q.size()), gv(q.size());
  std::vector<std::vector<float>> host_pages;
  for (auto& pg : pages) host_pages.push_back(from_half(pg->download()));
  for (int t = 0; t < ntok; ++t) {
    const int p = past + t;
    for (int h = 0; h < heads; ++h) {
      for (int d = 0; d < D; ++d) {
        const size_t o = static_cast<size_t>(t) * H + h * D + d;
        gq[o] = out[static_cast<size_t>(t) * 3 * H + h * D + d];
        const auto& pg = host_pages[p / P];
        const size_t plane = static_cast<size_t>(P) * D;
        gk[o] = pg[((static_cast<size_t>(layer) * 2 + 0) * heads + h) * plane + static_cast<size_t>(p % P) * D + d];
        gv[o] = pg[((static_cast<size_t>(layer) * 2 + 1) * heads + h) * plane + static_cast<size_t>(p % P) * D + d];
      }
    }
  }
  const std::string tag = "rope " + std::to_string(heads) + "x" + std::to_string(D) + " pos " + std::to_string(past) +
                          ".." + std::to_string(past + ntok - 1) + " a=" + std::to_string(static_cast<int>(alpha));
  expect_close(tag + " q", gq, q, qr);
  expect_close(tag + " k cache", gk, kk, kr);
  expect_close(tag + " v cache", gv, v, vr);
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_norm_rope")) return skip;
  Rng rng(77);
  test_rmsnorm(rng, 7, 4096);
  test_rmsnorm(rng, 3, 128);
  test_layernorm(rng, 9, 1664, 4);
  test_layernorm(rng, 5, 4096, 5);
  test_layernorm(rng, 6, 64, 3);
  test_layernorm(rng, 4, 60, 2);  // not a multiple of 8: the shared-row kernel
  test_layernorm(rng, 3, 8192, 3);
  test_layernorm(rng, 1024, 1664, 1024);  // positions + ln_pre at the real shape
  test_layernorm(rng, 1024, 4096, 1024);  // the resampler's width
  test_layernorm_block(rng, 1024, 1664, true, true, 0);
  test_layernorm_block(rng, 1024, 1664, true, false, 0);
  test_layernorm_block(rng, 64, 1664, true, true, 1);
  test_layernorm_block(rng, 1024, 4096, false, true, 0);
  test_layernorm_block(rng, 256, 4096, false, true, 1);
  test_rope(rng, 32, 128, 5, 2045, 1.0, 2048);
  test_rope(rng, 32, 128, 3, 4093, 3.0, 2048);
  test_rope(rng, 2, 64, 70, 30, 1.0, 2048);
  return finish("test_norm_rope");
}
