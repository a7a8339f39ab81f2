// Pieces shared by ChatSession and the conformance tool: where pictures sit in a prompt (as the
// official QWenModel.forward finds them), picture preprocessing for the vision encoder, and
// running the encoder over a prompt's pictures.
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
  int first = 0;   // position of the first of the 256 ids after <img>
  int rows = 0;    // positions up to </img> (256)
  std::string label;
};

// Each <img> ... </img> pair: the ids between them up to the first <imgpad> are the label's
// bytes. Errors: an <img> without </img>, a label that is not UTF-8 or fills the whole span.
Result<std::vector<ImageSpan>> find_image_spans(const std::vector<int32_t>& ids);

// Pillow-exact resize to S x S and CLIP normalisation: [3][S][S] fp32.
std::vector<float> preprocess_picture(const Picture& picture, int image_size);

// Dynamic NTK alpha for a prompt pass of `length` tokens (see backend.h).
double ntk_alpha_for_length(int length, int seq_length);

}  // namespace qwenvl
