// The contract between the engine and the CUDA backend module (libqwenvl-cuda.so), which is
// dlopen()ed at run time so that nothing else links a CUDA library. The module exports one C
// symbol returning this table; no CUDA header is needed on either side of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cuda/cuda_stats.h"
#include "engine/backend.h"
#include "qwenvl/engine.h"

namespace qwenvl {

// The table crosses a C++ boundary (Status, ModelWeights, Backend), so engine and module must
// come from the same build: the loader compares the version and the sizes of what is shared.
inline constexpr uint32_t kCudaModuleAbi = 1;

struct CudaModuleLayout {
  size_t status = sizeof(Status);
  size_t load_options = sizeof(LoadOptions);
  size_t model_weights = sizeof(ModelWeights);
  size_t model_config = sizeof(ModelConfig);
  size_t forward_request = sizeof(ForwardRequest);
  bool operator==(const CudaModuleLayout&) const = default;
};

struct CudaModuleApi {
  uint32_t abi = kCudaModuleAbi;
  const char* version = "";  // PROJECT_VERSION of the build that made the module
  CudaModuleLayout layout;
  // Whether this machine can run the backend (driver, device, memory); fills the device name.
  Status (*probe)(std::string* device_name) = nullptr;
  Result<std::unique_ptr<Backend>> (*create)(const ModelWeights& weights, const LoadOptions& options) = nullptr;
  // Figures for the benchmark (cuda/cuda_stats.h), read from the module's own counters.
  cuda::MemoryStats (*memory_stats)() = nullptr;
  void (*reset_memory_peak)() = nullptr;
  cuda::DecodeStats (*decode_stats)() = nullptr;
  void (*reset_decode_stats)() = nullptr;
  double (*device_peak_bandwidth)() = nullptr;
};

}  // namespace qwenvl

// The module's one exported symbol; the name carries the ABI number so that an old module
// fails to resolve rather than being called with the wrong table.
#define QWENVL_CUDA_MODULE_ENTRY "qwenvl_cuda_module_v1"
extern "C" const qwenvl::CudaModuleApi* qwenvl_cuda_module_v1();
