#include "cli/command.h"

#include <cstdio>
#include <cstring>
#include <exception>

namespace qwenvl::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}
}  // namespace

bool register_command(const Command& command) {
  registry().push_back(command);
  return true;
}

const std::vector<Command>& commands() { return registry(); }

int dispatch(const char* program, int argc, char** argv, const char* default_command) {
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s COMMAND [OPTIONS]\n\ncommands:\n", program);
    for (const auto& c : registry()) std::fprintf(stderr, "  %-12s %s\n", c.name, c.summary);
  };
  std::string name;
  int first = 2;
  if (argc >= 2 && argv[1][0] != '-') {
    name = argv[1];
  } else if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    usage();
    return 0;
  } else if (default_command) {
    name = default_command;
    first = 1;
  } else {
    usage();
    return 2;
  }
  for (const auto& c : registry()) {
    if (name == c.name) {
      std::vector<std::string> args(argv + first, argv + argc);
      try {
        return c.run(args);
      } catch (const std::exception& e) {  // last resort: never abort with an uncaught exception
        std::fprintf(stderr, "%s %s: error: %s\n", program, c.name, e.what());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "%s: unknown command '%s'\n", program, name.c_str());
  usage();
  return 2;
}

}  // namespace qwenvl::cli
