// Internal to the kernels library: the key-split variant of flash_attention (attention_flash_split.cu),
// launched by flash_attention (attention_flash.cu) for unmasked attention over contiguous K, V.
#pragma once

#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

// ksplit warp groups of block_queries / 16 warps per block: 2 or 4 with 64 queries, 2 with 128;
// no pages, no causal mask (else cudaErrorInvalidValue). head_dim as flash_attention checks it.
// q_registers: keep each warp's Q fragments in registers (always at head size 64 and below),
// else re-read them per key tile.
cudaError_t flash_attention_split(const AttentionArgs& a, int ksplit, int block_queries, bool q_registers,
                                  cudaStream_t stream);

}  // namespace qwenvl::kernels
