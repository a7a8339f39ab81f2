#include "cpu/profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace qwenvl::cpu::profile {

namespace {

struct Entry {
  const char* name;
  int64_t calls = 0;
  int64_t ns = 0;
};

std::mutex& mu() {
  static std::mutex m;
  return m;
}

std::vector<Entry>& entries() {
  static std::vector<Entry> e;
  return e;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool enabled() {
  static const bool on = [] {
    const char* v = std::getenv("QWENVL_CPU_PROFILE");
    return v && *v && std::strcmp(v, "0") != 0;
  }();
  return on;
}

Scope::Scope(const char* name) {
  if (!enabled()) return;
  name_ = name;
  t0_ = now_ns();
}

Scope::~Scope() {
  if (!name_) return;
  const int64_t dt = now_ns() - t0_;
  std::lock_guard<std::mutex> lock(mu());
  for (Entry& e : entries())
    if (e.name == name_ || std::strcmp(e.name, name_) == 0) {
      ++e.calls;
      e.ns += dt;
      return;
    }
  entries().push_back({name_, 1, dt});
}

std::string report() {
  std::vector<Entry> e;
  {
    std::lock_guard<std::mutex> lock(mu());
    e = entries();
  }
  if (e.empty()) return {};
  std::sort(e.begin(), e.end(), [](const Entry& a, const Entry& b) { return a.ns > b.ns; });
  // "total.*" steps enclose the others: listed, not summed. "thread.*" entries are pool jobs' thread
  // time (all threads together): their share is of the thread time, not of the steps.
  auto thread_time = [](const Entry& x) { return std::strncmp(x.name, "thread.", 7) == 0; };
  double steps = 0, threads = 0;
  for (const Entry& x : e) {
    if (thread_time(x)) {
      threads += double(x.ns);
    } else if (std::strncmp(x.name, "total.", 6) != 0) {
      steps += double(x.ns);
    }
  }
  std::string out =
      "CPU profile (QWENVL_CPU_PROFILE): step, calls, total ms, share of the steps (thread.*: of the thread time)\n";
  char line[160];
  for (const Entry& x : e) {
    const double of = thread_time(x) ? threads : steps;
    std::snprintf(line, sizeof line, "  %-24s %8lld %10.1f %6.1f %%\n", x.name, static_cast<long long>(x.calls),
                  double(x.ns) / 1e6, of > 0 ? 100.0 * double(x.ns) / of : 0.0);
    out += line;
  }
  return out;
}

void reset() {
  std::lock_guard<std::mutex> lock(mu());
  entries().clear();
}

}  // namespace qwenvl::cpu::profile
