// The rotary/NTK maths of model/rotary.h; the float/double steps mirror the official code's
// dtypes so that every backend's tables are the same bits.
#include "model/rotary.h"

#include <cmath>

namespace qwenvl {

double ntk_alpha_for_length(int length, int seq_length) {
  const double context_value =
      std::log(static_cast<double>(length) / seq_length) / std::log(2.0) + 1.0;  // math.log(x, 2)
  const double alpha = std::pow(2.0, std::ceil(context_value)) - 1.0;
  return alpha < 1.0 ? 1.0 : alpha;
}

double rotary_base_for_alpha(double rotary_emb_base, int head_dim, double alpha) {
  return rotary_emb_base * std::pow(alpha, static_cast<double>(head_dim) / (head_dim - 2));
}

std::vector<float> rotary_inv_freq(int head_dim, double base) {
  // torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in fp32.
  const float b = static_cast<float>(base);
  std::vector<float> inv(static_cast<size_t>(head_dim / 2));
  for (int i = 0; i < head_dim / 2; ++i) {
    const float e = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    inv[i] = 1.0f / std::pow(b, e);
  }
  return inv;
}

}  // namespace qwenvl
