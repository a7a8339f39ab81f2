// The bf16x3 split of gemm.h: y = x W^T as three bf16 products summed in fp32 by oneDNN's
// matmul (Intel AMX where the CPU has it), split like the fp32 tiles: each job builds a tile of
// W' and runs a one-thread matmul on it, so no OpenMP team is started (its threads spin after
// each call, and would take the cores from the pool's next step).
//
// Each fp16 weight w (the fp16 value of a ViT weight, or the official fp16(s * (q - z)) of an
// int4 one) is exactly hi(w) + lo(w) with both parts bf16: hi keeps 8 of w's 11 significant
// bits and the remainder needs at most 4. Each fp32 activation x is hi(x) + lo(x) + e with
// |e| <= 2^-18 |x|. The products that remain,
//     hi(x) hi(w) + hi(x) lo(w) + lo(x) hi(w),
// miss x * w by at most about 2^-17 |x w| (lo(x) lo(w) and e w), the size of fp32 accumulation
// error over a few thousand terms, so the result holds the fp32 path's bars. The three products
// are one matmul over 3K: A' = [hi(x) | hi(x) | lo(x)] and W' = [hi(w) | lo(w) | hi(w)].
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/profile.h"

#if defined(__x86_64__)
#include "cpu/simd_x86.h"
#endif

#if defined(QWENVL_GEMM_DNNL)
#include <dnnl.h>
#endif

namespace qwenvl::cpu {

namespace {

// Round to nearest even to bf16.
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float from_bf16(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// One row of K values into 3K bf16: [hi | hi | lo] for an activation row, [hi | lo | hi] for a
// weight row, so that the 3K-long dot product is hi.hi + hi.lo + lo.hi.
void split_row_scalar(const float* src, int k0, int K, bool weight, uint16_t* out) {
  uint16_t* const lo = out + (weight ? K : 2 * K);
  uint16_t* const copy = out + (weight ? 2 * K : K);
  for (int k = k0; k < K; ++k) {
    out[k] = to_bf16(src[k]);
    lo[k] = to_bf16(src[k] - from_bf16(out[k]));
    copy[k] = out[k];
  }
}

#if defined(__x86_64__)
// to_bf16 on 16 lanes (round to nearest even; NaN stays NaN), widened back to fp32 in *wide.
QV_AVX512 inline __m256i to_bf16_16(__m512 v, __m512* wide) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
  *wide = _mm512_castsi512_ps(_mm512_slli_epi32(r, 16));
  return _mm512_cvtepi32_epi16(r);
}

QV_AVX512 void split_row_avx512(const float* src, int K, bool weight, uint16_t* out) {
  uint16_t* const lo = out + (weight ? K : 2 * K);
  uint16_t* const copy = out + (weight ? 2 * K : K);
  int k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m512 v = _mm512_loadu_ps(src + k);
    __m512 hv, lv;
    const __m256i h = to_bf16_16(v, &hv);
    const __m256i l = to_bf16_16(_mm512_sub_ps(v, hv), &lv);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), h);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(copy + k), h);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lo + k), l);
  }
  split_row_scalar(src, k, K, weight, out);
}
#endif

void split_row(Isa isa, const float* src, int K, bool weight, uint16_t* out) {
#if defined(__x86_64__)
  if (isa == Isa::Avx512) return split_row_avx512(src, K, weight, out);
#endif
  (void)isa;
  split_row_scalar(src, 0, K, weight, out);
}

}  // namespace

void gemm_library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__linux__) && defined(__x86_64__) && defined(SYS_arch_prctl)
    // Linux hands out the AMX tile state only on request (ARCH_REQ_XCOMP_PERM for
    // XFEATURE_XTILEDATA); harmless where the CPU or kernel has none.
    syscall(SYS_arch_prctl, 0x1023, 18);
#endif
#if defined(QWENVL_GEMM_DNNL)
    // Before oneDNN's first call: let it dispatch up to AMX (version 2.6 may hold it back).
    dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx512_core_amx);
#endif
  });
}

#if defined(QWENVL_GEMM_DNNL)

namespace {

struct Matmul {
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_primitive_t prim = nullptr;
  bool amx = false;
};

class Dnnl {
 public:
  static Dnnl& get() {
    static Dnnl d;
    return d;
  }
  bool ok() const { return engine_ != nullptr; }

  // The matmul of an [M][K3] bf16 A' by a [K3][N] bf16 W' stored column by column (row n of the
  // weights is contiguous), into a dense [M][N] fp32 block: oneDNN 2.6's brgemm matmul takes no
  // strided destination (it would choose its generic GEMM). Null when oneDNN has no fast one.
  const Matmul* matmul(int M, int N, int K3) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto key = std::make_tuple(M, N, K3);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second.prim ? &it->second : nullptr;
    Matmul& m = cache_[key];
    dnnl_memory_desc_t a, w, c;
    const dnnl_dims_t ad = {M, K3}, as = {K3, 1};
    const dnnl_dims_t wd = {K3, N}, ws = {1, K3};
    const dnnl_dims_t cd = {M, N}, cs = {N, 1};
    if (dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&w, 2, wd, dnnl_bf16, ws) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs) != dnnl_success)
      return nullptr;
    dnnl_matmul_desc_t desc;
    if (dnnl_matmul_desc_init(&desc, &a, &w, nullptr, &c) != dnnl_success) return nullptr;
    // The scratchpad is the calling thread's (run()), so jobs may run one primitive at once.
    dnnl_primitive_attr_t attr = nullptr;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) return nullptr;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    const dnnl_status_t st = dnnl_primitive_desc_create(&m.pd, &desc, attr, engine_, nullptr);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) {
      m.pd = nullptr;
      return nullptr;
    }
    const char* impl = nullptr;
    dnnl_primitive_desc_query(m.pd, dnnl_query_impl_info_str, 0, &impl);
    // A reference or generic-GEMM implementation would be slower than the fp32 path.
    const bool fast = impl && (std::strstr(impl, "brg") || std::strstr(impl, "amx"));
    m.amx = impl && std::strstr(impl, "amx");
    if (!fast || dnnl_primitive_create(&m.prim, m.pd) != dnnl_success) {
      dnnl_primitive_desc_destroy(m.pd);
      m.pd = nullptr;
      m.prim = nullptr;
      return nullptr;
    }
    return &m;
  }

  // On the calling thread, with its own stream (destroyed when the thread ends) and scratchpad.
  bool run(const Matmul& m, const uint16_t* a, const uint16_t* w, float* y) {
    struct Stream {
      dnnl_stream_t s = nullptr;
      ~Stream() {
        if (s) dnnl_stream_destroy(s);
      }
    };
    thread_local Stream own;
    thread_local std::vector<unsigned char> scratch;
    if (!own.s && dnnl_stream_create(&own.s, engine_, dnnl_stream_default_flags) != dnnl_success) return false;
    const dnnl_stream_t stream = own.s;
    const dnnl_memory_desc_t* ad = dnnl_primitive_desc_query_md(m.pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t* wd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t* cd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_dst_md, 0);
    const dnnl_memory_desc_t* sd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_scratchpad_md, 0);
    const size_t scratch_bytes = sd ? dnnl_memory_desc_get_size(sd) : 0;
    if (scratch.size() < scratch_bytes + 64) scratch.resize(scratch_bytes + 64);
    void* scratch_ptr = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    dnnl_memory_t am = nullptr, wm = nullptr, cm = nullptr, sm = nullptr;
    bool ok = dnnl_memory_create(&am, ad, engine_, const_cast<uint16_t*>(a)) == dnnl_success &&
              dnnl_memory_create(&wm, wd, engine_, const_cast<uint16_t*>(w)) == dnnl_success &&
              dnnl_memory_create(&cm, cd, engine_, y) == dnnl_success &&
              (!scratch_bytes || dnnl_memory_create(&sm, sd, engine_, scratch_ptr) == dnnl_success);
    if (ok) {
      profile::Scope scope("bf16.matmul");
      const dnnl_exec_arg_t args[4] = {
          {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
      ok = dnnl_primitive_execute(m.prim, stream, scratch_bytes ? 4 : 3, args) == dnnl_success &&
           dnnl_stream_wait(stream) == dnnl_success;
    }
    for (dnnl_memory_t mem : {am, wm, cm, sm})
      if (mem) dnnl_memory_destroy(mem);
    return ok;
  }

 private:
  Dnnl() {
    gemm_library_init();
    if (dnnl_engine_create(&engine_, dnnl_cpu, 0) != dnnl_success) engine_ = nullptr;
  }
  ~Dnnl() {
    for (auto& [key, m] : cache_) {
      if (m.prim) dnnl_primitive_destroy(m.prim);
      if (m.pd) dnnl_primitive_desc_destroy(m.pd);
    }
    if (engine_) dnnl_engine_destroy(engine_);
  }
  Dnnl(const Dnnl&) = delete;
  Dnnl& operator=(const Dnnl&) = delete;
  dnnl_engine_t engine_ = nullptr;
  std::mutex mu_;
  std::map<std::tuple<int, int, int>, Matmul> cache_;
};

std::atomic<uint64_t> matmuls_run{0};

}  // namespace

uint64_t bf16x3_matmuls() { return matmuls_run.load(std::memory_order_relaxed); }

bool bf16x3_available() {
  Dnnl& d = Dnnl::get();
  return d.ok() && d.matmul(64, 64, 3 * 64) != nullptr;
}

bool bf16x3_has_amx() {
  Dnnl& d = Dnnl::get();
  if (!d.ok()) return false;
  const Matmul* m = d.matmul(64, 64, 3 * 64);
  return m && m->amx;
}

bool bf16x3_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                   int ldy, int ldx) {
  if (w.kind == FastWeight::Kind::F16Cols) return false;
  Dnnl& d = Dnnl::get();
  if (!d.ok()) return false;
  const int K = w.K, K3 = 3 * K;
  // Tiles of nt columns of W', rows split as the fp32 tiles are (gemm.cpp).
  const int nt = gemm_tile_columns(GemmSplit::Bf16x3, K);
  const int n_tiles = (w.N + nt - 1) / nt;
  const int m_parts = gemm_row_parts(M, n_tiles, pool.size());
  // Every primitive the jobs need, made before they start (a failure falls back whole). Each
  // writes a dense [rows][nb] block: oneDNN 2.6's brgemm matmul takes no strided destination
  // (it would choose its generic GEMM), so the block is copied into y with the bias.
  for (int part = 0; part < m_parts; ++part) {
    const int rows = int(int64_t(M) * (part + 1) / m_parts) - int(int64_t(M) * part / m_parts);
    if (!d.matmul(rows, nt, K3) || (w.N % nt && !d.matmul(rows, w.N % nt, K3))) return false;
  }

  thread_local std::vector<uint16_t> a_storage;  // the calling thread's; the jobs use `a`
  a_storage.resize(size_t(M) * K3);
  uint16_t* const a = a_storage.data();
  pool.parallel_for(size_t(M), 4, [&](size_t m0, size_t m1) {
    profile::Scope scope("bf16.split_a");
    for (size_t m = m0; m < m1; ++m) split_row(isa, x + m * size_t(ldx), K, false, a + m * size_t(K3));
  });
  std::atomic<bool> failed{false};
  pool.parallel_for(size_t(n_tiles) * m_parts, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<uint16_t> tile;
    thread_local std::vector<float> rows;   // the tile in fp32
    thread_local std::vector<float> block;  // the job's output
    tile.resize(size_t(nt) * K3);
    rows.resize(size_t(nt) * K);
    library_threads(1);
    int have = -1;
    for (size_t job = j0; job < j1 && !failed.load(std::memory_order_relaxed); ++job) {
      const int t = int(job / m_parts), part = int(job % m_parts);
      const int n0 = t * nt, nb = std::min(nt, w.N - n0);
      const int m0 = int(int64_t(M) * part / m_parts), m1 = int(int64_t(M) * (part + 1) / m_parts);
      if (have != t) {
        profile::Scope scope("bf16.prep_w");
        widen_columns(isa, w, n0, nb, rows.data());
        for (int j = 0; j < nb; ++j) split_row(isa, rows.data() + size_t(j) * K, K, true, tile.data() + size_t(j) * K3);
        have = t;
      }
      const Matmul* mm = d.matmul(m1 - m0, nb, K3);
      block.resize(size_t(m1 - m0) * nb);
      if (!mm || !d.run(*mm, a + size_t(m0) * K3, tile.data(), block.data())) {
        failed = true;
        break;
      }
      matmuls_run.fetch_add(1, std::memory_order_relaxed);
      profile::Scope scope("bf16.copy_out");
      for (int m = m0; m < m1; ++m) {
        const float* src = block.data() + size_t(m - m0) * nb;
        float* dst = y + size_t(m) * ldy + n0;
        if (bias)
          for (int n = 0; n < nb; ++n) dst[n] = src[n] + bias[n0 + n];
        else
          std::memcpy(dst, src, sizeof(float) * size_t(nb));
      }
    }
  });
  if (failed) std::fprintf(stderr, "qwenvl: oneDNN bf16 matmul failed for %dx%dx%d; using fp32\n", M, w.N, K);
  return !failed;
}

#else

bool bf16x3_available() { return false; }
uint64_t bf16x3_matmuls() { return 0; }
bool bf16x3_has_amx() { return false; }
bool bf16x3_linear(ThreadPool&, Isa, const float*, int, const FastWeight&, const float*, float*, int, int) {
  return false;
}

#endif

}  // namespace qwenvl::cpu
