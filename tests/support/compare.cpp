#include "support/compare.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "util/file_io.h"

namespace qwenvl::test {

Result<std::string> read_binary(const std::string& path) { return read_file(path); }

Result<std::vector<float>> read_f32_file(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.status();
  if (bytes->size() % 4 != 0) return Result<std::vector<float>>::error(path + ": size is not a multiple of 4");
  std::vector<float> v(bytes->size() / 4);
  std::memcpy(v.data(), bytes->data(), bytes->size());
  return v;
}

double relative_l2(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return std::numeric_limits<double>::infinity();
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    num += d * d;
    den += static_cast<double>(b[i]) * b[i];
  }
  if (std::isnan(num)) return std::numeric_limits<double>::quiet_NaN();
  if (den == 0) return std::numeric_limits<double>::infinity();
  return std::sqrt(num / den);
}

}  // namespace qwenvl::test
