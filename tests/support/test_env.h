// Where tests find things: the shared fixtures, the checkpoint writer, the CLI under test.
// No Qt here, so GPU tests (built without Qt) use it too.
#pragma once

#include <string>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl::test {

std::string fixtures_dir();                   // .../shared/fixtures
std::string fixture(const std::string& rel);  // fixtures_dir() + "/" + rel
std::string cli_path();                       // the qwenvl-cli binary
// A checkpoint made by a CTest fixture (tests/CMakeLists.txt) for this run.
std::string checkpoint_dir(const std::string& name);
// Runs make_checkpoint.py OUT ARGS... now (for checkpoints a single test needs).
Status make_checkpoint(const std::string& out_dir, const std::vector<std::string>& args);
// A fresh empty directory under the system temp folder, removed when the process ends.
std::string make_temp_dir(const std::string& prefix);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs argv (no shell), feeding `input` on stdin.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace qwenvl::test
