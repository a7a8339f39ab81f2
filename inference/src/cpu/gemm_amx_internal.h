// Internal to the Amx split (gemm_amx.cpp, gemm_amx_kernels.cpp, gemm_amx_pack.cpp): the
// packed-tile layout's sizes and the microkernels (gemm_amx_kernels.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && defined(__linux__) && defined(__has_include)
#if __has_include(<immintrin.h>) && __has_include(<cpuid.h>)
#define QV_HAVE_AMX 1  // the tile unit's instructions can be compiled here
#endif
#endif

namespace qwenvl::cpu::amx {

constexpr int kStep = 32;     // k per tile step
constexpr int kTile = 512;    // bf16 per A or B tile (16 rows of 64 bytes)
constexpr int kBlock = 32;    // rows and columns of one microkernel call (2 x 2 C tiles)
constexpr int kRowTile = 16;  // rows per A tile

constexpr int kKernels = 4;  // QWENVL_CPU_AMX_KERNEL: 0 (default), 1, 2, 3
constexpr int kOrders = 3;   // QWENVL_CPU_AMX_ORDER: 0, 1, 2 (default)

// One microkernel call: C (32 x 32 fp32 at c, rows ldc floats apart) = C (or 0 when !load_c)
// + the three products over `steps` steps.
using KernelFn = void (*)(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, int steps, size_t a_step,
                          size_t b_step, float* c, size_t ldc, bool load_c);

// The microkernels by variant, on the emulated unit (any machine) and on the tile unit.
extern const KernelFn* const kEmulated;
#if defined(QV_HAVE_AMX)
extern const KernelFn* const kHardware;
// Configures tiles 0..7 (16 rows x 64 bytes) for this thread; end() releases them.
void begin();
void end();
#endif
// Whether the CPU has AMX-TILE and AMX-BF16 and Linux granted this process the tile state.
bool detect();

}  // namespace qwenvl::cpu::amx
