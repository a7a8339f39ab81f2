// GPU test: Gemm::linear_bias (cuBLASLt's bias epilogue) at the vision encoder's shapes
// (1024 patches: in_proj 1664->4992, out_proj 1664->1664, c_fc 1664->8192, c_proj 8192->1664;
// the resampler's 4096->4096 over 1024 and 256 rows) against a double-precision reference of
// fp16(x W^T + b), one rounding, next to the earlier GEMM + bias kernel (two roundings); a
// padded layout; replay from a CUDA graph, bit for bit; and the times of both paths (printed,
// never asserted).
// Run: build/tests/gpu/test_lt_bias
#include <algorithm>
#include <functional>
#include <string>
#include <thread>

#include "cuda/cuda_backend.h"
#include "cuda/gemm.h"
#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

// The distance between two fp16 values in units of the larger one's last place.
double ulp_of(double v) {
  const double a = std::fabs(v);
  if (a < 6.103515625e-05) return 5.9604644775390625e-08;  // subnormal spacing
  return std::ldexp(1.0, std::ilogb(a) - 10);
}

// Mean microseconds per call of `launch` on `stream` over `reps` calls after one warm-up.
float time_on(cudaStream_t stream, const std::function<void()>& launch, int reps = 30) {
  cudaEvent_t a, b;
  GPU_CUDA(cudaEventCreate(&a));
  GPU_CUDA(cudaEventCreate(&b));
  launch();
  GPU_CUDA(cudaEventRecord(a, stream));
  for (int i = 0; i < reps; ++i) launch();
  GPU_CUDA(cudaEventRecord(b, stream));
  GPU_CUDA(cudaEventSynchronize(b));
  float ms = 0;
  GPU_CUDA(cudaEventElapsedTime(&ms, a, b));
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms * 1000.f / reps;
}

struct Case {
  const char* name;
  int m, n, kk;
  int lda, ldc;      // row strides (>= kk, >= n)
  bool gelu;         // c_fc: the exact GELU follows (timed only; the check is on the linear)
  bool bias_kernel;  // the earlier path adds this bias in a kernel of its own (not in a LayerNorm)
};

// Rows [r0, r1) of ref[i][j] = sum_c x[i][c] w[j][c] + b[j] in double (exact fp16 inputs).
void reference_rows(const std::vector<float>& x, int lda, const std::vector<float>& w, const std::vector<float>& b,
                    const std::vector<int>& rows, size_t r0, size_t r1, int n, int kk, std::vector<double>& ref) {
  for (size_t ri = r0; ri < r1; ++ri) {
    const float* xr = x.data() + static_cast<size_t>(rows[ri]) * lda;
    for (int j = 0; j < n; ++j) {
      const float* wr = w.data() + static_cast<size_t>(j) * kk;
      double s = 0;
      for (int c = 0; c < kk; ++c) s += static_cast<double>(xr[c]) * wr[c];
      ref[ri * n + j] = s + b[j];
    }
  }
}

void check_case(Rng& rng, cuda::Gemm& gemm, cudaStream_t stream, const Case& t) {
  const int m = t.m, n = t.n, kk = t.kk;
  // Inputs exactly representable in fp16, so the reference's only rounding is the output's.
  std::vector<float> x = round_half(rng.normal(static_cast<size_t>(m) * t.lda));
  const std::vector<float> w = round_half(rng.normal(static_cast<size_t>(n) * kk, 1.f / std::sqrt(kk)));
  const std::vector<float> b = round_half(rng.normal(n, 0.5f));
  Dev<uint16_t> dx(x.size()), dw(w.size()), db(n), dy(static_cast<size_t>(m) * t.ldc), dold(dy.size());
  dx.upload(to_half(x));
  dw.upload(to_half(w));
  db.upload(to_half(b));
  dy.poison();
  dold.poison();
  GPU_CUDA(cudaDeviceSynchronize());  // the uploads and poison (legacy stream) before `stream`
  Status s = gemm.linear_bias(as_half(dx), t.lda, as_half(dw), kk, as_half(db), as_half(dy), t.ldc, m, n, kk);
  GPU_CHECK(s.ok(), "%s: %s", t.name, s.message().c_str());
  s = gemm.linear(as_half(dx), t.lda, as_half(dw), kk, as_half(dold), t.ldc, m, n, kk);
  GPU_CHECK(s.ok(), "%s: %s", t.name, s.message().c_str());
  GPU_CUDA(k::bias_act(as_half(dold), as_half(db), m, n, t.ldc, k::Activation::None, stream));
  GPU_CUDA(cudaStreamSynchronize(stream));
  const std::vector<uint16_t> got = dy.download(), old = dold.download();

  // Every value written and finite, the row padding untouched.
  size_t bad = 0, pad = 0;
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < t.ldc; ++c) {
      const uint16_t v = got[static_cast<size_t>(r) * t.ldc + c];
      if (c < n) {
        bad += !std::isfinite(half_to_float(v));
      } else {
        pad += v != 0xFFFF;
      }
    }
  }
  GPU_CHECK(bad == 0, "%s: %zu values not finite (unwritten or overflow)", t.name, bad);
  GPU_CHECK(pad == 0, "%s: %zu padding values written", t.name, pad);

  // The double reference on every 4th row and the last (all the GEMM's row tiles are covered).
  std::vector<int> rows;
  for (int r = 0; r < m; r += 4) rows.push_back(r);
  if (rows.back() != m - 1) rows.push_back(m - 1);
  std::vector<double> ref(rows.size() * n);
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 32);
  std::vector<std::thread> pool;
  for (size_t i = 0; i < workers; ++i) {
    const size_t r0 = rows.size() * i / workers, r1 = rows.size() * (i + 1) / workers;
    pool.emplace_back([&, r0, r1] { reference_rows(x, t.lda, w, b, rows, r0, r1, n, kk, ref); });
  }
  for (auto& th : pool) th.join();

  // One rounding: each value is fp16(ref) but for the fp32 sum's own error (a last-place flip
  // on a tie, or 1e-4 absolute where the sum nearly cancels). Two roundings miss that by up to
  // half a place of the unbiased sum, which cancellation makes many places of the result.
  size_t exact = 0, exact_old = 0, far = 0;
  double e_lt = 0, e_old = 0, norm = 0, worst = 0;
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    for (int j = 0; j < n; ++j) {
      const size_t at = static_cast<size_t>(rows[ri]) * t.ldc + j;
      const double r = ref[ri * n + j];
      const uint16_t want = float_to_half(static_cast<float>(r));
      const double g = half_to_float(got[at]), o = half_to_float(old[at]);
      exact += got[at] == want;
      exact_old += old[at] == want;
      e_lt += (g - r) * (g - r);
      e_old += (o - r) * (o - r);
      norm += r * r;
      const double d = std::fabs(g - half_to_float(want)), lim = ulp_of(r) + 1e-4;
      far += d > lim;
      worst = std::max(worst, d / lim);
    }
  }
  const double count = static_cast<double>(rows.size()) * n;
  e_lt = std::sqrt(e_lt / norm);
  e_old = std::sqrt(e_old / norm);
  std::printf(
      "  %-36s lt-bias: %6.2f%% = fp16(ref), rel err %.3e, worst %.2f of the limit | "
      "gemm + bias kernel: %6.2f%%, rel err %.3e\n",
      t.name, 100.0 * exact / count, e_lt, worst, 100.0 * exact_old / count, e_old);
  GPU_CHECK(far == 0, "%s: %zu values further than a last place (+1e-4) from fp16(x W^T + b)", t.name, far);
  GPU_CHECK(exact >= 0.9 * count, "%s: only %.2f%% of the values are fp16(x W^T + b)", t.name, 100.0 * exact / count);
  GPU_CHECK(e_lt <= e_old, "%s: one rounding (%.3e) is further from the reference than two (%.3e)", t.name, e_lt,
            e_old);
}

// The same call captured into a CUDA graph (as the vision encoder does) gives the same bits,
// and the capture plans nothing new (the plan from the eager call is reused).
void check_graph(Rng& rng, cuda::Gemm& gemm, cudaStream_t stream) {
  const int m = 1024, n = 4992, kk = 1664;
  Dev<uint16_t> dx(static_cast<size_t>(m) * kk), dw(static_cast<size_t>(n) * kk), db(n), dy(static_cast<size_t>(m) * n);
  dx.upload(to_half(rng.normal(dx.size())));
  dw.upload(to_half(rng.normal(dw.size(), 0.02f)));
  db.upload(to_half(rng.normal(n, 0.5f)));
  auto call = [&] { return gemm.linear_bias(as_half(dx), kk, as_half(dw), kk, as_half(db), as_half(dy), n, m, n, kk); };
  dy.poison();
  GPU_CUDA(cudaDeviceSynchronize());
  Status s = call();
  GPU_CHECK(s.ok(), "eager: %s", s.message().c_str());
  const auto eager = dy.download();
  const int plans = gemm.lt_plans();
  dy.poison();
  GPU_CUDA(cudaDeviceSynchronize());
  GPU_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  s = call();
  cudaGraph_t g = nullptr;
  const cudaError_t end = cudaStreamEndCapture(stream, &g);
  GPU_CHECK(s.ok(), "captured: %s", s.message().c_str());
  GPU_CHECK(end == cudaSuccess && g, "capturing linear_bias: %s", cudaGetErrorString(end));
  if (end != cudaSuccess || !g) return;
  cudaGraphExec_t exec = nullptr;
  GPU_CUDA(cudaGraphInstantiate(&exec, g, 0));
  GPU_CUDA(cudaGraphLaunch(exec, stream));
  GPU_CUDA(cudaStreamSynchronize(stream));
  const auto replay = dy.download();
  size_t differ = 0;
  for (size_t i = 0; i < eager.size(); ++i) differ += eager[i] != replay[i];
  std::printf("  %-36s %zu of %zu values differ from the eager call; %d plan(s) before, %d after\n",
              "graph replay 1024x1664->4992", differ, eager.size(), plans, gemm.lt_plans());
  GPU_CHECK(differ == 0, "graph replay: %zu values differ from the eager call", differ);
  GPU_CHECK(gemm.lt_plans() == plans, "the capture planned a new shape (%d -> %d)", plans, gemm.lt_plans());
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(g);
}

// Times at the encoder's shapes: the bias epilogue (plus the bias-free GELU for c_fc) against
// the GEMM and, where the earlier path has one, its bias kernel (out_proj and c_proj's biases
// ride in the next LayerNorm there).
void time_cases(Rng& rng, cuda::Gemm& gemm, cudaStream_t stream, const std::vector<Case>& cases) {
  std::printf(
      "  times: lt = linear_bias + the bias-free GELU (c_fc); gemm = linear + the bias kernel where the\n"
      "  earlier path has one (in_proj, c_fc with GELU); TF = TFLOP/s of the two GEMMs\n");
  double lt_total = 0, old_total = 0;
  for (const Case& t : cases) {
    const int m = t.m, n = t.n, kk = t.kk;
    Dev<uint16_t> dx(static_cast<size_t>(m) * t.lda), dw(static_cast<size_t>(n) * kk), db(n),
        dy(static_cast<size_t>(m) * t.ldc);
    dx.upload(to_half(rng.normal(dx.size())));
    dw.upload(to_half(rng.normal(dw.size(), 0.02f)));
    db.upload(to_half(rng.normal(n, 0.5f)));
    GPU_CUDA(cudaDeviceSynchronize());
    const k::Activation act = t.gelu ? k::Activation::GeluErf : k::Activation::None;
    const float lt = time_on(stream, [&] {
      (void)gemm.linear_bias(as_half(dx), t.lda, as_half(dw), kk, as_half(db), as_half(dy), t.ldc, m, n, kk);
    });
    const float plain =
        time_on(stream, [&] { (void)gemm.linear(as_half(dx), t.lda, as_half(dw), kk, as_half(dy), t.ldc, m, n, kk); });
    const float bias =
        t.bias_kernel ? time_on(stream, [&] { (void)k::bias_act(as_half(dy), as_half(db), m, n, t.ldc, act, stream); })
                      : 0.f;
    const float gelu =
        t.gelu ? time_on(stream, [&] { (void)k::bias_act(as_half(dy), nullptr, m, n, t.ldc, act, stream); }) : 0.f;
    const double flops = 2.0 * m * n * kk;
    std::printf("  %-36s lt %7.2f+%6.2f us | gemm %7.2f+%6.2f us | %3.0f/%3.0f TF\n",
                (std::string(t.name) + " time").c_str(), lt, gelu, plain, bias, flops / lt / 1e6, flops / plain / 1e6);
    lt_total += lt + gelu;
    old_total += plain + bias;
  }
  std::printf("  %-36s lt %.2f us, gemm %.2f us (x 48 blocks: %.2f vs %.2f ms)\n", "vit block linears time", lt_total,
              old_total, lt_total * 48 / 1000, old_total * 48 / 1000);
  GPU_CUDA(cudaGetLastError());
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_lt_bias")) return skip;
  Rng rng(2024);
  // As the backend: its own stream and the cuBLAS workspace, shared with cuBLASLt.
  cudaStream_t stream = nullptr;
  GPU_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  void* ws = nullptr;
  GPU_CUDA(cudaMalloc(&ws, cuda::CudaBackend::kCublasWorkspace));
  {
    cuda::Gemm gemm;
    const Status s = gemm.init(stream, ws, cuda::CudaBackend::kCublasWorkspace);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    const std::vector<Case> vit = {
        {"vit in_proj 1024 x 1664->4992", 1024, 4992, 1664, 1664, 4992, false, true},
        {"vit out_proj 1024 x 1664->1664", 1024, 1664, 1664, 1664, 1664, false, false},
        {"vit c_fc 1024 x 1664->8192", 1024, 8192, 1664, 1664, 8192, true, true},
        {"vit c_proj 1024 x 8192->1664", 1024, 1664, 8192, 8192, 1664, false, false},
    };
    for (const Case& t : vit) check_case(rng, gemm, stream, t);
    check_case(rng, gemm, stream, {"resampler k/v 1024 x 4096->4096", 1024, 4096, 4096, 4096, 4096, false, true});
    check_case(rng, gemm, stream, {"resampler out 256 x 4096->4096", 256, 4096, 4096, 4096, 4096, false, true});
    check_case(rng, gemm, stream, {"padded rows 100 x 200->72", 100, 72, 200, 208, 80, false, true});
    std::printf("  %-36s %d shapes planned, %d without a cuBLASLt algorithm\n", "plans", gemm.lt_plans(),
                gemm.lt_fallbacks());
    GPU_CHECK(gemm.lt_fallbacks() == 0, "%d shapes fell back to the GEMM + bias kernel", gemm.lt_fallbacks());
    check_graph(rng, gemm, stream);
    time_cases(rng, gemm, stream, vit);
  }
  cudaFree(ws);
  cudaStreamDestroy(stream);
  return finish("test_lt_bias");
}
