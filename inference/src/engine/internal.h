// The engine's internals for its own code and tools (conform, bench, tests): Model::Impl is
// private to the public API; this is the one door to it.
#pragma once

#include "engine/model_impl.h"

namespace qwenvl {

namespace detail {
struct ModelAccess {
  using Impl = Model::Impl;
  static Impl& of(Model& model) { return *model.impl_; }
};
}  // namespace detail

using ModelImpl = detail::ModelAccess::Impl;
inline ModelImpl& model_impl(Model& model) { return detail::ModelAccess::of(model); }

}  // namespace qwenvl
