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
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

struct MatmulShape {
  int M, N, K, lda, ldb, ldc;
  int threads;
  bool accumulate;
  bool blocked;         // weights in the layout oneDNN picks (else column by column, ldb apart)
  bool direct = false;  // ... which the caller writes itself (else a reorder from ldb's layout)
  bool operator<(const MatmulShape& o) const {
    return std::tie(M, N, K, lda, ldb, ldc, threads, accumulate, blocked, direct) <
           std::tie(o.M, o.N, o.K, o.lda, o.ldb, o.ldc, o.threads, o.accumulate, o.blocked, o.direct);
  }
};

struct Matmul {
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_primitive_t prim = nullptr;
  // Blocked weights (the layout oneDNN picks for AMX): the tile is reordered into it first.
  dnnl_primitive_desc_t reorder_pd = nullptr;
  dnnl_primitive_t reorder = nullptr;
  bool amx = false;
};

// QWENVL_CPU_BF16_BLOCKED (gemm.h): 1 on, 0 off, -1 unset (the plan's own choice).
int blocked_setting() {
  const char* v = std::getenv("QWENVL_CPU_BF16_BLOCKED");
  if (v && std::strcmp(v, "1") == 0) return 1;
  if (v && std::strcmp(v, "0") == 0) return 0;
  return -1;
}

class Dnnl {
 public:
  static Dnnl& get() {
    static Dnnl d;
    return d;
  }
  bool ok() const { return engine_ != nullptr; }

  // The matmul of an [M][K] bf16 A (row stride lda) by a [K][N] bf16 W stored column by column
  // (row n of the weights at n * ldb), into fp32 C with row stride ldc (added to C's values when
  // accumulate); null when oneDNN has none. `threads`: the OpenMP threads it runs on (1 on the
  // pool's jobs; the scratchpad is sized for them).
  const Matmul* matmul(const MatmulShape& s) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(s);
    if (it != cache_.end()) return it->second.prim ? &it->second : nullptr;
    Matmul& m = cache_[s];
    if (!create(m, s, s.blocked) && !(s.blocked && !s.direct && create(m, s, false))) return nullptr;
    return &m;
  }
  const Matmul* matmul(int M, int N, int K3, int ldy) {
    // The Tiles plan: its tiles as they are, unless QWENVL_CPU_BF16_BLOCKED=1 (then each is
    // reordered into oneDNN's blocked weights first; on the build machine the reorder cost more
    // than the matmul gained).
    return matmul(MatmulShape{M, N, K3, K3, K3, ldy, 1, false, blocked_setting() == 1});
  }

  // On the calling thread, with its own stream (destroyed when the thread ends) and scratchpad.
  // same_weights: w and m are those of this thread's previous call, so the blocked copy made
  // then is still good.
  bool run(const Matmul& m, const uint16_t* a, const uint16_t* w, float* y, bool same_weights) {
    struct Stream {
      dnnl_stream_t s = nullptr;
      ~Stream() {
        if (s) dnnl_stream_destroy(s);
      }
    };
    thread_local Stream own;
    thread_local std::vector<unsigned char> scratch, blocked;
    if (!own.s && dnnl_stream_create(&own.s, engine_, dnnl_stream_default_flags) != dnnl_success) return false;
    const dnnl_stream_t stream = own.s;
    const dnnl_memory_desc_t* ad = dnnl_primitive_desc_query_md(m.pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t* wd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t* cd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_dst_md, 0);
    const dnnl_memory_desc_t* sd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_scratchpad_md, 0);
    const size_t scratch_bytes = sd ? dnnl_memory_desc_get_size(sd) : 0;
    if (scratch.size() < scratch_bytes + 64) scratch.resize(scratch_bytes + 64);
    void* scratch_ptr = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    dnnl_memory_t am = nullptr, wm = nullptr, cm = nullptr, sm = nullptr, plain = nullptr;
    bool ok = true;
    if (m.reorder) {
      // The tile into the matmul's blocked layout (a reorder needs no scratchpad).
      profile::Scope scope("bf16.reorder");
      const size_t bytes = dnnl_memory_desc_get_size(wd);
      if (blocked.size() < bytes + 64) {
        blocked.resize(bytes + 64);
        same_weights = false;
      }
      void* dst = blocked.data() + (64 - reinterpret_cast<uintptr_t>(blocked.data()) % 64) % 64;
      const dnnl_memory_desc_t* pd_src = dnnl_primitive_desc_query_md(m.reorder_pd, dnnl_query_src_md, 0);
      ok = dnnl_memory_create(&plain, pd_src, engine_, const_cast<uint16_t*>(w)) == dnnl_success &&
           dnnl_memory_create(&wm, wd, engine_, dst) == dnnl_success;
      if (ok && !same_weights) {
        const dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, wm}};
        ok = dnnl_primitive_execute(m.reorder, stream, 2, args) == dnnl_success;
      }
    } else {
      ok = dnnl_memory_create(&wm, wd, engine_, const_cast<uint16_t*>(w)) == dnnl_success;
    }
    ok = ok && dnnl_memory_create(&am, ad, engine_, const_cast<uint16_t*>(a)) == dnnl_success &&
         dnnl_memory_create(&cm, cd, engine_, y) == dnnl_success &&
         (!scratch_bytes || dnnl_memory_create(&sm, sd, engine_, scratch_ptr) == dnnl_success);
    if (ok) {
      profile::Scope scope("bf16.matmul");
      const dnnl_exec_arg_t args[4] = {
          {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
      ok = dnnl_primitive_execute(m.prim, stream, scratch_bytes ? 4 : 3, args) == dnnl_success &&
           dnnl_stream_wait(stream) == dnnl_success;
    }
    for (dnnl_memory_t mem : {am, wm, cm, sm, plain})
      if (mem) dnnl_memory_destroy(mem);
    return ok;
  }

 private:
  // One matmul primitive (and, for blocked weights, the reorder into them); false leaves m empty.
  bool create(Matmul& m, const MatmulShape& s, bool blocked) {
    destroy(m);
    dnnl_memory_desc_t a, w, plain_w, c;
    const dnnl_dims_t ad = {s.M, s.K}, as = {s.lda, 1};
    const dnnl_dims_t wd = {s.K, s.N}, ws = {1, s.ldb};
    const dnnl_dims_t cd = {s.M, s.N}, cs = {s.ldc, 1};
    if (dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&plain_w, 2, wd, dnnl_bf16, ws) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs) != dnnl_success)
      return false;
    if (blocked) {
      if (dnnl_memory_desc_init_by_tag(&w, 2, wd, dnnl_bf16, dnnl_format_tag_any) != dnnl_success) return false;
    } else {
      w = plain_w;
    }
    dnnl_matmul_desc_t desc;
    if (dnnl_matmul_desc_init(&desc, &a, &w, nullptr, &c) != dnnl_success) return false;
    // The scratchpad is the calling thread's (run()), so jobs may run one primitive at once.
    dnnl_primitive_attr_t attr = nullptr;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) return false;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    dnnl_post_ops_t post_ops = nullptr;
    if (s.accumulate) {
      // C += A W: a sum post-op (scale 1) adds the destination's values to the product.
      if (dnnl_post_ops_create(&post_ops) != dnnl_success || dnnl_post_ops_append_sum(post_ops, 1.0f) != dnnl_success ||
          dnnl_primitive_attr_set_post_ops(attr, post_ops) != dnnl_success) {
        if (post_ops) dnnl_post_ops_destroy(post_ops);
        dnnl_primitive_attr_destroy(attr);
        return false;
      }
      dnnl_post_ops_destroy(post_ops);
    }
    const dnnl_status_t st = dnnl_primitive_desc_create(&m.pd, &desc, attr, engine_, nullptr);
    if (st != dnnl_success) m.pd = nullptr;
    const char* impl = nullptr;
    if (m.pd) dnnl_primitive_desc_query(m.pd, dnnl_query_impl_info_str, 0, &impl);
    // A reference or generic-GEMM implementation would be slower than the fp32 path.
    const bool fast = impl && (std::strstr(impl, "brg") || std::strstr(impl, "amx"));
    if (std::getenv("QWENVL_DEBUG_BF16"))
      std::fprintf(stderr, "matmul %dx%dx%d lda %d ldb %d ldc %d acc %d thr %d: %s\n", s.M, s.N, s.K, s.lda, s.ldb,
                   s.ldc, int(s.accumulate), s.threads, impl ? impl : "none");
    m.amx = impl && std::strstr(impl, "amx");
    bool ok = fast && dnnl_primitive_create(&m.prim, m.pd) == dnnl_success;
    if (ok && blocked && !s.direct) {
      const dnnl_memory_desc_t* chosen = dnnl_primitive_desc_query_md(m.pd, dnnl_query_weights_md, 0);
      ok = chosen &&
           dnnl_reorder_primitive_desc_create(&m.reorder_pd, &plain_w, engine_, chosen, engine_, attr) == dnnl_success;
      if (!ok) m.reorder_pd = nullptr;
      const dnnl_memory_desc_t* rs =
          ok ? dnnl_primitive_desc_query_md(m.reorder_pd, dnnl_query_scratchpad_md, 0) : nullptr;
      ok = ok && (!rs || dnnl_memory_desc_get_size(rs) == 0) &&
           dnnl_primitive_create(&m.reorder, m.reorder_pd) == dnnl_success;
    }
    dnnl_primitive_attr_destroy(attr);
    if (!ok) destroy(m);
    return ok;
  }

  static void destroy(Matmul& m) {
    if (m.reorder) dnnl_primitive_destroy(m.reorder);
    if (m.reorder_pd) dnnl_primitive_desc_destroy(m.reorder_pd);
    if (m.prim) dnnl_primitive_destroy(m.prim);
    if (m.pd) dnnl_primitive_desc_destroy(m.pd);
    m = Matmul();
  }

  Dnnl() {
    gemm_library_init();
    if (dnnl_engine_create(&engine_, dnnl_cpu, 0) != dnnl_success) engine_ = nullptr;
  }
  ~Dnnl() {
    for (auto& [key, m] : cache_) destroy(m);
    if (engine_) dnnl_engine_destroy(engine_);
  }
  Dnnl(const Dnnl&) = delete;
  Dnnl& operator=(const Dnnl&) = delete;
  dnnl_engine_t engine_ = nullptr;
  std::mutex mu_;
  std::map<MatmulShape, Matmul> cache_;
};

std::atomic<uint64_t> matmuls_run{0};

// A [K][N] weights layout of oneDNN's blocked kind: element (k, n) is at fk[k] + gn[n] (every
// blocked layout is a sum of one term per dimension), `elems` in all, padding included.
struct BlockedLayout {
  size_t elems = 0;
  bool padded = false;
  std::vector<int64_t> fk, gn;
};

bool blocked_layout(const dnnl_memory_desc_t* md, BlockedLayout* out) {
  if (!md || md->ndims != 2 || md->format_kind != dnnl_blocked || md->offset0 != 0) return false;
  const dnnl_blocking_desc_t& b = md->format_desc.blocking;
  int64_t blk[2] = {1, 1};
  for (int i = 0; i < b.inner_nblks; ++i) blk[b.inner_idxs[i]] *= b.inner_blks[i];
  for (int d = 0; d < 2; ++d) {
    std::vector<int64_t>& f = d == 0 ? out->fk : out->gn;
    f.resize(size_t(md->dims[d]));
    for (int64_t idx = 0; idx < md->dims[d]; ++idx) {
      int64_t off = (idx / blk[d]) * b.strides[d], rem = idx % blk[d], stride = 1;
      for (int i = b.inner_nblks - 1; i >= 0; --i) {
        if (b.inner_idxs[i] == d) {
          off += (rem % b.inner_blks[i]) * stride;
          rem /= b.inner_blks[i];
        }
        stride *= b.inner_blks[i];
      }
      f[size_t(idx)] = off;
    }
  }
  out->elems = dnnl_memory_desc_get_size(md) / sizeof(uint16_t);
  out->padded = md->padded_dims[0] != md->dims[0] || md->padded_dims[1] != md->dims[1];
  return true;
}

}  // namespace

uint64_t bf16x3_matmuls() { return matmuls_run.load(std::memory_order_relaxed); }

bool bf16x3_available() {
  Dnnl& d = Dnnl::get();
  return d.ok() && d.matmul(64, 64, 3 * 64, 64) != nullptr;
}

bool bf16x3_has_amx() {
  Dnnl& d = Dnnl::get();
  if (!d.ok()) return false;
  const Matmul* m = d.matmul(64, 64, 3 * 64, 64);
  return m && m->amx;
}

namespace {

// QWENVL_CPU_BF16 (gemm.h): how the bf16x3 split lays its work on the pool.
Bf16Plan plan_from_env() {
  const char* v = std::getenv("QWENVL_CPU_BF16");
  if (v && std::strcmp(v, "tiles") == 0) return Bf16Plan::Tiles;
  if (v && std::strcmp(v, "team") == 0) return Bf16Plan::Team;
  return Bf16Plan::Blocks;
}

std::atomic<Bf16Plan>& plan_setting() {
  static std::atomic<Bf16Plan> p{plan_from_env()};
  return p;
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  const int n = std::atoi(v);
  return n >= lo && n <= hi ? n : fallback;
}

// Splits [0, n) into `parts` nearly equal parts: the start of part i, each a multiple of
// `align` except the end.
int part_start(int n, int parts, int i, int align) {
  if (i >= parts) return n;
  return std::min(n, int(int64_t(n) * i / parts) / align * align);
}

// Row `index` of a matrix of `count` rows of 3K bf16 stored chunk by chunk (n_chunks chunks of
// 3K, part_start's): chunk [k0, k1) of every row is a dense [count][k1 - k0] block at base +
// count * k0, since oneDNN 2.6's brgemm matmul takes only dense operands.
void scatter_row(const uint16_t* row, int K3, int n_chunks, size_t count, size_t index, uint16_t* base) {
  for (int c = 0; c < n_chunks; ++c) {
    const int k0 = part_start(K3, n_chunks, c, 32), k1 = part_start(K3, n_chunks, c + 1, 32);
    std::memcpy(base + count * size_t(k0) + index * size_t(k1 - k0), row + k0, sizeof(uint16_t) * size_t(k1 - k0));
  }
}

// A' = [hi(x) | hi(x) | lo(x)] per row, in the calling thread's buffer (the jobs read it), in
// n_chunks chunks of 3K (scatter_row; one chunk: rows of 3K).
uint16_t* split_activations(ThreadPool& pool, Isa isa, const float* x, int M, int K, int ldx, int n_chunks = 1) {
  thread_local std::vector<uint16_t> a_storage;
  const size_t K3 = size_t(3) * K;
  a_storage.resize(size_t(M) * K3);
  uint16_t* const a = a_storage.data();
  pool.parallel_for(size_t(M), 4, [&](size_t m0, size_t m1) {
    profile::Scope scope("bf16.split_a");
    thread_local std::vector<uint16_t> row;
    if (n_chunks > 1) row.resize(K3);
    for (size_t m = m0; m < m1; ++m) {
      if (n_chunks == 1) {
        split_row(isa, x + m * size_t(ldx), K, false, a + m * K3);
      } else {
        split_row(isa, x + m * size_t(ldx), K, false, row.data());
        scatter_row(row.data(), int(K3), n_chunks, size_t(M), m, a);
      }
    }
  });
  return a;
}

// Rows [m0, m1) of a dense [rows][nb] block into columns [n0, n0 + nb) of y, with the bias.
void copy_block(const float* block, int m0, int m1, int nb, const float* bias, int n0, float* y, int ldy) {
  for (int m = m0; m < m1; ++m) {
    const float* src = block + size_t(m - m0) * nb;
    float* dst = y + size_t(m) * ldy + n0;
    if (bias)
      for (int n = 0; n < nb; ++n) dst[n] = src[n] + bias[n0 + n];
    else
      std::memcpy(dst, src, sizeof(float) * size_t(nb));
  }
}

// Plan Tiles: each job widens and splits one tile of W' and multiplies all its rows (or a row part).
bool linear_tiles(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                  int ldy, int ldx) {
  Dnnl& d = Dnnl::get();
  const int K = w.K, K3 = 3 * K;
  const int nt = gemm_tile_columns(GemmSplit::Bf16x3, K);
  const int n_tiles = (w.N + nt - 1) / nt;
  const int m_parts = gemm_row_parts(M, n_tiles, pool.size());
  // Every primitive the jobs need, made before they start (a failure falls back whole).
  for (int part = 0; part < m_parts; ++part) {
    const int rows = int(int64_t(M) * (part + 1) / m_parts) - int(int64_t(M) * part / m_parts);
    if (!d.matmul(rows, nt, K3, nt) || (w.N % nt && !d.matmul(rows, w.N % nt, K3, w.N % nt))) return false;
  }
  const uint16_t* const a = split_activations(pool, isa, x, M, K, ldx);
  std::atomic<bool> failed{false};
  pool.parallel_for(size_t(n_tiles) * m_parts, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<uint16_t> tile;
    thread_local std::vector<float> rows;   // the tile in fp32
    thread_local std::vector<float> block;  // the job's output
    tile.resize(size_t(nt) * K3);
    rows.resize(size_t(nt) * K);
    library_threads(1);
    int have = -1;
    const Matmul* last = nullptr;  // the previous job's matmul, while the tile is unchanged
    for (size_t job = j0; job < j1 && !failed.load(std::memory_order_relaxed); ++job) {
      const int t = int(job / m_parts), part = int(job % m_parts);
      const int n0 = t * nt, nb = std::min(nt, w.N - n0);
      const int m0 = int(int64_t(M) * part / m_parts), m1 = int(int64_t(M) * (part + 1) / m_parts);
      if (have != t) {
        profile::Scope scope("bf16.prep_w");
        last = nullptr;
        widen_columns(isa, w, n0, nb, rows.data());
        for (int j = 0; j < nb; ++j) split_row(isa, rows.data() + size_t(j) * K, K, true, tile.data() + size_t(j) * K3);
        have = t;
      }
      const Matmul* mm = d.matmul(m1 - m0, nb, K3, nb);
      block.resize(size_t(m1 - m0) * nb);
      if (!mm || !d.run(*mm, a + size_t(m0) * K3, tile.data(), block.data(), mm == last)) {
        failed = true;
        break;
      }
      last = mm;
      matmuls_run.fetch_add(1, std::memory_order_relaxed);
      profile::Scope scope("bf16.copy_out");
      copy_block(block.data(), m0, m1, nb, bias, n0, y, ldy);
    }
  });
  return !failed;
}

// Where W' of a panel goes: chunk c of tile t (panel-relative) starts at piece(c, t); with
// `blocked`, in oneDNN's blocked layout of that chunk (full[c], or tail[c] for a last tile
// narrower than nt), else column by column (kl apart).
struct PanelLayout {
  int nt = 0, n_chunks = 1, K3 = 0;
  bool blocked = false;
  std::vector<BlockedLayout> full, tail;
  std::vector<size_t> chunk_base;  // per chunk, and the panel's total at the end
  size_t tile_elems(int c, bool is_tail, int nb) const {
    const int kl = part_start(K3, n_chunks, c + 1, 32) - part_start(K3, n_chunks, c, 32);
    if (!blocked) return size_t(nb) * kl;
    return (is_tail ? tail : full)[size_t(c)].elems;
  }
  // Offsets for a panel of `tiles` tiles whose last is nb_last wide.
  void place(int tiles, int nb_last) {
    chunk_base.assign(size_t(n_chunks) + 1, 0);
    for (int c = 0; c < n_chunks; ++c)
      chunk_base[size_t(c) + 1] =
          chunk_base[size_t(c)] + size_t(tiles - 1) * tile_elems(c, false, nt) + tile_elems(c, nb_last < nt, nb_last);
  }
  size_t piece(int c, int t) const { return chunk_base[size_t(c)] + size_t(t) * tile_elems(c, false, nt); }
};

// W' for columns [c0, c1) of w (tiles of nt from c0) into `out` as `lay` places it: all the pool's
// threads, 16 columns (one int4 block) at a time.
void prepare_weights(ThreadPool& pool, Isa isa, const FastWeight& w, int c0, int c1, const PanelLayout& lay,
                     uint16_t* out) {
  const int K = w.K, K3 = 3 * K, nt = lay.nt, n_chunks = lay.n_chunks;
  const int tiles = (c1 - c0 + nt - 1) / nt, nb_last = c1 - c0 - (tiles - 1) * nt;
  if (lay.blocked) {
    // Padding (a narrow last tile, a chunk not a multiple of the layout's block) must be zero.
    for (int c = 0; c < n_chunks; ++c)
      for (int t = 0; t < tiles; ++t) {
        const bool is_tail = t == tiles - 1 && nb_last < nt;
        if ((is_tail ? lay.tail : lay.full)[size_t(c)].padded)
          std::memset(out + lay.piece(c, t), 0, sizeof(uint16_t) * lay.tile_elems(c, is_tail, nb_last));
      }
  }
  const int units = (c1 - c0 + 15) / 16;
  pool.parallel_for(size_t(units), 1, [&](size_t u0, size_t u1) {
    profile::Scope scope("bf16.prep_w");
    thread_local std::vector<float> rows;
    thread_local std::vector<uint16_t> row;
    rows.resize(size_t(16) * K);
    row.resize(size_t(K3));
    for (size_t u = u0; u < u1; ++u) {
      const int n0 = c0 + int(u) * 16, nb = std::min(16, c1 - n0);
      widen_columns(isa, w, n0, nb, rows.data());
      for (int j = 0; j < nb; ++j) {
        const int col = n0 - c0 + j;
        if (!lay.blocked) {
          if (n_chunks == 1) {
            split_row(isa, rows.data() + size_t(j) * K, K, true, out + size_t(col) * K3);
            continue;
          }
          split_row(isa, rows.data() + size_t(j) * K, K, true, row.data());
          scatter_row(row.data(), K3, n_chunks, size_t(c1 - c0), size_t(col), out);
          continue;
        }
        split_row(isa, rows.data() + size_t(j) * K, K, true, row.data());
        const int t = col / nt, jn = col % nt;
        const bool is_tail = t == tiles - 1 && nb_last < nt;
        for (int c = 0; c < n_chunks; ++c) {
          const int k0 = part_start(K3, n_chunks, c, 32), kl = part_start(K3, n_chunks, c + 1, 32) - k0;
          const BlockedLayout& bl = (is_tail ? lay.tail : lay.full)[size_t(c)];
          uint16_t* const dst = out + lay.piece(c, t) + bl.gn[size_t(jn)];
          const int64_t* fk = bl.fk.data();
          const uint16_t* src = row.data() + k0;
          for (int k = 0; k < kl; ++k) dst[fk[k]] = src[k];
        }
      }
    }
  });
}

// Plans Blocks and Team: W' is prepared panel by panel (a run of tiles, about
// QWENVL_CPU_BF16_PANEL_MB of it) into one buffer by all threads, then
//  - Blocks: jobs of (row block of about QWENVL_CPU_BF16_MB rows, group of tiles) on the pool;
//    each job walks 3K in chunks of about QWENVL_CPU_BF16_KC, and for each chunk runs one
//    one-thread matmul per tile of its group (the chunk of A' stays in L2 across the group, the
//    tile's chunk of W' across the rows), the later chunks adding to the job's block;
//  - Team: one matmul per panel on the library's own OpenMP threads.
bool linear_panels(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                   int ldy, int ldx, bool team) {
  Dnnl& d = Dnnl::get();
  const int K = w.K, K3 = 3 * K, threads = pool.size();
  const int nt = gemm_tile_columns(GemmSplit::Bf16x3, K);
  const int n_tiles = (w.N + nt - 1) / nt, nb_tail = w.N - (n_tiles - 1) * nt;
  const size_t tile_bytes = size_t(nt) * K3 * 2;
  const size_t budget = size_t(env_int("QWENVL_CPU_BF16_PANEL_MB", 64, 1, 4096)) << 20;
  const int n_panels = int(std::max<size_t>(1, (size_t(n_tiles) * tile_bytes + budget - 1) / budget));
  const int panel_tiles = (n_tiles + n_panels - 1) / n_panels;
  // K' chunks (multiples of 32, the blocked layouts' pairs of 16) and row blocks of the jobs.
  const int kc_target = env_int("QWENVL_CPU_BF16_KC", 1536, 32, 1 << 20);
  const int n_kc = team ? 1 : std::max(1, std::min((K3 + kc_target / 2) / kc_target, K3 / 32));
  const int mb_target = env_int("QWENVL_CPU_BF16_MB", 256, 16, 1 << 20);
  const int n_rb = team ? 1 : std::max(1, std::min((M + mb_target / 2) / mb_target, M / 16));

  // Every primitive the jobs need, made before they start (a failure falls back whole), and the
  // weights layout they share; plain weights when a blocked layout is not one for all rows.
  PanelLayout lay;
  lay.nt = nt;
  lay.n_chunks = n_kc;
  lay.K3 = K3;
  lay.blocked = !team && blocked_setting() != 0;
  for (bool retry = true; retry;) {
    retry = false;
    lay.full.assign(size_t(n_kc), BlockedLayout());
    lay.tail.assign(size_t(n_kc), BlockedLayout());
    for (int kc = 0; kc < n_kc && !retry; ++kc) {
      const int kl = part_start(K3, n_kc, kc + 1, 32) - part_start(K3, n_kc, kc, 32);
      for (int nb : {nt, nb_tail}) {
        const dnnl_memory_desc_t* first = nullptr;
        for (int rb = 0; rb < n_rb && !retry; ++rb) {
          const int rows = int(int64_t(M) * (rb + 1) / n_rb) - int(int64_t(M) * rb / n_rb);
          const Matmul* mm = team
                                 ? d.matmul(MatmulShape{M, std::min(w.N, panel_tiles * nt), K3, K3, K3,
                                                        std::min(w.N, panel_tiles * nt), threads, false, false})
                                 : d.matmul(MatmulShape{rows, nb, kl, kl, kl, nb, 1, kc > 0, lay.blocked, lay.blocked});
          if (!mm && lay.blocked) {
            retry = true;
            break;
          }
          if (!mm) return false;
          if (!lay.blocked || team) continue;
          const dnnl_memory_desc_t* wd = dnnl_primitive_desc_query_md(mm->pd, dnnl_query_weights_md, 0);
          if (!first) {
            first = wd;
            if (std::getenv("QWENVL_DEBUG_BF16")) {
              const dnnl_blocking_desc_t& bd = wd->format_desc.blocking;
              std::fprintf(stderr, "weights %dx%d: kind %d strides %ld %ld blocks", kl, nb, int(wd->format_kind),
                           long(bd.strides[0]), long(bd.strides[1]));
              for (int i = 0; i < bd.inner_nblks; ++i)
                std::fprintf(stderr, " %ld%c", long(bd.inner_blks[i]), "ab"[bd.inner_idxs[i]]);
              std::fprintf(stderr, "\n");
            }
            if (!blocked_layout(wd, &(nb == nt ? lay.full : lay.tail)[size_t(kc)])) retry = true;
          } else if (!dnnl_memory_desc_equal(first, wd)) {
            retry = true;
          }
        }
      }
    }
    if (retry) {
      if (!lay.blocked) return false;
      lay.blocked = false;
    }
  }
  if (team && n_panels > 1) {
    // The last panel's matmul too.
    const int cols = w.N - (n_panels - 1) * panel_tiles * nt;
    if (cols > 0 && !d.matmul(MatmulShape{M, cols, K3, K3, K3, cols, threads, false, false})) return false;
  }

  // The panel's W' and the Team plan's output, the calling thread's buffers (the jobs use the
  // pointers: a thread_local named in a job would be the worker's own).
  thread_local std::vector<uint16_t> w_storage;
  thread_local std::vector<float> team_storage;
  size_t w_elems = 0;
  for (int p0 = 0; p0 < n_tiles; p0 += panel_tiles) {
    const int p1 = std::min(n_tiles, p0 + panel_tiles);
    lay.place(p1 - p0, p1 == n_tiles ? nb_tail : nt);
    w_elems = std::max(w_elems, lay.chunk_base.back());
  }
  w_storage.resize(w_elems);
  uint16_t* const wbuf = w_storage.data();
  if (team) team_storage.resize(size_t(M) * std::min(w.N, panel_tiles * nt));
  float* const team_out = team_storage.data();
  const uint16_t* const a = split_activations(pool, isa, x, M, K, ldx, n_kc);

  for (int p0 = 0; p0 < n_tiles; p0 += panel_tiles) {
    const int p1 = std::min(n_tiles, p0 + panel_tiles);
    const int c0 = p0 * nt, c1 = std::min(w.N, p1 * nt);
    const int cols = c1 - c0;
    lay.place(p1 - p0, p1 == n_tiles ? nb_tail : nt);
    prepare_weights(pool, isa, w, c0, c1, lay, wbuf);
    if (team) {
      // One matmul over the panel on `threads` OpenMP threads, into a dense block.
      library_threads(threads);
      const Matmul* mm = d.matmul(MatmulShape{M, cols, K3, K3, K3, cols, threads, false, false});
      bool ok = mm && d.run(*mm, a, wbuf, team_out, false);
      library_threads(1);
      if (!ok) return false;
      matmuls_run.fetch_add(1, std::memory_order_relaxed);
      pool.parallel_for(size_t(M), 16, [&](size_t m0, size_t m1) {
        profile::Scope scope("bf16.copy_out");
        for (size_t m = m0; m < m1; ++m)
          copy_block(team_out + m * size_t(cols), int(m), int(m) + 1, cols, bias, c0, y, ldy);
      });
      continue;
    }
    // Groups of tiles: the fewest whose jobs fill the threads in the fewest rounds.
    const int tiles = p1 - p0;
    int n_groups = 1;
    double best = 1e30;
    for (int g = 1; g <= tiles; ++g) {
      const double rounds = std::ceil(double(n_rb) * g / threads);
      const double cost = rounds * std::ceil(double(tiles) / g);
      if (cost < best - 1e-9) {
        best = cost;
        n_groups = g;
      }
    }
    std::atomic<bool> failed{false};
    // Job j: row block j / n_groups, group j % n_groups (a thread's run of jobs shares rows).
    pool.parallel_for(size_t(n_rb) * n_groups, 1, [&](size_t j0, size_t j1) {
      thread_local std::vector<float> block;  // the group's output, [tile][rows][nt]
      library_threads(1);
      for (size_t job = j0; job < j1 && !failed.load(std::memory_order_relaxed); ++job) {
        const int rb = int(job / n_groups), g = int(job % n_groups);
        const int m0 = int(int64_t(M) * rb / n_rb), m1 = int(int64_t(M) * (rb + 1) / n_rb), rows = m1 - m0;
        const int t0 = p0 + int(int64_t(tiles) * g / n_groups), t1 = p0 + int(int64_t(tiles) * (g + 1) / n_groups);
        if (t0 == t1) continue;
        block.resize(size_t(t1 - t0) * rows * nt);
        for (int kc = 0; kc < n_kc && !failed.load(std::memory_order_relaxed); ++kc) {
          const int k0 = part_start(K3, n_kc, kc, 32), kl = part_start(K3, n_kc, kc + 1, 32) - k0;
          const uint16_t* const a_chunk = a + size_t(M) * k0 + size_t(m0) * kl;
          for (int t = t0; t < t1; ++t) {
            const int n0 = t * nt, nb = std::min(nt, w.N - n0);
            const Matmul* mm = d.matmul(MatmulShape{rows, nb, kl, kl, kl, nb, 1, kc > 0, lay.blocked, lay.blocked});
            const uint16_t* const wt =
                wbuf + (lay.blocked ? lay.piece(kc, t - p0) : size_t(cols) * k0 + size_t(n0 - c0) * kl);
            float* out = block.data() + size_t(t - t0) * rows * nt;
            if (!mm || !d.run(*mm, a_chunk, wt, out, false)) {
              failed = true;
              break;
            }
            matmuls_run.fetch_add(1, std::memory_order_relaxed);
          }
        }
        if (failed.load(std::memory_order_relaxed)) break;
        profile::Scope scope("bf16.copy_out");
        for (int t = t0; t < t1; ++t) {
          const int n0 = t * nt, nb = std::min(nt, w.N - n0);
          copy_block(block.data() + size_t(t - t0) * rows * nt, m0, m1, nb, bias, n0, y, ldy);
        }
      }
    });
    if (failed) return false;
  }
  return true;
}

}  // namespace

Bf16Plan bf16_plan() { return plan_setting().load(std::memory_order_relaxed); }
void set_bf16_plan(Bf16Plan p) { plan_setting().store(p, std::memory_order_relaxed); }

bool bf16x3_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                   int ldy, int ldx) {
  if (w.kind == FastWeight::Kind::F16Cols) return false;
  if (!Dnnl::get().ok()) return false;
  const Bf16Plan plan = bf16_plan();
  const bool ok = plan == Bf16Plan::Tiles
                      ? linear_tiles(pool, isa, x, M, w, bias, y, ldy, ldx)
                      : linear_panels(pool, isa, x, M, w, bias, y, ldy, ldx, plan == Bf16Plan::Team);
  if (!ok) std::fprintf(stderr, "qwenvl: oneDNN bf16 matmul failed for %dx%dx%d; using fp32\n", M, w.N, w.K);
  return ok;
}

#else

bool bf16x3_available() { return false; }
uint64_t bf16x3_matmuls() { return 0; }
bool bf16x3_has_amx() { return false; }
bool bf16x3_linear(ThreadPool&, Isa, const float*, int, const FastWeight&, const float*, float*, int, int) {
  return false;
}
Bf16Plan bf16_plan() { return Bf16Plan::Blocks; }
void set_bf16_plan(Bf16Plan) {}

#endif

}  // namespace qwenvl::cpu
