// Where the CPU backend's time goes: wall time per named step of the vision encoder and the
// decoder, summed over calls, when QWENVL_CPU_PROFILE is set (qwenvl-bench prints the table).
// A step is timed on the thread that calls it (the steps run their own parallel_for), so the
// figures add up to the wall time of the pass; steps named "total.*" enclose others. Scopes
// opened inside pool jobs are named "thread.*": thread time, summed over the threads, reported
// apart from the steps. Off, a Scope costs one branch.
#pragma once

#include <cstdint>
#include <string>

namespace qwenvl::cpu::profile {

bool enabled();

class Scope {
 public:
  explicit Scope(const char* name);  // name: a string literal (kept by pointer)
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const char* name_ = nullptr;
  int64_t t0_ = 0;
};

// The table of steps (name, calls, total ms, share), largest first; empty when nothing ran.
std::string report();
void reset();

}  // namespace qwenvl::cpu::profile
