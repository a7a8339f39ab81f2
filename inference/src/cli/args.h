// Minimal option parsing for the command-line tools: --name VALUE, --flag, positionals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qwenvl::cli {

// A whole decimal integer (optional leading '-') in [lo, hi]; nullopt for anything else:
// trailing characters, spaces, a fraction, a value that does not fit 64 bits or the range.
std::optional<int64_t> parse_integer(std::string_view text, int64_t lo, int64_t hi);
std::optional<uint64_t> parse_unsigned(std::string_view text);
// A finite decimal number in [lo, hi] ("0.7", "1e-3"); nullopt for nan, inf or trailing text.
std::optional<double> parse_real(std::string_view text, double lo, double hi);
// The items of a comma-separated list ("128,1792"), empty items left out.
std::vector<std::string> split_list(std::string_view text);

class Args {
 public:
  // `flags` are options that take no value; every other --option takes the next argument.
  Args(const std::vector<std::string>& args, std::vector<std::string> flags = {});

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const;
  std::optional<std::string> get(const std::string& name) const;    // last occurrence
  std::vector<std::string> get_all(const std::string& name) const;  // every occurrence
  const std::vector<std::string>& positional() const { return positional_; }
  // The value of --name checked by the parsers above into `out` (left as is when the option is
  // absent). False with a usage message in `error` ("--threads is 100000; it must be an integer
  // between 0 and 64") when it is malformed or out of range: never truncated.
  bool get_number(const std::string& name, int64_t lo, int64_t hi, int& out, std::string& error) const;
  bool get_number(const std::string& name, uint64_t& out, std::string& error) const;
  bool get_number(const std::string& name, double lo, double hi, float& out, std::string& error) const;
  // Names of options given that are not in `known` (for a clear "unknown option" error).
  std::vector<std::string> unknown(const std::vector<std::string>& known) const;

 private:
  std::vector<std::pair<std::string, std::string>> options_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace qwenvl::cli
