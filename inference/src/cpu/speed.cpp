#include "cpu/speed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "qwenvl/engine.h"

namespace qwenvl::cpu {

namespace {

using Clock = std::chrono::steady_clock;

double packed_bytes(double k, double n, double g) { return std::ceil(n / 16) * (k / g) * (64 + 8 * g); }

}  // namespace

double decode_step_bytes(const ModelConfig& c, int ctx) {
  const double H = c.hidden_size, F = c.ffn_size, G = c.quant.group_size;
  const double layer = packed_bytes(H, 3 * H, G) + packed_bytes(H, H, G) + 2 * packed_bytes(H, F, G) +
                       packed_bytes(F, H, G) + 4 * (2 * H + 3 * H + H + 2 * F + H);
  return c.num_layers * layer + static_cast<double>(c.vocab_size) * H * 2 + H * 2 + H * 4 +
         2.0 * c.num_layers * ctx * H * 4;
}

double measure_copy_bandwidth(ThreadPool& pool, size_t bytes, int reps) {
  const size_t n = bytes / sizeof(float);
  std::unique_ptr<float[]> a(new float[n]), b(new float[n]);
  // First touch by the threads that copy, so pages sit near them.
  pool.parallel_for(n, 1 << 16, [&](size_t s, size_t e) {
    std::fill(a.get() + s, a.get() + e, 0.0f);
    std::fill(b.get() + s, b.get() + e, 1.0f);
  });
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    pool.parallel_for(n, 1 << 16, [&](size_t s, size_t e) { std::memcpy(a.get() + s, b.get() + s, (e - s) * 4); });
    const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
    if (sec > 0) best = std::max(best, 2.0 * n * sizeof(float) / sec);
  }
  return best;
}

OwnedGptq::OwnedGptq(int K, int N, int G)
    : qweight(size_t(K / 8) * N), qzeros(size_t(K / G) * (N / 8)), scales(size_t(K / G) * N) {
  tq.data = reinterpret_cast<const uint8_t*>(qweight.data());
  tz.data = reinterpret_cast<const uint8_t*>(qzeros.data());
  ts.data = reinterpret_cast<const uint8_t*>(scales.data());
  l.in_features = K;
  l.out_features = N;
  l.group_size = G;
  l.qweight = &tq;
  l.qzeros = &tz;
  l.scales = &ts;
}

namespace {

// Random nibbles from `seed`, symmetric zeros (every word 0x77777777, as the checkpoint's), scale 2^-7.
void randomise_symmetric(OwnedGptq& g, uint32_t seed) {
  std::mt19937 rng(seed);
  for (auto& w : g.qweight) w = rng();
  std::fill(g.qzeros.begin(), g.qzeros.end(), 0x77777777u);
  std::fill(g.scales.begin(), g.scales.end(), uint16_t(0x2000));
}

}  // namespace

PackedInt4 random_int4_layer(int K, int N, int G, uint32_t seed) {
  OwnedGptq r(K, N, G);
  randomise_symmetric(r, seed);
  return PackedInt4(r.l);  // copies what it needs
}

double measure_int4_gemv_bandwidth(ThreadPool& pool, Isa isa, size_t bytes, int reps) {
  // Layers of 4096 inputs and 11008 outputs (the MLP's shape), enough of them for `bytes`: one
  // random layer, repacked into each (the app's first-start estimate runs this).
  const int K = 4096, N = 11008, G = 128;
  const size_t per_layer = size_t(K / 8) * N * 4;
  const int layers = std::max<int>(1, static_cast<int>(bytes / per_layer));
  OwnedGptq source(K, N, G);
  randomise_symmetric(source, 1);
  std::vector<PackedInt4> packed(static_cast<size_t>(layers));
  pool.parallel_for(packed.size(), 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) packed[i] = PackedInt4(source.l);
  });
  std::vector<float> x(K, 0.5f), y(N);
  double best = 0, total = 0;
  for (const auto& p : packed) total += static_cast<double>(p.bytes());
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (const auto& p : packed)
      pool.parallel_for(size_t(p.blocks), 1, [&](size_t b0, size_t b1) {
        gemv_int4(isa, p, x.data(), nullptr, y.data(), int(b0), int(b1));
      });
    const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
    if (sec > 0) best = std::max(best, total / sec);
  }
  return best;
}

}  // namespace qwenvl::cpu

namespace qwenvl {

Result<CpuSpeed> measure_cpu_speed(const std::string& model_dir, int threads) {
  ModelConfig published;  // Qwen-VL-Chat-Int4's decoder, for the first start without a model
  published.hidden_size = 4096;
  published.num_layers = 32;
  published.num_heads = 32;
  published.kv_channels = 128;
  published.ffn_size = 11008;
  published.vocab_size = 151936;
  published.quant.group_size = 128;
  Result<ModelConfig> config = published;
  if (!model_dir.empty()) config = load_model_config(model_dir);
  if (!config) return Result<CpuSpeed>::error(config.message());
  ThreadPool pool(threads);
  const cpu::Isa isa = cpu::default_isa();
  CpuSpeed s;
  s.threads = pool.size();
  s.isa = cpu::isa_name(isa);
  s.memory_bandwidth = cpu::measure_copy_bandwidth(pool, size_t(128) << 20, 3);
  s.gemv_bandwidth = cpu::measure_int4_gemv_bandwidth(pool, isa, size_t(192) << 20, 3);
  s.bytes_per_token = cpu::decode_step_bytes(*config, 300);
  s.tokens_per_second = s.bytes_per_token > 0 ? s.gemv_bandwidth / s.bytes_per_token : 0;
  return s;
}

}  // namespace qwenvl
