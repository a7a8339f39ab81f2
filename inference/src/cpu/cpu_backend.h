// The CPU reference backend's factory (registered in backends/builtin.cpp).
#pragma once

#include <memory>

#include "engine/backend.h"
#include "qwenvl/engine.h"

namespace qwenvl {

// Uses options.cpu_threads (0: one per hardware thread) and options.max_context.
Result<std::unique_ptr<Backend>> make_cpu_backend(const ModelWeights& weights, const LoadOptions& options);

}  // namespace qwenvl
