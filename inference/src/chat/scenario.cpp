// Reads scenario files (chat/scenario.h). Query items follow the official from_list_format's
// rules: "image" wins over "text", which wins over "box" (+ optional "ref"); anything else is an
// error naming the scenario and the item.
#include "chat/scenario.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "util/file_io.h"

namespace qwenvl {

namespace {

using json = nlohmann::json;

std::string type_name(const json& j) { return j.type_name(); }

// A JSON number as Python's "%d" prints it: integers as they are, floats truncated toward zero.
std::optional<int> to_int(const json& j) {
  if (j.is_number_integer()) {
    const auto v = j.get<int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) return std::nullopt;
    return static_cast<int>(v);
  }
  if (j.is_number_unsigned()) {
    const auto v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
    return static_cast<int>(v);
  }
  if (j.is_number_float()) {
    const double d = std::trunc(j.get<double>());
    if (!std::isfinite(d) || d < std::numeric_limits<int>::min() || d > std::numeric_limits<int>::max())
      return std::nullopt;
    return static_cast<int>(d);
  }
  return std::nullopt;
}

Status parse_item(const json& item, const std::string& where, std::vector<ContentItem>& out) {
  if (!item.is_object()) return Status::error(where + ": expected an object, found " + type_name(item));
  if (item.contains("image")) {
    const json& v = item["image"];
    if (!v.is_string()) return Status::error(where + ": \"image\" must be a string path, found " + type_name(v));
    out.push_back(ContentItem::image(v.get<std::string>()));
    return Status();
  }
  if (item.contains("text")) {
    const json& v = item["text"];
    if (!v.is_string()) return Status::error(where + ": \"text\" must be a string, found " + type_name(v));
    out.push_back(ContentItem::plain(v.get<std::string>()));
    return Status();
  }
  if (item.contains("box")) {
    const json& boxes = item["box"];
    if (!boxes.is_array())
      return Status::error(where + ": \"box\" must be a list of [x1, y1, x2, y2], found " + type_name(boxes));
    std::vector<std::array<int, 4>> parsed;
    for (size_t b = 0; b < boxes.size(); ++b) {
      const json& box = boxes[b];
      const std::string bw = where + ", box " + std::to_string(b + 1);
      if (!box.is_array() || box.size() != 4)
        return Status::error(bw + ": expected [x1, y1, x2, y2] (4 numbers), found " + box.dump());
      std::array<int, 4> v{};
      for (size_t k = 0; k < 4; ++k) {
        std::optional<int> n = to_int(box[k]);
        if (!n)
          return Status::error(bw + ": coordinate " + std::to_string(k + 1) +
                               " is not a number in range: " + box[k].dump());
        v[k] = *n;
      }
      parsed.push_back(v);
    }
    std::string ref;
    if (item.contains("ref")) {
      const json& r = item["ref"];
      if (!r.is_string()) return Status::error(where + ": \"ref\" must be a string, found " + type_name(r));
      ref = r.get<std::string>();
      // from_list_format writes <ref></ref> for a present but empty ref; ContentItem cannot say
      // "present and empty", so the tags go in as text to keep the prompt identical.
      if (ref.empty()) out.push_back(ContentItem::plain("<ref></ref>"));
    }
    out.push_back(ContentItem::box(std::move(ref), std::move(parsed)));
    return Status();
  }
  return Status::error(
      where + ": unsupported item " + item.dump(-1, ' ', false, json::error_handler_t::replace) +
      " (expected {\"image\": PATH}, {\"text\": TEXT} or {\"ref\": PHRASE, \"box\": [[x1, y1, x2, y2], ...]})");
}

bool usable_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
}

Result<Scenario> parse_one(const json& j, const std::string& where) {
  if (!j.is_object()) return Result<Scenario>::error(where + ": expected an object, found " + type_name(j));
  Scenario s;
  if (!j.contains("name") || !j["name"].is_string())
    return Result<Scenario>::error(where + ": \"name\" (a string) is missing");
  s.name = j["name"].get<std::string>();
  if (!usable_name(s.name))
    return Result<Scenario>::error(
        where + ": \"name\" must be non-empty and usable as a file name (no '/', '\\', not '.' or '..')");

  if (j.contains("system") && !j["system"].is_null()) {
    if (!j["system"].is_string())
      return Result<Scenario>::error(where + ": \"system\" must be a string, found " + type_name(j["system"]));
    s.system = j["system"].get<std::string>();
  }

  if (j.contains("history") && !j["history"].is_null()) {
    const json& h = j["history"];
    if (!h.is_array())
      return Result<Scenario>::error(where + ": \"history\" must be a list of [query, response], found " +
                                     type_name(h));
    for (size_t i = 0; i < h.size(); ++i) {
      const std::string hw = where + ", history turn " + std::to_string(i + 1);
      const json& t = h[i];
      if (!t.is_array() || t.size() != 2 || !t[0].is_string() || !(t[1].is_string() || t[1].is_null()))
        return Result<Scenario>::error(hw + ": expected [query, response] (strings; the response may be null)");
      HistoryTurn turn{t[0].get<std::string>(), std::nullopt};
      if (t[1].is_string()) turn.response = t[1].get<std::string>();
      s.history.push_back(std::move(turn));
    }
  }

  if (!j.contains("query")) return Result<Scenario>::error(where + ": \"query\" is missing");
  const json& q = j["query"];
  if (q.is_string()) {
    s.query_text = q.get<std::string>();
  } else if (q.is_array()) {
    s.query_is_list = true;
    for (size_t i = 0; i < q.size(); ++i) {
      Status st = parse_item(q[i], where + ", query item " + std::to_string(i + 1), s.query_items);
      if (!st.ok()) return st;
    }
  } else {
    return Result<Scenario>::error(where + ": \"query\" must be a string or a list of items, found " + type_name(q));
  }

  if (j.contains("greedy_steps") && !j["greedy_steps"].is_null()) {
    const json& g = j["greedy_steps"];
    std::optional<int> n = g.is_number_integer() || g.is_number_unsigned() ? to_int(g) : std::nullopt;
    if (!n || *n < 0)
      return Result<Scenario>::error(where + ": \"greedy_steps\" must be a non-negative integer, found " + g.dump());
    s.greedy_steps = *n;
  }
  return s;
}

}  // namespace

std::string Scenario::query() const { return query_is_list ? format_query(query_items) : query_text; }

std::vector<std::string> Scenario::image_labels() const {
  std::vector<std::string> labels;
  for (const ContentItem& item : query_items)
    if (item.kind == ContentItem::Kind::Image) labels.push_back(item.text);
  return labels;
}

ContextOptions Scenario::context_options(int max_window_size) const {
  ContextOptions o;
  if (system) o.system = *system;
  o.max_window_size = max_window_size;
  return o;
}

Result<std::vector<ScenarioEntry>> parse_scenarios(std::string_view json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    // e.what() says where ("syntax error while parsing value - invalid literal; last read: ...").
    return Result<std::vector<ScenarioEntry>>::error(source + ": not valid JSON: " + e.what());
  }
  if (!doc.is_array())
    return Result<std::vector<ScenarioEntry>>::error(source + ": expected a JSON list of scenarios, found " +
                                                     type_name(doc));
  std::vector<ScenarioEntry> entries;
  for (size_t i = 0; i < doc.size(); ++i) {
    ScenarioEntry e;
    e.index = i;
    e.name = "#";
    e.name += std::to_string(i);
    const json& j = doc[i];
    if (j.is_object() && j.contains("name") && j["name"].is_string() && usable_name(j["name"].get<std::string>()))
      e.name = j["name"].get<std::string>();
    e.scenario = parse_one(j, source + ": scenario " + e.name);
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::vector<ScenarioEntry>> load_scenarios(const std::string& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.status();
  return parse_scenarios(text.value(), path);
}

}  // namespace qwenvl
