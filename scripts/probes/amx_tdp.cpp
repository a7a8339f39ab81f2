// How fast the tile unit itself runs here, apart from our kernel's packing and memory traffic:
// TDPBF16PS with every operand already in tiles (independent accumulators, then chains of three
// products per accumulator as gemm_amx.cpp's step has), and our step's pattern of 8 tile loads +
// 12 products from an L1-sized and an L2-sized buffer; on one thread, then on every CPU at once.
// Not part of the product: a measurement aid for issue 13 (is the kernel or the machine at ~10 %
// of AMX's nominal 1024 bf16 FLOP per cycle and core?).
//   g++ -O2 -std=c++17 -pthread scripts/probes/amx_tdp.cpp -o /tmp/amx-tdp && /tmp/amx-tdp
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#define AMX __attribute__((target("amx-tile,amx-bf16")))

namespace {

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

AMX void configure() {
  TileConfig cfg;
  for (int i = 0; i < 8; ++i) {
    cfg.colsb[i] = 64;
    cfg.rows[i] = 16;
  }
  // GCC 12 (Debian 12's) does not see that LDTILECFG reads the configuration and drops the
  // stores above: every tile stays unconfigured and the first TILEZERO raises SIGILL (found on
  // the Xeon with test binaries built here, issue 13). The empty asm reads cfg and is a compiler
  // barrier, so the stores happen, and before the load.
  asm volatile("" : : "m"(cfg) : "memory");
  _tile_loadconfig(&cfg);
}

AMX void zero_c() {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
}

// Zeroed accumulators tmm0..3 and fixed operands in tmm4..7.
AMX void begin_fixed() {
  configure();
  static thread_local uint16_t ops[4][512] = {};
  zero_c();
  _tile_loadd(4, ops[0], 64);
  _tile_loadd(5, ops[1], 64);
  _tile_loadd(6, ops[2], 64);
  _tile_loadd(7, ops[3], 64);
}

// Stores tmm0 (so the products are not dead code) and releases the tiles.
AMX void finish(float* sink) {
  static thread_local float c[16 * 16] = {};
  _tile_stored(0, c, 64);
  *sink += c[0];
  _tile_release();
}

constexpr double kFlopPerTdp = 2.0 * 16 * 16 * 32;

// Four independent accumulators, operands fixed in tmm4..7: the unit's throughput.
AMX double independent(long iters, float* sink) {
  begin_fixed();
  for (long i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  finish(sink);
  return 4.0 * iters;
}

// Our step's order without loads: per accumulator three products in a row, four accumulators.
AMX double chained(long iters, float* sink) {
  begin_fixed();
  for (long i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_dpbf16ps(0, 5, 7);
    _tile_dpbf16ps(1, 5, 6);
    _tile_dpbf16ps(2, 4, 7);
    _tile_dpbf16ps(3, 4, 6);
  }
  finish(sink);
  return 12.0 * iters;
}

// gemm_amx.cpp's kernel-0 step: 8 tile loads (1 KiB each) + 12 products, walking `bytes` of
// operands (L1-sized or L2-sized) again and again.
AMX double with_loads(long iters, size_t bytes, float* sink) {
  configure();
  std::vector<uint16_t> buf(bytes / 2, 0x3f80);  // bf16 1.0
  const size_t steps = bytes / 8192;
  zero_c();
  for (long i = 0; i < iters; ++i) {
    const uint16_t* p = buf.data() + (size_t(i) % steps) * 4096;
    _tile_loadd(4, p, 64);
    _tile_loadd(5, p + 512, 64);
    _tile_loadd(6, p + 1024, 64);
    _tile_loadd(7, p + 1536, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_loadd(6, p + 2048, 64);
    _tile_loadd(7, p + 2560, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_loadd(4, p + 3072, 64);
    _tile_loadd(5, p + 3584, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  finish(sink);
  return 12.0 * iters;
}

struct Test {
  const char* name;
  double (*run)(long, float*);
};

// Only the loads of our step (8 tile loads, no products), counted as the step's 12 products so
// that the figure compares with the others: how fast the tiles alone can be filled.
AMX double loads_only(long iters, size_t bytes, float* sink) {
  configure();
  std::vector<uint16_t> buf(bytes / 2, 0x3f80);
  const size_t steps = bytes / 8192;
  zero_c();
  for (long i = 0; i < iters; ++i) {
    const uint16_t* p = buf.data() + (size_t(i) % steps) * 4096;
    _tile_loadd(4, p, 64);
    _tile_loadd(5, p + 512, 64);
    _tile_loadd(6, p + 1024, 64);
    _tile_loadd(7, p + 1536, 64);
    _tile_loadd(6, p + 2048, 64);
    _tile_loadd(7, p + 2560, 64);
    _tile_loadd(4, p + 3072, 64);
    _tile_loadd(5, p + 3584, 64);
  }
  _tile_dpbf16ps(0, 4, 6);
  finish(sink);
  return 12.0 * iters;
}

// 12 products on two accumulators (tmm0, tmm1) with fixed operands (tmm2, tmm3), and, where
// `loads`, 8 loads per 12 products into tiles no product reads (tmm4..7): do loads and
// products overlap when no tile is shared between them?
AMX double unrelated(long iters, size_t bytes, bool loads, float* sink) {
  configure();
  std::vector<uint16_t> buf(bytes / 2, 0x3f80);
  const size_t steps = bytes / 8192;
  zero_c();
  _tile_loadd(2, buf.data(), 64);
  _tile_loadd(3, buf.data() + 512, 64);
  for (long i = 0; i < iters; ++i) {
    const uint16_t* p = buf.data() + (size_t(i) % steps) * 4096;
    if (loads) {
      _tile_loadd(4, p, 64);
      _tile_loadd(5, p + 512, 64);
    }
    _tile_dpbf16ps(0, 2, 3);
    _tile_dpbf16ps(1, 2, 3);
    _tile_dpbf16ps(0, 2, 3);
    if (loads) {
      _tile_loadd(6, p + 1024, 64);
      _tile_loadd(7, p + 1536, 64);
    }
    _tile_dpbf16ps(1, 2, 3);
    _tile_dpbf16ps(0, 2, 3);
    _tile_dpbf16ps(1, 2, 3);
    if (loads) {
      _tile_loadd(4, p + 2048, 64);
      _tile_loadd(5, p + 2560, 64);
    }
    _tile_dpbf16ps(0, 2, 3);
    _tile_dpbf16ps(1, 2, 3);
    _tile_dpbf16ps(0, 2, 3);
    if (loads) {
      _tile_loadd(6, p + 3072, 64);
      _tile_loadd(7, p + 3584, 64);
    }
    _tile_dpbf16ps(1, 2, 3);
    _tile_dpbf16ps(0, 2, 3);
    _tile_dpbf16ps(1, 2, 3);
  }
  finish(sink);
  return 12.0 * iters;
}

// Four accumulators as in our step, fixed operands in tmm4/5 for the products, and 8 loads per
// step into tmm6/7 that two products of each phase read (half the operands fresh each phase).
AMX double half_loaded(long iters, size_t bytes, float* sink) {
  configure();
  std::vector<uint16_t> buf(bytes / 2, 0x3f80);
  const size_t steps = bytes / 8192;
  zero_c();
  _tile_loadd(4, buf.data(), 64);
  _tile_loadd(5, buf.data() + 512, 64);
  for (long i = 0; i < iters; ++i) {
    const uint16_t* p = buf.data() + (size_t(i) % steps) * 4096;
    _tile_loadd(6, p, 64);
    _tile_loadd(7, p + 512, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_loadd(6, p + 1024, 64);
    _tile_loadd(7, p + 1536, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
    _tile_loadd(6, p + 2048, 64);
    _tile_loadd(7, p + 2560, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  finish(sink);
  return 12.0 * iters;
}

double run_loads_l1(long n, float* s) { return loads_only(n, 32 << 10, s); }
double run_loads_l2(long n, float* s) { return loads_only(n, 1 << 20, s); }
double run_two_acc(long n, float* s) { return unrelated(n, 32 << 10, false, s); }
double run_two_acc_loads_l1(long n, float* s) { return unrelated(n, 32 << 10, true, s); }
double run_two_acc_loads_l2(long n, float* s) { return unrelated(n, 1 << 20, true, s); }
double run_half_l1(long n, float* s) { return half_loaded(n, 32 << 10, s); }
double run_l1(long n, float* s) { return with_loads(n, 32 << 10, s); }
double run_l2(long n, float* s) { return with_loads(n, 1 << 20, s); }

// GFLOP/s of bf16 per thread, on `threads` threads at once (each its own buffers).
double measure(const Test& t, int threads, long iters) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> secs(static_cast<size_t>(threads), 0.0), tdps(static_cast<size_t>(threads), 0.0);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      syscall(SYS_arch_prctl, 0x1023, 18);  // ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA
      float sink = 0;
      t.run(iters / 10, &sink);  // warm-up (first use of the tile state)
      ++ready;
      while (!go) {
      }
      const auto t0 = std::chrono::steady_clock::now();
      tdps[size_t(i)] = t.run(iters, &sink);
      secs[size_t(i)] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (sink == 12345.f) std::printf("%f\n", sink);
    });
  }
  while (ready < threads) {
  }
  go = true;
  for (auto& th : pool) th.join();
  double sum = 0;
  for (int i = 0; i < threads; ++i) sum += tdps[size_t(i)] * kFlopPerTdp / secs[size_t(i)] / 1e9;
  return sum / threads;
}

}  // namespace

int main() {
  if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) {
    std::printf("amx-tdp: the OS refused the tile data permission (no AMX here?)\n");
    return 1;
  }
  const int cpus = int(std::thread::hardware_concurrency());
  const Test tests[] = {{"independent (operands in tiles)", independent},
                        {"chained 3 per accumulator", chained},
                        {"kernel-0 step, loads from 32 KiB", run_l1},
                        {"kernel-0 step, loads from 1 MiB", run_l2},
                        {"loads only (8 per step), 32 KiB", run_loads_l1},
                        {"loads only (8 per step), 1 MiB", run_loads_l2},
                        {"2 accumulators, fixed operands", run_two_acc},
                        {"2 acc. + 8 unrelated loads, 32 KiB", run_two_acc_loads_l1},
                        {"2 acc. + 8 unrelated loads, 1 MiB", run_two_acc_loads_l2},
                        {"4 acc., 6 loads into B tiles, 32 KiB", run_half_l1}};
  std::printf("amx-tdp: GFLOP/s of bf16 per thread (nominal ~2000 at 2 GHz: 1024 FLOP/cycle)\n");
  for (const Test& t : tests) {
    const double one = measure(t, 1, 2000000);
    const double all = measure(t, cpus, 2000000);
    std::printf("  %-36s 1 thread %8.1f   %d threads %8.1f each\n", t.name, one, cpus, all);
  }
  return 0;
}
