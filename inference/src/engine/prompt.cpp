// Finding picture spans in prompt ids and preparing a picture for the vision encoder.
#include "engine/prompt.h"

#include "image/image.h"
#include "tokenizer/tokenizer.h"
#include "util/utf8.h"

namespace qwenvl {

Result<std::vector<ImageSpan>> find_image_spans(const std::vector<int32_t>& ids) {
  using R = Result<std::vector<ImageSpan>>;
  std::vector<ImageSpan> spans;
  for (size_t a = 0; a < ids.size(); ++a) {
    if (ids[a] != token_id::img_start) continue;
    size_t b = a + 1;
    while (b < ids.size() && ids[b] != token_id::img_end) ++b;
    if (b == ids.size()) return R::error("the prompt has an <img> without </img>");
    std::string label;
    bool padded = false;
    for (size_t i = a + 1; i + 1 < b; ++i) {  // official: ids[a+1 : b-1] up to the first <imgpad>
      if (ids[i] == token_id::img_pad) {
        padded = true;
        break;
      }
      if (ids[i] < 0 || ids[i] > 255) return R::error("the prompt's picture span holds a token that is not a byte");
      label.push_back(static_cast<char>(ids[i]));
    }
    if (!padded) return R::error("a picture name in the prompt is too long (at most 255 bytes)");
    if (utf8_decode_replace(label) != label) return R::error("a picture name in the prompt is not valid UTF-8");
    spans.push_back({static_cast<int>(a + 1), static_cast<int>(b - a - 1), std::move(label)});
    a = b;
  }
  return spans;
}

std::vector<float> preprocess_picture(const Picture& picture, int image_size) {
  RgbImage img{picture.width, picture.height, picture.rgb};
  RgbImage resized = resize_bicubic(img, image_size, image_size);
  std::vector<float> out(size_t(3) * image_size * image_size);
  normalize_clip(resized, out.data());
  return out;
}

}  // namespace qwenvl
