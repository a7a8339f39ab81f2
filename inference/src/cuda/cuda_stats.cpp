// GPU memory figures without CUDA headers in the caller.
#include "cuda/cuda_stats.h"

#include <cuda_runtime.h>

#include <mutex>

#include "cuda/cuda_util.h"

namespace qwenvl::cuda {

MemoryStats memory_stats() {
  MemoryStats s;
  s.backend_bytes = device_bytes_in_use();
  s.backend_peak_bytes = device_bytes_peak();
  size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
    s.device_used_bytes = total_b - free_b;
    s.device_total_bytes = total_b;
  }
  return s;
}

void reset_memory_peak() { reset_device_bytes_peak(); }

namespace {
std::mutex g_decode_mu;
DecodeStats g_decode;
}  // namespace

DecodeStats decode_stats() {
  std::lock_guard<std::mutex> lock(g_decode_mu);
  return g_decode;
}
void reset_decode_stats() {
  std::lock_guard<std::mutex> lock(g_decode_mu);
  g_decode = DecodeStats{};
}
void add_decode_step(double gpu_ms) {
  std::lock_guard<std::mutex> lock(g_decode_mu);
  ++g_decode.steps;
  g_decode.gpu_ms_total += gpu_ms;
}

void device_synchronize() { cudaDeviceSynchronize(); }

double device_peak_bandwidth() {
  int device = 0, clock_khz = 0, bus_bits = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device) != cudaSuccess) return 0;
  return 2.0 * clock_khz * 1e3 * bus_bits / 8.0;  // double data rate
}

}  // namespace qwenvl::cuda
