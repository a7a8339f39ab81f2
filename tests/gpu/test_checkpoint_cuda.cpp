// The CUDA backend with a checkpoint cut short on disk (tests/unit/tst_checkpoint_changes does the
// same on the CPU): after loading, the token embedding rows still come from the mapped file, so
// the next turn reads the missing part; during loading, the upload reads it. Both must end in an
// error naming the file (MappedFile's guard), never SIGBUS.
// Run: ctest -R test_checkpoint_cuda
#include <unistd.h>

#include <filesystem>

#include "gpu_test.h"
#include "qwenvl/engine.h"
#include "support/test_env.h"

using namespace qwenvl;
using namespace qwenvl::gputest;
namespace fs = std::filesystem;

namespace {

// A fresh copy of the tiny checkpoint in a folder of its own.
std::string copy_tiny(const std::string& name) {
  const std::string d =
      (fs::temp_directory_path() / ("qwenvl-ckpt-cuda-" + std::to_string(::getpid()) + "-" + name)).string();
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::copy(test::checkpoint_dir("tiny"), d, fs::copy_options::recursive, ec);
  GPU_CHECK(!ec, "cannot copy the tiny checkpoint: %s", ec.message().c_str());
  return d;
}

SamplingParams greedy(int tokens) {
  SamplingParams p;
  p.do_sample = false;
  p.max_new_tokens = tokens;
  return p;
}

bool says(const std::string& message, const char* what) { return message.find(what) != std::string::npos; }

void truncated_after_load() {
  const std::string dir = copy_tiny("after");
  LoadOptions o;
  o.model_dir = dir;
  o.backend = BackendKind::Cuda;
  o.max_context = 256;
  auto model = Model::load(o);
  GPU_CHECK(model.ok(), "%s", model.message().c_str());
  if (!model.ok()) return;
  ChatSession session(**model);
  auto first = session.generate("Hello", greedy(4));
  GPU_CHECK(first.ok(), "%s", first.message().c_str());
  GPU_CHECK(::truncate((dir + "/model.safetensors").c_str(), 64 * 1024) == 0, "truncate");
  auto second = session.generate("And again", greedy(4));
  GPU_CHECK(!second.ok(), "a turn after the file was cut succeeded");
  GPU_CHECK(says(second.message(), "model.safetensors") && says(second.message(), "load the model again"), "%s",
            second.message().c_str());
  std::printf("after load: %s\n", second.message().c_str());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void truncated_during_load() {
  const std::string dir = copy_tiny("during");
  LoadOptions o;
  o.model_dir = dir;
  o.backend = BackendKind::Cuda;
  o.max_context = 256;
  bool cut = false;
  o.on_progress = [&](const LoadProgress& p) {
    if (!cut && p.stage == "preparing the backend")
      cut = ::truncate((dir + "/model.safetensors").c_str(), 64 * 1024) == 0;
    return true;
  };
  auto model = Model::load(o);
  GPU_CHECK(cut, "the progress callback never saw \"preparing the backend\"");
  GPU_CHECK(!model.ok(), "a model whose file was cut while loading loaded");
  GPU_CHECK(!model.message().empty(), "a refusal without a message");
  std::printf("during load: %s\n", model.message().c_str());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_checkpoint_cuda")) return skip;
  truncated_after_load();
  truncated_during_load();
  return finish("test_checkpoint_cuda");
}
