// Chat scenarios in the format of ../shared/fixtures/tiny_scenarios.json (a JSON array of
// {name, system?, history?, query, greedy_steps?}), as read by `qwenvl-cli prompt` and `conform`.
// One bad scenario does not spoil the file: each entry carries its own result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/template.h"
#include "qwenvl/engine.h"
#include "qwenvl/status.h"

namespace qwenvl {

struct Scenario {
  std::string name;                   // non-empty, usable as a file name (no '/', not "." or "..")
  std::optional<std::string> system;  // absent or null: ChatSession::kDefaultSystemPrompt
  std::vector<HistoryTurn> history;   // [[query, response], ...]; a null response is allowed
  bool query_is_list = false;
  std::string query_text;                // the query when given as a string
  std::vector<ContentItem> query_items;  // the query when given as a list of items
  int greedy_steps = 0;                  // absent: 0

  // The user message: query_text, or format_query(query_items) (official from_list_format).
  std::string query() const;
  // Labels of the pictures in the query list, in order (paths as written in the file).
  std::vector<std::string> image_labels() const;
  ContextOptions context_options(int max_window_size = kDefaultMaxWindowSize) const;
};

struct ScenarioEntry {
  size_t index = 0;  // position in the file, from 0
  std::string name;  // the scenario's name when it has a usable one, else "#INDEX"
  Result<Scenario> scenario = Result<Scenario>::error("not parsed");
};

// Fails only when the text is not a JSON array; every element gets an entry.
// `source` names the file in messages.
Result<std::vector<ScenarioEntry>> parse_scenarios(std::string_view json_text, const std::string& source);
Result<std::vector<ScenarioEntry>> load_scenarios(const std::string& path);

}  // namespace qwenvl
