// Finding and loading the CUDA backend module (libqwenvl-cuda.so) at run time, so that the
// engine, the app and the tools link no CUDA library and run on the CPU where CUDA is absent.
// Errors say what is missing: the module itself, or the CUDA libraries it needs.
#pragma once

#include <string>
#include <vector>

#include "backends/cuda_module_api.h"
#include "qwenvl/status.h"

namespace qwenvl {

// Where the module is looked for, in order: $QWENVL_CUDA_MODULE (a file; when set, the only
// place), then <executable's dir>/../<libdir>/qwenvl-studio (an installed package and the build
// tree alike), then the install prefix's <libdir>/qwenvl-studio.
std::vector<std::string> cuda_module_candidates();

// The first candidate that exists, or "" (cheap: no library is loaded).
std::string find_cuda_module();

// dlopen()s the module once per process and checks that it comes from this build; later calls
// return the first outcome. The module is never unloaded (the CUDA runtime lives until exit).
Result<const CudaModuleApi*> load_cuda_module();

}  // namespace qwenvl
