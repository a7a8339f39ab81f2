// Two conversations used in turn on one Model on the CUDA backend (each with its own KV pages;
// the page table switches between them under the captured decode graph) give, token for token,
// what two separately loaded Models give, and keep their prefix across switches. Seeded sampled
// turns (drawn on the device, kernels/sample.cu) repeat with the same seed.
// Run: ctest -R test_sessions_cuda
#include "gpu_test.h"
#include "qwenvl/engine.h"
#include "support/shared_sessions.h"
#include "support/test_env.h"

using namespace qwenvl;
using namespace qwenvl::gputest;

namespace {

void seeded_sampling_repeats() {
  LoadOptions o;
  o.model_dir = test::checkpoint_dir("tiny");
  o.backend = BackendKind::Cuda;
  o.max_context = 512;
  auto model = Model::load(o);
  GPU_CHECK(model.ok(), "%s", model.message().c_str());
  if (!model.ok()) return;
  SamplingParams p;
  p.temperature = 0.9f;
  p.top_p = 0.95f;
  p.top_k = 50;
  p.repetition_penalty = 1.1f;
  p.max_new_tokens = 24;
  auto run = [&](uint64_t seed) {
    ChatSession s(**model);
    p.seed = seed;
    GenerationStats st;
    auto r = s.generate("Tell me a story.", p, {}, nullptr, &st);
    GPU_CHECK(r.ok(), "%s", r.message().c_str());
    return r.ok() ? *r + " [" + std::to_string(st.generated_tokens) + " tokens]" : std::string();
  };
  const std::string a = run(11), b = run(11), c = run(12);
  GPU_CHECK(!a.empty() && a == b, "seed 11 gave two replies:\n%s\n%s", a.c_str(), b.c_str());
  GPU_CHECK(a != c, "seeds 11 and 12 gave the same reply: %s", a.c_str());
  std::printf("sampled on the device, seed 11 twice: same reply (%zu bytes); seed 12: another\n", a.size());
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_sessions_cuda")) return skip;
  std::string log;
  const Status s = test::check_shared_model_sessions(BackendKind::Cuda, &log);
  std::printf("%s", log.c_str());
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  seeded_sampling_repeats();
  return finish("test_sessions_cuda");
}
