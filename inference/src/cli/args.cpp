#include "cli/args.h"

#include <algorithm>

namespace qwenvl::cli {

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
