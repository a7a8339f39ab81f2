// The backends built into this library: the CPU reference always, CUDA when the toolkit was
// found. The one place that knows both backends' headers (engine/ sees only the registry).
#include "backends/registry.h"
#include "cpu/cpu_backend.h"
#ifdef QWENVL_HAVE_CUDA
#include "cuda/cuda_backend.h"
#include "cuda/cuda_probe.h"
#endif

namespace qwenvl {

void register_builtin_backends(BackendRegistry& registry) {
  BackendEntry cpu;
  cpu.kind = BackendKind::Cpu;
  cpu.title = "CPU";
  cpu.compiled = true;
  cpu.available = [] { return Status(); };
  cpu.create = make_cpu_backend;
  registry.add(std::move(cpu));

  BackendEntry cuda;
  cuda.kind = BackendKind::Cuda;
  cuda.title = "CUDA";
#ifdef QWENVL_HAVE_CUDA
  cuda.compiled = true;
  cuda.available = [] { return cuda_probe(nullptr); };
  cuda.create = make_cuda_backend;
#else
  cuda.available = [] {
    return Status::error("this build of QwenVL has no CUDA backend (it was built without the CUDA toolkit)");
  };
#endif
  registry.add(std::move(cuda));
}

}  // namespace qwenvl
