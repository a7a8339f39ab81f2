#include "cpu/attention.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/ops.h"
#include "cpu/profile.h"

namespace qwenvl::cpu {

namespace {

constexpr int kRows = 64;  // query rows per job

// The keys that query rows [t0, t0 + rows) see together (the causal limit of the last row).
int job_keys(const AttentionArgs& a, int t0, int rows) {
  return a.causal_offset >= 0 ? std::min(a.n_keys, a.causal_offset + t0 + rows) : a.n_keys;
}

// Row r of a job's scores (keys wide, ld apart): softmax over the keys row r sees, zeros past
// them.
void softmax_rows(const AttentionArgs& a, int t0, int rows, int keys, int ld, float* scores) {
  profile::Scope scope("thread.attention.softmax");
  for (int r = 0; r < rows; ++r) {
    float* s = scores + size_t(r) * ld;
    const int n = a.causal_offset >= 0 ? std::min(keys, a.causal_offset + t0 + r + 1) : keys;
    softmax(a.isa, s, n);
    std::fill(s + n, s + keys, 0.0f);
  }
}

// The heads whose packed K and V fit this many bytes are packed together (at least one head).
constexpr size_t kPackedBudget = size_t(64) << 20;

// fn(job) for jobs 0..n on the pool: with work stealing (util/parallel.h) where QWENVL_CPU_AMX_DYNAMIC allows, else in
// the pool's fixed chunks.
template <class Fn>
void run_jobs(ThreadPool& pool, size_t n, const Fn& fn) {
  if (!amx_dynamic()) {
    pool.parallel_for(n, 1, [&](size_t j0, size_t j1) {
      for (size_t job = j0; job < j1; ++job) fn(job);
    });
    return;
  }
  // Head-major jobs: a thread keeps to its heads' packed K and V; causal row blocks differ in cost.
  parallel_for_stealing(pool, n, [&](size_t job, size_t) { fn(job); });
}

}  // namespace

bool attention_amx(ThreadPool& pool, const AttentionArgs& a, AmxUnit unit) {
  if (unit == AmxUnit::Hardware && !amx_available()) return false;
  if (a.T <= 0 || a.heads <= 0) return true;
  if (a.n_keys <= 0 || a.head_dim <= 0) return false;
  const int row_blocks = (a.T + kRows - 1) / kRows;
  // Per head: K as the B of q k^T (N = keys, rows of head_dim) and V as the B of p v (N =
  // head_dim, K = keys), packed once for all the head's row blocks.
  const size_t k_elems = amx_panel_elems(a.n_keys, a.head_dim), v_elems = amx_panel_elems(a.head_dim, a.n_keys);
  const size_t per_head = k_elems + v_elems;
  const int group = int(std::clamp<size_t>(kPackedBudget / (per_head * sizeof(uint16_t)), 1, size_t(a.heads)));
  thread_local std::vector<uint16_t> packed;  // the calling thread's (the jobs use the pointer)
  packed.resize(per_head * size_t(group));
  uint16_t* const base = packed.data();
  const int variant = amx_kernel_variant();  // read here, not in every job
  bool ok = true;
  for (int h0 = 0; h0 < a.heads && ok; h0 += group) {
    const int g = std::min(group, a.heads - h0);
    run_jobs(pool, size_t(g) * 2, [&](size_t job) {
      profile::Scope scope("thread.attention.pack_kv");
      const int h = h0 + int(job / 2);
      uint16_t* const dst = base + (job / 2) * per_head;
      if (job % 2 == 0)
        amx_pack_f32(a.isa, a.k + size_t(h) * a.k_head, a.ldk, true, a.n_keys, a.head_dim, dst);
      else
        amx_pack_f32(a.isa, a.v + size_t(h) * a.v_head, a.ldv, false, a.head_dim, a.n_keys, dst + k_elems);
    });
    std::atomic<bool> all{true};
    run_jobs(pool, size_t(g) * row_blocks, [&](size_t job) {
      thread_local std::vector<float> scores;
      const int hg = int(job / row_blocks), h = h0 + hg, t0 = int(job % row_blocks) * kRows;
      const int rows = std::min(kRows, a.T - t0), keys = job_keys(a, t0, rows);
      const uint16_t* const kp = base + size_t(hg) * per_head;
      const AmxPanel kt{kp, a.n_keys, a.head_dim}, v{kp + k_elems, a.head_dim, a.n_keys};
      // The scores straight from the tiles: rows and keys padded to 32 (ld), the padding unused.
      const int ld = (keys + 31) / 32 * 32;
      scores.resize(size_t(rows + 31) / 32 * 32 * ld);
      bool done;
      {
        profile::Scope qk("thread.attention.qk");
        done = amx_gemm_f32(a.isa, a.q + size_t(t0) * a.ldq + size_t(h) * a.q_head, a.ldq, rows, a.head_dim, kt, keys,
                            a.scale, scores.data(), ld, true, unit, variant);
      }
      if (!done) {  // the q k^T product did not run: nothing to normalise
        all.store(false, std::memory_order_relaxed);
        return;
      }
      softmax_rows(a, t0, rows, keys, ld, scores.data());
      profile::Scope pv("thread.attention.pv");
      done = amx_gemm_f32(a.isa, scores.data(), ld, rows, keys, v, a.head_dim, 1.0f,
                          a.out + size_t(t0) * a.ldo + size_t(h) * a.head_dim, a.ldo, false, unit, variant);
      if (!done) all.store(false, std::memory_order_relaxed);
    });
    ok = all.load();
  }
  return ok;
}

bool amx_attention_enabled() { return env_int("QWENVL_CPU_AMX_ATTENTION", 1, 0, 1) == 1; }

void attention_gemm(ThreadPool& pool, const AttentionArgs& a) {
  if (gemm_split() == GemmSplit::Amx && a.T >= kAmxAttentionMinRows && amx_attention_enabled() &&
      attention_amx(pool, a, amx_unit()))
    return;
  const int row_blocks = (a.T + kRows - 1) / kRows;
  pool.parallel_for(size_t(a.heads) * row_blocks, 1, [&](size_t j0, size_t j1) {
    thread_local std::vector<float> scores;
    for (size_t job = j0; job < j1; ++job) {
      const int h = int(job / row_blocks), t0 = int(job % row_blocks) * kRows;
      const int rows = std::min(kRows, a.T - t0), keys = job_keys(a, t0, rows);
      scores.resize(size_t(rows) * keys);
      {
        profile::Scope qk("thread.attention.qk");
        sgemm(true, rows, keys, a.head_dim, a.scale, a.q + size_t(t0) * a.ldq + size_t(h) * a.q_head, a.ldq,
              a.k + size_t(h) * a.k_head, a.ldk, 0.0f, scores.data(), keys);
      }
      softmax_rows(a, t0, rows, keys, keys, scores.data());
      profile::Scope pv("thread.attention.pv");
      sgemm(false, rows, a.head_dim, keys, 1.0f, scores.data(), keys, a.v + size_t(h) * a.v_head, a.ldv, 0.0f,
            a.out + size_t(t0) * a.ldo + size_t(h) * a.head_dim, a.ldo);
    }
  });
}

}  // namespace qwenvl::cpu
