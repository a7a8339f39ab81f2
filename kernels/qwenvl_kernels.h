// Host-side launchers of the CUDA kernels (kernels/*.cu), callable from plain C++. Every launcher
// returns the launch's cudaError_t (cudaGetLastError after the launch) and never synchronises.
// Tests: tests/gpu/ (one executable per family, each against a CPU fp32 reference).
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace qwenvl::kernels {

// ---- gemv_int4.cu: GPTQ int4 layers in a tensor-core-friendly tiled layout ------------------
// A GPTQ layer y = x W^T + b with W [N][K] is stored as 16-row tiles; tile r, 64-wide k chunk c,
// lane l holds one uint4 (4 words of 8 nibbles) ready for four m16n8k16 A fragments. Scales are
// [tile][group][8] half2 pairs (rows g, g+8); zeros [tile][group] uint2 of stored nibbles
// (rows 0-7 in .x, 8-15 in .y; the zero point is nibble + 1, AutoGPTQ v1).
struct Int4Weight {
  const uint4* q = nullptr;
  const uint32_t* scales = nullptr;
  const uint2* zeros = nullptr;
  const __half* bias = nullptr;  // [n] in tile order, or null
  int n = 0;                     // rows (a multiple of 16)
  int k = 0;                     // inputs (a multiple of 64)
  int group = 0;                 // a multiple of 64 dividing k
  bool symmetric = false;        // every zero point is 8 (qzeros words 0x77777777): zeros are not read
};
// Whether every AutoGPTQ qzeros word is 0x77777777 (a symmetric checkpoint); host data, any alignment.
bool int4_zeros_symmetric(const void* qzeros, size_t bytes);
size_t int4_q_words(int n, int k);                 // uint4 count of q
size_t int4_scale_words(int n, int k, int group);  // uint32 count of scales
size_t int4_zero_words(int n, int k, int group);   // uint2 count of zeros

// Repacks a raw AutoGPTQ layer (device copies of qweight [K/8][N], qzeros [K/G][N/8], scales
// [K/G][N]) into the tiled layout. Source tile i goes to destination tile i * tile_step +
// tile_offset, which interleaves two layers (w1 | w2) tile by tile for the fused SwiGLU.
cudaError_t repack_int4(const uint32_t* qweight, const uint32_t* qzeros, const __half* scales, int n, int k, int group,
                        uint4* q_out, uint32_t* scales_out, uint2* zeros_out, int tile_step, int tile_offset,
                        cudaStream_t stream);

enum class Int4Epilogue {
  Store,     // y = fp16(acc + b)
  Residual,  // y = fp16(fp16(acc + b) + residual); residual may alias y
  SiluMul,   // tiles interleave up (even) and gate (odd): y = fp16(up * fp16(silu(gate))), n/2 wide
};
// Which kernel takes one token. Auto: the fused SwiGLU and layers with k > 4096 go through the
// streaming kernel (register ring, no per-stage barrier; faster there on an H200), the rest through
// the ring kernel that also serves 2..8 tokens. Tests and benchmarks force either (the setting is
// process-wide).
enum class Int4Path { Auto, Ring, Streaming };
void gemv_int4_select(Int4Path path);
// How many tile groups ahead the streaming kernel has the copy engine prefetch into L2 (0: none;
// the default is the best measured on an H200, see docs/benchmarks.md).
void gemv_int4_set_prefetch(int groups);
// Largest token count gemv_int4 takes for a layer of k inputs (more tokens: gemm_int4).
int gemv_int4_max_tokens(int k);
// y [ntok][n or n/2] from x [ntok][k]: weights fp16(scale * (q - zero)), fp32 accumulation.
// With norm_w, x is the residual stream and is RMS-normalised (fp32 statistics, eps) first.
cudaError_t gemv_int4(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                      Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w = nullptr, float eps = 0.f);

// ---- gemm_int4.cu: the same layers for many tokens (prompts) ----------------------------------
// y [m][n or n/2] from x [m][k] with the epilogues above; 16-byte aligned rows.
cudaError_t gemm_int4(const Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                      Int4Epilogue epilogue, cudaStream_t stream);

// ---- dequant_int4.cu: the cuBLAS prompt path (the default; QWENVL_PREFILL_GEMM=mma: gemm_int4) --
// The CUDA backend runs a prompt chunk of at least Int4Prefill::kMinRows rows by dequantising
// each layer into a leased fp16 slot (dequant_int4), a cuBLAS fp16 GEMM with fp32 accumulation,
// and int4_epilogue, or with QWENVL_PREFILL_GEMM=mma through gemm_int4
// (inference/src/cuda/int4_prefill.h; read at load).
// out [n][k] row-major, rows in tile order (w1 | w2 interleaved as the layer is):
// out[r][k] = fp16(scale * (q - zero)), the same bits as gemm_int4's fragments and GptqLinear.
cudaError_t dequant_int4(const Int4Weight& w, __half* out, cudaStream_t stream);
// y [m][n or n/2] from a GEMM product acc [m][n] (tile-order columns) with gemm_int4's epilogue
// and roundings: Store fp16(acc + b), Residual fp16(fp16(acc + b) + residual) (residual may alias
// y), SiluMul fp16(fp16(up + b) * fp16(silu(fp16(gate + b)))). The fp16 overload takes a product
// already rounded to fp16, which rounds the same only when the layer has no bias (refused else).
cudaError_t int4_epilogue(const float* acc, int m, const Int4Weight& w, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream);
cudaError_t int4_epilogue(const __half* acc, int m, const Int4Weight& w, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream);

// ---- gemv_f16.cu: fp16 weight times one vector, fp32 out (lm_head) -------------------------------
// y[n] = sum_k W[n][k] x[k]; W [n][k] row-major fp16, k a multiple of 8.
cudaError_t gemv_f16_f32(const __half* w, int n, int k, const __half* x, float* y, cudaStream_t stream);

// ---- pick.cu: greedy decoding on the device ---------------------------------------------------------
// `block` (device ints): [0] count of ids, [1] the repetition penalty's float bits, [2..] ids.
// mark_seen sets mark[id] = 1 for the block's ids (max_count bounds the count, for the grid).
cudaError_t mark_seen(const int* block, uint8_t* mark, int n, int max_count, cudaStream_t stream);
// Scratch for greedy_pick: zero it once; every call leaves it ready for the next.
size_t greedy_pick_scratch_bytes();
// out[0] = the first argmax of logits[n] after the repetition penalty (block[1]; 1 = none) on the
// marked ids (v < 0 ? v * p : v / p, as the CPU sampler); out[1] = the first index whose logit is
// NaN, infinite or beyond max_abs, or n when there is none.
cudaError_t greedy_pick(const float* logits, int n, const uint8_t* mark, const int* block, float max_abs, void* scratch,
                        int* out, cudaStream_t stream);

// ---- sample.cu: sampled decoding on the device --------------------------------------------------
// One draw's parameters, in device memory (the decode graph copies them in every step). Not
// greedy: temperature > 0 and top_p > 0 (qwenvl/sampling.h's is_greedy picks greedy_pick).
struct SampleArgs {
  float temperature;  // logits are divided by it (skipped when 1)
  float top_p;        // >= 1: off
  int top_k;          // 0 or >= n: off
  int pad;
  double uniform;  // in [0, 1): the draw (the engine's Sampler::draw)
};
// Scratch for sample_pick over n logits: zero it once; every call leaves it ready for the next.
size_t sample_pick_scratch_bytes(int n);
// out[0] = the token the CPU sampler's rules give for `uniform` (engine/sampler.h: penalty on the
// marked ids as greedy_pick, temperature, top-k, top-p, the first token whose cumulative
// probability exceeds uniform); out[1] = the first bad logit index as greedy_pick, n when none.
cudaError_t sample_pick(const float* logits, int n, const uint8_t* mark, const int* block, const SampleArgs* args,
                        float max_abs, void* scratch, int* out, cudaStream_t stream);

// ---- norm.cu: residual update fused with RMSNorm / LayerNorm ------------------------------------
// For each row: v = x (+ fp16(y[row % y_period] + y_bias) when y is given), rounded to fp16;
// res_out (if given) = v; out (if given) = the norm of v. Widths up to 11264; any of res_out,
// out may alias x; y may alias out.
// RMSNorm as modeling_qwen: out = fp16(fp16(v * rsqrt(mean(v^2) + eps)) * w).
cudaError_t rmsnorm(const __half* x, const __half* y, const __half* y_bias, __half* res_out, __half* out,
                    const __half* w, int rows, int width, float eps, cudaStream_t stream);
// LayerNorm (torch, fp32 statistics): out = fp16((v - mean) * rstd * w + b).
cudaError_t layernorm(const __half* x, const __half* y, const __half* y_bias, int y_period, __half* res_out,
                      __half* out, const __half* w, const __half* b, int rows, int width, float eps,
                      cudaStream_t stream);

// ---- KV cache view (paged) ------------------------------------------------------------------------
// Positions live in pages of page_size; page p holds, for every layer, K then V as
// [heads][page_size][head_dim] fp16.
struct KvCacheView {
  __half* const* pages = nullptr;  // device array of page base pointers
  int page_size = 0;
  int layers = 0;
  int heads = 0;
  int head_dim = 0;
};

// ---- rope.cu: bias, rotary (rotate-half, fp32), logn, KV cache write ------------------------------
// qkv [ntok][3 * heads * head_dim] (Q | K | V blocks). Token i sits at position *past + i. Adds
// bias (if given), rotates Q and K with inv_freq [head_dim / 2], multiplies Q by
// fp16(ln(p + 1) / ln(seq_length)) for p >= seq_length when logn, writes Q back in place and
// K, V into the cache.
cudaError_t rope_qkv(__half* qkv, const __half* bias, int ntok, const int* past, const float* inv_freq, int seq_length,
                     bool logn, const KvCacheView& cache, int layer, cudaStream_t stream);

// ---- attention_decode.cu: one query per head over the KV cache (split-K + combine) ----------------
// Scratch the kernel needs: per-split partial results and per-head counters. Zero it once before
// the first call; the kernel leaves the counters at zero.
size_t attention_decode_scratch_bytes(int heads, int head_dim);
// The rotary step of rope_qkv (no bias) done inside attention_decode: with inv_freq set, q is the
// step's raw [3][heads][head_dim] q|k|v row at position *length - 1; the query is rotated (and
// logn-scaled) on the fly and the rotated key and the value are written into the cache, with the
// same bits as rope_qkv.
struct DecodeRope {
  const float* inv_freq = nullptr;
  int seq_length = 0;
  bool logn = false;
};
// How decode attention splits the positions (process-wide, for benchmarks): at least min_keys
// per split (default 32), at most max_splits splits (default and limit 64; the grid's size).
void attention_decode_tune(int min_keys, int max_splits);
// q [heads][head_dim]; attends to positions [0, *length); out [heads][head_dim].
cudaError_t attention_decode(const __half* q, const KvCacheView& cache, int layer, const int* length, float scale,
                             void* scratch, __half* out, cudaStream_t stream, const DecodeRope& rope = DecodeRope());

// ---- attention_flash.cu: tensor-core attention for many queries ----------------------------------
struct AttentionArgs {
  const __half* q = nullptr;
  long long q_row = 0, q_head = 0, q_batch = 0;  // strides in elements
  const __half* k = nullptr;                     // contiguous K, V (when cache.pages is null)
  const __half* v = nullptr;
  long long kv_row = 0, kv_head = 0, kv_batch = 0;
  KvCacheView cache;  // paged K, V for the decoder (batch 1)
  int layer = 0;
  __half* o = nullptr;
  long long o_row = 0, o_head = 0, o_batch = 0;
  int n_q = 0, n_kv = 0, heads = 0, head_dim = 0, batch = 1;
  bool causal = false;
  int q_offset = 0;  // position of query 0 (causal: key j is visible to query i when j <= q_offset + i)
  float scale = 1.f;
};
// head_dim: a multiple of 8 up to 128.
cudaError_t flash_attention(const AttentionArgs& args, cudaStream_t stream);
// Whether contiguous, unmasked attention (ViT, resampler) double-buffers its K|V tiles (the
// same bits either way; default on, QWENVL_FLASH_PIPELINE=0 at start turns it off). Process-wide,
// for tests and A/B measurements.
void flash_attention_pipeline(bool on);
// How unmasked attention over contiguous K, V (ViT, resampler) is split: ksplit warp groups per
// block each walk 1/ksplit of the keys for the block's block_queries queries (16 per warp), their
// partial softmax merged in fp32 (attention_flash_split.cu; not the same bits as ksplit 1, the
// single-group kernel, double-buffered or not as above). Variants: 1; 2 or 4 with 64 queries;
// 2 with 128.
struct FlashSplit {
  int ksplit = 1;
  int block_queries = 64;
};
// Forces a variant (ksplit 0 or an unknown pair: by shape and device, the default).
// QWENVL_FLASH_KSPLIT=1|2|4|2w (2w: 2 with 128 queries) at start forces one. Causal or paged
// attention always uses 1. Process-wide, for tests and A/B runs.
void flash_attention_ksplit(int ksplit, int block_queries = 64);
// The variant flash_attention uses for `args` under the current setting.
FlashSplit flash_attention_split_for(const AttentionArgs& args);
// Whether the split kernel keeps each warp's Q fragments in registers (fewer shared-memory reads,
// a few bytes spilled at its 128-register cap; mode > 0) or re-reads them per key tile (mode <= 0,
// the default: as fast or faster on an H200 at both real shapes). QWENVL_FLASH_QREGS=1 at start
// means registers. Process-wide, for tests and A/B runs.
void flash_attention_split_qregs(int mode);

// ---- elementwise.cu ------------------------------------------------------------------------------
enum class Activation { None, GeluErf };
// y[r][c] = act(fp16(y[r][c] + bias[c])) in place; ld is the row stride.
cudaError_t bias_act(__half* y, const __half* bias, int rows, int cols, int ld, Activation act, cudaStream_t stream);
// From a GEMM over tile-interleaved up|gate rows [ntok][2 * cols] (cols a multiple of 16) to
// h[t][col0 + j] = fp16(up * fp16(silu(gate))), ld_h the row stride of h.
cudaError_t silu_mul_tiled(const __half* fused, int ntok, int cols, __half* h, int ld_h, int col0, cudaStream_t stream);
// pixels [n][3][size][size] fp32 -> patches [n * (size/patch)^2][k_pad] fp16 in conv-weight
// order (channel, ky, kx), zero beyond 3 * patch * patch.
cudaError_t im2col_patches(const float* pixels, int n, int size, int patch, int k_pad, __half* out,
                           cudaStream_t stream);
cudaError_t f16_to_f32(const __half* in, float* out, size_t n, cudaStream_t stream);
cudaError_t f32_to_f16(const float* in, __half* out, size_t n, cudaStream_t stream);

}  // namespace qwenvl::kernels
