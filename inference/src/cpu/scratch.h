// A float array left uninitialised on allocation, for the CPU backend's per-pass workspaces:
// every step writes its output in full before it is read, and zeroing tens of megabytes per
// layer (std::vector's value-initialisation) cost the vision encoder a third of its time.
#pragma once

#include <cstddef>
#include <memory>

namespace qwenvl::cpu {

class Floats {
 public:
  Floats() = default;
  explicit Floats(size_t n) : p_(n ? new float[n] : nullptr), n_(n) {}
  float* data() { return p_.get(); }
  const float* data() const { return p_.get(); }
  size_t size() const { return n_; }
  float& operator[](size_t i) { return p_[i]; }
  const float& operator[](size_t i) const { return p_[i]; }

 private:
  std::unique_ptr<float[]> p_;
  size_t n_ = 0;
};

}  // namespace qwenvl::cpu
