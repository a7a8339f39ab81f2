// BackendRegistry and the process-wide instance, filled once on first use.
#include "backends/registry.h"

namespace qwenvl {

void BackendRegistry::add(BackendEntry entry) {
  for (BackendEntry& e : entries_) {
    if (e.kind == entry.kind) {
      e = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

const BackendEntry* BackendRegistry::find(BackendKind kind) const {
  for (const BackendEntry& e : entries_)
    if (e.kind == kind) return &e;
  return nullptr;
}

const BackendRegistry& backend_registry() {
  static const BackendRegistry registry = [] {
    BackendRegistry r;
    register_builtin_backends(r);
    return r;
  }();
  return registry;
}

}  // namespace qwenvl
