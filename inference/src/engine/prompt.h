// Pieces of the prompt pipeline (engine/runner.h): where pictures sit in a prompt (as the
// official QWenModel.forward finds them) and picture preprocessing for the vision encoder.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "qwenvl/picture.h"
#include "qwenvl/status.h"

namespace qwenvl {

struct ImageSpan {
  int first = 0;  // position of the first of the 256 ids after <img>
  int rows = 0;   // positions up to </img> (256)
  std::string label;
};

// Each <img> ... </img> pair: the ids between them up to the first <imgpad> are the label's
// bytes. Errors: an <img> without </img>, a label that is not UTF-8 or fills the whole span.
Result<std::vector<ImageSpan>> find_image_spans(const std::vector<int32_t>& ids);

// Pillow-exact resize to S x S and CLIP normalisation: [3][S][S] fp32.
std::vector<float> preprocess_picture(const Picture& picture, int image_size);

}  // namespace qwenvl
