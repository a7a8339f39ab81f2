// Qwen's rotary position maths, shared by every backend: the dynamic-NTK alpha for a prompt
// length, the rotary base for an alpha, and the fp32 inverse frequencies, each computed exactly
// as modeling_qwen.py computes them (backends must agree bit for bit).
#pragma once

#include <vector>

namespace qwenvl {

// Dynamic NTK alpha for a prompt pass of `length` tokens:
// max(2^ceil(log2(length / seq_length) + 1) - 1, 1).
double ntk_alpha_for_length(int length, int seq_length);

// rotary_emb_base * alpha^(d / (d - 2)), as a Python float (double).
double rotary_base_for_alpha(double rotary_emb_base, int head_dim, double alpha);

// inv_freq_i = 1 / base^(2i / d) for i < d/2, all in fp32 as torch computes it.
std::vector<float> rotary_inv_freq(int head_dim, double base);

}  // namespace qwenvl
