// Multi-head attention over a block of queries with GEMMs (fast CPU path): per head,
// scores = q k^T * scale on oneDNN's sgemm, a softmax per row (kernels.h), then p v. Jobs
// are (head, block of query rows), spread over the pool.
#pragma once

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

}  // namespace qwenvl::cpu
