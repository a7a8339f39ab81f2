// Queries through the engine's format_query; see chat_query.h.
#include "app/chat_query.h"

#include "qwenvl/engine.h"

namespace qwenvl::app {

std::string questionQuery(const std::vector<std::string>& pictureLabels, const std::string& text) {
  std::vector<ContentItem> items;
  items.reserve(pictureLabels.size() + 1);
  for (const std::string& label : pictureLabels) items.push_back(ContentItem::image(label));
  if (!text.empty()) items.push_back(ContentItem::plain(text));
  return format_query(items);
}

RegionMarkup regionMarkup(const QString& phrase, const std::array<int, 4>& box) {
  // The engine formats the item around a placeholder that no phrase contains (a noncharacter),
  // and the markup is cut there: where the phrase sits is the engine's business, not ours.
  static const QString kPlaceholder = QString(QChar(0xFDD0));
  const QString whole = QString::fromStdString(format_query({ContentItem::box(kPlaceholder.toStdString(), {box})}));
  const qsizetype at = whole.indexOf(kPlaceholder);
  RegionMarkup m;
  m.phrase = phrase;
  if (at < 0) {  // a format without the phrase: keep the engine's text and put the phrase first
    m.after = whole;
    return m;
  }
  m.before = whole.left(at);
  m.after = whole.mid(at + kPlaceholder.size());
  return m;
}

}  // namespace qwenvl::app
