// The vision positional tables, computed once at load on the host: PyTorch's bicubic
// F.interpolate (A = -0.75, align_corners=False, border taps clamped) from the stored 16x16
// grid to the patch grid, exactly as visual.py's get_abs_pos does in fp32.
#pragma once

#include <vector>

#include "model/safetensors.h"

namespace qwenvl {

// src: [S*S][C] (row-major grid, row = y), returns [T*T][C] fp32.
std::vector<float> interpolate_pos_bicubic(const std::vector<float>& src, int S, int T, int C);
// Reads an fp16 [S*S, C] table and interpolates it to T x T (a copy when T == S).
std::vector<float> abs_pos_table(const TensorView* table, int T);

}  // namespace qwenvl
