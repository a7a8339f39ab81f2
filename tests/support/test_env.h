// Where tests find things: the shared fixtures, the checkpoint writer, the CLI under test.
// No Qt here, so GPU tests (built without Qt) use it too.
#pragma once

#include <cstdlib>
#include <initializer_list>
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

// Unsets the named environment variables when it goes out of scope, so that a test that sets
// them and then fails a check (returning early) does not leave them set for the next ones.
class EnvScope {
 public:
  EnvScope(std::initializer_list<const char*> names) : names_(names) {}
  ~EnvScope() {
    for (const char* n : names_) unsetenv(n);
  }
  EnvScope(const EnvScope&) = delete;
  EnvScope& operator=(const EnvScope&) = delete;

 private:
  std::vector<const char*> names_;
};

}  // namespace qwenvl::test
