// format_query (qwenvl/engine.h): the official tokenizer.from_list_format(), which turns a list
// of pictures, text and boxes into one user query string.
#include <string>

#include "qwenvl/engine.h"

namespace qwenvl {

std::string format_query(const std::vector<ContentItem>& items) {
  std::string text;
  int pictures = 0;
  for (const ContentItem& item : items) {
    switch (item.kind) {
      case ContentItem::Kind::Image:
        // Numbered within this list from 1, no space after the colon (the web demo and the
        // finetune format differ; the model's own helper is what chat() users get).
        text += "Picture " + std::to_string(++pictures) + ":<img>" + item.text + "</img>\n";
        break;
      case ContentItem::Kind::Text:
        text += item.text;
        break;
      case ContentItem::Kind::Box:
        if (!item.ref.empty()) text += "<ref>" + item.ref + "</ref>";
        for (const auto& b : item.boxes) {
          text += "<box>(" + std::to_string(b[0]) + "," + std::to_string(b[1]) + "),(" + std::to_string(b[2]) + "," +
                  std::to_string(b[3]) + ")</box>";
        }
        break;
    }
  }
  return text;
}

}  // namespace qwenvl
