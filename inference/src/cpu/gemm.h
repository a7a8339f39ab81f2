// The fast CPU path's linear layers: y = x W^T (+ b) over int4 (PackedInt4) or fp16 weights.
// A few rows go through the GEMVs of kernels.h (the weights read once per call, split by
// output columns over the pool); more rows dequantise or widen a tile of W into fp32 and hand
// it to oneDNN's sgemm, one tile per job and one thread per job, so every core is busy and the
// result does not depend on the number of threads.
#pragma once

#include "cpu/kernels.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

struct FastWeight {
  enum class Kind { Int4, F16Rows, F16Cols };
  Kind kind = Kind::F16Rows;
  int N = 0, K = 0;
  const PackedInt4* int4 = nullptr;
  const uint16_t* f16 = nullptr;  // F16Rows: [N][K]; F16Cols: [K][N] (x @ W)
  int ld = 0;                     // F16Cols: the row stride of the stored matrix (its N)

  static FastWeight packed(const PackedInt4& p);
  static FastWeight f16_rows(const uint16_t* w, int n, int k);
  static FastWeight f16_cols(const uint16_t* w, int k, int n);
};

// Rows at or below this use the GEMV kernels.
constexpr int kGemvMaxRows = 3;

// y[m][n] = sum_k x[m][k] W[n][k] (+ bias[n]); x [M][K] (row stride ldx, default K), y row stride
// ldy (default N).
void fast_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                 int ldy = 0, int ldx = 0);

// How prompts and the vision encoder compute their GEMMs: Tiles (each job widens a tile of W and
// runs a one-thread fp32 sgemm on it, a job per pool thread), Bf16x3 (three bf16 products
// summed in fp32 by oneDNN's matmul on the pool, gemm_bf16.cpp and Bf16Plan below: within 1e-5
// of fp32, meant for Intel AMX) or Amx (the same three products by our own AMX kernel,
// gemm_amx.cpp; where the CPU or the OS has no AMX it runs as Tiles, after a note on stderr,
// unless QWENVL_CPU_AMX_EMULATE=1 asks for its portable emulation: slow, for checks only).
// fp16-column weights and machines where oneDNN has no fast bf16 matmul use Tiles for Bf16x3.
// Default: Amx where the CPU and the OS have AMX (measured faster than Tiles on the 16-core Xeon,
// within 4.1e-6 of it), else Tiles (docs/benchmarks.md; one bf16 product alone was measured
// too, and misses even the CUDA backend's bars); QWENVL_CPU_GEMM=tiles|bf16x3|amx overrides;
// process-wide.
enum class GemmSplit { Tiles, Bf16x3, Amx };
GemmSplit gemm_split();
void set_gemm_split(GemmSplit s);
// How the Bf16x3 split lays its work on the pool (QWENVL_CPU_BF16=blocks|tiles|team, else
// set_bf16_plan; process-wide). Every plan computes the same three products per value pair
// (gemm_bf16.cpp); only the order of the fp32 sums differs. A' = [hi(x) | hi(x) | lo(x)] and
// W' = [hi(w) | lo(w) | hi(w)] per row, 3K bf16, cut into chunks of about QWENVL_CPU_BF16_KC
// (default 1536; 0: one chunk of 3K) that are multiplied one by one, the later chunks added to
// the first by oneDNN's sum post-op, so that a tile's chunk of W' (128 x 1536 bf16, 384 KiB)
// and a block of A' stay in L2. W' is written straight into the blocked layout that oneDNN picks
// for its matmul (on AMX and AVX-512 BF16, pairs of K by 64 columns) unless
// QWENVL_CPU_BF16_BLOCKED=0 (then column by column, and oneDNN repacks it on every call).
//  - Blocks (the default): W' is prepared by all threads, a panel of tiles at a time (up to
//    QWENVL_CPU_BF16_PANEL_MB, default 64 MiB, in one buffer kept by the calling thread); then
//    jobs of (row block of about QWENVL_CPU_BF16_MB = 256 rows, group of tiles) run one
//    one-thread matmul per chunk and tile, so the chunk of A' is reused across the group's tiles
//    and the tile's chunk of W' across the block's rows. With a single row block (prompts of
//    fewer than 384 rows) it runs as Tiles, which keeps W' in L2 instead of a trip to memory.
//  - Tiles: each job prepares one tile of W' (its thread's buffer) and multiplies all rows (or
//    a row part) by it. With QWENVL_CPU_BF16_KC=0 QWENVL_CPU_BF16_BLOCKED=0 this is the first
//    version measured on the Xeon (one matmul per tile over the whole 3K, plain weights).
//  - Team: the panels of Blocks in plain weights, each multiplied by one matmul on oneDNN's own
//    OpenMP threads (whose spinning after each call slows the pool's next steps: on the build
//    machine the small checkpoint's vision took 110 ms against 66 ms with Blocks).
// QWENVL_DEBUG_BF16=1 prints each matmul primitive as it is made (shape, oneDNN's
// implementation) and the blocked weights layout. scripts/amx-check.sh measures the plans.
enum class Bf16Plan { Blocks, Tiles, Team };
Bf16Plan bf16_plan();
void set_bf16_plan(Bf16Plan p);
// The tile width (output columns per job) of a split for K-long rows; QWENVL_CPU_GEMM_NT or
// set_gemm_tile_columns(nt) fixes it (0: the split's own choice again).
int gemm_tile_columns(GemmSplit split, int K);
void set_gemm_tile_columns(int nt);
int gemm_fixed_tile_columns();  // the width fixed by QWENVL_CPU_GEMM_NT or set_gemm_tile_columns, else 0
const char* gemm_split_name(GemmSplit s);

// Single-threaded row-major sgemm through oneDNN: C = alpha A op(B) + beta C, with op(B) = B^T
// when b_trans (B [N][K]) and B otherwise (B [K][N]). With beta 0, C is never read.
void sgemm(bool b_trans, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb, float beta,
           float* C, int ldc);
// The same on `threads` of the library's threads (the benchmark's library-only figure).
void sgemm_threads(int threads, bool b_trans, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                   int ldb, float beta, float* C, int ldc);

// Internal to gemm.cpp and gemm_bf16.cpp.
void gemm_library_init();  // once, before the library's first call (AMX permission)
// A tuning knob from the environment: the whole value an integer in [lo, hi], else fallback.
int env_int(const char* name, int fallback, int lo, int hi);
void library_threads(int n);                          // the calling thread's OpenMP (or OpenBLAS) thread count
int gemm_row_parts(int M, int n_tiles, int threads);  // row parts of the tile splits
// Writes columns [n0, n0 + nb) of W as fp32 into out: rows of K (out[n][k]) for Int4 and
// F16Rows (whole 16-column blocks for Int4), and [K][nb] for F16Cols.
void widen_columns(Isa isa, const FastWeight& w, int n0, int nb, float* out);
bool bf16x3_available();    // oneDNN has a fast (brgemm) bf16 matmul here
bool bf16x3_has_amx();      // ... and it runs on AMX
uint64_t bf16x3_matmuls();  // bf16 matmuls run so far (tests check the split did not fall back)
// The Bf16x3 split; false (y unspecified) when oneDNN cannot run it, and the caller falls back
// to the fp32 tiles.
bool bf16x3_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                   int ldy, int ldx);

// The Amx split (gemm_amx.cpp). amx_available: the CPU has AMX-TILE and AMX-BF16 and Linux
// granted this process the tile state. amx_linear runs fast_linear's product on the tile unit
// (Hardware; false, y untouched, where amx_available() is false) or on its portable emulation
// (Emulated: the same packing, blocking and per-element order, TDPBF16PS's arithmetic in
// scalar code; any machine, slow); x [M][K] (row stride ldx, default K), y row stride ldy
// (default N). Jobs of a panel of columns (128, 64 or 32 wide, or the fixed gemm_tile_columns
// rounded up to 32) by a part of the rows: whole panels where they fill the threads, else row
// parts too (plan_jobs in gemm_amx.cpp; QWENVL_CPU_AMX_PARTS forces their number); k blocks of QWENVL_CPU_AMX_KB k
// (default: as many as keep 1 MiB of the panel in L2 in loop order 2, 256 in the others); QWENVL_DEBUG_AMX=1 prints
// each call's plan. QWENVL_CPU_AMX_KERNEL picks the microkernel (0, the default: the first one; 1: its loads spread
// between the products; 2: two C tiles, the operands software-pipelined; 3: kernel 1 prefetching B) and
// QWENVL_CPU_AMX_ORDER the loop order (0: row blocks outer; 1: 32-column strips outer; 2, the default: k blocks of up
// to 1 MiB of panel, C kept in the tiles that long), all with the same result bit for bit (gemm_amx.cpp);
// amx_kernel_variant / amx_loop_order give the ones in effect. Where row parts share a panel it can be packed once by
// all threads first (QWENVL_CPU_AMX_SHARED: 1 always, -1 when it fits 512 MiB, 0 never, the default), and each thread
// runs its own range of jobs, then takes jobs from the back of the fullest range (QWENVL_CPU_AMX_DYNAMIC, default 1; 0:
// fixed contiguous chunks only); neither changes a bit of the result. amx_calls: calls run so far (tests check that the
// split did not fall back).
enum class AmxUnit { Hardware, Emulated };
bool amx_available();
bool amx_linear(ThreadPool& pool, Isa isa, const float* x, int M, const FastWeight& w, const float* bias, float* y,
                int ldy, int ldx, AmxUnit unit);
uint64_t amx_calls();
int amx_kernel_variant();
int amx_loop_order();
bool amx_dynamic();
// The unit the Amx split runs on (gemm.cpp): Hardware where amx_available(), else Emulated when
// QWENVL_CPU_AMX_EMULATE=1, else Hardware (which the Amx functions refuse: callers fall back).
AmxUnit amx_unit();

// Single-threaded products with fp32 activations on both sides, for use inside a pool job (the
// attention's, attention.cpp): C[m][n] = alpha sum_k A[m][k] B[k][n] as hi.hi + hi.lo + lo.hi of
// hi = bf16(x), lo = bf16(x - hi) on both operands (within about 1e-5 of fp32 relative to
// sum |a b|: lo rounded and lo.lo dropped, gemm_amx.cpp). B is packed first by amx_pack_f32 into
// amx_panel_elems(N, K) bf16: B [N][K] (rows ldb apart) when b_rows, else B [K][N]; zeros past
// N and K. amx_gemm_f32 multiplies A [M][K] (rows lda apart; alpha scales it in fp32 before
// the split) by the packed B's first N columns and first K rows (a causal product's prefix of
// the keys). c_padded: C has room for M and N rounded up to 32 (ldc at least that), and the
// tiles are stored there directly, the padding left with products of zero rows or of B's
// columns past N; else only C's M x N are written. True at once (nothing to do) when M or N is
// 0 or less; false (C untouched) when the unit is Hardware and amx_available() is false, K is 0
// or less, or N, K exceed the panel's. The tile unit is configured and released within each
// call; the per-element order, hence every bit, is the same on both units and every microkernel
// (kernel_variant, amx_kernel_variant() when -1: callers in pool jobs read it once and pass it).
struct AmxPanel {
  const uint16_t* data = nullptr;
  int N = 0, K = 0;  // as packed
};
size_t amx_panel_elems(int N, int K);
void amx_pack_f32(Isa isa, const float* b, int ldb, bool b_rows, int N, int K, uint16_t* out);
bool amx_gemm_f32(Isa isa, const float* A, int lda, int M, int K, const AmxPanel& b, int N, float alpha, float* C,
                  int ldc, bool c_padded, AmxUnit unit, int kernel_variant = -1);
// The Amx split's packing of one panel on its own (the tests, `qwenvl-bench cpu --pack`):
// columns [n0, n0 + nb) of w as the B tiles of a panel of np columns (np a multiple of 32, nb
// <= np; gemm_amx.cpp's layout), amx_panel_size(w, np) bf16 into out (of its 16-column blocks
// only [c0, c1), where c1 >= 0: the shared panels' parts), by `packer`: Passes, the
// three passes at isa (widen, split, interleave), which amx_linear runs wherever the fused
// packer does not serve; Fused, the one-pass AVX-512 packer (gemm_amx_pack.cpp; where isa is
// Avx512, for Int4 with groups a multiple of 32 and F16Rows) rounding to bf16 in integer
// operations; FusedBf16, the same with AVX512_BF16's conversion for fp16 rows where the CPU has
// it (amx_pack_bf16_available; amx_linear's choice there). Returns whether a fused packer ran.
// All write the same bytes.
enum class PanelPacker { Passes, Fused, FusedBf16 };
size_t amx_panel_size(const FastWeight& w, int np);
bool amx_pack_panel(Isa isa, PanelPacker packer, const FastWeight& w, int n0, int nb, int np, uint16_t* out, int c0 = 0,
                    int c1 = -1);
bool amx_pack_bf16_available();
// Internal to gemm_amx.cpp: the fused packer of a panel's 16-column blocks [c0, c1), K padded
// to Kp (bf16: with AVX512_BF16 where the CPU has it); false (out untouched) where it does not
// serve w or the CPU has no AVX-512 (F, BW, VL).
bool amx_pack_panel_avx512(const FastWeight& w, int Kp, int n0, int nb, int np, int c0, int c1, uint16_t* out,
                           bool bf16);

}  // namespace qwenvl::cpu
