// The backends a build knows, one entry per BackendKind: whether it was compiled in, whether
// this machine can run it, and its factory. Model::load and cuda_available() choose through it,
// so engine/ never names a backend's own headers; backends/builtin.cpp fills it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "engine/backend.h"
#include "qwenvl/engine.h"

namespace qwenvl {

struct BackendEntry {
  BackendKind kind = BackendKind::Cpu;
  const char* title = "";  // for messages: "CPU", "CUDA"
  bool compiled = false;
  // Ok when this machine can run the backend; else says why (no driver, no device...).
  std::function<Status()> available;
  std::function<Result<std::unique_ptr<Backend>>(const ModelWeights&, const LoadOptions&)> create;
};

class BackendRegistry {
 public:
  void add(BackendEntry entry);
  const BackendEntry* find(BackendKind kind) const;

 private:
  std::vector<BackendEntry> entries_;
};

// The process's registry, filled by register_builtin_backends() on first use (an explicit call,
// not static initialisers, which a static library's link could drop).
const BackendRegistry& backend_registry();

// Defined in backends/builtin.cpp, the one file that includes the backends' own headers.
void register_builtin_backends(BackendRegistry& registry);

}  // namespace qwenvl
