// Fast linear layers over the GEMV kernels and oneDNN's sgemm (gemm.h).
#include "cpu/gemm.h"

#include <dlfcn.h>

#if defined(QWENVL_GEMM_DNNL)
#include <dnnl.h>
#else
#include <cblas.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/half.h"

namespace qwenvl::cpu {

// oneDNN's Debian build runs its sgemm on OpenMP threads (OpenBLAS on its own). Our pool gives
// each job a core, so each calling thread asks for one OpenMP thread (an OpenMP team's threads
// spin after each call and would take the pool's cores); only the benchmark's library-only
// figure (sgemm_threads) asks for more. The setting is per calling thread (found at run time:
// libdnnl brings the OpenMP runtime, and we need not link it ourselves); OpenBLAS's is global.
void library_threads(int n) {
  thread_local int current = 0;
  if (current == n) return;
  current = n;
  using SetFn = void (*)(int);
  static const SetFn set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (set) set(n);
#if !defined(QWENVL_GEMM_DNNL)
  static const SetFn blas = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (blas) blas(n);
#endif
}

namespace {

void sgemm_raw(bool b_trans, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
               float beta, float* C, int ldc) {
  gemm_library_init();
#if defined(QWENVL_GEMM_DNNL)
  const dnnl_status_t st = dnnl_sgemm('N', b_trans ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  cblas_sgemm(CblasRowMajor, CblasNoTrans, b_trans ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C,
              ldc);
  const int st = 0, dnnl_success = 0;
#endif
  if (st != dnnl_success) {
    // Only invalid arguments make oneDNN refuse, and every caller passes valid ones.
    std::fprintf(stderr, "qwenvl: dnnl_sgemm failed (%d) for %dx%dx%d\n", static_cast<int>(st), M, N, K);
    std::abort();
  }
}

}  // namespace

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno || *end || n < lo || n > hi) return fallback;
  return static_cast<int>(n);
}

namespace {

GemmSplit split_from_env() {
  const char* v = std::getenv("QWENVL_CPU_GEMM");
  if (v && std::strcmp(v, "tiles") == 0) return GemmSplit::Tiles;
  if (v && std::strcmp(v, "bf16x3") == 0) return GemmSplit::Bf16x3;
  if (v && std::strcmp(v, "amx") == 0) return GemmSplit::Amx;
  // By measurement on the 16-core Xeon (docs/benchmarks.md, issue 13): our AMX kernel beat the
  // fp32 tiles at every sweep shape (91.3 against 132.8 ms over the five) within 4.1e-6 of them,
  // and oneDNN's bf16 matmuls (Bf16x3) lost to both; so Amx where the CPU and the OS have AMX.
  return amx_available() ? GemmSplit::Amx : GemmSplit::Tiles;
}

std::atomic<GemmSplit>& split_setting() {
  static std::atomic<GemmSplit> s{split_from_env()};
  return s;
}

// QWENVL_CPU_GEMM_NT: a fixed tile width for both splits (a multiple of 16, at most 1024), for
// measurements (qwenvl-bench cpu --gemm-sweep); 0 when unset or invalid.
int tile_columns_from_env() {
  const int nt = env_int("QWENVL_CPU_GEMM_NT", 0, 16, 1024);
  return nt % 16 == 0 ? nt : 0;
}

std::atomic<int>& tile_columns_setting() {
  static std::atomic<int> s{tile_columns_from_env()};
  return s;
}

std::vector<float>& tile_buffer() {
  thread_local std::vector<float> v;
  return v;
}

}  // namespace

// The Amx split's unit: the hardware's where it has AMX, else the emulation when
// QWENVL_CPU_AMX_EMULATE=1 (for checks), else none (Hardware, which amx_linear refuses: Tiles
// run instead), said once on stderr.
AmxUnit amx_unit() {
  static const AmxUnit unit = [] {
    if (amx_available()) return AmxUnit::Hardware;
    const char* e = std::getenv("QWENVL_CPU_AMX_EMULATE");
    if (e && std::strcmp(e, "1") == 0) {
      std::fprintf(stderr, "qwenvl: no AMX here: the amx GEMM split runs on its (slow) emulation\n");
      return AmxUnit::Emulated;
    }
    std::fprintf(stderr, "qwenvl: the CPU or the OS has no AMX: the amx GEMM split runs as fp32 tiles\n");
    return AmxUnit::Hardware;
  }();
  return unit;
}

FastWeight FastWeight::packed(const PackedInt4& p) {
  FastWeight w;
  w.kind = Kind::Int4;
  w.N = p.N;
  w.K = p.K;
  w.int4 = &p;
  return w;
}

FastWeight FastWeight::f16_rows(const uint16_t* p, int n, int k) {
  FastWeight w;
  w.kind = Kind::F16Rows;
  w.N = n;
  w.K = k;
  w.f16 = p;
  return w;
}

FastWeight FastWeight::f16_cols(const uint16_t* p, int k, int n) {
  FastWeight w;
  w.kind = Kind::F16Cols;
  w.N = n;
  w.K = k;
  w.f16 = p;
  w.ld = n;
  return w;
}

int gemm_tile_columns(GemmSplit split, int K) {
  if (const int fixed = tile_columns_setting().load(std::memory_order_relaxed))
    return split == GemmSplit::Amx ? (fixed + 31) / 32 * 32 : fixed;  // the AMX kernel's strips: 32 columns
  // bf16x3: 128 columns at every K, so that each job's pass over A' (3K bf16 per row, re-read
  // by every tile) feeds enough output columns for AMX's rate. The fp32 tiles: about 1 MB of
  // weights (the widths measured alike on the Xeon, docs/benchmarks.md).
  if (split == GemmSplit::Bf16x3 || split == GemmSplit::Amx) return 128;
  return std::clamp(int((size_t(1) << 20) / (size_t(std::max(1, K)) * 4)) / 16 * 16, 32, 128);
}
void set_gemm_tile_columns(int nt) { tile_columns_setting().store(nt, std::memory_order_relaxed); }
int gemm_fixed_tile_columns() { return tile_columns_setting().load(std::memory_order_relaxed); }

GemmSplit gemm_split() { return split_setting().load(std::memory_order_relaxed); }
void set_gemm_split(GemmSplit s) { split_setting().store(s, std::memory_order_relaxed); }
const char* gemm_split_name(GemmSplit s) {
  switch (s) {
    case GemmSplit::Bf16x3:
      return "bf16x3";
    case GemmSplit::Amx:
      return "amx";
    case GemmSplit::Tiles:
      break;
  }
  return "tiles";
}

void sgemm(bool b_trans, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb, float beta,
           float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  library_threads(1);
  sgemm_raw(b_trans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sgemm_threads(int threads, bool b_trans, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                   int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  library_threads(std::max(1, threads));
  sgemm_raw(b_trans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#if !defined(QWENVL_GEMM_DNNL)
  library_threads(1);  // OpenBLAS's setting is global: the tile split's jobs need it back at 1
#endif
}

int gemm_row_parts(int M, int n_tiles, int threads) {
  // The pool gives each thread one contiguous run of jobs, so the split into row parts is the
  // one whose job count divides best among the threads (each extra part widens the tile again:
  // a small cost, counted as 1 %).
  const int max_parts = std::max(1, std::min(16, M / 64));
  int m_parts = 1;
  double best = -1;
  for (int mp = 1; mp <= max_parts; ++mp) {
    const double jobs = double(n_tiles) * mp;
    const double rounds = std::ceil(jobs / threads);
    const double score = jobs / (rounds * threads) - 0.01 * (mp - 1);
    if (score > best) {
      best = score;
      m_parts = mp;
    }
  }
  return m_parts;
}

void widen_columns(Isa isa, const FastWeight& w, int n0, int nb, float* out) {
  switch (w.kind) {
    case FastWeight::Kind::Int4:
      dequant_int4(isa, *w.int4, n0 / 16, (n0 + nb + 15) / 16, out, w.K);
      break;
    case FastWeight::Kind::F16Rows:
      half_to_float_n(w.f16 + size_t(n0) * w.K, out, size_t(nb) * w.K);
      break;
    case FastWeight::Kind::F16Cols:
      for (int k = 0; k < w.K; ++k) half_to_float_n(w.f16 + size_t(k) * w.ld + n0, out + size_t(k) * nb, nb);
      break;
  }
}

void fast_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                 int ldy, int ldx) {
  if (ldy == 0) ldy = w.N;
  if (ldx == 0) ldx = w.K;
  if (M <= 0) return;
  if (M <= kGemvMaxRows && w.kind != FastWeight::Kind::F16Cols) {
    if (w.kind == FastWeight::Kind::Int4) {
      pool.parallel_for(size_t(w.int4->blocks), 1, [&](size_t b0, size_t b1) {
        for (int m = 0; m < M; ++m)
          gemv_int4(isa, *w.int4, x + size_t(m) * ldx, bias, y + size_t(m) * ldy, int(b0), int(b1));
      });
    } else {
      pool.parallel_for(size_t(w.N), 16, [&](size_t n0, size_t n1) {
        for (int m = 0; m < M; ++m)
          gemv_f16(isa, w.f16, w.K, x + size_t(m) * ldx, bias, y + size_t(m) * ldy, int(n0), int(n1));
      });
    }
    return;
  }
  const GemmSplit split = gemm_split();
  if (split == GemmSplit::Bf16x3 && bf16x3_linear(pool, isa, x, M, w, bias, y, ldy, ldx)) return;
  if (split == GemmSplit::Amx && amx_linear(pool, isa, x, M, w, bias, y, ldy, ldx, amx_unit())) return;
  // Tiles of nt output columns (a multiple of 16, about 1 MB of fp32 weights), and the rows split
  // further when there are too few tiles for the threads.
  const int nt = gemm_tile_columns(GemmSplit::Tiles, w.K);
  const int n_tiles = (w.N + nt - 1) / nt;
  const int m_parts = gemm_row_parts(M, n_tiles, pool.size());
  const size_t jobs = size_t(n_tiles) * m_parts;
  pool.parallel_for(jobs, 1, [&](size_t j0, size_t j1) {
    std::vector<float>& tile = tile_buffer();
    tile.resize(size_t(nt) * w.K);
    int have = -1;  // the tile now in the buffer
    for (size_t job = j0; job < j1; ++job) {
      const int t = int(job / m_parts), part = int(job % m_parts);
      const int n0 = t * nt, nb = std::min(nt, w.N - n0);
      const int m0 = int(int64_t(M) * part / m_parts), m1 = int(int64_t(M) * (part + 1) / m_parts);
      if (have != t) {
        widen_columns(isa, w, n0, nb, tile.data());
        have = t;
      }
      float* yt = y + size_t(m0) * ldy + n0;
      if (w.kind == FastWeight::Kind::F16Cols)
        sgemm(false, m1 - m0, nb, w.K, 1.0f, x + size_t(m0) * ldx, ldx, tile.data(), nb, 0.0f, yt, ldy);
      else
        sgemm(true, m1 - m0, nb, w.K, 1.0f, x + size_t(m0) * ldx, ldx, tile.data(), w.K, 0.0f, yt, ldy);
      if (bias)
        for (int m = m0; m < m1; ++m)
          for (int n = 0; n < nb; ++n) y[size_t(m) * ldy + n0 + n] += bias[n0 + n];
    }
  });
}

}  // namespace qwenvl::cpu
