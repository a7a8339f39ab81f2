// `qwenvl-cli prompt --scenarios FILE [--vocab FILE] [--max-window N] [--text]`: prints, for
// each scenario, one JSON line {"name", "prompt_ids"} with the ChatML context of make_context
// ("prompt_text" too with --text), or {"name", "error"}; exit status 1 if any scenario failed.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "chat/scenario.h"
#include "chat/template.h"
#include "cli/args.h"
#include "cli/command.h"
#include "tokenizer/tokenizer.h"

namespace qwenvl::cli {

namespace {

using ojson = nlohmann::ordered_json;

void print_line(const ojson& j) { std::cout << j.dump(-1, ' ', false, ojson::error_handler_t::replace) << '\n'; }

int usage_error(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-cli prompt: %s\n"
               "usage: qwenvl-cli prompt --scenarios FILE [--vocab qwen.tiktoken] [--max-window N] [--text]\n"
               "  --vocab defaults to qwen.tiktoken in the scenario file's folder.\n",
               message.c_str());
  return 2;
}

int run_prompt(const std::vector<std::string>& argv) {
  Args args(argv, {"text"});
  if (!args.ok()) return usage_error(args.error());
  if (auto unknown = args.unknown({"scenarios", "vocab", "max-window", "text"}); !unknown.empty())
    return usage_error("unknown option " + unknown.front());
  if (!args.positional().empty()) return usage_error("unexpected argument '" + args.positional().front() + "'");
  std::optional<std::string> scenarios_path = args.get("scenarios");
  if (!scenarios_path) return usage_error("--scenarios FILE is required");

  int max_window = kDefaultMaxWindowSize;
  std::string bad;
  if (!args.get_number("max-window", 1, 1 << 20, max_window, bad)) return usage_error(bad);

  std::string vocab;
  if (auto v = args.get("vocab")) {
    vocab = *v;
  } else {
    std::filesystem::path beside = std::filesystem::path(*scenarios_path).parent_path() / "qwen.tiktoken";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(beside, ec))
      return usage_error("no --vocab given and no qwen.tiktoken beside the scenarios (looked for " + beside.string() +
                         "); pass --vocab PATH/TO/qwen.tiktoken");
    vocab = beside.string();
  }

  Result<std::vector<ScenarioEntry>> entries = load_scenarios(*scenarios_path);
  if (!entries.ok()) {
    std::fprintf(stderr, "qwenvl-cli prompt: %s\n", entries.message().c_str());
    return 1;
  }
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::load(vocab);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "qwenvl-cli prompt: loading the vocabulary: %s\n", tokenizer.message().c_str());
    return 1;
  }

  const bool with_text = args.has("text");
  int failures = 0;
  for (const ScenarioEntry& entry : entries.value()) {
    ojson line;
    line["name"] = entry.name;
    if (!entry.scenario.ok()) {
      line["error"] = entry.scenario.message();
      ++failures;
      print_line(line);
      continue;
    }
    const Scenario& s = entry.scenario.value();
    Result<ChatContext> ctx = make_context(**tokenizer, s.query(), s.history, s.context_options(max_window));
    if (!ctx.ok()) {
      line["error"] = "scenario " + entry.name + ": " + ctx.message();
      ++failures;
    } else {
      line["prompt_ids"] = ctx->ids;
      if (with_text) line["prompt_text"] = ctx->raw_text;
    }
    print_line(line);
  }
  std::cout.flush();
  if (failures > 0) {
    std::fprintf(stderr, "qwenvl-cli prompt: %d of %zu scenarios failed\n", failures, entries->size());
    return 1;
  }
  return 0;
}

}  // namespace

QWENVL_COMMAND(prompt, "prompt", "print the ChatML prompt ids of each scenario in a scenario file", run_prompt);

}  // namespace qwenvl::cli
