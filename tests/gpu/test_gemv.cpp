// GPU test: the int4 GEMV kernels (decode, 1..4 tokens; store, residual and fused SwiGLU
// epilogues; RMSNorm fused into the prologue), the int4 GEMM for prompts, and the fp16 lm_head
// GEMV, at the real Qwen-VL shapes on fresh random GPTQ data (symmetric and asymmetric zeros),
// against a CPU reference. Also prints each kernel's time and bandwidth or FLOP rate.
// Run: build/tests/gpu/test_gemv
#include <algorithm>
#include <functional>
#include <memory>

#include "gpu_test.h"
#include "int4_layers.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
using namespace qwenvl::gputest::int4;
namespace k = qwenvl::kernels;

namespace {

// Copies of a layer's tiles, cycled through while timing so that the weights come from HBM and
// not from the 50 MB L2, as in a real decode step.
struct Copies {
  std::vector<std::unique_ptr<Dev<char>>> bufs;
  std::vector<k::Int4Weight> ws;
  double bytes = 0;
  explicit Copies(const k::Int4Weight& w) {
    const size_t qb = k::int4_q_words(w.n, w.k) * 16, sb = k::int4_scale_words(w.n, w.k, w.group) * 4,
                 zb = k::int4_zero_words(w.n, w.k, w.group) * 8;
    bytes = static_cast<double>(qb + sb + zb);
    const int n = static_cast<int>(std::min<double>(24, std::ceil(300e6 / bytes)));
    for (int i = 0; i < n; ++i) {
      bufs.push_back(std::make_unique<Dev<char>>(qb + sb + zb));
      char* p = bufs.back()->get();
      GPU_CUDA(cudaMemcpy(p, w.q, qb, cudaMemcpyDeviceToDevice));
      GPU_CUDA(cudaMemcpy(p + qb, w.scales, sb, cudaMemcpyDeviceToDevice));
      GPU_CUDA(cudaMemcpy(p + qb + sb, w.zeros, zb, cudaMemcpyDeviceToDevice));
      k::Int4Weight c = w;
      c.q = reinterpret_cast<const uint4*>(p);
      c.scales = reinterpret_cast<const uint32_t*>(p + qb);
      c.zeros = reinterpret_cast<const uint2*>(p + qb + sb);
      ws.push_back(c);
    }
  }
  // Times fn(weight) over the copies in turn; prints us and GB/s.
  void time(const std::string& label, const std::function<void(const k::Int4Weight&)>& fn) const {
    size_t i = 0;
    const float us = time_us([&] { fn(ws[i++ % ws.size()]); }, 96);
    std::printf("  %-44s %8.2f us  %7.1f GB/s\n", label.c_str(), us, bytes / us / 1e3);
  }
};

// One checked call of a store/residual epilogue on `ntok` rows: inputs on the device (the output
// holding the residual, or poisoned), and the reference on exact and on fp16-rounded inputs.
struct EpilogueCase {
  EpilogueCase(size_t nx, size_t ny) : dx(nx), dy(ny), ref(ny), ref_r(ny) {}
  Dev<uint16_t> dx, dy;
  std::vector<double> ref, ref_r;
};

std::unique_ptr<EpilogueCase> make_case(Rng& rng, const RawLayer& l, int n, int kk, int ntok, bool residual) {
  const std::vector<float> x = rng.normal(static_cast<size_t>(ntok) * kk);
  const std::vector<float> xr = round_half(x);
  const std::vector<float> res = round_half(rng.normal(static_cast<size_t>(ntok) * n));
  std::vector<double> acc, acc_r;
  reference(l, x, xr, ntok, acc, acc_r);
  auto c = std::make_unique<EpilogueCase>(x.size(), acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int nn = static_cast<int>(i % n);
    c->ref[i] = acc[i] + l.b(nn) + (residual ? res[i] : 0.0);
    const double y = round_half(static_cast<float>(acc_r[i] + l.b(nn)));
    c->ref_r[i] = round_half(static_cast<float>(y + (residual ? res[i] : 0.0)));
  }
  c->dx.upload(to_half(x));
  if (residual) {
    c->dy.upload(to_half(res));  // in place: y = y + layer(x)
  } else {
    c->dy.poison();
  }
  return c;
}

void test_store_or_residual(Rng& rng, const char* name, int n, int kk, bool residual, bool asym, bool bias,
                            const std::vector<int>& tokens, int gemm_tokens) {
  RawLayer l(rng, n, kk, asym, bias);
  DevLayer d({&l});
  const auto ep = residual ? k::Int4Epilogue::Residual : k::Int4Epilogue::Store;
  for (int ntok : tokens) {
    auto c = make_case(rng, l, n, kk, ntok, residual);
    __half* y = as_half(c->dy);
    GPU_CUDA(k::gemv_int4(d.w, as_half(c->dx), ntok, y, residual ? y : nullptr, ep, nullptr));
    expect_close(std::string(name) + " gemv x" + std::to_string(ntok), from_half(c->dy.download()), c->ref, c->ref_r);
    if (ntok == 1) {
      // The same token through the ring kernel (the streaming one is the default for one token).
      auto c2 = make_case(rng, l, n, kk, 1, residual);
      k::gemv_int4_select(k::Int4Path::Ring);
      GPU_CUDA(
          k::gemv_int4(d.w, as_half(c2->dx), 1, as_half(c2->dy), residual ? as_half(c2->dy) : nullptr, ep, nullptr));
      expect_close(std::string(name) + " ring gemv x1", from_half(c2->dy.download()), c2->ref, c2->ref_r);
      const Copies copies(d.w);
      copies.time(std::string(name) + " ring gemv time", [&](const k::Int4Weight& cw) {
        k::gemv_int4(cw, as_half(c->dx), 1, y, residual ? y : nullptr, ep, nullptr);
      });
      k::gemv_int4_select(k::Int4Path::Streaming);
      copies.time(std::string(name) + (d.w.symmetric ? " sym" : "") + " gemv time", [&](const k::Int4Weight& cw) {
        k::gemv_int4(cw, as_half(c->dx), 1, y, residual ? y : nullptr, ep, nullptr);
      });
    }
  }
  // Prompt path: the int4 GEMM with the same epilogue, checked at gemm_tokens, timed at 300.
  {
    auto c = make_case(rng, l, n, kk, gemm_tokens, residual);
    __half* y = as_half(c->dy);
    GPU_CUDA(k::gemm_int4(d.w, as_half(c->dx), gemm_tokens, y, residual ? y : nullptr, ep, nullptr));
    expect_close(std::string(name) + " gemm x" + std::to_string(gemm_tokens), from_half(c->dy.download()), c->ref,
                 c->ref_r);
  }
  const int m = 300;
  Dev<uint16_t> dx(static_cast<size_t>(m) * kk), dy(static_cast<size_t>(m) * n);
  dx.upload(to_half(rng.normal(dx.size())));
  dy.upload(to_half(rng.normal(dy.size())));
  const float us = time_us(
      [&] { k::gemm_int4(d.w, as_half(dx), m, as_half(dy), residual ? as_half(dy) : nullptr, ep, nullptr); }, 20);
  std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (std::string(name) + " gemm x300 time").c_str(), us,
              2.0 * m * n * kk / us / 1e6);
}

// ln_1 fused into the c_attn GEMV: x is the residual stream, normalised in the prologue.
void test_norm_fused(Rng& rng, int n, int kk, int ntok, bool asym = false) {
  RawLayer l(rng, n, kk, asym, true);
  DevLayer d({&l});
  const std::vector<float> x = rng.normal(static_cast<size_t>(ntok) * kk, 3.f), w = rng.normal(kk, 0.1f, 1.f);
  const std::vector<float> xr = round_half(x), wr = round_half(w);
  std::vector<float> xn(x.size()), xnr(x.size());
  for (int t = 0; t < ntok; ++t) {
    double ss = 0, ssr = 0;
    for (int c = 0; c < kk; ++c) {
      ss += static_cast<double>(x[static_cast<size_t>(t) * kk + c]) * x[static_cast<size_t>(t) * kk + c];
      ssr += static_cast<double>(xr[static_cast<size_t>(t) * kk + c]) * xr[static_cast<size_t>(t) * kk + c];
    }
    const double r = 1 / std::sqrt(ss / kk + 1e-6), rr = 1 / std::sqrt(ssr / kk + 1e-6);
    for (int c = 0; c < kk; ++c) {
      const size_t i = static_cast<size_t>(t) * kk + c;
      xn[i] = static_cast<float>(x[i] * r * w[c]);
      xnr[i] = round_half(round_half(static_cast<float>(xr[i] * rr)) * wr[c]);
    }
  }
  std::vector<double> acc, unused, acc_r;
  reference(l, xn, xn, ntok, acc, unused);
  reference(l, xnr, xnr, ntok, acc_r, unused);
  std::vector<double> ref(acc.size()), ref_r(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    ref[i] = acc[i] + l.b(static_cast<int>(i % n));
    ref_r[i] = round_half(static_cast<float>(acc_r[i] + l.b(static_cast<int>(i % n))));
  }
  Dev<uint16_t> dx(x.size()), dw(kk), dy(ref.size());
  dx.upload(to_half(x));
  dw.upload(to_half(w));
  dy.poison();
  dy.poison();
  GPU_CUDA(
      k::gemv_int4(d.w, as_half(dx), ntok, as_half(dy), nullptr, k::Int4Epilogue::Store, nullptr, as_half(dw), 1e-6f));
  expect_close(
      std::string("rmsnorm + c_attn gemv x") + std::to_string(ntok) + (asym ? " asym" : "") + " k" + std::to_string(kk),
      from_half(dy.download()), ref, ref_r);
}

void test_swiglu(Rng& rng, int f, int kk, bool asym, const std::vector<int>& tokens, int gemm_tokens) {
  RawLayer up(rng, f, kk, asym, false), gate(rng, f, kk, asym, false);
  DevLayer d({&up, &gate});
  auto run_ref = [&](const std::vector<float>& x, int ntok, std::vector<double>& ref, std::vector<double>& ref_r) {
    const std::vector<float> xr = round_half(x);
    std::vector<double> a1, a1r, a2, a2r;
    reference(up, x, xr, ntok, a1, a1r);
    reference(gate, x, xr, ntok, a2, a2r);
    ref.resize(a1.size());
    ref_r.resize(a1.size());
    for (size_t i = 0; i < a1.size(); ++i) {
      ref[i] = a1[i] * silu(a2[i]);
      const double u = round_half(static_cast<float>(a1r[i]));
      const double g = round_half(static_cast<float>(silu(round_half(static_cast<float>(a2r[i])))));
      ref_r[i] = round_half(static_cast<float>(u * g));
    }
  };
  const std::string tag = std::string("w1|w2 silu") + (asym ? " asym" : "");
  for (int ntok : tokens) {
    const std::vector<float> x = rng.normal(static_cast<size_t>(ntok) * kk);
    std::vector<double> ref, ref_r;
    run_ref(x, ntok, ref, ref_r);
    Dev<uint16_t> dx(x.size()), dy(ref.size());
    dx.upload(to_half(x));
    dy.poison();
    GPU_CUDA(k::gemv_int4(d.w, as_half(dx), ntok, as_half(dy), nullptr, k::Int4Epilogue::SiluMul, nullptr));
    expect_close(tag + " gemv x" + std::to_string(ntok), from_half(dy.download()), ref, ref_r);
    if (ntok == 1) {
      const Copies copies(d.w);
      k::gemv_int4_select(k::Int4Path::Ring);
      dy.poison();
      GPU_CUDA(k::gemv_int4(d.w, as_half(dx), 1, as_half(dy), nullptr, k::Int4Epilogue::SiluMul, nullptr));
      expect_close(tag + " ring gemv x1", from_half(dy.download()), ref, ref_r);
      copies.time(tag + " ring gemv time", [&](const k::Int4Weight& cw) {
        k::gemv_int4(cw, as_half(dx), 1, as_half(dy), nullptr, k::Int4Epilogue::SiluMul, nullptr);
      });
      k::gemv_int4_select(k::Int4Path::Streaming);
      copies.time(tag + " gemv time", [&](const k::Int4Weight& cw) {
        k::gemv_int4(cw, as_half(dx), 1, as_half(dy), nullptr, k::Int4Epilogue::SiluMul, nullptr);
      });
    }
  }
  for (int m : {gemm_tokens, 300}) {
    if (m == 300) {
      Dev<uint16_t> dx(static_cast<size_t>(m) * kk), dh(static_cast<size_t>(m) * f);
      dx.upload(to_half(rng.normal(dx.size())));
      const float us = time_us(
          [&] { k::gemm_int4(d.w, as_half(dx), m, as_half(dh), nullptr, k::Int4Epilogue::SiluMul, nullptr); }, 20);
      std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (tag + " gemm x300 time").c_str(), us,
                  4.0 * m * f * kk / us / 1e6);
      continue;
    }
    const std::vector<float> x = rng.normal(static_cast<size_t>(m) * kk);
    std::vector<double> ref, ref_r;
    run_ref(x, m, ref, ref_r);
    Dev<uint16_t> dx(x.size()), dh(ref.size());
    dx.upload(to_half(x));
    dh.poison();
    GPU_CUDA(k::gemm_int4(d.w, as_half(dx), m, as_half(dh), nullptr, k::Int4Epilogue::SiluMul, nullptr));
    expect_close(tag + " gemm x" + std::to_string(m), from_half(dh.download()), ref, ref_r);
  }
}

void test_lm_head(Rng& rng, int n, int kk) {
  const std::vector<uint16_t> w = to_half(rng.normal(static_cast<size_t>(n) * kk, 0.03f));
  const std::vector<float> x = rng.normal(kk);
  const std::vector<float> xr = round_half(x);
  std::vector<double> ref(n), ref_r(n);
  for (int r = 0; r < n; ++r) {
    double a = 0, ar = 0;
    for (int c = 0; c < kk; ++c) {
      const double wv = half_to_float(w[static_cast<size_t>(r) * kk + c]);
      a += wv * x[c];
      ar += wv * xr[c];
    }
    ref[r] = a;
    ref_r[r] = ar;
  }
  Dev<uint16_t> dw(w.size()), dx(kk);
  Dev<float> dy(n);
  dw.upload(w);
  dx.upload(to_half(x));
  dy.poison();
  GPU_CUDA(k::gemv_f16_f32(as_half(dw), n, kk, as_half(dx), dy.get(), nullptr));
  expect_close("lm_head " + std::to_string(n) + "x" + std::to_string(kk), dy.download(), ref, ref_r);
  const float us = time_us([&] { k::gemv_f16_f32(as_half(dw), n, kk, as_half(dx), dy.get(), nullptr); }, 20);
  std::printf("  %-44s %8.2f us  %7.1f GB/s\n", "lm_head gemv time", us, n * static_cast<double>(kk) * 2 / us / 1e3);
}

// Timing only (test_gemv --sweep): the four decode layers of one block (symmetric, as the
// checkpoint), the ring kernel against the streaming kernel at each L2 prefetch depth.
void sweep(Rng& rng) {
  struct Shape {
    const char* name;
    int n, k, parts;
    k::Int4Epilogue ep;
  };
  const Shape shapes[] = {{"c_attn 4096->12288", 12288, 4096, 1, k::Int4Epilogue::Store},
                          {"attn.c_proj 4096->4096", 4096, 4096, 1, k::Int4Epilogue::Residual},
                          {"w1|w2 silu 4096->2x11008", 11008, 4096, 2, k::Int4Epilogue::SiluMul},
                          {"mlp.c_proj 11008->4096", 4096, 11008, 1, k::Int4Epilogue::Residual}};
  const int depths[] = {0, 1, 2, 3, 4};
  double ring_total = 0, total[5] = {};
  std::printf("  %-28s %10s %10s %10s %10s %10s %10s  (us; GB/s of the best)\n", "layer", "ring", "P=0", "P=1", "P=2",
              "P=3", "P=4");
  for (const Shape& sh : shapes) {
    std::vector<std::unique_ptr<RawLayer>> raw;
    std::vector<const RawLayer*> parts;
    for (int p = 0; p < sh.parts; ++p) {
      raw.push_back(std::make_unique<RawLayer>(rng, sh.n, sh.k, false, sh.ep == k::Int4Epilogue::Store));
      parts.push_back(raw.back().get());
    }
    DevLayer d(parts);
    const Copies copies(d.w);
    const int n_out = sh.ep == k::Int4Epilogue::SiluMul ? sh.n : sh.n;
    Dev<uint16_t> dx(sh.k), dy(static_cast<size_t>(n_out) * sh.parts);
    dx.upload(to_half(rng.normal(sh.k)));
    dy.upload(to_half(rng.normal(dy.size())));
    __half* y = as_half(dy);
    const __half* res = sh.ep == k::Int4Epilogue::Residual ? y : nullptr;
    auto timed = [&] {
      size_t i = 0;
      return time_us([&] { k::gemv_int4(copies.ws[i++ % copies.ws.size()], as_half(dx), 1, y, res, sh.ep, nullptr); },
                     200);
    };
    k::gemv_int4_select(k::Int4Path::Ring);
    const float ring = timed();
    k::gemv_int4_select(k::Int4Path::Streaming);
    float t[5], best = 1e30f;
    for (int i = 0; i < 5; ++i) {
      k::gemv_int4_set_prefetch(depths[i]);
      t[i] = timed();
      best = std::min(best, t[i]);
      total[i] += t[i];
    }
    ring_total += ring;
    std::printf("  %-28s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f  (%.0f GB/s)\n", sh.name, ring, t[0], t[1], t[2],
                t[3], t[4], copies.bytes / best / 1e3);
  }
  std::printf("  %-28s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n", "one block (sum)", ring_total, total[0], total[1],
              total[2], total[3], total[4]);
  k::gemv_int4_set_prefetch(0);
  GPU_CUDA(cudaDeviceSynchronize());
}

}  // namespace

int main(int argc, char** argv) {
  if (const int skip = gpu_or_skip("test_gemv")) return skip;
  if (argc > 1 && std::string(argv[1]) == "--sweep") {
    Rng rng(99);
    sweep(rng);
    return finish("test_gemv --sweep");
  }
  // Every one-token check below runs the streaming kernel on every shape (Auto would send some to
  // the ring kernel); the "ring" checks force the ring kernel.
  k::gemv_int4_select(k::Int4Path::Streaming);
  Rng rng(20240611);
  test_store_or_residual(rng, "c_attn 4096->12288 +bias", 12288, 4096, false, false, true, {1, 3}, 37);
  test_store_or_residual(rng, "attn.c_proj 4096->4096 +res", 4096, 4096, true, false, false, {1, 4}, 70);
  test_swiglu(rng, 11008, 4096, false, {1, 2}, 29);
  test_swiglu(rng, 11008, 4096, true, {1}, 70);
  test_norm_fused(rng, 12288, 4096, 1);
  test_norm_fused(rng, 384, 128, 3);
  test_store_or_residual(rng, "mlp.c_proj 11008->4096 +res asym", 4096, 11008, true, true, false, {1, 4}, 70);
  test_store_or_residual(rng, "mlp.c_proj 11008->4096 +res", 4096, 11008, true, false, false, {1}, 70);
  test_store_or_residual(rng, "c_attn 4096->12288 +bias asym", 12288, 4096, false, true, true, {1}, 37);
  test_norm_fused(rng, 12288, 4096, 1, true);
  test_norm_fused(rng, 384, 128, 1, false);
  test_store_or_residual(rng, "tiny c_attn 128->384 +bias asym", 384, 128, false, true, true, {1, 2}, 150);
  test_lm_head(rng, 151936, 4096);
  test_lm_head(rng, 1000, 128);
  return finish("test_gemv");
}
