// The Amx split of gemm.h: y = x W^T as the three bf16 products of the bf16x3 split,
//     hi(x) hi(w) + hi(x) lo(w) + lo(x) hi(w)
// (gemm_bf16.cpp says why that is within about 1e-5 of fp32: every weight here is an fp16 value,
// exactly hi(w) + lo(w)), run by our own Intel AMX kernel (TDPBF16PS) instead of oneDNN's
// matmul, whose per-call overhead and repacking made bf16x3 slower than the fp32 tiles.
//
// Packed operands (bf16, 16-row tiles of 64 bytes; K padded with zeros to steps of 32):
//  - A, once per call by all threads: rows padded with zeros to a multiple of 32; for each
//    16-row block r and step s the hi(x) tile, then the lo(x) tile (16 rows of 32 k), at
//    ((r * steps + s) * 2 + h) * 512.
//  - B, a job's panel of np output columns (a multiple of 32, zero columns past N), in the
//    layout TDPBF16PS reads (pairs of k side by side): for each step s and 16-column block c the
//    hi(w) tile, then the lo(w) tile, at ((s * np / 16 + c) * 2 + h) * 512; within a tile,
//    element (k = 32 s + 2 p + e, column 16 c + j) at 32 p + 2 j + e.
// On AVX-512, B is packed in one pass from the int4 or fp16 weights (gemm_amx_pack.cpp: the
// same bytes; on the build machine about 2.9x (int4) and 2x (fp16) faster than the three passes).
// A job is one panel of columns (32, 64 or 128) and a part of the rows (in blocks of 32;
// plan_jobs chooses both): it packs its panel once, then for each k block (about
// QWENVL_CPU_AMX_KB = 256 k in order 0) runs the microkernel over its row blocks and, for each, the panel's
// 32-column strips, into a fp32 block that is finally copied to y with the bias. A step loads
// 8 KiB of tiles for 12 TDPBF16PS: with k blocks of 256, a row block's A tiles (32 KiB) stay in
// L1 across the strips and only the B tiles come from L2 (the panel's k block, 128 KiB).
//
// The microkernels, their emulation and the tile unit's set-up: gemm_amx_kernels.cpp.
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "cpu/bf16_pack.h"
#include "cpu/gemm.h"
#include "cpu/gemm_amx_internal.h"
#include "cpu/profile.h"
#include "util/half.h"

namespace qwenvl::cpu {

using amx::kBlock;
using amx::KernelFn;
using amx::kKernels;
using amx::kOrders;
using amx::kRowTile;
using amx::kStep;
using amx::kTile;

namespace {

std::atomic<uint64_t> calls_run{0};

// K padded with zeros to whole steps (at least one).
int padded_k(int K) { return std::max(kStep, (K + kStep - 1) / kStep * kStep); }

// The pair-line offsets of a panel of nc16 16-column blocks: pair k's line (row k / 2 % 16 of
// step k / 32's tile) from the panel's first tile, for even k < Kp.
void pair_offsets(int Kp, int nc16, std::vector<int64_t>* fk) {
  fk->assign(size_t(Kp), 0);
  for (int k = 0; k < Kp; k += 2) (*fk)[size_t(k)] = int64_t(k / kStep) * nc16 * 2 * kTile + (k % kStep) / 2 * 32;
}

// Columns [n, n + cnt) (cnt <= 16, n a multiple of 16) of w as 16 fp32 rows of Kp (out[j * Kp
// + k]), zeros past K and past cnt.
void widen_block(Isa isa, const FastWeight& w, int n, int cnt, int Kp, float* out, std::vector<float>& scratch) {
  const int K = w.K;
  switch (w.kind) {
    case FastWeight::Kind::Int4:
      dequant_int4(isa, *w.int4, n / 16, n / 16 + 1, out, Kp);
      break;
    case FastWeight::Kind::F16Rows:
      for (int j = 0; j < cnt; ++j) half_to_float_n(w.f16 + size_t(n + j) * K, out + size_t(j) * Kp, size_t(K));
      break;
    case FastWeight::Kind::F16Cols:
      scratch.resize(16);
      for (int k = 0; k < K; ++k) {
        half_to_float_n(w.f16 + size_t(k) * w.ld + n, scratch.data(), size_t(cnt));
        for (int j = 0; j < cnt; ++j) out[size_t(j) * Kp + k] = scratch[size_t(j)];
      }
      break;
  }
  for (int j = 0; j < 16; ++j) {
    float* const row = out + size_t(j) * Kp;
    if (j < cnt)
      std::fill(row + K, row + Kp, 0.0f);
    else
      std::fill(row, row + Kp, 0.0f);
  }
}

struct Plan {
  int M, N, K, Kp, steps, Mp, np_full, n_panels, parts, row_blocks, n_kb;
  int order;      // QWENVL_CPU_AMX_ORDER (run_job)
  bool hardware;  // the tile unit, not its emulation
};

// The panel width and row parts. Whole panels (one job each) where they keep the threads busy:
// the width (128 or 64 columns; 64 costs about 2 % more per product) whose panels fill the
// threads' rounds best, if they fill at least 85 % of them. Otherwise (few wide columns, such as
// the ViT's c_proj and out_proj: 13 panels of 128 for 16 threads) the rows are split too, with
// the split of the fewest rounds times a job's products; a job's packing is not counted, as
// the jobs of one panel mostly run in a row on one thread (JobRanges), which packs it once.
// Measured on the 16-core Xeon (issue 13, runs G and H of docs/benchmarks.md): splitting rows
// where whole panels fill the threads cost 29 % at the ViT's c_fc and 45 % at the prompt's MLP
// c_proj; the ViT's c_proj took 15.8-21.2 ms in 16 row parts (runs G, H) against 22-25 ms as 13
// whole panels (runs 16, 18). QWENVL_CPU_AMX_PARTS forces a number of
// row parts (tests); a fixed tile width (gemm_fixed_tile_columns) fixes the panel width.
void plan_jobs(int row_blocks, int N, int threads, Plan* p) {
  const int fixed = gemm_fixed_tile_columns();
  const auto slower = [](int np) { return np >= 128 ? 1.0 : np == 64 ? 1.02 : 1.4; };
  const auto panels_of = [&](int np) { return (N + np - 1) / np; };
  const auto rounds = [&](int jobs) { return std::ceil(double(jobs) / threads); };
  double fill = -1;
  for (int np : {128, 64}) {
    if (fixed) np = gemm_tile_columns(GemmSplit::Amx, 0);
    const int panels = panels_of(np);
    const double f = panels / (rounds(panels) * threads) / slower(np);
    if (f > fill + 1e-9) {
      fill = f;
      p->np_full = np;
    }
    if (fixed) break;
  }
  p->n_panels = panels_of(p->np_full);
  p->parts = 1;
  const int forced = env_int("QWENVL_CPU_AMX_PARTS", 0, 0, 16);
  if (forced > 0) {
    p->parts = std::min(forced, row_blocks);
    return;
  }
  if (fill >= 0.85 || row_blocks == 1) return;
  double best = -1;
  for (int np : {128, 64, 32}) {
    if (fixed) np = gemm_tile_columns(GemmSplit::Amx, 0);
    const int panels = panels_of(np);
    for (int parts = 1; parts <= std::min(row_blocks, 16); ++parts) {
      const int rows = (row_blocks + parts - 1) / parts * kBlock;
      const double cost = rounds(panels * parts) * np * rows * slower(np);
      if (best < 0 || cost < best - 1e-9) {
        best = cost;
        p->np_full = np;
        p->n_panels = panels;
        p->parts = parts;
      }
    }
    if (fixed) break;
  }
}

// Rows [16 r0, 16 r1) of x as A tiles (hi, lo) into a (rows past M zero): each 32-k step of a
// row split straight into its line of the step's hi and lo tiles; a last step past K through a
// zero-padded copy.
void pack_rows(Isa isa, const float* x, int ldx, const Plan& p, size_t r0, size_t r1, uint16_t* a) {
  const int full = p.K / kStep;  // steps wholly inside K
  float tail[kStep];
  for (size_t r = r0; r < r1; ++r)
    for (int i = 0; i < kRowTile; ++i) {
      const size_t m = r * kRowTile + size_t(i);
      uint16_t* const tile0 = a + r * size_t(p.steps) * 2 * kTile + size_t(i) * kStep;
      if (m >= size_t(p.M)) {
        for (int s = 0; s < p.steps; ++s) {
          std::memset(tile0 + size_t(s) * 2 * kTile, 0, kStep * sizeof(uint16_t));
          std::memset(tile0 + size_t(s) * 2 * kTile + kTile, 0, kStep * sizeof(uint16_t));
        }
        continue;
      }
      const float* const row = x + m * size_t(ldx);
      for (int s = 0; s < full; ++s) {
        uint16_t* const hi = tile0 + size_t(s) * 2 * kTile;
        bf16::split_hi_lo(isa, row + size_t(s) * kStep, kStep, hi, hi + kTile);
      }
      for (int s = full; s < p.steps; ++s) {
        const int k0 = s * kStep, n = std::max(0, std::min(kStep, p.K - k0));
        std::fill(tail, tail + kStep, 0.0f);
        if (n > 0) std::memcpy(tail, row + k0, sizeof(float) * size_t(n));
        uint16_t* const hi = tile0 + size_t(s) * 2 * kTile;
        bf16::split_hi_lo(isa, tail, kStep, hi, hi + kTile);
      }
    }
}

// Columns [n0, n0 + nb) of w as the B tiles of a panel of np columns into b (K padded to Kp):
// its 16-column blocks [c0, c1) (all of them by default). On AVX-512 the fused packer
// (gemm_amx_pack.cpp; with AVX512_BF16 where the CPU has it) where it serves w, else (and, with
// `fused` false, always: the reference) in three passes per 16-column block: widened to fp32
// rows, split into bf16 hi and lo rows, their pairs interleaved into the tile lines. Every way
// writes the same bytes.
void pack_panel(Isa isa, const FastWeight& w, int Kp, int n0, int nb, int np, uint16_t* b, int c0 = 0, int c1 = -1,
                bool fused = true) {
  if (c1 < 0) c1 = np / 16;
  if (fused && isa == Isa::Avx512 && amx_pack_panel_avx512(w, Kp, n0, nb, np, c0, c1, b, true)) return;
  thread_local std::vector<float> rows, scratch;
  thread_local std::vector<uint16_t> split;
  thread_local std::vector<int64_t> fk;
  thread_local int fk_kp = -1, fk_nc = -1;
  const int nc16 = np / 16;
  if (fk_kp != Kp || fk_nc != nc16) {
    pair_offsets(Kp, nc16, &fk);
    fk_kp = Kp;
    fk_nc = nc16;
  }
  rows.resize(size_t(16) * Kp);
  split.resize(size_t(16) * 2 * Kp);
  for (int c = c0; c < c1; ++c) {
    const int cnt = std::clamp(nb - 16 * c, 0, 16);
    if (cnt == 0) {
      std::fill(rows.begin(), rows.end(), 0.0f);
    } else {
      widen_block(isa, w, n0 + 16 * c, cnt, Kp, rows.data(), scratch);
    }
    for (int j = 0; j < 16; ++j) {  // row j: [hi | lo]
      uint16_t* const hl = split.data() + size_t(j) * 2 * Kp;
      bf16::split_hi_lo(isa, rows.data() + size_t(j) * Kp, Kp, hl, hl + Kp);
    }
    for (int h = 0; h < 2; ++h)
      bf16::pairs_to_lines(isa, split.data() + size_t(h) * Kp, size_t(2) * Kp, Kp, fk.data(),
                           b + size_t(2 * c + h) * kTile);
  }
}

// One job: the panel's columns [n0, n0 + nb) for row blocks [rb0, rb1) of 32.
void run_job(Isa isa, const FastWeight& w, const Plan& p, const uint16_t* a, int n0, int nb, int rb0, int rb1,
             bool pack, std::vector<uint16_t>& own, const uint16_t* shared, std::vector<float>& block, KernelFn kernel,
             const float* bias, float* y, int ldy) {
  const int np = (nb + kBlock - 1) / kBlock * kBlock, nc16 = np / 16;
  if (pack && !shared) {
    profile::Scope scope("thread.amx.pack_w");
    own.resize(size_t(np) * p.Kp * 2);
    pack_panel(isa, w, p.Kp, n0, nb, np, own.data());
  }
  const uint16_t* const panel = shared ? shared : own.data();
  const int rows = (rb1 - rb0) * kBlock;
  block.resize(size_t(rows) * np);
  {
    profile::Scope scope(p.hardware ? "thread.amx.kernel" : "thread.amx.emulated");
    const size_t a_step = size_t(2) * kTile, b_step = size_t(nc16) * 2 * kTile;
    for (int kb = 0; kb < p.n_kb; ++kb) {
      const int s0 = int(int64_t(p.steps) * kb / p.n_kb), s1 = int(int64_t(p.steps) * (kb + 1) / p.n_kb);
      const auto call = [&](int rb, int c) {
        const uint16_t* const a0 = a + (size_t(2 * rb) * p.steps + s0) * 2 * kTile;
        const uint16_t* const a1 = a0 + size_t(p.steps) * 2 * kTile;
        kernel(a0, a1, panel + (size_t(s0) * nc16 + c / 16) * 2 * kTile, s1 - s0, a_step, b_step,
               block.data() + size_t(rb - rb0) * kBlock * np + c, size_t(np), kb > 0);
      };
      if (p.order == 1) {  // a 32-column strip's k block (32 KiB at 256 k) stays in L1 over the row blocks
        for (int c = 0; c < np; c += kBlock)
          for (int rb = rb0; rb < rb1; ++rb) call(rb, c);
      } else {  // a row block's A tiles stay in L1 over the panel's strips
        for (int rb = rb0; rb < rb1; ++rb)
          for (int c = 0; c < np; c += kBlock) call(rb, c);
      }
    }
  }
  profile::Scope scope("thread.amx.copy_out");
  const int m1 = std::min(p.M, rb1 * kBlock);
  for (int m = rb0 * kBlock; m < m1; ++m) {
    const float* const src = block.data() + size_t(m - rb0 * kBlock) * np;
    float* const dst = y + size_t(m) * ldy + n0;
    if (bias)
      for (int j = 0; j < nb; ++j) dst[j] = src[j] + bias[n0 + j];
    else
      std::memcpy(dst, src, sizeof(float) * size_t(nb));
  }
}

}  // namespace

int amx_kernel_variant() { return env_int("QWENVL_CPU_AMX_KERNEL", 0, 0, kKernels - 1); }

size_t amx_panel_size(const FastWeight& w, int np) { return size_t(np) * padded_k(w.K) * 2; }

bool amx_pack_panel(Isa isa, PanelPacker packer, const FastWeight& w, int n0, int nb, int np, uint16_t* out, int c0,
                    int c1) {
  const int Kp = padded_k(w.K);
  if (c1 < 0) c1 = np / 16;
  if (packer != PanelPacker::Passes && isa == Isa::Avx512 &&
      amx_pack_panel_avx512(w, Kp, n0, nb, np, c0, c1, out, packer == PanelPacker::FusedBf16))
    return true;
  pack_panel(isa, w, Kp, n0, nb, np, out, c0, c1, false);
  return false;
}

// Order 2 by default: the fastest on the 16-core Xeon (82.4 ms over the sweep's five shapes,
// against 88.5 for order 0; kernels 1-3 and order 1 in between or slower; docs/benchmarks.md).
int amx_loop_order() { return env_int("QWENVL_CPU_AMX_ORDER", 2, 0, kOrders - 1); }

bool amx_dynamic() { return env_int("QWENVL_CPU_AMX_DYNAMIC", 1, 0, 1) == 1; }

bool amx_available() {
  static const bool ok = amx::detect();
  return ok;
}

uint64_t amx_calls() { return calls_run.load(std::memory_order_relaxed); }

bool amx_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                int ldy, int ldx, AmxUnit unit) {
  if (ldy == 0) ldy = w.N;
  if (ldx == 0) ldx = w.K;
  if (M <= 0 || w.N <= 0) return true;
  // The microkernel and the loop order (gemm.h): every choice gives the same bits.
  const int kernel_id = amx_kernel_variant();
  KernelFn kernel = amx::kEmulated[kernel_id];
  if (unit == AmxUnit::Hardware) {
#if defined(QV_HAVE_AMX)
    if (!amx_available()) return false;
    kernel = amx::kHardware[kernel_id];
#else
    return false;
#endif
  }
  Plan p;
  p.M = M;
  p.N = w.N;
  p.K = w.K;
  p.Kp = padded_k(w.K);
  p.steps = p.Kp / kStep;
  p.row_blocks = (M + kBlock - 1) / kBlock;
  p.Mp = p.row_blocks * kBlock;
  const bool dynamic = amx_dynamic();
  plan_jobs(p.row_blocks, w.N, pool.size(), &p);
  p.order = amx_loop_order();
  p.hardware = unit == AmxUnit::Hardware;
  // Order 2: k blocks as long as the panel's k block stays within 1 MiB of L2 (hi and lo, 4
  // bytes per k and column: 2048 k at 128 columns, the whole K of most layers), so that C stays
  // in the tiles over that many steps; QWENVL_CPU_AMX_KB, where set, still decides.
  const int kb_default = p.order == 2 ? std::max(kStep, (1 << 20) / (4 * p.np_full) / kStep * kStep) : 256;
  const int kb_steps = env_int("QWENVL_CPU_AMX_KB", kb_default, kStep, 1 << 20) / kStep;
  p.n_kb = (p.steps + kb_steps - 1) / kb_steps;
  if (std::getenv("QWENVL_DEBUG_AMX"))
    std::fprintf(stderr, "amx %dx%dx%d: panels of %d columns x %d row parts, %d k blocks, kernel %d, order %d, %s\n", M,
                 w.N, w.K, p.np_full, p.parts, p.n_kb, kernel_id, p.order,
                 unit == AmxUnit::Hardware ? "AMX" : "emulated");

  // A: the calling thread's buffer (the jobs use the pointer).
  thread_local std::vector<uint16_t> a_storage;
  a_storage.resize(size_t(p.Mp) * p.Kp * 2);
  uint16_t* const a = a_storage.data();
  pool.parallel_for(size_t(p.Mp / kRowTile), 1, [&](size_t r0, size_t r1) {
    profile::Scope scope("thread.amx.pack_a");
    pack_rows(isa, x, ldx, p, r0, r1, a);
  });

  // Where several row parts share a panel, its packing can be done once, by all threads, before
  // the products, into a buffer of this call (QWENVL_CPU_AMX_SHARED: 1 always and -1 where parts >
  // 1, both only where the packed weight fits 512 MiB and can be had; 0, the default, never: each
  // job packs its own panel into the thread's buffer, and a thread running consecutive row parts
  // of one panel packs it once). On the Xeon (run H, issue 13) the model's vision took 3018 ms
  // without and 3365 ms with it (medians of 3): the shared buffer (54 MB at the ViT's c_proj)
  // goes out to memory and back.
  const size_t panel_elems = size_t(p.np_full) * p.Kp * 2;
  const int shared_mode = env_int("QWENVL_CPU_AMX_SHARED", 0, -1, 1);
  std::unique_ptr<uint16_t[]> b_storage;  // not value-initialised: every element is packed
  if ((shared_mode == 1 || (shared_mode < 0 && p.parts > 1)) &&
      panel_elems * p.n_panels * sizeof(uint16_t) <= (size_t(512) << 20))
    b_storage.reset(new (std::nothrow) uint16_t[panel_elems * p.n_panels]);
  uint16_t* const b_shared = b_storage.get();
  const bool shared = b_shared != nullptr;
  if (shared) {
    const int nc16 = p.np_full / 16;
    pool.parallel_for(size_t(p.n_panels) * nc16, 1, [&](size_t c0, size_t c1) {
      profile::Scope scope("thread.amx.pack_w");
      for (size_t c = c0; c < c1;) {  // the blocks of one panel at a time
        const int t = int(c / nc16), cb = int(c % nc16), ce = int(std::min<size_t>(c1 - size_t(t) * nc16, nc16));
        const int n0 = t * p.np_full, nb = std::min(p.np_full, w.N - n0);
        const int np = (nb + kBlock - 1) / kBlock * kBlock;
        pack_panel(isa, w, p.Kp, n0, nb, np, b_shared + size_t(t) * panel_elems, cb, std::min(ce, np / 16));
        c = size_t(t) * nc16 + ce;
      }
    });
  }

  if (std::getenv("QWENVL_DEBUG_AMX") && shared)
    std::fprintf(stderr, "amx %dx%dx%d: panels packed once, shared by the row parts\n", M, w.N, w.K);
  // The jobs, panel-major, in JobRanges (util/parallel.h): each thread starts on its own
  // contiguous range (so it packs a panel once for the row parts it runs of it), then takes jobs
  // one at a time from the back of whichever range has the most left (QWENVL_CPU_AMX_DYNAMIC;
  // else the pool's fixed chunks alone): the VM's threads do not all run at one speed. Which
  // thread runs a job never changes its result.
  const size_t n_jobs = size_t(p.n_panels) * p.parts;
  const size_t n_ranges = std::min(n_jobs, size_t(pool.size()));
  const bool steal = dynamic && n_jobs <= JobRanges::kMaxJobs;
  std::optional<JobRanges> ranges;
  if (steal) ranges.emplace(n_jobs, n_ranges);
  pool.parallel_for(steal ? n_ranges : n_jobs, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<uint16_t> panel;
    thread_local std::vector<float> block;
#if defined(QV_HAVE_AMX)
    if (p.hardware) amx::begin();
#endif
    int have = -1;  // the panel now in `panel`
    const auto run = [&](size_t job) {
      const int t = int(job / p.parts), part = int(job % p.parts);
      const int n0 = t * p.np_full, nb = std::min(p.np_full, w.N - n0);
      const int rb0 = int(int64_t(p.row_blocks) * part / p.parts);
      const int rb1 = int(int64_t(p.row_blocks) * (part + 1) / p.parts);
      if (rb0 == rb1) return;
      run_job(isa, w, p, a, n0, nb, rb0, rb1, have != t, panel, shared ? b_shared + size_t(t) * panel_elems : nullptr,
              block, kernel, bias, y, ldy);
      have = t;
    };
    if (steal) {
      for (size_t r = j0; r < j1; ++r) ranges->run(r, run);
    } else {
      for (size_t job = j0; job < j1; ++job) run(job);
    }
#if defined(QV_HAVE_AMX)
    if (p.hardware) amx::end();
#endif
  });
  calls_run.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// Products with fp32 activations on both sides (the attention's q k^T and p v, attention.cpp;
// gemm.h): both operands split into hi = bf16(x) and lo = bf16(x - hi), and the same three
// products hi.hi + hi.lo + lo.hi summed by the same microkernels. Unlike the weights of
// amx_linear, such a B is not exactly hi + lo: lo is rounded (2^-9 of itself) and lo.lo is
// dropped, about 2^-17 of each |a b| between them, so these products are within about 1e-5 of
// fp32 relative to sum |a b| (tst_cpu_attention measures it).
namespace {

int padded_n(int N) { return (N + kBlock - 1) / kBlock * kBlock; }

}  // namespace

size_t amx_panel_elems(int N, int K) { return size_t(padded_n(N)) * padded_k(K) * 2; }

void amx_pack_f32(Isa isa, const float* b, int ldb, bool b_rows, int N, int K, uint16_t* out) {
  thread_local std::vector<float> rows;
  thread_local std::vector<uint16_t> split;
  thread_local std::vector<int64_t> fk;
  // Rows of the fp32 block rs apart: 16 floats more than Kp, so that the column gathers of a
  // [K][N] B do not land 16 times in the same cache set (Kp a multiple of 32 floats).
  const int Kp = padded_k(K), nc16 = padded_n(N) / 16, rs = Kp + 16;
  pair_offsets(Kp, nc16, &fk);
  rows.resize(size_t(16) * rs);
  split.resize(size_t(16) * 2 * Kp);
  for (int c = 0; c < nc16; ++c) {
    const int n0 = 16 * c, cnt = std::clamp(N - n0, 0, 16);
    if (b_rows) {  // B [N][K]: row j of the block is B's row n0 + j
      for (int j = 0; j < cnt; ++j)
        std::memcpy(rows.data() + size_t(j) * rs, b + size_t(n0 + j) * ldb, sizeof(float) * size_t(K));
    } else {  // B [K][N]: column n0 + j
      for (int k = 0; k < K; ++k) {
        const float* const src = b + size_t(k) * ldb + n0;
        for (int j = 0; j < cnt; ++j) rows[size_t(j) * rs + k] = src[j];
      }
    }
    for (int j = 0; j < 16; ++j) {  // zeros past K and past N; row j: [hi | lo]
      float* const row = rows.data() + size_t(j) * rs;
      std::fill(row + (j < cnt ? K : 0), row + Kp, 0.0f);
      uint16_t* const hl = split.data() + size_t(j) * 2 * Kp;
      bf16::split_hi_lo(isa, row, Kp, hl, hl + Kp);
    }
    for (int h = 0; h < 2; ++h)
      bf16::pairs_to_lines(isa, split.data() + size_t(h) * Kp, size_t(2) * Kp, Kp, fk.data(),
                           out + size_t(2 * c + h) * kTile);
  }
}

bool amx_gemm_f32(Isa isa, const float* A, int lda, int M, int K, const AmxPanel& b, int N, float alpha, float* C,
                  int ldc, bool c_padded, AmxUnit unit, int kernel_variant) {
  if (M <= 0 || N <= 0) return true;
  if (N > b.N || K > b.K || K <= 0) return false;
  const int variant = kernel_variant >= 0 && kernel_variant < kKernels ? kernel_variant : amx_kernel_variant();
  KernelFn kernel = amx::kEmulated[variant];
  if (unit == AmxUnit::Hardware) {
#if defined(QV_HAVE_AMX)
    if (!amx_available()) return false;
    kernel = amx::kHardware[variant];
#else
    return false;
#endif
  }
  Plan p{};
  p.M = M;
  p.K = K;
  p.Kp = padded_k(K);
  p.steps = p.Kp / kStep;
  p.row_blocks = (M + kBlock - 1) / kBlock;
  p.Mp = p.row_blocks * kBlock;
  // alpha scales A's rows before the split (one more fp32 rounding, about 6e-8), so that the
  // products land in C as they are.
  thread_local std::vector<float> scaled;
  if (alpha != 1.0f) {
    scaled.resize(size_t(M) * K);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k) scaled[size_t(m) * K + k] = alpha * A[size_t(m) * lda + k];
    A = scaled.data();
    lda = K;
  }
  // A's rows, zero past M and past K: B's rows (k) past K, which a causal product's panel may
  // hold (later keys), meet only zeros and add exact zeros.
  thread_local std::vector<uint16_t> a;
  thread_local std::vector<float> block;
  a.resize(size_t(p.Mp) * p.Kp * 2);
  pack_rows(isa, A, lda, p, 0, size_t(p.Mp / kRowTile), a.data());
  const int np = padded_n(N), nc16_panel = padded_n(b.N) / 16;
  float* out = C;
  size_t ldout = size_t(ldc);
  if (!c_padded) {
    block.resize(size_t(p.Mp) * np);
    out = block.data();
    ldout = size_t(np);
  }
  const size_t a_step = size_t(2) * kTile, b_step = size_t(nc16_panel) * 2 * kTile;
#if defined(QV_HAVE_AMX)
  if (unit == AmxUnit::Hardware) amx::begin();
#endif
  // Per 32-row block, the 32-column strips, each over the whole K at once: C stays in the tiles
  // (on the Xeon's VM a tile load or store costs about two to three products, and where the
  // operands come from, L1 or L2, matters little: benchmarks.md, run F).
  for (int rb = 0; rb < p.row_blocks; ++rb) {
    const uint16_t* const a0 = a.data() + size_t(2 * rb) * p.steps * 2 * kTile;
    const uint16_t* const a1 = a0 + size_t(p.steps) * 2 * kTile;
    for (int c = 0; c < np; c += kBlock)
      kernel(a0, a1, b.data + size_t(c / 16) * 2 * kTile, p.steps, a_step, b_step,
             out + size_t(rb) * kBlock * ldout + c, ldout, false);
  }
#if defined(QV_HAVE_AMX)
  if (unit == AmxUnit::Hardware) amx::end();
#endif
  if (!c_padded)
    for (int m = 0; m < M; ++m)
      std::memcpy(C + size_t(m) * ldc, block.data() + size_t(m) * np, sizeof(float) * size_t(N));
  return true;
}

}  // namespace qwenvl::cpu
