// Subcommands of qwenvl-cli and qwenvl-bench register themselves here, one file each, so that
// adding a command never touches the dispatcher.
#pragma once

#include <string>
#include <vector>

namespace qwenvl::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  // args exclude the program and command name
};

bool register_command(const Command& command);
const std::vector<Command>& commands();
// Dispatches argv[1] to its command; prints usage on unknown or missing commands.
int dispatch(const char* program, int argc, char** argv, const char* default_command = nullptr);

}  // namespace qwenvl::cli

#define QWENVL_COMMAND(ident, name, summary, fn) \
  static const bool qwenvl_command_##ident = ::qwenvl::cli::register_command({name, summary, fn})
