// What the CPU backend's decoding costs and what this machine delivers: the bytes one fast decode
// step reads, a STREAM-like copy bandwidth with all threads, and the rate at which the int4
// GEMV kernel streams weights (the figure decode speed follows). Used by qwenvl-bench and by
// qwenvl::measure_cpu_speed (the app's first-start estimate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cpu/kernels.h"
#include "model/config.h"
#include "util/parallel.h"

namespace qwenvl::cpu {

// Bytes a fast-path decode step reads at `ctx` cached positions: repacked int4 layers, fp16
// lm_head, one fp16 embedding row, fp32 norms and biases, the fp32 KV cache.
double decode_step_bytes(const ModelConfig& c, int ctx);
// Copy a[i] = b[i] over two arrays of `bytes` each, split over the pool; bytes read + written
// per second, the best of `reps` passes (STREAM's "Copy" counts the same way).
double measure_copy_bandwidth(ThreadPool& pool, size_t bytes, int reps = 5);
// A K x N GPTQ layer (group G) in the checkpoint's layout that owns its qweight, qzeros and
// scales (zero until the caller fills them): synthetic layers for benchmarks and tests. Not
// copyable: `l` points at the members.
struct OwnedGptq {
  std::vector<uint32_t> qweight, qzeros;
  std::vector<uint16_t> scales;
  TensorView tq, tz, ts;
  GptqLinear l;
  OwnedGptq(int K, int N, int G);
  OwnedGptq(const OwnedGptq&) = delete;
  OwnedGptq& operator=(const OwnedGptq&) = delete;
};
// A K x N GPTQ layer (group G, symmetric zeros) of random nibbles from `seed`, repacked.
PackedInt4 random_int4_layer(int K, int N, int G, uint32_t seed);
// Weight bytes per second the int4 GEMV streams over synthetic 4096-wide layers of about
// `bytes` in total, split over the pool; the best of `reps` passes.
double measure_int4_gemv_bandwidth(ThreadPool& pool, Isa isa, size_t bytes, int reps = 5);

}  // namespace qwenvl::cpu
