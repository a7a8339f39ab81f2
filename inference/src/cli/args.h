// Minimal option parsing for the command-line tools: --name VALUE, --flag, positionals.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qwenvl::cli {

class Args {
 public:
  // `flags` are options that take no value; every other --option takes the next argument.
  Args(const std::vector<std::string>& args, std::vector<std::string> flags = {});

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const;
  std::optional<std::string> get(const std::string& name) const;     // last occurrence
  std::vector<std::string> get_all(const std::string& name) const;   // every occurrence
  const std::vector<std::string>& positional() const { return positional_; }
  // Names of options given that are not in `known` (for a clear "unknown option" error).
  std::vector<std::string> unknown(const std::vector<std::string>& known) const;

 private:
  std::vector<std::pair<std::string, std::string>> options_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace qwenvl::cli
