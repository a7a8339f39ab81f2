// The Amx split's microkernels (gemm_amx.cpp): the tile unit's instructions, their portable
// emulation, the tile configuration and the check that the CPU and the OS allow AMX.
//
// The microkernel keeps a 32 x 32 block of C in tmm0..3 and, per step, loads hi(x) (tmm4/5)
// and lo(w) (tmm6/7): 4 products; hi(w) into tmm6/7: 4 more; lo(x) into tmm4/5: 4 more, all
// added to the same fp32 tiles. Each output element thus sums, step by step in k order, the
// pairs of hi.lo, hi.hi, lo.hi, whatever the threads, the row parts or the k blocks (C leaves
// and re-enters the tiles as exact fp32), so the result does not depend on the thread count.
//
// Alternatives, measured on the Xeon (QWENVL_CPU_AMX_KERNEL, QWENVL_CPU_AMX_ORDER; issue 13; the
// default is kernel 0 with order 2): kernel 0
// reloads tmm6/7 and tmm4/5 right after the products reading them were issued; kernel 1 spreads
// the loads between the products; kernel 2 works on one 16-column half at a time with two C
// tiles, the six operands of a step in their own tiles, each loaded for the next step as soon as
// its last reader was issued; kernel 3 is kernel 1 with the B tiles of two steps ahead
// prefetched into L1 (the emulation runs kernel 1 for it). Order 1 runs a k block's 32-column strips outer, the row
// blocks inner (the strip's B tiles stay in L1, the A tiles come from L2); order 2 makes the k blocks as long as the
// panel's k block fits 1 MiB of L2, so C leaves the tiles seldom. All keep each C tile's sequence of products, hence
// the same bits.
//
// The same packing and blocking run on a portable emulation of the tile unit (EmuUnit: the
// SDM's TDPBF16PS pseudo-code, round to nearest even, denormal inputs read as zero, denormal
// results flushed), which the tests use on machines without AMX; `qwenvl-bench cpu
// --gemm-sweep` compares the two where the CPU has AMX.
#include "cpu/gemm_amx_internal.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cfloat>
#include <cmath>
#include <cstring>

#include "cpu/gemm.h"

#if defined(QV_HAVE_AMX)
#include <cpuid.h>
#include <immintrin.h>
#define QV_AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16,avx512bw,avx512vl")))
#endif

namespace qwenvl::cpu::amx {

namespace {

// The microkernel's steps over tile-unit operations LOAD(tile, pointer, stride in bytes) and
// DP(c, a, b) (c += a b); a0/a1 are the A tiles of the two 16-row blocks at the first step,
// b0 the B tiles of the first 16-column block (the second's follow it).
#define QV_AMX_STEPS(LOAD, DP)                                                \
  for (int s = 0; s < steps; ++s, a0 += a_step, a1 += a_step, b0 += b_step) { \
    LOAD(4, a0, 64);                                                          \
    LOAD(5, a1, 64);                                                          \
    LOAD(6, b0 + kTile, 64);                                                  \
    LOAD(7, b0 + 3 * kTile, 64);                                              \
    DP(0, 4, 6);                                                              \
    DP(1, 4, 7);                                                              \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
    LOAD(6, b0, 64);                                                          \
    LOAD(7, b0 + 2 * kTile, 64);                                              \
    DP(0, 4, 6);                                                              \
    DP(1, 4, 7);                                                              \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
    LOAD(4, a0 + kTile, 64);                                                  \
    LOAD(5, a1 + kTile, 64);                                                  \
    DP(0, 4, 6);                                                              \
    DP(1, 4, 7);                                                              \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
  }

// Kernel 1: the same 12 products per step, the loads spread between them: a step starts after
// three loads, not four (hi(x) of rows 0..15 and both lo(w)), hi(x) of rows 16..31 loads under
// the first two products, each hi(w) right before its first reader and one product after its
// tile's last reader (kernel 0 loads both hi(w) back to back, zero and one product after), each
// lo(x) two products after its tile's last reader. Every C tile still receives hi.lo, hi.hi,
// lo.hi of each step in that order: bit for bit kernel 0's result. PREFETCH runs at the start
// of each step (kernel 3: kernel 1 with the B tiles two steps ahead prefetched into L1).
#define QV_AMX_STEPS1(LOAD, DP, PREFETCH)                                     \
  for (int s = 0; s < steps; ++s, a0 += a_step, a1 += a_step, b0 += b_step) { \
    PREFETCH;                                                                 \
    LOAD(4, a0, 64);                                                          \
    LOAD(6, b0 + kTile, 64);                                                  \
    LOAD(7, b0 + 3 * kTile, 64);                                              \
    DP(0, 4, 6);                                                              \
    DP(1, 4, 7);                                                              \
    LOAD(5, a1, 64);                                                          \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
    LOAD(6, b0, 64);                                                          \
    DP(0, 4, 6);                                                              \
    LOAD(7, b0 + 2 * kTile, 64);                                              \
    DP(1, 4, 7);                                                              \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
    LOAD(4, a0 + kTile, 64);                                                  \
    DP(0, 4, 6);                                                              \
    DP(1, 4, 7);                                                              \
    LOAD(5, a1 + kTile, 64);                                                  \
    DP(2, 5, 6);                                                              \
    DP(3, 5, 7);                                                              \
  }

// Kernel 2: one 16-column half of the block at a time with two C tiles (tmm0: rows 0..15,
// tmm1: rows 16..31) and all six operands of a step in their own tiles (tmm2/3 hi(x), tmm4/5
// lo(x), tmm6 lo(w), tmm7 hi(w)), software-pipelined: each tile is loaded with the next step's
// operand as soon as the step's last product reading it was issued, three to five products
// before the next step reads it. Per C tile: hi.lo, hi.hi, lo.hi per step, as kernel 0. `b`
// points at the half's B tiles (hi, then lo).
#define QV_AMX_STEPS2(LOAD, DP)        \
  if (steps > 0) {                     \
    LOAD(2, a0, 64);                   \
    LOAD(3, a1, 64);                   \
    LOAD(6, b + kTile, 64);            \
    LOAD(7, b, 64);                    \
    LOAD(4, a0 + kTile, 64);           \
    LOAD(5, a1 + kTile, 64);           \
  }                                    \
  for (int s = 0; s < steps; ++s) {    \
    const bool more = s + 1 < steps;   \
    if (more) {                        \
      a0 += a_step;                    \
      a1 += a_step;                    \
      b += b_step;                     \
    }                                  \
    DP(0, 2, 6);                       \
    DP(1, 3, 6);                       \
    if (more) LOAD(6, b + kTile, 64);  \
    DP(0, 2, 7);                       \
    if (more) LOAD(2, a0, 64);         \
    DP(1, 3, 7);                       \
    if (more) LOAD(3, a1, 64);         \
    DP(0, 4, 7);                       \
    if (more) LOAD(4, a0 + kTile, 64); \
    DP(1, 5, 7);                       \
    if (more) {                        \
      LOAD(5, a1 + kTile, 64);         \
      LOAD(7, b, 64);                  \
    }                                  \
  }

// The tile unit emulated: 8 tiles of 16 rows x 64 bytes, as TDPBF16PS defines its arithmetic.
struct EmuUnit {
  alignas(64) uint8_t t[8][1024];

  void load(int i, const void* p, size_t stride) {
    for (int r = 0; r < 16; ++r) std::memcpy(t[i] + 64 * r, static_cast<const uint8_t*>(p) + r * stride, 64);
  }
  void store(int i, void* p, size_t stride) const {
    for (int r = 0; r < 16; ++r) std::memcpy(static_cast<uint8_t*>(p) + r * stride, t[i] + 64 * r, 64);
  }
  void zero(int i) { std::memset(t[i], 0, sizeof t[i]); }

  // bf16 to fp32, a denormal read as zero of its sign.
  static float in(uint16_t h) {
    uint32_t u = uint32_t(h) << 16;
    if ((u & 0x7f800000u) == 0) u &= 0x80000000u;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  // A denormal result flushed to zero of its sign.
  static float flush(float v) { return std::fabs(v) < FLT_MIN ? std::copysign(0.0f, v) : v; }

  // tile c (16 x 16 fp32) += tile a (16 rows x 16 pairs) times tile b (16 pairs x 16 columns),
  // in the order of the SDM's pseudo-code: per row m, the even and the odd elements of the pairs
  // are summed apart from zero over the 16 pairs k (t[2n + e] += a[m][2k + e] b[k][2n + e]),
  // then c[m][n] += t[2n] + t[2n + 1]; every sum rounded to fp32 (to nearest even, denormal
  // results flushed), the bf16 products themselves exact. (The Intrinsics Guide's shorter
  // pseudo-code adds each product to c in turn instead; the hardware test prints how far the
  // tile unit is from this emulation.)
  void dp(int ci, int ai, int bi) {
    float c[16][16], a[16][32], b[16][32];
    uint16_t h[16][32];
    std::memcpy(c, t[ci], sizeof c);
    std::memcpy(h, t[ai], sizeof h);
    for (int r = 0; r < 16; ++r)
      for (int e = 0; e < 32; ++e) a[r][e] = in(h[r][e]);
    std::memcpy(h, t[bi], sizeof h);
    for (int r = 0; r < 16; ++r)
      for (int e = 0; e < 32; ++e) b[r][e] = in(h[r][e]);
    for (int m = 0; m < 16; ++m) {
      float sum[32] = {};
      for (int k = 0; k < 16; ++k)
        for (int e = 0; e < 32; ++e) sum[e] = flush(sum[e] + a[m][2 * k + (e & 1)] * b[k][e]);
      for (int n = 0; n < 16; ++n) c[m][n] = flush(c[m][n] + flush(sum[2 * n] + sum[2 * n + 1]));
    }
    std::memcpy(t[ci], c, sizeof c);
  }
};

#define QV_EMU_LOAD(i, p, stride) u.load(i, p, stride)
#define QV_EMU_DP(ci, ai, bi) u.dp(ci, ai, bi)
// Kernels 0 and 1 on the emulated unit, operation for operation.
template <int Kernel>
void kernel_emulated(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, int steps, size_t a_step,
                     size_t b_step, float* c, size_t ldc, bool load_c) {
  thread_local EmuUnit u;
  const size_t ld = ldc * sizeof(float);
  float* const ct[4] = {c, c + 16, c + 16 * ldc, c + 16 * ldc + 16};
  for (int i = 0; i < 4; ++i) load_c ? u.load(i, ct[i], ld) : u.zero(i);
  if constexpr (Kernel == 0) {
    QV_AMX_STEPS(QV_EMU_LOAD, QV_EMU_DP)
  } else {
    QV_AMX_STEPS1(QV_EMU_LOAD, QV_EMU_DP, (void)0)  // kernels 1 and 3: a prefetch changes no result
  }
  for (int i = 0; i < 4; ++i) u.store(i, ct[i], ld);
}

// Kernel 2 on the emulated unit: the two 16-column halves in turn.
template <>
void kernel_emulated<2>(const uint16_t* a0_block, const uint16_t* a1_block, const uint16_t* b0, int steps,
                        size_t a_step, size_t b_step, float* c, size_t ldc, bool load_c) {
  thread_local EmuUnit u;
  const size_t ld = ldc * sizeof(float);
  for (int h = 0; h < 2; ++h) {
    float* const ct[2] = {c + 16 * h, c + 16 * ldc + 16 * h};
    for (int i = 0; i < 2; ++i) load_c ? u.load(i, ct[i], ld) : u.zero(i);
    const uint16_t *a0 = a0_block, *a1 = a1_block, *b = b0 + size_t(h) * 2 * kTile;
    QV_AMX_STEPS2(QV_EMU_LOAD, QV_EMU_DP)
    for (int i = 0; i < 2; ++i) u.store(i, ct[i], ld);
  }
}
#undef QV_EMU_LOAD
#undef QV_EMU_DP

constexpr KernelFn kEmulatedFns[kKernels] = {kernel_emulated<0>, kernel_emulated<1>, kernel_emulated<2>,
                                             kernel_emulated<1>};

#if defined(QV_HAVE_AMX)
// The tile configuration: palette 1, tiles 0..7 of 16 rows x 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

QV_AMX void tiles_begin() {
  TileConfig cfg;
  for (int i = 0; i < 8; ++i) {
    cfg.colsb[i] = 64;
    cfg.rows[i] = 16;
  }
  // GCC 12 (Debian 12's) does not see that LDTILECFG reads the configuration and drops the
  // stores above: every tile stays unconfigured and the first TILEZERO raises SIGILL (found on
  // the Xeon with test binaries built here, issue 13). The empty asm reads cfg and is a compiler
  // barrier, so the stores happen, and before the load.
  asm volatile("" : : "m"(cfg) : "memory");
  _tile_loadconfig(&cfg);
}

QV_AMX void tiles_end() { _tile_release(); }

#define QV_HW_LOAD(i, p, stride) _tile_loadd(i, p, stride)
#define QV_HW_DP(ci, ai, bi) _tile_dpbf16ps(ci, ai, bi)
// Kernel 3: the strip's four B tiles (4 KiB, contiguous) of step s + 2 into L1.
#define QV_HW_PREFETCH                               \
  if (Kernel == 3 && s + 2 < steps)                  \
    for (int line = 0; line < 4 * kTile; line += 32) \
  _mm_prefetch(reinterpret_cast<const char*>(b0 + 2 * b_step + line), _MM_HINT_T0)
template <int Kernel>
QV_AMX void kernel_amx(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, int steps, size_t a_step,
                       size_t b_step, float* c, size_t ldc, bool load_c) {
  const size_t ld = ldc * sizeof(float);
  if (load_c) {
    _tile_loadd(0, c, ld);
    _tile_loadd(1, c + 16, ld);
    _tile_loadd(2, c + 16 * ldc, ld);
    _tile_loadd(3, c + 16 * ldc + 16, ld);
  } else {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  }
  if constexpr (Kernel == 0) {
    QV_AMX_STEPS(QV_HW_LOAD, QV_HW_DP)
  } else {
    QV_AMX_STEPS1(QV_HW_LOAD, QV_HW_DP, QV_HW_PREFETCH)
  }
  _tile_stored(0, c, ld);
  _tile_stored(1, c + 16, ld);
  _tile_stored(2, c + 16 * ldc, ld);
  _tile_stored(3, c + 16 * ldc + 16, ld);
}

template <>
QV_AMX void kernel_amx<2>(const uint16_t* a0_block, const uint16_t* a1_block, const uint16_t* b0, int steps,
                          size_t a_step, size_t b_step, float* c, size_t ldc, bool load_c) {
  const size_t ld = ldc * sizeof(float);
  for (int h = 0; h < 2; ++h) {
    float* const c0 = c + 16 * h;
    float* const c1 = c + 16 * ldc + 16 * h;
    if (load_c) {
      _tile_loadd(0, c0, ld);
      _tile_loadd(1, c1, ld);
    } else {
      _tile_zero(0);
      _tile_zero(1);
    }
    const uint16_t *a0 = a0_block, *a1 = a1_block, *b = b0 + size_t(h) * 2 * kTile;
    QV_AMX_STEPS2(QV_HW_LOAD, QV_HW_DP)
    _tile_stored(0, c0, ld);
    _tile_stored(1, c1, ld);
  }
}
#undef QV_HW_LOAD
#undef QV_HW_DP
#undef QV_HW_PREFETCH

constexpr KernelFn kHardwareFns[kKernels] = {kernel_amx<0>, kernel_amx<1>, kernel_amx<2>, kernel_amx<3>};

// xgetbv(0) without the xsave target.
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}
#endif

#undef QV_AMX_STEPS
#undef QV_AMX_STEPS1
#undef QV_AMX_STEPS2

bool detect_unit() {
#if defined(QV_HAVE_AMX)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if (!(d & (1u << 24)) || !(d & (1u << 22))) return false;  // AMX-TILE, AMX-BF16
  if ((xcr0() & (3u << 17)) != (3u << 17)) return false;     // XTILECFG, XTILEDATA on in the OS
  // Linux hands out the tile data state only on request (ARCH_REQ_XCOMP_PERM for
  // XFEATURE_XTILEDATA, 18); then ARCH_GET_XCOMP_PERM must list it.
  gemm_library_init();
  syscall(SYS_arch_prctl, 0x1023, 18);
  unsigned long mask = 0;
  if (syscall(SYS_arch_prctl, 0x1022, &mask) != 0) return false;
  return (mask & (1ul << 18)) != 0;
#else
  return false;
#endif
}

}  // namespace

const KernelFn* const kEmulated = kEmulatedFns;
#if defined(QV_HAVE_AMX)
const KernelFn* const kHardware = kHardwareFns;
void begin() { tiles_begin(); }
void end() { tiles_end(); }
#endif
bool detect() { return detect_unit(); }

}  // namespace qwenvl::cpu::amx
