// The bf16x3 split of gemm.h: y = x W^T as three bf16 products summed in fp32 by oneDNN's
// matmul (Intel AMX where the CPU has it), on the pool's threads with one-thread matmuls (plans
// Blocks and Tiles, gemm.h: no OpenMP team, whose threads spin after each call and would take
// the cores from the pool's next step) or on oneDNN's own threads (plan Team).
//
// Each fp16 weight w (the fp16 value of a ViT weight, or the official fp16(s * (q - z)) of an
// int4 one) is exactly hi(w) + lo(w) with both parts bf16: hi keeps 8 of w's 11 significant
// bits and the remainder needs at most 4. Each fp32 activation x is hi(x) + lo(x) + e with
// |e| <= 2^-18 |x|. The products that remain,
//     hi(x) hi(w) + hi(x) lo(w) + lo(x) hi(w),
// miss x * w by at most about 2^-17 |x w| (lo(x) lo(w) and e w), the size of fp32 accumulation
// error over a few thousand terms, so the result holds the fp32 path's bars. The three products
// are one matmul over 3K: A' = [hi(x) | hi(x) | lo(x)] and W' = [hi(w) | lo(w) | hi(w)], cut
// into chunks of 3K whose products are summed (only the order of the fp32 sums changes).
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

#include "cpu/bf16_pack.h"
#include "cpu/gemm.h"
#include "cpu/profile.h"

#if defined(QWENVL_GEMM_DNNL)
#include <dnnl.h>
#endif

namespace qwenvl::cpu {

using bf16::pairs_to_lines;
using bf16::split_row;

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
  bool blocked;  // weights in the layout oneDNN picks, written by the caller (else column by column, ldb apart)
  bool operator<(const MatmulShape& o) const {
    return std::tie(M, N, K, lda, ldb, ldc, threads, accumulate, blocked) <
           std::tie(o.M, o.N, o.K, o.lda, o.ldb, o.ldc, o.threads, o.accumulate, o.blocked);
  }
};

struct Matmul {
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_primitive_t prim = nullptr;
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
    if (!create(m, s)) return nullptr;
    return &m;
  }
  const Matmul* matmul(int M, int N, int K3, int ldy) {
    return matmul(MatmulShape{M, N, K3, K3, K3, ldy, 1, false, false});
  }

  // On the calling thread, with its own stream and scratchpad, and its memory objects for the
  // last few primitives it ran (given the new pointers on each call: creating four memory
  // objects per call would cost several microseconds, against some tens for a matmul on AMX).
  bool run(const Matmul& m, const uint16_t* a, const uint16_t* w, float* y) {
    struct Mems {
      const Matmul* m = nullptr;
      dnnl_memory_t mem[4] = {};  // src, weights, dst, scratchpad
    };
    struct Own {
      dnnl_stream_t s = nullptr;
      std::vector<Mems> mems;  // most recently used last
      ~Own() {
        for (Mems& e : mems)
          for (dnnl_memory_t x : e.mem)
            if (x) dnnl_memory_destroy(x);
        if (s) dnnl_stream_destroy(s);
      }
    };
    thread_local Own own;
    thread_local std::vector<unsigned char> scratch;
    if (!own.s && dnnl_stream_create(&own.s, engine_, dnnl_stream_default_flags) != dnnl_success) return false;
    const dnnl_memory_desc_t* sd = dnnl_primitive_desc_query_md(m.pd, dnnl_query_scratchpad_md, 0);
    const size_t scratch_bytes = sd ? dnnl_memory_desc_get_size(sd) : 0;
    if (scratch.size() < scratch_bytes + 64) scratch.resize(scratch_bytes + 64);
    void* const scratch_ptr = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    void* const handles[4] = {const_cast<uint16_t*>(a), const_cast<uint16_t*>(w), y, scratch_ptr};
    Mems* e = nullptr;
    for (Mems& c : own.mems)
      if (c.m == &m) e = &c;
    bool ok = true;
    if (!e) {
      if (own.mems.size() >= 8) {
        for (dnnl_memory_t x : own.mems.front().mem)
          if (x) dnnl_memory_destroy(x);
        own.mems.erase(own.mems.begin());
      }
      own.mems.push_back(Mems{&m, {}});
      e = &own.mems.back();
      const dnnl_query_t q[3] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md};
      for (int i = 0; i < 3 && ok; ++i)
        ok = dnnl_memory_create(&e->mem[i], dnnl_primitive_desc_query_md(m.pd, q[i], 0), engine_, handles[i]) ==
             dnnl_success;
      ok = ok && (!scratch_bytes || dnnl_memory_create(&e->mem[3], sd, engine_, scratch_ptr) == dnnl_success);
      if (!ok) {
        for (dnnl_memory_t& x : e->mem)
          if (x) dnnl_memory_destroy(x), x = nullptr;
        own.mems.pop_back();
        return false;
      }
    } else {
      for (int i = 0; i < 4 && ok; ++i)
        ok = !e->mem[i] || dnnl_memory_set_data_handle_v2(e->mem[i], handles[i], own.s) == dnnl_success;
      if (!ok) return false;
    }
    profile::Scope scope("thread.bf16.matmul");
    const dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, e->mem[0]},
                                     {DNNL_ARG_WEIGHTS, e->mem[1]},
                                     {DNNL_ARG_DST, e->mem[2]},
                                     {DNNL_ARG_SCRATCHPAD, e->mem[3]}};
    return dnnl_primitive_execute(m.prim, own.s, e->mem[3] ? 4 : 3, args) == dnnl_success &&
           dnnl_stream_wait(own.s) == dnnl_success;
  }

 private:
  // One matmul primitive; false leaves m empty.
  bool create(Matmul& m, const MatmulShape& s) {
    destroy(m);
    dnnl_memory_desc_t a, w, plain_w, c;
    const dnnl_dims_t ad = {s.M, s.K}, as = {s.lda, 1};
    const dnnl_dims_t wd = {s.K, s.N}, ws = {1, s.ldb};
    const dnnl_dims_t cd = {s.M, s.N}, cs = {s.ldc, 1};
    if (dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&plain_w, 2, wd, dnnl_bf16, ws) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs) != dnnl_success)
      return false;
    if (s.blocked) {
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
    const dnnl_status_t cst = fast ? dnnl_primitive_create(&m.prim, m.pd) : dnnl_unimplemented;
    const bool ok = cst == dnnl_success;
    dnnl_primitive_attr_destroy(attr);
    if (!ok) destroy(m);
    return ok;
  }

  static void destroy(Matmul& m) {
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
  // The bf16 pair layouts (oneDNN's for AMX and AVX-512 BF16, e.g. BA16a64b2a): k and k + 1
  // adjacent for every even k, and 16 columns from each multiple of 16 adjacent pairs (so one
  // pair of 16 columns is one 64-byte line).
  bool pairs16 = false;
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
  const int64_t K = md->dims[0], N = md->dims[1];
  bool pairs = K % 2 == 0 && N % 16 == 0;
  for (int64_t k = 0; pairs && k < K; k += 2)
    pairs = out->fk[size_t(k)] % 2 == 0 && out->fk[size_t(k) + 1] == out->fk[size_t(k)] + 1;
  for (int64_t n = 0; pairs && n < N; ++n)
    pairs = out->gn[size_t(n)] == out->gn[size_t(n & ~15)] + 2 * (n & 15) && out->gn[size_t(n)] % 2 == 0;
  out->pairs16 = pairs;
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
    profile::Scope scope("thread.bf16.split_a");
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

// Where W' goes, chunk by chunk (part_start's chunks of 3K): with `blocked`, each chunk of a
// tile in oneDNN's blocked layout of that chunk (full[c], or tail[c] for a last tile narrower
// than nt), else column by column (kl apart). Pieces follow each other chunk-major: all tiles'
// chunk 0, then all tiles' chunk 1, and so on (a panel), or one tile's chunks (a job's tile).
struct WeightsLayout {
  int nt = 0, n_chunks = 1, K3 = 0;
  bool blocked = false;
  std::vector<BlockedLayout> full, tail;
  int chunk_start(int c) const { return part_start(K3, n_chunks, c, 32); }
  int chunk_len(int c) const { return chunk_start(c + 1) - chunk_start(c); }
  size_t tile_elems(int c, bool is_tail, int nb) const {
    if (!blocked) return size_t(nb) * chunk_len(c);
    return (is_tail ? tail : full)[size_t(c)].elems;
  }
  // Chunk c of tile t of a run of `tiles` tiles whose last is nb_last wide.
  size_t piece(int c, int t, int tiles, int nb_last) const {
    size_t base = 0;
    for (int i = 0; i < c; ++i)
      base += size_t(tiles - 1) * tile_elems(i, false, nt) + tile_elems(i, nb_last < nt, nb_last);
    // t == 0 reads no chunk-c size: run_elems asks for chunk n_chunks, one past the layouts.
    return t == 0 ? base : base + size_t(t) * tile_elems(c, false, nt);
  }
  size_t run_elems(int tiles, int nb_last) const { return piece(n_chunks, 0, tiles, nb_last); }
};

// W' of columns [n0, n0 + nb) (nb <= 16; column jn0 onwards of tile t of a run of `tiles`
// tiles, the last nb_last wide, at `out`). rows: 16 K floats of scratch; row: 16 3K bf16.
void write_unit(Isa isa, const FastWeight& w, const WeightsLayout& lay, int n0, int nb, int t, int jn0, int tiles,
                int nb_last, uint16_t* out, float* rows, uint16_t* row) {
  const int K = w.K, K3 = 3 * K;
  const bool is_tail = t == tiles - 1 && nb_last < lay.nt;
  widen_columns(isa, w, n0, nb, rows);
  if (!lay.blocked && lay.n_chunks == 1) {
    uint16_t* const dst = out + lay.piece(0, t, tiles, nb_last) + size_t(jn0) * K3;
    for (int j = 0; j < nb; ++j) split_row(isa, rows + size_t(j) * K, K, true, dst + size_t(j) * K3);
    return;
  }
  for (int j = 0; j < nb; ++j) split_row(isa, rows + size_t(j) * K, K, true, row + size_t(j) * K3);
  for (int c = 0; c < lay.n_chunks; ++c) {
    const int k0 = lay.chunk_start(c), kl = lay.chunk_len(c);
    uint16_t* const dst = out + lay.piece(c, t, tiles, nb_last);
    if (!lay.blocked) {
      for (int j = 0; j < nb; ++j)
        std::memcpy(dst + size_t(jn0 + j) * kl, row + size_t(j) * K3 + k0, sizeof(uint16_t) * size_t(kl));
      continue;
    }
    const BlockedLayout& bl = (is_tail ? lay.tail : lay.full)[size_t(c)];
    if (bl.pairs16 && nb == 16 && jn0 % 16 == 0) {
      pairs_to_lines(isa, row + k0, size_t(K3), kl, bl.fk.data(), dst + bl.gn[size_t(jn0)]);
      continue;
    }
    for (int j = 0; j < nb; ++j) {
      uint16_t* const d = dst + bl.gn[size_t(jn0 + j)];
      const uint16_t* const src = row + size_t(j) * K3 + k0;
      for (int k = 0; k < kl; ++k) d[bl.fk[size_t(k)]] = src[k];
    }
  }
}

// Zeroes the padding of a run's blocked pieces (a narrow last tile, a chunk not a multiple of
// the layout's block): oneDNN reads it.
void zero_padding(const WeightsLayout& lay, int tiles, int nb_last, uint16_t* out) {
  if (!lay.blocked) return;
  for (int c = 0; c < lay.n_chunks; ++c)
    for (int t = 0; t < tiles; ++t) {
      const bool is_tail = t == tiles - 1 && nb_last < lay.nt;
      if ((is_tail ? lay.tail : lay.full)[size_t(c)].padded)
        std::memset(out + lay.piece(c, t, tiles, nb_last), 0,
                    sizeof(uint16_t) * lay.tile_elems(c, is_tail, is_tail ? nb_last : lay.nt));
    }
}

// W' for columns [c0, c1) of w (tiles of nt from c0) into `out`: all the pool's threads, 16
// columns (one int4 block) at a time.
void prepare_panel(ThreadPool& pool, Isa isa, const FastWeight& w, int c0, int c1, const WeightsLayout& lay,
                   uint16_t* out) {
  const int nt = lay.nt, tiles = (c1 - c0 + nt - 1) / nt, nb_last = c1 - c0 - (tiles - 1) * nt;
  zero_padding(lay, tiles, nb_last, out);
  pool.parallel_for(size_t(c1 - c0 + 15) / 16, 1, [&](size_t u0, size_t u1) {
    profile::Scope scope("thread.bf16.prep_w");
    thread_local std::vector<float> rows;
    thread_local std::vector<uint16_t> row;
    rows.resize(size_t(16) * w.K);
    row.resize(size_t(16) * lay.K3);
    for (size_t u = u0; u < u1; ++u) {
      const int col = int(u) * 16, nb = std::min(16, c1 - c0 - col);
      write_unit(isa, w, lay, c0 + col, nb, col / nt, col % nt, tiles, nb_last, out, rows.data(), row.data());
    }
  });
}

// The layout of W' for chunks of about QWENVL_CPU_BF16_KC of 3K (KC=0: one chunk) and, unless
// QWENVL_CPU_BF16_BLOCKED=0, oneDNN's blocked weights; every matmul the jobs need (row counts
// `rows`) made first, so that a failure falls back whole. false: no fast matmul.
bool plan_layout(Dnnl& d, const FastWeight& w, int nt, const std::vector<int>& rows, WeightsLayout* lay) {
  const int K3 = 3 * w.K, nb_tail = w.N - (w.N + nt - 1) / nt * nt + nt;
  const int kc_target = env_int("QWENVL_CPU_BF16_KC", 1536, 0, 1 << 20);
  lay->nt = nt;
  lay->K3 = K3;
  lay->n_chunks = kc_target == 0 ? 1 : std::max(1, std::min((K3 + kc_target / 2) / kc_target, K3 / 32));
  lay->blocked = blocked_setting() != 0;
  for (;;) {
    bool ok = true;
    lay->full.assign(size_t(lay->n_chunks), BlockedLayout());
    lay->tail.assign(size_t(lay->n_chunks), BlockedLayout());
    for (int c = 0; c < lay->n_chunks && ok; ++c) {
      const int kl = lay->chunk_len(c);
      for (int nb : {nt, nb_tail}) {
        const dnnl_memory_desc_t* first = nullptr;
        for (size_t r = 0; r < rows.size() && ok; ++r) {
          const Matmul* mm = d.matmul(MatmulShape{rows[r], nb, kl, kl, kl, nb, 1, c > 0, lay->blocked});
          ok = mm != nullptr;
          if (!ok || !lay->blocked) continue;
          // One blocked layout for every row count (the chunk is written once for all).
          const dnnl_memory_desc_t* wd = dnnl_primitive_desc_query_md(mm->pd, dnnl_query_weights_md, 0);
          if (!first) {
            first = wd;
            ok = blocked_layout(wd, &(nb == nt ? lay->full : lay->tail)[size_t(c)]);
            if (std::getenv("QWENVL_DEBUG_BF16")) {
              const dnnl_blocking_desc_t& bd = wd->format_desc.blocking;
              std::fprintf(stderr, "weights %dx%d: strides %ld %ld, inner blocks", kl, nb, long(bd.strides[0]),
                           long(bd.strides[1]));
              for (int i = 0; i < bd.inner_nblks; ++i)
                std::fprintf(stderr, " %ld%c", long(bd.inner_blks[i]), "ab"[bd.inner_idxs[i]]);
              std::fprintf(stderr, "%s\n",
                           ok && (nb == nt ? lay->full : lay->tail)[size_t(c)].pairs16 ? " (pairs)" : "");
            }
          } else {
            ok = dnnl_memory_desc_equal(first, wd);
          }
        }
      }
    }
    if (ok) return true;
    if (!lay->blocked) return false;
    lay->blocked = false;
  }
}

// The row counts of M split into n parts.
std::vector<int> part_rows(int M, int n) {
  std::vector<int> r;
  for (int i = 0; i < n; ++i) {
    const int rows = int(int64_t(M) * (i + 1) / n) - int(int64_t(M) * i / n);
    if (std::find(r.begin(), r.end(), rows) == r.end()) r.push_back(rows);
  }
  return r;
}

// Rows [m0, m1) of A' (chunk-major, `lay`'s chunks) times tiles [t0, t1) of W' (at w_run, a run
// of `tiles` tiles from tile p0, the last nb_last wide) into `block` ([tile][rows][nt]): chunk
// by chunk, a matmul per tile, the later chunks added to the first.
bool multiply_block(Dnnl& d, const WeightsLayout& lay, const uint16_t* a, int M, int m0, int m1, const uint16_t* w_run,
                    int p0, int tiles, int nb_last, int t0, int t1, int N, float* block) {
  const int rows = m1 - m0, nt = lay.nt;
  for (int c = 0; c < lay.n_chunks; ++c) {
    const int k0 = lay.chunk_start(c), kl = lay.chunk_len(c);
    const uint16_t* const a_chunk = a + size_t(M) * k0 + size_t(m0) * kl;
    for (int t = t0; t < t1; ++t) {
      const int nb = std::min(nt, N - t * nt);
      const Matmul* mm = d.matmul(MatmulShape{rows, nb, kl, kl, kl, nb, 1, c > 0, lay.blocked});
      const uint16_t* const wt = w_run + lay.piece(c, t - p0, tiles, nb_last);
      if (!mm || !d.run(*mm, a_chunk, wt, block + size_t(t - t0) * rows * nt)) return false;
      matmuls_run.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return true;
}

// Plan Tiles: each job prepares one tile of W' (in its thread's buffer) and multiplies all rows
// (or a row part) by it, chunk by chunk.
bool linear_tiles(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                  int ldy, int ldx) {
  Dnnl& d = Dnnl::get();
  const int nt = gemm_tile_columns(GemmSplit::Bf16x3, w.K);
  const int n_tiles = (w.N + nt - 1) / nt;
  const int m_parts = gemm_row_parts(M, n_tiles, pool.size());
  WeightsLayout lay;
  if (!plan_layout(d, w, nt, part_rows(M, m_parts), &lay)) return false;
  const uint16_t* const a = split_activations(pool, isa, x, M, w.K, ldx, lay.n_chunks);
  std::atomic<bool> failed{false};
  pool.parallel_for(size_t(n_tiles) * m_parts, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<uint16_t> tile, row;
    thread_local std::vector<float> rows, block;
    library_threads(1);
    int have = -1;
    for (size_t job = j0; job < j1 && !failed.load(std::memory_order_relaxed); ++job) {
      const int t = int(job / m_parts), part = int(job % m_parts);
      const int n0 = t * nt, nb = std::min(nt, w.N - n0);
      const int m0 = int(int64_t(M) * part / m_parts), m1 = int(int64_t(M) * (part + 1) / m_parts);
      if (have != t) {
        profile::Scope scope("thread.bf16.prep_w");
        tile.resize(lay.run_elems(1, nb));
        rows.resize(size_t(16) * w.K);
        row.resize(size_t(16) * lay.K3);
        zero_padding(lay, 1, nb, tile.data());
        for (int j = 0; j < nb; j += 16)
          write_unit(isa, w, lay, n0 + j, std::min(16, nb - j), 0, j, 1, nb, tile.data(), rows.data(), row.data());
        have = t;
      }
      block.resize(size_t(m1 - m0) * nt);
      if (!multiply_block(d, lay, a, M, m0, m1, tile.data(), t, 1, nb, t, t + 1, w.N, block.data())) {
        failed = true;
        break;
      }
      profile::Scope scope("thread.bf16.copy_out");
      copy_block(block.data(), m0, m1, nb, bias, n0, y, ldy);
    }
  });
  return !failed;
}

// Plans Blocks and Team: W' is prepared panel by panel (a run of tiles, about
// QWENVL_CPU_BF16_PANEL_MB of it) into one buffer by all threads, then
//  - Blocks: jobs of (row block of about QWENVL_CPU_BF16_MB rows, group of tiles) on the pool;
//    each walks the chunks of 3K, and for each chunk runs a one-thread matmul per tile of its
//    group (the chunk of A' stays in L2 across the group, the tile's chunk of W' across the
//    rows), the later chunks added to the first; with one row block, plan Tiles' jobs instead
//    (the panel would only add a trip through memory);
//  - Team: one matmul per panel on the library's own OpenMP threads.
bool linear_panels(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                   int ldy, int ldx, bool team) {
  Dnnl& d = Dnnl::get();
  const int K = w.K, K3 = 3 * K, threads = pool.size();
  const int mb_target = env_int("QWENVL_CPU_BF16_MB", 256, 16, 1 << 20);
  const int n_rb = team ? 1 : std::max(1, std::min((M + mb_target / 2) / mb_target, M / 16));
  if (!team && n_rb == 1) return linear_tiles(pool, isa, x, M, w, bias, y, ldy, ldx);
  const int nt = gemm_tile_columns(GemmSplit::Bf16x3, K);
  const int n_tiles = (w.N + nt - 1) / nt, nb_tail = w.N - (n_tiles - 1) * nt;
  const size_t budget = size_t(env_int("QWENVL_CPU_BF16_PANEL_MB", 64, 1, 4096)) << 20;
  const size_t tile_bytes = size_t(nt) * K3 * 2;
  // The fewest panels within the budget, of nearly equal size (each panel's jobs fill the pool).
  const int max_panel = int(std::clamp<size_t>(budget / tile_bytes, 1, size_t(n_tiles)));
  const int panel_tiles =
      (n_tiles + (n_tiles + max_panel - 1) / max_panel - 1) / ((n_tiles + max_panel - 1) / max_panel);
  const int n_panels = (n_tiles + panel_tiles - 1) / panel_tiles;

  WeightsLayout lay;
  if (team) {
    // One chunk of plain weights; the matmuls of a full and of the last panel.
    lay.nt = nt;
    lay.K3 = K3;
    // (made on `threads` OpenMP threads: oneDNN sizes the scratchpad for the calling thread's count).
    const int last = w.N - (n_panels - 1) * panel_tiles * nt;
    library_threads(threads);
    bool ok = true;
    for (int cols : {std::min(w.N, panel_tiles * nt), last})
      ok = ok && d.matmul(MatmulShape{M, cols, K3, K3, K3, cols, threads, false, false});
    library_threads(1);
    if (!ok) return false;
  } else if (!plan_layout(d, w, nt, part_rows(M, n_rb), &lay)) {
    return false;
  }
  // The panel's W' and the Team plan's output, the calling thread's buffers (the jobs use the
  // pointers: a thread_local named in a job would be the worker's own).
  thread_local std::vector<uint16_t> w_storage;
  thread_local std::vector<float> team_storage;
  w_storage.resize(
      std::max(lay.run_elems(panel_tiles, nt), lay.run_elems(n_tiles - (n_panels - 1) * panel_tiles, nb_tail)));
  uint16_t* const wbuf = w_storage.data();
  if (team) team_storage.resize(size_t(M) * std::min(w.N, panel_tiles * nt));
  float* const team_out = team_storage.data();
  const uint16_t* const a = split_activations(pool, isa, x, M, K, ldx, lay.n_chunks);

  for (int p0 = 0; p0 < n_tiles; p0 += panel_tiles) {
    const int p1 = std::min(n_tiles, p0 + panel_tiles), tiles = p1 - p0;
    const int c0 = p0 * nt, c1 = std::min(w.N, p1 * nt), cols = c1 - c0, nb_last = c1 - (p1 - 1) * nt;
    prepare_panel(pool, isa, w, c0, c1, lay, wbuf);
    if (team) {
      // One matmul over the panel on `threads` OpenMP threads, into a dense block.
      library_threads(threads);
      const Matmul* mm = d.matmul(MatmulShape{M, cols, K3, K3, K3, cols, threads, false, false});
      const bool ok = mm && d.run(*mm, a, wbuf, team_out);
      library_threads(1);
      if (!ok) return false;
      matmuls_run.fetch_add(1, std::memory_order_relaxed);
      pool.parallel_for(size_t(M), 16, [&](size_t m0, size_t m1) {
        profile::Scope scope("thread.bf16.copy_out");
        for (size_t m = m0; m < m1; ++m)
          copy_block(team_out + m * size_t(cols), int(m), int(m) + 1, cols, bias, c0, y, ldy);
      });
      continue;
    }
    // Groups of tiles: the fewest whose jobs fill the threads in the fewest rounds.
    int n_groups = 1;
    double best = 1e30;
    for (int g = 1; g <= tiles; ++g) {
      const double cost = std::ceil(double(n_rb) * g / threads) * std::ceil(double(tiles) / g);
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
        if (!multiply_block(d, lay, a, M, m0, m1, wbuf, p0, tiles, nb_last, t0, t1, w.N, block.data())) {
          failed = true;
          break;
        }
        profile::Scope scope("thread.bf16.copy_out");
        for (int t = t0; t < t1; ++t)
          copy_block(block.data() + size_t(t - t0) * rows * nt, m0, m1, std::min(nt, w.N - t * nt), bias, t * nt, y,
                     ldy);
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
