// `qwenvl-cli tokenize --vocab FILE`: JSON lines {"text", "allowed"} on stdin, each written
// back with "ids" (or "error") added, one output line per input line, flushed per line.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/command.h"
#include "tokenizer/tokenizer.h"

namespace qwenvl::cli {

namespace {

using Json = nlohmann::ordered_json;  // keeps the caller's field order

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's json.dumps writes a lone surrogate as \udXXX, which nlohmann refuses. The official
// tokenizer (tiktoken) turns a lone surrogate into U+FFFD, so the escape is rewritten to that.
std::string replace_lone_surrogates(const std::string& line) {
  auto escape_at = [&](size_t i, int* value) {
    if (i + 6 > line.size() || line[i] != '\\' || line[i + 1] != 'u') return false;
    int v = 0;
    for (size_t k = i + 2; k < i + 6; ++k) {
      int h = hex_value(line[k]);
      if (h < 0) return false;
      v = v * 16 + h;
    }
    *value = v;
    return true;
  };
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (!in_string) {
      in_string = c == '"';
      out.push_back(c);
      continue;
    }
    if (c == '"') {
      in_string = false;
      out.push_back(c);
      continue;
    }
    int v = 0, low = 0;
    if (c == '\\' && escape_at(i, &v) && v >= 0xD800 && v <= 0xDFFF) {
      if (v <= 0xDBFF && escape_at(i + 6, &low) && low >= 0xDC00 && low <= 0xDFFF) {
        out.append(line, i, 12);  // a proper pair
        i += 11;
      } else {
        out += "\\ufffd";
        i += 5;
      }
      continue;
    }
    out.push_back(c);
    if (c == '\\' && i + 1 < line.size()) out.push_back(line[++i]);  // keep \" and \\ intact
  }
  return out;
}

std::string tokenize_line(const Tokenizer& tok, const std::string& line) {
  Json out;
  auto fail = [&](const std::string& message) {
    if (!out.is_object()) out = Json::object();
    out["error"] = message;
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  try {
    out = Json::parse(replace_lone_surrogates(line));
  } catch (const Json::parse_error& e) {
    out = Json::object();
    return fail(std::string("bad JSON: ") + e.what());
  }
  if (!out.is_object()) {
    out = Json::object();
    return fail("expected a JSON object {\"text\": ..., \"allowed\": \"all\"|\"image\"|\"none\"}");
  }
  auto text = out.find("text");
  if (text == out.end() || !text->is_string()) return fail("\"text\" is missing or not a string");
  SpecialMode mode = SpecialMode::All;  // tokenizer(text) defaults to allowed_special="all"
  auto allowed = out.find("allowed");
  if (allowed != out.end()) {
    std::string m = allowed->is_string() ? allowed->get<std::string>() : allowed->dump();
    if (m == "all") {
      mode = SpecialMode::All;
    } else if (m == "image") {
      mode = SpecialMode::Image;
    } else if (m == "none") {
      mode = SpecialMode::None;
    } else {
      return fail("unknown \"allowed\" mode " + m + ": expected \"all\", \"image\" or \"none\"");
    }
  }
  auto ids = tok.encode(text->get_ref<const std::string&>(), mode);
  if (!ids) return fail(ids.message());
  out["ids"] = *ids;
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int run_tokenize(const std::vector<std::string>& argv) {
  Args args(argv, {"help"});
  if (args.has("help")) {
    std::printf(
        "usage: qwenvl-cli tokenize --vocab qwen.tiktoken < lines.jsonl\n"
        "Reads JSON lines {\"text\": ..., \"allowed\": \"all\"|\"image\"|\"none\"} (default all) and\n"
        "writes each back with \"ids\" added, or \"error\" when that line cannot be tokenized.\n");
    return 0;
  }
  if (!args.ok()) {
    std::fprintf(stderr, "qwenvl-cli tokenize: %s\n", args.error().c_str());
    return 2;
  }
  if (auto unknown = args.unknown({"vocab", "help"}); !unknown.empty()) {
    std::fprintf(stderr, "qwenvl-cli tokenize: unknown option %s\n", unknown.front().c_str());
    return 2;
  }
  if (!args.positional().empty()) {
    std::fprintf(stderr, "qwenvl-cli tokenize: unexpected argument '%s' (the text comes on stdin)\n",
                 args.positional().front().c_str());
    return 2;
  }
  auto vocab = args.get("vocab");
  if (!vocab) {
    std::fprintf(stderr, "qwenvl-cli tokenize: --vocab FILE (qwen.tiktoken) is required\n");
    return 2;
  }
  auto tok = Tokenizer::load(*vocab);
  if (!tok) {
    std::fprintf(stderr, "qwenvl-cli tokenize: %s\n", tok.message().c_str());
    return 1;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::cout << tokenize_line(**tok, line) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace

QWENVL_COMMAND(tokenize, "tokenize", "JSON lines of text -> token ids (--vocab qwen.tiktoken)", run_tokenize);

}  // namespace qwenvl::cli
