// GPU test: greedy decoding on the device (mark_seen + greedy_pick) against the engine's CPU
// sampler steps (check_logits, apply_repetition_penalty, argmax) at the real vocabulary size:
// random logits, ties (the first index wins), penalties above and below 1 over seen ids given in
// several blocks, NaN / infinite / huge logits reported at the first bad index, and the scratch
// reused across calls. Outputs are poisoned before every call.
// Run: build/tests/gpu/test_pick
#include <algorithm>
#include <cstring>

#include "engine/sampler.h"
#include "gpu_test.h"
#include "qwenvl_kernels.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace k = qwenvl::kernels;

namespace {

constexpr int kV = 151936;

struct Picker {
  Dev<float> logits{kV};
  Dev<uint8_t> mark{kV};
  Dev<int> block{2 + 4096};
  Dev<char> scratch{k::greedy_pick_scratch_bytes()};
  Dev<int> out{2};
  Picker() {
    GPU_CUDA(cudaMemset(mark.get(), 0, kV));
    GPU_CUDA(cudaMemset(scratch.get(), 0, scratch.size()));
  }
  // Marks `ids` (one block) with the penalty's bits in block[1].
  void mark_ids(const std::vector<int32_t>& ids, float penalty) {
    std::vector<int> b(2 + ids.size());
    b[0] = static_cast<int>(ids.size());
    std::memcpy(&b[1], &penalty, sizeof(float));
    std::copy(ids.begin(), ids.end(), b.begin() + 2);
    GPU_CUDA(cudaMemcpy(block.get(), b.data(), b.size() * sizeof(int), cudaMemcpyHostToDevice));
    GPU_CUDA(k::mark_seen(block.get(), mark.get(), kV, static_cast<int>(ids.size()), nullptr));
  }
  std::pair<int, int> pick(const std::vector<float>& l, float penalty) {
    logits.upload(l);
    int b[2] = {0, 0};
    std::memcpy(&b[1], &penalty, sizeof(float));
    GPU_CUDA(cudaMemcpy(block.get(), b, sizeof b, cudaMemcpyHostToDevice));
    out.poison();
    GPU_CUDA(k::greedy_pick(logits.get(), kV, mark.get(), block.get(), kMaxLogit, scratch.get(), out.get(), nullptr));
    const std::vector<int> o = out.download();
    return {o[0], o[1]};
  }
};

// The CPU sampler's greedy choice (Sampler::next with greedy parameters), or -1 for bad logits.
int cpu_pick(std::vector<float> l, const std::vector<int32_t>& seen, float penalty) {
  if (!check_logits(l.data(), kV).ok()) return -1;
  apply_repetition_penalty(l.data(), kV, seen, penalty);
  return argmax(l.data(), kV);
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_pick")) return skip;
  Rng rng(77);
  Picker p;
  std::vector<int32_t> seen;
  int agree = 0, cases = 0;
  for (int round = 0; round < 40; ++round) {
    const float penalty = round < 10 ? 1.0f : (round % 2 ? 1.3f : 0.7f);
    if (round == 10 || round == 25) {  // a new conversation: clear the mask
      GPU_CUDA(cudaMemset(p.mark.get(), 0, kV));
      seen.clear();
    }
    std::vector<float> l = rng.normal(kV, 3.f);
    if (round % 3 == 0) {  // ties: several copies of the maximum, the first must win
      const float top = *std::max_element(l.begin(), l.end()) + 1.f;
      for (int c = 0; c < 5; ++c) l[rng.uniform_int(0, kV - 1)] = top;
    }
    // Negative maxima too: the penalty multiplies negative logits.
    if (round % 4 == 1) {
      for (float& v : l) v = -std::fabs(v) - 0.5f;
    }
    if (penalty != 1.0f) {
      // Seen ids: the current best few (so the penalty changes the answer) plus random ones.
      std::vector<int32_t> fresh;
      std::vector<int> order(kV);
      for (int i = 0; i < kV; ++i) order[i] = i;
      std::partial_sort(order.begin(), order.begin() + 3, order.end(), [&](int a, int b) { return l[a] > l[b]; });
      for (int i = 0; i < 3; ++i) fresh.push_back(order[i]);
      for (int i = 0; i < 40; ++i) fresh.push_back(rng.uniform_int(0, kV - 1));
      fresh.push_back(fresh[0]);  // repeated ids are penalised once
      seen.insert(seen.end(), fresh.begin(), fresh.end());
      p.mark_ids(fresh, penalty);
    }
    const int want = cpu_pick(l, penalty != 1.0f ? seen : std::vector<int32_t>{}, penalty);
    const auto got = p.pick(l, penalty);
    ++cases;
    if (got.first == want && got.second == kV) ++agree;
    GPU_CHECK(got.first == want, "round %d: device picked %d, CPU %d", round, got.first, want);
    GPU_CHECK(got.second == kV, "round %d: bad-logit index %d on finite logits", round, got.second);
  }
  std::printf("  greedy picks equal to the CPU sampler: %d of %d\n", agree, cases);

  // Bad logits: the first bad index is reported, whatever comes later.
  const float nan = std::nanf(""), inf = INFINITY;
  for (const auto& bad : std::vector<std::vector<std::pair<int, float>>>{
           {{kV - 1, nan}}, {{70000, inf}, {90000, nan}}, {{5, -inf}}, {{123456, 3e30f}, {150000, nan}}, {{0, nan}}}) {
    std::vector<float> l = rng.normal(kV);
    for (const auto& b : bad) l[b.first] = b.second;
    const auto got = p.pick(l, 1.0f);
    GPU_CHECK(got.second == bad.front().first, "bad logit at %d reported at %d", bad.front().first, got.second);
    GPU_CHECK(cpu_pick(l, {}, 1.0f) == -1, "the CPU check passes bad logits");
  }

  // Timing at the real size (information only).
  std::vector<float> l = rng.normal(kV);
  p.logits.upload(l);
  const float us = time_us(
      [&] {
        k::greedy_pick(p.logits.get(), kV, p.mark.get(), p.block.get(), kMaxLogit, p.scratch.get(), p.out.get(),
                       nullptr);
      },
      200);
  std::printf("  %-44s %8.2f us\n", "greedy pick time (151936 logits)", us);
  return finish("test_pick");
}
