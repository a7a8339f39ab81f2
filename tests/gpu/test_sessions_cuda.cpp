// Two conversations used in turn on one Model on the CUDA backend (each with its own KV pages;
// the page table switches between them under the captured decode graph) give, token for token,
// what two separately loaded Models give, and keep their prefix across switches.
// Run: ctest -R test_sessions_cuda
#include "gpu_test.h"
#include "support/shared_sessions.h"

using namespace qwenvl;
using namespace qwenvl::gputest;

int main() {
  if (const int skip = gpu_or_skip("test_sessions_cuda")) return skip;
  std::string log;
  const Status s = test::check_shared_model_sessions(BackendKind::Cuda, &log);
  std::printf("%s", log.c_str());
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  return finish("test_sessions_cuda");
}
