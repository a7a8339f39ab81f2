// The entry point of libqwenvl-cuda.so: the table the engine's loader (backends/cuda_module.cpp)
// reads after dlopen(). Only creation and the benchmark's figures go through it; every forward
// pass is a virtual call straight into CudaBackend, as when it was linked in.
#include "backends/cuda_module_api.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_probe.h"
#include "cuda/cuda_stats.h"

extern "C" __attribute__((visibility("default"))) const qwenvl::CudaModuleApi* qwenvl_cuda_module_v1() {
  static const qwenvl::CudaModuleApi api = [] {
    qwenvl::CudaModuleApi a;
    a.version = QWENVL_ENGINE_VERSION;
    a.probe = qwenvl::cuda_probe;
    a.create = qwenvl::make_cuda_backend;
    a.memory_stats = qwenvl::cuda::memory_stats;
    a.reset_memory_peak = qwenvl::cuda::reset_memory_peak;
    a.decode_stats = qwenvl::cuda::decode_stats;
    a.reset_decode_stats = qwenvl::cuda::reset_decode_stats;
    a.device_peak_bandwidth = qwenvl::cuda::device_peak_bandwidth;
    return a;
  }();
  return &api;
}
