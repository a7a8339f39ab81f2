// The CUDA availability probe: driver, device, compute capability, memory.
#include "cuda/cuda_probe.h"

#include <cuda_runtime.h>

#include "cuda/cuda_util.h"

namespace qwenvl {

namespace {
std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }
}  // namespace

Status cuda_probe(std::string* device_name) {
  int driver = 0, runtime = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    cudaGetLastError();
    return Status::coded(
        ErrorCode::kNoNvidiaDriver, {},
        "no NVIDIA driver found (libcuda could not be loaded): install the NVIDIA driver to use the GPU, or use the "
        "CPU backend");
  }
  cudaRuntimeGetVersion(&runtime);
  if (driver / 1000 < runtime / 1000) {
    return Status::coded(ErrorCode::kNvidiaDriverTooOld, {version_string(driver), version_string(runtime)},
                         "the NVIDIA driver supports CUDA " + version_string(driver) + " but this build needs CUDA " +
                             version_string(runtime) + ": update the NVIDIA driver, or use the CPU backend");
  }
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
    cudaGetLastError();
    return Status::coded(ErrorCode::kNoGpu, {},
                         "no CUDA-capable GPU found (the driver is installed but sees no device): use the CPU backend");
  }
  if (e == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    return Status::coded(ErrorCode::kNvidiaDriverTooOld, {version_string(driver), version_string(runtime)},
                         "the NVIDIA driver (CUDA " + version_string(driver) + ") is too old for this build (CUDA " +
                             version_string(runtime) + "): update the NVIDIA driver, or use the CPU backend");
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    return cuda::cuda_status(e, "looking for GPUs");
  }
  cudaDeviceProp prop{};
  e = cudaGetDeviceProperties(&prop, 0);
  if (e != cudaSuccess) return cuda::cuda_status(e, "reading the properties of GPU 0");
  if (prop.major < 8) {
    return Status::coded(
        ErrorCode::kGpuTooOld, {prop.name, std::to_string(prop.major) + "." + std::to_string(prop.minor)},
        std::string("GPU 0 (") + prop.name + ") has compute capability " + std::to_string(prop.major) + "." +
            std::to_string(prop.minor) + "; the CUDA backend needs 8.0 (Ampere) or newer: use the CPU backend");
  }
  e = cudaSetDevice(0);
  if (e == cudaSuccess) e = cudaFree(nullptr);  // creates the context
  if (e != cudaSuccess) {
    cudaGetLastError();
    return cuda::cuda_status(e, std::string("starting a CUDA context on ") + prop.name);
  }
  size_t free_b = 0, total_b = 0;
  e = cudaMemGetInfo(&free_b, &total_b);
  if (e != cudaSuccess) return cuda::cuda_status(e, "reading the free GPU memory");
  if (free_b < (size_t{512} << 20)) {
    return Status::error(std::string(prop.name) + " has only " + cuda::format_mib(free_b) + " of " +
                         cuda::format_mib(total_b) +
                         " free: close other programs using the GPU, or use the CPU backend");
  }
  if (device_name) *device_name = prop.name;
  return Status();
}

}  // namespace qwenvl
