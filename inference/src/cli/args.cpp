// Option parsing for the command-line tools, and number parsing that refuses rather than
// truncates: a value is either exactly what was typed, in range, or a usage error.
#include "cli/args.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace qwenvl::cli {

std::optional<int64_t> parse_integer(std::string_view text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_unsigned(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = std::min(text.find(','), text.size());
    if (comma > 0) items.emplace_back(text.substr(0, comma));
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return items;
}

std::optional<double> parse_real(std::string_view text, double lo, double hi) {
  // strtod needs a terminated string, skips leading spaces and accepts "nan" and "inf": all are
  // refused here, so only plain decimal numbers get through.
  const std::string s(text);
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno == ERANGE || end != s.c_str() + s.size() || !std::isfinite(v) || v < lo || v > hi) return std::nullopt;
  return v;
}

namespace {

template <class T>
std::string str(T v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

bool Args::get_number(const std::string& name, int64_t lo, int64_t hi, int& out, std::string& error) const {
  auto text = get(name);
  if (!text) return true;
  // The range is also clamped to int, so the narrowing below is exact.
  lo = std::max<int64_t>(lo, INT32_MIN);
  hi = std::min<int64_t>(hi, INT32_MAX);
  auto v = parse_integer(*text, lo, hi);
  if (!v) {
    error = "--" + name + " is '" + *text + "'; it must be an integer between " + str(lo) + " and " + str(hi);
    return false;
  }
  out = static_cast<int>(*v);
  return true;
}

bool Args::get_number(const std::string& name, uint64_t& out, std::string& error) const {
  auto text = get(name);
  if (!text) return true;
  auto v = parse_unsigned(*text);
  if (!v) {
    error = "--" + name + " is '" + *text + "'; it must be an integer between 0 and " + str(UINT64_MAX);
    return false;
  }
  out = *v;
  return true;
}

bool Args::get_number(const std::string& name, double lo, double hi, float& out, std::string& error) const {
  auto text = get(name);
  if (!text) return true;
  auto v = parse_real(*text, lo, hi);
  if (!v) {
    error = "--" + name + " is '" + *text + "'; it must be a number between " + str(lo) + " and " + str(hi);
    return false;
  }
  out = static_cast<float>(*v);
  return true;
}

Args::Args(const std::vector<std::string>& args, std::vector<std::string> flags) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) == flags.end()) {
        if (i + 1 >= args.size()) {
          error_ = "option --" + name + " needs a value";
          return;
        }
        value = args[++i];
      }
      options_.emplace_back(name, value);
    } else {
      positional_.push_back(a);
    }
  }
}

bool Args::has(const std::string& name) const {
  return std::any_of(options_.begin(), options_.end(), [&](const auto& o) { return o.first == name; });
}

std::optional<std::string> Args::get(const std::string& name) const {
  std::optional<std::string> v;
  for (const auto& o : options_)
    if (o.first == name) v = o.second;
  return v;
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  std::vector<std::string> v;
  for (const auto& o : options_)
    if (o.first == name) v.push_back(o.second);
  return v;
}

std::vector<std::string> Args::unknown(const std::vector<std::string>& known) const {
  std::vector<std::string> v;
  for (const auto& o : options_)
    if (std::find(known.begin(), known.end(), o.first) == known.end()) v.push_back("--" + o.first);
  return v;
}

}  // namespace qwenvl::cli
