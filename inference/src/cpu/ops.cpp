#include "cpu/ops.h"

#include <cmath>
#include <cstring>

#include "model/rotary.h"
#include "util/half.h"

namespace qwenvl::cpu {

std::vector<float> to_f32(const TensorView* t) {
  std::vector<float> v(static_cast<size_t>(t->numel()));
  if (t->dtype == DType::F16) {
    half_to_float_n(t->as<uint16_t>(), v.data(), v.size());
  } else if (t->dtype == DType::F32) {
    std::memcpy(v.data(), t->data, v.size() * 4);
  }
  return v;
}

void layer_norm(const float* x, int rows, int n, const float* w, const float* b, double eps, float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + size_t(r) * n;
    double mean = 0;
    for (int i = 0; i < n; ++i) mean += xr[i];
    mean /= n;
    double var = 0;
    for (int i = 0; i < n; ++i) {
      double d = xr[i] - mean;
      var += d * d;
    }
    var /= n;
    const double inv = 1.0 / std::sqrt(var + eps);
    float* yr = y + size_t(r) * n;
    for (int i = 0; i < n; ++i) yr[i] = static_cast<float>((xr[i] - mean) * inv) * w[i] + b[i];
  }
}

void rms_norm(const float* x, int rows, int n, const float* w, double eps, float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + size_t(r) * n;
    double ss = 0;
    for (int i = 0; i < n; ++i) ss += double(xr[i]) * xr[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
    float* yr = y + size_t(r) * n;
    for (int i = 0; i < n; ++i) yr[i] = (xr[i] * inv) * w[i];
  }
}

void gelu_erf_inplace(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    double v = x[i];
    x[i] = static_cast<float>(0.5 * v * (1.0 + std::erf(v * 0.70710678118654752440)));
  }
}

void mul_silu_inplace(float* a, const float* gate, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    double g = gate[i];
    a[i] = a[i] * static_cast<float>(g / (1.0 + std::exp(-g)));
  }
}

void softmax_inplace(float* x, int n) {
  float m = x[0];
  for (int i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    double e = std::exp(double(x[i]) - m);
    x[i] = static_cast<float>(e);
    sum += e;
  }
  const double inv = 1.0 / sum;
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(x[i] * inv);
}

Rotary::Rotary(int head_dim, double base) : dim(head_dim), inv_freq(rotary_inv_freq(head_dim, base)) {}

void Rotary::apply(float* x, int64_t p) const {
  const int half = dim / 2;
  const float pos = static_cast<float>(p);
  for (int i = 0; i < half; ++i) {
    const float ang = pos * inv_freq[i];
    const float c = std::cos(ang), s = std::sin(ang);
    const float x1 = x[i], x2 = x[i + half];
    // out = x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1)
    const float a1 = x1 * c, b1 = -x2 * s;
    const float a2 = x2 * c, b2 = x1 * s;
    x[i] = a1 + b1;
    x[i + half] = a2 + b2;
  }
}

}  // namespace qwenvl::cpu
