// Shared helpers for the Qt-free GPU tests: skip (exit 77) without a usable GPU, CHECK-style
// assertions that count failures, seeded random data, device buffers poisoned with NaN, and the
// accuracy rule: a kernel's error against a CPU reference on the exact inputs must stay within
// 2x of the error of that reference evaluated on fp16-rounded inputs with an fp16 output (what
// fp16 storage alone costs).
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cuda/cuda_probe.h"
#include "util/half.h"

namespace qwenvl::gputest {

inline int& failures() {
  static int n = 0;
  return n;
}

#define GPU_CHECK(cond, ...)                                               \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                   \
      std::fprintf(stderr, "\n");                                          \
      ++::qwenvl::gputest::failures();                                     \
    }                                                                      \
  } while (0)

#define GPU_CUDA(expr)                                                                                   \
  do {                                                                                                   \
    const cudaError_t e_ = (expr);                                                                       \
    if (e_ != cudaSuccess) {                                                                             \
      std::fprintf(stderr, "FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, cudaGetErrorString(e_)); \
      std::exit(1);                                                                                      \
    }                                                                                                    \
  } while (0)

// Returns 77 (ctest's skip code) when no usable GPU is present; 0 otherwise.
inline int gpu_or_skip(const char* test) {
  std::string name;
  const Status s = cuda_probe(&name);
  if (!s.ok()) {
    std::printf("%s: skipped: %s\n", test, s.message().c_str());
    return 77;
  }
  std::printf("%s on %s\n", test, name.c_str());
  return 0;
}

inline int finish(const char* test) {
  const cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) {
    std::fprintf(stderr, "FAIL %s: device error %s\n", test, cudaGetErrorString(e));
    ++failures();
  }
  std::printf("%s: %s (%d failures)\n", test, failures() ? "FAILED" : "passed", failures());
  return failures() ? 1 : 0;
}

struct Rng {
  std::mt19937_64 gen;
  explicit Rng(uint64_t seed) : gen(seed) {}
  std::vector<float> normal(size_t n, float stddev = 1.f, float mean = 0.f) {
    std::normal_distribution<float> d(mean, stddev);
    std::vector<float> v(n);
    for (auto& x : v) x = d(gen);
    return v;
  }
  uint32_t bits() { return static_cast<uint32_t>(gen()); }
  int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
};

inline float round_half(float x) { return half_to_float(float_to_half(x)); }
inline std::vector<float> round_half(const std::vector<float>& v) {
  std::vector<float> o(v.size());
  for (size_t i = 0; i < v.size(); ++i) o[i] = round_half(v[i]);
  return o;
}
inline std::vector<uint16_t> to_half(const std::vector<float>& v) {
  std::vector<uint16_t> o(v.size());
  for (size_t i = 0; i < v.size(); ++i) o[i] = float_to_half(v[i]);
  return o;
}
inline std::vector<float> from_half(const std::vector<uint16_t>& v) {
  std::vector<float> o(v.size());
  for (size_t i = 0; i < v.size(); ++i) o[i] = half_to_float(v[i]);
  return o;
}

// A device allocation for tests; poison() fills it with 0xFF bytes (NaN in fp16 and fp32).
template <class T>
class Dev {
 public:
  explicit Dev(size_t n) : n_(n) { GPU_CUDA(cudaMalloc(&p_, std::max<size_t>(n, 1) * sizeof(T))); }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  ~Dev() { cudaFree(p_); }
  T* get() const { return p_; }
  size_t size() const { return n_; }
  void upload(const std::vector<T>& v) {
    GPU_CUDA(cudaMemcpy(p_, v.data(), std::min(v.size(), n_) * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> v(n_);
    GPU_CUDA(cudaDeviceSynchronize());
    GPU_CUDA(cudaMemcpy(v.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  void poison() { GPU_CUDA(cudaMemset(p_, 0xFF, n_ * sizeof(T))); }

 private:
  T* p_ = nullptr;
  size_t n_;
};

inline __half* as_half(Dev<uint16_t>& d) { return reinterpret_cast<__half*>(d.get()); }

inline double l2_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    s += d * d;
  }
  return std::sqrt(s);
}
inline double l2_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}
inline double l2(const std::vector<double>& a) {
  double s = 0;
  for (double x : a) s += x * x;
  return std::sqrt(s);
}

// gpu: kernel output; ref: reference on the exact inputs; ref_r: reference on fp16-rounded
// inputs (rounded to fp16 at the output when the kernel's output is fp16). Passes when every
// value is finite and |gpu - ref| <= 2 |ref_r - ref| (L2 norms).
inline bool expect_close(const std::string& name, const std::vector<float>& gpu, const std::vector<double>& ref,
                         const std::vector<double>& ref_r) {
  if (gpu.size() != ref.size() || ref_r.size() != ref.size()) {
    GPU_CHECK(false, "%s: size mismatch (%zu, %zu, %zu)", name.c_str(), gpu.size(), ref.size(), ref_r.size());
    return false;
  }
  size_t bad = 0;
  for (float v : gpu) bad += !std::isfinite(v);
  const double e_gpu = l2_diff(gpu, ref), e_in = l2_diff(ref_r, ref), norm = l2(ref);
  const bool ok = bad == 0 && e_gpu <= 2.0 * e_in && norm > 0;
  std::printf("  %-44s rel err %.3e  fp16-input err %.3e  ratio %.2f  %s\n", name.c_str(), e_gpu / norm, e_in / norm,
              e_in > 0 ? e_gpu / e_in : INFINITY, ok ? "ok" : "FAIL");
  GPU_CHECK(bad == 0, "%s: %zu values not finite (unwritten or overflow)", name.c_str(), bad);
  GPU_CHECK(e_gpu <= 2.0 * e_in, "%s: error %.3e exceeds 2x the fp16-input error %.3e", name.c_str(), e_gpu, e_in);
  return ok;
}

inline std::vector<double> round_output(const std::vector<double>& v) {
  std::vector<double> o(v.size());
  for (size_t i = 0; i < v.size(); ++i) o[i] = round_half(static_cast<float>(v[i]));
  return o;
}

// Mean microseconds per launch over `reps` launches after one warm-up, timed with CUDA events
// (printed for information; tests never assert on speed).
inline float time_us(const std::function<void()>& launch, int reps = 50) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  launch();
  cudaEventRecord(a);
  for (int i = 0; i < reps; ++i) launch();
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms * 1000.f / reps;
}

}  // namespace qwenvl::gputest
