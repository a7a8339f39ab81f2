// Random GPTQ int4 layers for the GPU tests (test_gemv, test_prefill_gemm): the AutoGPTQ v1
// tensors on the host, their tiled device copy (w1 | w2 interleaved for the fused SwiGLU), and
// the double-precision reference product.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "gpu_test.h"
#include "qwenvl_kernels.h"

namespace qwenvl::gputest::int4 {

constexpr int kGroup = 128;

// A random GPTQ layer in the AutoGPTQ v1 layout, plus its dequantised rows on demand.
struct RawLayer {
  int n = 0, k = 0;
  std::vector<uint32_t> qweight, qzeros;  // [K/8][N], [K/G][N/8]
  std::vector<uint16_t> scales;           // [K/G][N]
  std::vector<uint16_t> bias;             // [N] or empty

  RawLayer(Rng& rng, int n_, int k_, bool asym, bool with_bias) : n(n_), k(k_) {
    qweight.assign(static_cast<size_t>(k / 8) * n, 0);
    for (auto& w : qweight) w = rng.bits();
    qzeros.assign(static_cast<size_t>(k / kGroup) * (n / 8), 0x77777777u);
    if (asym) {
      for (auto& z : qzeros) z = rng.bits();
    }
    std::vector<float> s = rng.normal(static_cast<size_t>(k / kGroup) * n, 0.01f);
    scales.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) scales[i] = float_to_half(std::fabs(s[i]) + 0.002f);
    if (with_bias) bias = to_half(rng.normal(n, 0.1f));
  }
  // Row n of W: fp16(scale * (q - zero)) as the official kernels form it.
  void row(int nn, std::vector<float>& out) const {
    out.resize(k);
    for (int kk = 0; kk < k; ++kk) {
      const int g = kk / kGroup;
      const int q = static_cast<int>((qweight[static_cast<size_t>(kk / 8) * n + nn] >> (4 * (kk % 8))) & 15u);
      const int z = static_cast<int>((qzeros[static_cast<size_t>(g) * (n / 8) + nn / 8] >> (4 * (nn % 8))) & 15u) + 1;
      out[kk] = round_half(half_to_float(scales[static_cast<size_t>(g) * n + nn]) * static_cast<float>(q - z));
    }
  }
  float b(int nn) const { return bias.empty() ? 0.f : half_to_float(bias[nn]); }
};

// The layer(s) on the device in the tiled layout (two layers: w1 | w2 interleaved).
struct DevLayer {
  std::unique_ptr<Dev<uint4>> q;
  std::unique_ptr<Dev<uint32_t>> s;
  std::unique_ptr<Dev<uint2>> z;
  std::unique_ptr<Dev<uint16_t>> bias;
  kernels::Int4Weight w;

  explicit DevLayer(const std::vector<const RawLayer*>& parts) {
    const int n1 = parts[0]->n, kk = parts[0]->k, np = static_cast<int>(parts.size());
    w.n = n1 * np;
    w.k = kk;
    w.group = kGroup;
    q = std::make_unique<Dev<uint4>>(kernels::int4_q_words(w.n, kk));
    s = std::make_unique<Dev<uint32_t>>(kernels::int4_scale_words(w.n, kk, kGroup));
    z = std::make_unique<Dev<uint2>>(kernels::int4_zero_words(w.n, kk, kGroup));
    q->poison();
    s->poison();
    z->poison();
    for (int p = 0; p < np; ++p) {
      const RawLayer& r = *parts[p];
      Dev<uint32_t> rq(r.qweight.size()), rz(r.qzeros.size());
      Dev<uint16_t> rs(r.scales.size());
      rq.upload(r.qweight);
      rz.upload(r.qzeros);
      rs.upload(r.scales);
      GPU_CUDA(kernels::repack_int4(rq.get(), rz.get(), reinterpret_cast<const __half*>(rs.get()), n1, kk, kGroup,
                                    q->get(), s->get(), z->get(), np, p, nullptr));
      GPU_CUDA(cudaDeviceSynchronize());
    }
    if (!parts[0]->bias.empty()) {
      std::vector<uint16_t> tiled(w.n);
      for (int p = 0; p < np; ++p) {
        for (int nn = 0; nn < n1; ++nn)
          tiled[static_cast<size_t>((nn / 16) * np + p) * 16 + nn % 16] = parts[p]->bias[nn];
      }
      bias = std::make_unique<Dev<uint16_t>>(tiled.size());
      bias->upload(tiled);
      w.bias = reinterpret_cast<const __half*>(bias->get());
    }
    w.symmetric = true;
    for (const RawLayer* r : parts) {
      w.symmetric = w.symmetric && kernels::int4_zeros_symmetric(r->qzeros.data(), r->qzeros.size() * 4);
    }
    w.q = q->get();
    w.scales = s->get();
    w.zeros = z->get();
  }
};

// acc[t][n] = sum_k x[t][k] W[n][k] in double, for exact and fp16-rounded x.
inline void reference(const RawLayer& l, const std::vector<float>& x, const std::vector<float>& xr, int ntok,
                      std::vector<double>& acc, std::vector<double>& acc_r) {
  acc.assign(static_cast<size_t>(ntok) * l.n, 0);
  acc_r.assign(acc.size(), 0);
  std::vector<float> row;
  for (int nn = 0; nn < l.n; ++nn) {
    l.row(nn, row);
    for (int t = 0; t < ntok; ++t) {
      double a = 0, ar = 0;
      const float* xt = &x[static_cast<size_t>(t) * l.k];
      const float* xrt = &xr[static_cast<size_t>(t) * l.k];
      for (int kk = 0; kk < l.k; ++kk) {
        a += static_cast<double>(xt[kk]) * row[kk];
        ar += static_cast<double>(xrt[kk]) * row[kk];
      }
      acc[static_cast<size_t>(t) * l.n + nn] = a;
      acc_r[static_cast<size_t>(t) * l.n + nn] = ar;
    }
  }
}

inline double silu(double v) { return v / (1 + std::exp(-v)); }

}  // namespace qwenvl::gputest::int4
