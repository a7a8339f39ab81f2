// Comparisons against golden data shared by the Qt tests and the Qt-free GPU tests.
#pragma once

#include <string>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl::test {

Result<std::vector<float>> read_f32_file(const std::string& path);
Result<std::string> read_binary(const std::string& path);
// ||a - b|| / ||b|| in double; infinity when sizes differ or b is all zero; NaN anywhere -> NaN.
double relative_l2(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace qwenvl::test
