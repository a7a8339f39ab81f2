// Whether this machine can run the CUDA backend: a driver, a device of compute capability 8.0
// or newer, a driver new enough for this build's runtime, and some free memory. The engine's
// cuda_available() calls it; the message says what is missing and what to do.
#pragma once

#include <string>

#include "qwenvl/status.h"

namespace qwenvl {

// On success fills *device_name (if given), e.g. "NVIDIA H100 80GB HBM3".
Status cuda_probe(std::string* device_name);

}  // namespace qwenvl
