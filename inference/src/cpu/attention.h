// Multi-head attention over a block of queries with GEMMs (fast CPU path): per head,
// scores = q k^T * scale, a softmax per row (kernels.h), then p v. Jobs are (head, block of 64
// query rows), spread over the pool. The products run on oneDNN's fp32 sgemm, or, where the
// GEMM split is Amx (gemm.h) and its unit runs, on the tile unit (attention_amx) unless
// QWENVL_CPU_AMX_ATTENTION=0 (amx_attention_enabled; read at each call, for measurements).
#pragma once

#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

struct AttentionArgs {
  int T = 0;       // query rows
  int n_keys = 0;  // keys available (the causal limit below may use fewer)
  int heads = 0, head_dim = 0;
  const float* q = nullptr;  // row t, head h: q + t * ldq + h * q_head
  int ldq = 0, q_head = 0;
  const float* k = nullptr;  // key j, head h: k + j * ldk + h * k_head
  int ldk = 0, k_head = 0;
  const float* v = nullptr;
  int ldv = 0, v_head = 0;
  float* out = nullptr;  // out + t * ldo + h * head_dim
  int ldo = 0;
  float scale = 1.0f;
  // >= 0: query t sees keys 0..causal_offset + t only; < 0: every key.
  int causal_offset = -1;
  Isa isa = Isa::Generic;  // the softmax's (kernels.h)
};

void attention_gemm(ThreadPool& pool, const AttentionArgs& a);

// The same with both products on the tile unit (gemm.h's amx_gemm_f32: hi.hi + hi.lo + lo.hi of
// the bf16 halves of q, k, p and v, within about 1e-5 of fp32 relative to sum |a b|; the dropped
// lo.lo and the rounding of lo make the difference). Each head's K and V are packed once by the
// pool (heads in groups whose packed operands fit 64 MiB), then the (head, row block) jobs run
// q k^T, the softmax and p v, causal masks included (a job multiplies by the keys its last row
// sees; the later keys' products are computed and dropped, their p are zeros); each thread runs
// its own range of jobs, then steals (QWENVL_CPU_AMX_DYNAMIC=0: fixed chunks). Hardware: false
// (out untouched) where amx_available() is false; Emulated runs anywhere (slow: for tests).
// The same bits on both units, every microkernel, thread count and schedule.
bool attention_amx(ThreadPool& pool, const AttentionArgs& a, AmxUnit unit);
bool amx_attention_enabled();
// attention_gemm's fewest query rows for the AMX path: with fewer than one 32-row block of A
// tiles each call would repack every head's K and V for a product padded to 32 rows; such
// chunks (a prompt's short tail) keep the sgemm path.
constexpr int kAmxAttentionMinRows = 32;

}  // namespace qwenvl::cpu
