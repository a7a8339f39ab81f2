// GPU test: the cuBLAS prompt path for int4 layers (the default; QWENVL_PREFILL_GEMM=mma is the other). The
// dequantisation kernel bit for bit against the CPU's GptqLinear at the real Qwen-VL shapes
// (symmetric and asymmetric zeros, w1 | w2 interleaved), and cuda::Int4Prefill (dequantise,
// cuBLAS, epilogue) per epilogue at 286, 300 and Int4Prefill::kMinRows rows against the double
// reference, with NaN-poisoned outputs; the two-slot pipeline (dequantise one layer ahead on a
// side stream) against one layer at a time; the per-prompt lease of the slots. Prints both paths'
// times at 286 rows.
// Run: build/tests/gpu/test_prefill_gemm
#include <algorithm>
#include <memory>
#include <string>

#include "cuda/gemm.h"
#include "cuda/int4_prefill.h"
#include "gpu_test.h"
#include "int4_layers.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
using namespace qwenvl::gputest::int4;

namespace {

// A GptqLinear over a RawLayer's host tensors (the CPU backend's dequantisation).
struct CpuLayer {
  TensorView qw, qz, sc;
  GptqLinear l;
  explicit CpuLayer(const RawLayer& r) {
    qw.data = reinterpret_cast<const uint8_t*>(r.qweight.data());
    qw.nbytes = r.qweight.size() * 4;
    qz.data = reinterpret_cast<const uint8_t*>(r.qzeros.data());
    qz.nbytes = r.qzeros.size() * 4;
    sc.data = reinterpret_cast<const uint8_t*>(r.scales.data());
    sc.nbytes = r.scales.size() * 2;
    l.in_features = r.k;
    l.out_features = r.n;
    l.group_size = kGroup;
    l.qweight = &qw;
    l.qzeros = &qz;
    l.scales = &sc;
  }
};

// dequant_int4 against GptqLinear::dequantize_rows, every weight compared as fp16 bits.
void test_dequant(Rng& rng, const std::string& name, int n, int kk, int parts, bool asym) {
  std::vector<std::unique_ptr<RawLayer>> raw;
  std::vector<const RawLayer*> ptrs;
  for (int p = 0; p < parts; ++p) {
    raw.push_back(std::make_unique<RawLayer>(rng, n, kk, asym, false));
    ptrs.push_back(raw.back().get());
  }
  DevLayer d(ptrs);
  Dev<uint16_t> out(static_cast<size_t>(d.w.n) * kk);
  out.poison();
  GPU_CUDA(kernels::dequant_int4(d.w, as_half(out), nullptr));
  const std::vector<uint16_t> gpu = out.download();
  size_t bad = 0;
  std::string first;
  constexpr int kBlock = 256;
  std::vector<float> rows(static_cast<size_t>(kBlock) * kk);
  for (int p = 0; p < parts; ++p) {
    const CpuLayer cpu(*raw[p]);
    for (int n0 = 0; n0 < n; n0 += kBlock) {
      const int n1 = std::min(n, n0 + kBlock);
      cpu.l.dequantize_rows(n0, n1, rows.data());
      for (int nn = n0; nn < n1; ++nn) {
        const size_t dst = static_cast<size_t>((nn / 16) * parts + p) * 16 + nn % 16;  // tile order
        for (int c = 0; c < kk; ++c) {
          const uint16_t want = float_to_half(rows[static_cast<size_t>(nn - n0) * kk + c]);
          const uint16_t got = gpu[dst * kk + c];
          if (want != got && bad++ == 0) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "part %d row %d k %d: gpu 0x%04x, GptqLinear 0x%04x", p, nn, c, got, want);
            first = buf;
          }
        }
      }
    }
  }
  std::printf("  %-44s %zu of %zu weights differ  %s\n", (name + " dequant").c_str(), bad, gpu.size(),
              bad ? "FAIL" : "ok");
  GPU_CHECK(bad == 0, "%s: dequantised weights differ from GptqLinear (first: %s)", name.c_str(), first.c_str());
  const double bytes = static_cast<double>(d.w.n) * kk * (0.5 + 2.0);
  const float us = time_us([&] { kernels::dequant_int4(d.w, as_half(out), nullptr); }, 20);
  std::printf("  %-44s %8.2f us  %7.1f GB/s\n", (name + " dequant time").c_str(), us, bytes / us / 1e3);
}

// acc[t][ci] = sum_k x[t][k] W[cols[ci]][k] in double, for exact and fp16-rounded x.
void reference_cols(const RawLayer& l, const std::vector<float>& x, const std::vector<float>& xr, int m,
                    const std::vector<int>& cols, std::vector<double>& acc, std::vector<double>& acc_r) {
  const size_t nc = cols.size();
  acc.assign(static_cast<size_t>(m) * nc, 0);
  acc_r.assign(acc.size(), 0);
  std::vector<float> row;
  for (size_t ci = 0; ci < nc; ++ci) {
    l.row(cols[ci], row);
    for (int t = 0; t < m; ++t) {
      const float* xt = &x[static_cast<size_t>(t) * l.k];
      const float* xrt = &xr[static_cast<size_t>(t) * l.k];
      double a = 0, ar = 0;
      for (int c = 0; c < l.k; ++c) {
        a += static_cast<double>(xt[c]) * row[c];
        ar += static_cast<double>(xrt[c]) * row[c];
      }
      acc[static_cast<size_t>(t) * nc + ci] = a;
      acc_r[static_cast<size_t>(t) * nc + ci] = ar;
    }
  }
}

struct Shape {
  const char* name;
  int n, k;  // n per part
  kernels::Int4Epilogue ep;
  bool asym, bias;
  int stride;  // every stride-th output column is checked against the double reference
};

// Int4Prefill::linear against the reference at each row count; all outputs must be written and
// finite, the sampled columns within 2x of the fp16-input error. Times both paths at 286 rows.
void test_cublas(Rng& rng, cuda::Gemm& gemm, const Shape& sh, const std::vector<int>& ms) {
  using kernels::Int4Epilogue;
  const bool swiglu = sh.ep == Int4Epilogue::SiluMul, residual = sh.ep == Int4Epilogue::Residual;
  std::vector<std::unique_ptr<RawLayer>> raw;
  std::vector<const RawLayer*> ptrs;
  for (int p = 0; p < (swiglu ? 2 : 1); ++p) {
    raw.push_back(std::make_unique<RawLayer>(rng, sh.n, sh.k, sh.asym, sh.bias));
    ptrs.push_back(raw.back().get());
  }
  DevLayer d(ptrs);
  const int max_m = *std::max_element(ms.begin(), ms.end());
  cuda::Int4Prefill pf;
  Status s = pf.init(gemm, nullptr, {&d.w}, max_m);
  GPU_CHECK(s.ok(), "%s: init: %s", sh.name, s.message().c_str());
  if (!s.ok()) return;
  const int out_n = sh.n;  // SiluMul: n per part is the output width
  std::vector<int> cols;
  for (int j = 0; j < out_n; j += sh.stride) cols.push_back(j + (j / sh.stride) % std::min(sh.stride, 16));
  cols.erase(std::remove_if(cols.begin(), cols.end(), [&](int j) { return j >= out_n; }), cols.end());
  const size_t nc = cols.size();
  for (int m : ms) {
    const std::vector<float> x = rng.normal(static_cast<size_t>(m) * sh.k);
    const std::vector<float> xr = round_half(x);
    const std::vector<float> res = round_half(rng.normal(static_cast<size_t>(m) * out_n));
    std::vector<double> ref(static_cast<size_t>(m) * nc), ref_r(ref.size());
    std::vector<double> a1, a1r, a2, a2r;
    reference_cols(*raw[0], x, xr, m, cols, a1, a1r);
    if (swiglu) reference_cols(*raw[1], x, xr, m, cols, a2, a2r);
    for (size_t i = 0; i < ref.size(); ++i) {
      const int j = cols[i % nc];
      const size_t at = (i / nc) * out_n + j;
      if (swiglu) {
        ref[i] = (a1[i] + raw[0]->b(j)) * silu(a2[i] + raw[1]->b(j));
        const double u = round_half(static_cast<float>(a1r[i] + raw[0]->b(j)));
        const double g = round_half(static_cast<float>(silu(round_half(static_cast<float>(a2r[i] + raw[1]->b(j))))));
        ref_r[i] = round_half(static_cast<float>(u * g));
      } else {
        ref[i] = a1[i] + raw[0]->b(j) + (residual ? res[at] : 0.0);
        const double y = round_half(static_cast<float>(a1r[i] + raw[0]->b(j)));
        ref_r[i] = round_half(static_cast<float>(y + (residual ? res[at] : 0.0)));
      }
    }
    Dev<uint16_t> dx(x.size()), dy(static_cast<size_t>(m) * out_n);
    dx.upload(to_half(x));
    if (residual) {
      dy.upload(to_half(res));  // in place, as the backend: y = y + layer(x)
    } else {
      dy.poison();
    }
    s = pf.linear(d.w, as_half(dx), m, as_half(dy), residual ? as_half(dy) : nullptr, sh.ep);
    GPU_CHECK(s.ok(), "%s x%d: %s", sh.name, m, s.message().c_str());
    const std::vector<float> got = from_half(dy.download());
    size_t bad = 0;
    for (float v : got) bad += !std::isfinite(v);
    GPU_CHECK(bad == 0, "%s x%d: %zu outputs not finite (unwritten or overflow)", sh.name, m, bad);
    std::vector<float> sampled(ref.size());
    for (size_t i = 0; i < ref.size(); ++i) sampled[i] = got[(i / nc) * out_n + cols[i % nc]];
    expect_close(std::string(sh.name) + " cublas x" + std::to_string(m), sampled, ref, ref_r);
    if (m != 286) continue;
    const double flop = 2.0 * m * d.w.n * sh.k;
    const float mma = time_us(
        [&] { kernels::gemm_int4(d.w, as_half(dx), m, as_half(dy), residual ? as_half(dy) : nullptr, sh.ep, nullptr); },
        20);
    std::printf("  %-44s %8.2f us  %7.1f TFLOP/s\n", (std::string(sh.name) + " mma gemm x286 time").c_str(), mma,
                flop / mma / 1e6);
    const float cub = time_us(
        [&] { (void)pf.linear(d.w, as_half(dx), m, as_half(dy), residual ? as_half(dy) : nullptr, sh.ep); }, 20);
    std::printf("  %-44s %8.2f us  %7.1f TFLOP/s (dequantise + cuBLAS + epilogue)\n",
                (std::string(sh.name) + " cublas x286 time").c_str(), cub, flop / cub / 1e6);
  }
}

// The backend's use: four layers of different sizes chained as a decoder block (c_attn-like
// store with bias, residual, SiLU, residual), three blocks, each layer dequantised one ahead on
// the side stream into alternating slots. Must equal, bit for bit, the same chain one layer at a
// time (the same cuBLAS calls), so the slots and events hand every GEMM its own layer.
void test_pipeline(Rng& rng, cuda::Gemm& gemm) {
  using E = kernels::Int4Epilogue;
  const int m = 133, H = 128, Q = 384, F = 384;  // k: multiples of the group (128)
  RawLayer a(rng, Q, H, true, true), b(rng, H, Q, false, false), up(rng, F, H, true, false),
      gate(rng, F, H, true, false), d(rng, H, F, false, false);
  DevLayer la({&a}), lb({&b}), lw({&up, &gate}), ld({&d});
  const std::vector<const kernels::Int4Weight*> order = {&la.w, &lb.w, &lw.w, &ld.w};
  cuda::Int4Prefill piped, single;
  GPU_CHECK(piped.init(gemm, nullptr, order, m).ok() && single.init(gemm, nullptr, order, m).ok(), "init");
  // A small input: the SiLU layer squares the stream, so over three blocks of random layers a
  // unit input overflows fp16 (measured on the H200: both chains inf/NaN alike); 0.02 keeps every
  // value finite (a float64 model of the chain peaks at ~50).
  const std::vector<uint16_t> x0 = to_half(rng.normal(static_cast<size_t>(m) * H, 0.02f));
  auto run = [&](bool pipelined) {
    Dev<uint16_t> x(x0.size()), qkv(static_cast<size_t>(m) * Q), h(static_cast<size_t>(m) * F);
    x.upload(x0);
    qkv.poison();
    h.poison();
    Status s;
    auto step = [&](const kernels::Int4Weight& w, const kernels::Int4Weight* next, Dev<uint16_t>& in,
                    Dev<uint16_t>& out, E ep) {
      if (!s.ok()) return;
      const __half* res = ep == E::Residual ? as_half(out) : nullptr;
      if (!pipelined) {
        s = single.linear(w, as_half(in), m, as_half(out), res, ep);
        return;
      }
      if (next) s = piped.dequant(*next);
      if (s.ok()) s = piped.gemm(w, as_half(in), m, as_half(out), res, ep);
    };
    if (pipelined) s = piped.begin().ok() ? piped.dequant(la.w) : Status::error("begin");
    for (int blk = 0; blk < 3; ++blk) {
      step(la.w, &lb.w, x, qkv, E::Store);
      step(lb.w, &lw.w, qkv, x, E::Residual);  // x += b(qkv)
      step(lw.w, &ld.w, x, h, E::SiluMul);
      step(ld.w, blk < 2 ? &la.w : nullptr, h, x, E::Residual);
    }
    if (pipelined && s.ok()) s = piped.release();  // as the backend, after a prompt's last GEMM
    GPU_CHECK(s.ok(), "%s chain: %s", pipelined ? "pipelined" : "single", s.message().c_str());
    return x.download();
  };
  const std::vector<uint16_t> one = run(false), two = run(true);
  size_t differ = 0, bad = 0, bad_one = 0;
  for (size_t i = 0; i < one.size(); ++i) {
    differ += one[i] != two[i];
    bad += !std::isfinite(half_to_float(two[i]));
    bad_one += !std::isfinite(half_to_float(one[i]));
  }
  GPU_CHECK(bad_one == 0, "the one-at-a-time chain itself has %zu non-finite outputs (inputs too large)", bad_one);
  std::printf("  %-44s %zu of %zu outputs differ, %zu not finite  %s\n", "3 blocks pipelined vs one at a time", differ,
              one.size(), bad, differ || bad ? "FAIL" : "ok");
  GPU_CHECK(differ == 0 && bad == 0, "pipelined chain: %zu outputs differ, %zu not finite", differ, bad);
}

// The slots are leased per prompt: taken by acquire (or the first dequant), counted in the
// device bytes, given back by release; a prompt after a release leases again and gives the
// same bits; release without a lease and a second acquire are no-ops.
void test_lease(Rng& rng, cuda::Gemm& gemm) {
  RawLayer l(rng, 384, 128, true, true);
  DevLayer d({&l});
  cuda::Int4Prefill pf;
  GPU_CHECK(pf.init(gemm, nullptr, {&d.w}, 160).ok(), "init");
  const size_t before = cuda::device_bytes_in_use();
  GPU_CHECK(!pf.leased() && pf.bytes() > 0, "init takes no device memory (leased %d, %zu bytes)", pf.leased(),
            pf.bytes());
  GPU_CHECK(pf.release().ok(), "release without a lease is a no-op");
  Dev<uint16_t> dx(static_cast<size_t>(150) * 128), y1(static_cast<size_t>(150) * 384), y2(y1.size());
  dx.upload(to_half(rng.normal(dx.size())));
  y1.poison();
  y2.poison();
  Status s = pf.linear(d.w, as_half(dx), 150, as_half(y1), nullptr, kernels::Int4Epilogue::Store);
  GPU_CHECK(s.ok(), "first prompt: %s", s.message().c_str());
  const size_t during = cuda::device_bytes_in_use();
  GPU_CHECK(pf.leased() && during == before + pf.bytes(), "leased: %zu bytes in use, expected %zu + %zu", during,
            before, pf.bytes());
  GPU_CHECK(pf.acquire().ok() && cuda::device_bytes_in_use() == during, "a second acquire takes nothing more");
  GPU_CHECK(pf.release().ok(), "release");
  GPU_CUDA(cudaDeviceSynchronize());
  GPU_CHECK(!pf.leased() && cuda::device_bytes_in_use() == before, "released: %zu bytes in use, expected %zu",
            cuda::device_bytes_in_use(), before);
  s = pf.linear(d.w, as_half(dx), 150, as_half(y2), nullptr, kernels::Int4Epilogue::Store);
  GPU_CHECK(s.ok(), "second prompt: %s", s.message().c_str());
  GPU_CHECK(pf.release().ok(), "release");
  const std::vector<uint16_t> a = y1.download(), b = y2.download();
  size_t differ = 0, bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    differ += a[i] != b[i];
    bad += !std::isfinite(half_to_float(a[i]));
  }
  std::printf("  %-44s %zu MiB leased; 2nd prompt: %zu of %zu differ, %zu not finite  %s\n", "lease per prompt",
              pf.bytes() >> 20, differ, a.size(), bad, differ || bad ? "FAIL" : "ok");
  GPU_CHECK(differ == 0 && bad == 0, "lease: %zu outputs differ, %zu not finite", differ, bad);
}

// Misuse gives errors, never a launch on the wrong slot.
void test_errors(Rng& rng, cuda::Gemm& gemm) {
  RawLayer l(rng, 384, 128, false, true);
  DevLayer d({&l});
  cuda::Int4Prefill pf;
  Dev<uint16_t> dx(static_cast<size_t>(64) * 128), dy(static_cast<size_t>(64) * 384);
  GPU_CHECK(!pf.dequant(d.w).ok(), "dequant before init must fail");
  GPU_CHECK(pf.init(gemm, nullptr, {&d.w}, 32).ok(), "init");
  GPU_CHECK(!pf.gemm(d.w, as_half(dx), 8, as_half(dy), nullptr, kernels::Int4Epilogue::Store).ok(),
            "a GEMM without its dequantised layer must fail");
  GPU_CHECK(!pf.linear(d.w, as_half(dx), 64, as_half(dy), nullptr, kernels::Int4Epilogue::Store).ok(),
            "more rows than init's must fail");
  RawLayer big(rng, 768, 128, false, false);
  DevLayer db({&big});
  GPU_CHECK(!pf.linear(db.w, as_half(dx), 8, as_half(dy), nullptr, kernels::Int4Epilogue::Store).ok(),
            "a layer larger than the slot must fail");
  GPU_CHECK(kernels::int4_epilogue(reinterpret_cast<const __half*>(dy.get()), 8, d.w, as_half(dy), nullptr,
                                   kernels::Int4Epilogue::Store, nullptr) == cudaErrorInvalidValue,
            "an fp16 product with a bias must be refused");
  GPU_CUDA(cudaDeviceSynchronize());
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_prefill_gemm")) return skip;
  Rng rng(20261202);
  cuda::Gemm gemm;
  const Status s = gemm.init(nullptr, nullptr, 0);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  if (!s.ok()) return finish("test_prefill_gemm");
  // The dequantisation, bit for bit, at the decoder's four layers.
  test_dequant(rng, "c_attn 4096->12288", 12288, 4096, 1, false);
  test_dequant(rng, "c_attn 4096->12288 asym", 12288, 4096, 1, true);
  test_dequant(rng, "attn.c_proj 4096->4096", 4096, 4096, 1, false);
  test_dequant(rng, "attn.c_proj 4096->4096 asym", 4096, 4096, 1, true);
  test_dequant(rng, "w1|w2 4096->2x11008", 11008, 4096, 2, false);
  test_dequant(rng, "w1|w2 4096->2x11008 asym", 11008, 4096, 2, true);
  test_dequant(rng, "mlp.c_proj 11008->4096", 4096, 11008, 1, false);
  test_dequant(rng, "mlp.c_proj 11008->4096 asym", 4096, 11008, 1, true);
  test_dequant(rng, "tiny 128->384 asym", 384, 128, 1, true);
  // The whole path per epilogue (fp32 product with a bias, fp16 product without, direct store).
  const std::vector<int> ms = {286, 300, cuda::Int4Prefill::kMinRows};
  using E = kernels::Int4Epilogue;
  test_cublas(rng, gemm, {"c_attn 4096->12288 +bias", 12288, 4096, E::Store, false, true, 37}, ms);
  test_cublas(rng, gemm, {"attn.c_proj 4096->4096 +res", 4096, 4096, E::Residual, false, false, 37}, ms);
  test_cublas(rng, gemm, {"w1|w2 silu 4096->2x11008", 11008, 4096, E::SiluMul, false, false, 37}, ms);
  test_cublas(rng, gemm, {"w1|w2 silu 4096->2x11008 asym", 11008, 4096, E::SiluMul, true, false, 61}, {286});
  test_cublas(rng, gemm, {"mlp.c_proj 11008->4096 +res asym", 4096, 11008, E::Residual, true, false, 37}, ms);
  test_cublas(rng, gemm, {"tiny c_attn 128->384 +bias asym", 384, 128, E::Store, true, true, 1}, {128, 150});
  test_cublas(rng, gemm, {"tiny 128->384 +bias +res", 384, 128, E::Residual, false, true, 1}, {131});
  test_cublas(rng, gemm, {"tiny 128->384 store", 384, 128, E::Store, false, false, 1}, {129});
  test_cublas(rng, gemm, {"tiny w1|w2 silu 128->2x352 +bias", 352, 128, E::SiluMul, true, true, 1}, {140});
  test_pipeline(rng, gemm);
  test_lease(rng, gemm);
  test_errors(rng, gemm);
  return finish("test_prefill_gemm");
}
