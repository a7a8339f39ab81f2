// GPU memory figures for tools that do not include CUDA headers (the benchmark): bytes the
// CUDA backend holds now and at most, and the device's own used/total counters.
#pragma once

#include <cstddef>
#include <string>

namespace qwenvl::cuda {

struct MemoryStats {
  size_t backend_bytes = 0;       // held by the backend's allocations now
  size_t backend_peak_bytes = 0;  // most held at once since the last reset
  size_t device_used_bytes = 0;   // total - free as the driver reports it (includes the context)
  size_t device_total_bytes = 0;
};

MemoryStats memory_stats();

// GPU time of single-token decode steps (the captured graph, events around each launch) since
// the last reset: how much of a step's wall time the GPU is busy.
struct DecodeStats {
  long long steps = 0;
  double gpu_ms_total = 0;
};
DecodeStats decode_stats();
void reset_decode_stats();
void add_decode_step(double gpu_ms);  // called by the backend
void reset_memory_peak();
// Blocks until the GPU is idle (for timing).
void device_synchronize();
// The memory bandwidth the card's clock and bus width allow (bytes/s), 0 when unknown.
double device_peak_bandwidth();

}  // namespace qwenvl::cuda
