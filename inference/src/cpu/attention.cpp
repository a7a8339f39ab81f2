#include "cpu/attention.h"

#include <algorithm>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/ops.h"

namespace qwenvl::cpu {

void attention_gemm(ThreadPool& pool, const AttentionArgs& a) {
  constexpr int kRows = 64;
  const int row_blocks = (a.T + kRows - 1) / kRows;
  pool.parallel_for(size_t(a.heads) * row_blocks, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<float> scores;
    for (size_t job = j0; job < j1; ++job) {
      const int h = int(job / row_blocks), t0 = int(job % row_blocks) * kRows;
      const int rows = std::min(kRows, a.T - t0);
      const int keys = a.causal_offset >= 0 ? std::min(a.n_keys, a.causal_offset + t0 + rows) : a.n_keys;
      scores.resize(size_t(rows) * keys);
      sgemm(true, rows, keys, a.head_dim, a.scale, a.q + size_t(t0) * a.ldq + size_t(h) * a.q_head, a.ldq,
            a.k + size_t(h) * a.k_head, a.ldk, 0.0f, scores.data(), keys);
      for (int r = 0; r < rows; ++r) {
        float* s = &scores[size_t(r) * keys];
        const int n = a.causal_offset >= 0 ? std::min(keys, a.causal_offset + t0 + r + 1) : keys;
        softmax(a.isa, s, n);
        std::fill(s + n, s + keys, 0.0f);
      }
      sgemm(false, rows, a.head_dim, keys, 1.0f, scores.data(), keys, a.v + size_t(h) * a.v_head, a.ldv, 0.0f,
            a.out + size_t(t0) * a.ldo + size_t(h) * a.head_dim, a.ldo);
    }
  });
}

}  // namespace qwenvl::cpu
