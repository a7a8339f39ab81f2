// The backends this engine knows: the CPU reference, built in, and CUDA, a module loaded at run
// time (backends/cuda_module.h) so that nothing links a CUDA library. The one place that knows
// the backends' entry points (engine/ sees only the registry).
#include "backends/cuda_module.h"
#include "backends/registry.h"
#include "cpu/cpu_backend.h"

namespace qwenvl {

void register_builtin_backends(BackendRegistry& registry) {
  BackendEntry cpu;
  cpu.kind = BackendKind::Cpu;
  cpu.title = "CPU";
  cpu.compiled = true;
  cpu.available = [] { return Status(); };
  cpu.create = make_cpu_backend;
  registry.add(std::move(cpu));

  // "compiled" means the module is installed; loading it (and the CUDA runtime) waits until
  // someone asks whether CUDA is available or wants a CUDA model.
  BackendEntry cuda;
  cuda.kind = BackendKind::Cuda;
  cuda.title = "CUDA";
  cuda.compiled = !find_cuda_module().empty();
  cuda.available = [] {
    auto module = load_cuda_module();
    return module ? (*module)->probe(nullptr) : module.status();
  };
  cuda.create = [](const ModelWeights& weights, const LoadOptions& options) -> Result<std::unique_ptr<Backend>> {
    auto module = load_cuda_module();
    if (!module) return module.status();
    return (*module)->create(weights, options);
  };
  registry.add(std::move(cuda));
}

}  // namespace qwenvl
