// Queries as the model reads them, built only with the engine's own qwenvl::format_query and
// ContentItem (the official from_list_format): the app never writes <img>, <ref> or <box>
// markup by hand, so what the scripted backend and the real engine receive is the same.
#pragma once

#include <QString>
#include <array>
#include <string>
#include <vector>

namespace qwenvl::app {

// A question: its pictures by label (in order), then the user's text.
std::string questionQuery(const std::vector<std::string>& pictureLabels, const std::string& text);

// A region of a picture as it goes into a question, "<ref>PHRASE</ref><box>(x1,y1),(x2,y2)</box>",
// split around the phrase so an editor can select it for renaming.
struct RegionMarkup {
  QString before;
  QString phrase;
  QString after;
  QString text() const { return before + phrase + after; }
};
// `box`: x1, y1, x2, y2 in model space (0..1000).
RegionMarkup regionMarkup(const QString& phrase, const std::array<int, 4>& box);

}  // namespace qwenvl::app
