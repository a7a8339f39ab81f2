// The whole model on the GPU against the official goldens: `qwenvl-cli conform --device cuda`
// on the tiny checkpoint (seed 1234, written during the run) for every public scenario. fp16
// activations put the official fp16 run 5.6e-4..8.7e-4 from fp32; the limits (issue 4): vision
// features rel-L2 <= 2e-3, last logits <= 3e-3, top-1 >= 99%, first 8 greedy ids equal to the
// fp32 or the fp16 golden. Run: ctest -R test_conform_cuda
#include <cstdio>
#include <filesystem>

#include "gpu_test.h"
#include "support/conform_check.h"
#include "support/test_env.h"

using namespace qwenvl;
using namespace qwenvl::gputest;

int main() {
  if (const int skip = gpu_or_skip("test_conform_cuda")) return skip;
  const std::string out = test::make_temp_dir("qwenvl-conform-cuda");
  const auto r = test::run_command({test::cli_path(), "conform", "--model", test::checkpoint_dir("tiny"), "--scenarios",
                                    test::fixture("tiny_scenarios.json"), "--workdir", test::fixtures_dir(), "--out",
                                    out, "--device", "cuda"});
  GPU_CHECK(r.exit_code == 0, "conform --device cuda failed (%d): %s", r.exit_code, r.err.c_str());
  if (r.exit_code == 0) {
    auto names = test::scenario_names(test::fixture("tiny_scenarios.json"));
    GPU_CHECK(names.ok(), "%s", names.message().c_str());
    if (names.ok()) {
      GPU_CHECK(names->size() == 7, "expected the 7 public scenarios, found %zu", names->size());
      test::ConformLimits limits;
      limits.visual_rel_l2 = 2e-3;
      limits.logits_rel_l2 = 3e-3;
      limits.top1_agreement = 0.99;
      limits.greedy_prefix = 8;
      limits.accept_fp16_greedy = true;
      for (const std::string& name : *names) {
        auto report = test::check_conform(out, test::fixture("golden/tiny"), name, limits);
        GPU_CHECK(report.ok(), "%s: %s", name.c_str(), report.message().c_str());
        if (!report.ok()) continue;
        std::printf("  %s\n", report->summary().c_str());
        GPU_CHECK(report->failures.empty(), "%s", report->summary().c_str());
      }
    }
  }
  std::filesystem::remove_all(out);
  return finish("test_conform_cuda");
}
