// `qwenvl-bench tokenizer --vocab FILE [--text FILE] [--runs N] [--allowed all|image|none]`:
// tokenizer load time and encode/decode throughput on a text file (default: the GPL-3 text),
// medians over N runs, printed as one JSON object. Measured, never asserted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/command.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/file_io.h"

namespace qwenvl::cli {

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-bench tokenizer: %s\n"
               "usage: qwenvl-bench tokenizer --vocab qwen.tiktoken [--text FILE] [--runs N]\n"
               "                              [--allowed all|image|none]\n"
               "  --text defaults to /usr/share/common-licenses/GPL-3, --runs to 10\n",
               message.c_str());
  return 2;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_bench_tokenizer(const std::vector<std::string>& argv) {
  Args args(argv);
  if (!args.ok()) return usage_error(args.error());
  if (auto unknown = args.unknown({"vocab", "text", "runs", "allowed"}); !unknown.empty())
    return usage_error("unknown option " + unknown.front());
  auto vocab = args.get("vocab");
  if (!vocab) return usage_error("--vocab FILE (qwen.tiktoken) is required");
  std::string text_path = args.get("text").value_or("/usr/share/common-licenses/GPL-3");
  int runs = 10;
  try {
    if (auto r = args.get("runs")) runs = std::stoi(*r);
  } catch (const std::exception&) {
    return usage_error("--runs expects an integer");
  }
  if (runs < 1) return usage_error("--runs must be >= 1");
  std::string allowed = args.get("allowed").value_or("all");
  SpecialMode mode = SpecialMode::All;
  if (allowed == "image") {
    mode = SpecialMode::Image;
  } else if (allowed == "none") {
    mode = SpecialMode::None;
  } else if (allowed != "all") {
    return usage_error("--allowed must be all, image or none");
  }

  auto text = read_file(text_path);
  if (!text) return usage_error(text.message());

  std::vector<double> t_load;
  std::unique_ptr<Tokenizer> tok;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto loaded = Tokenizer::load(*vocab);
    t_load.push_back(seconds_since(t0));
    if (!loaded) {
      std::fprintf(stderr, "qwenvl-bench tokenizer: %s\n", loaded.message().c_str());
      return 1;
    }
    tok = std::move(*loaded);
  }

  std::vector<double> t_encode, t_decode;
  std::vector<int32_t> ids;
  size_t decoded_bytes = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = tok->encode(*text, mode);
    t_encode.push_back(seconds_since(t0));
    if (!r) {
      std::fprintf(stderr, "qwenvl-bench tokenizer: %s: %s\n", text_path.c_str(), r.message().c_str());
      return 1;
    }
    ids = std::move(*r);
    const auto t1 = std::chrono::steady_clock::now();
    decoded_bytes = tok->decode(ids).size();
    t_decode.push_back(seconds_since(t1));
  }
  const double enc = median(t_encode), dec = median(t_decode);
  nlohmann::ordered_json out = {
      {"benchmark", "tokenizer"},
      {"text", text_path},
      {"text_bytes", text->size()},
      {"allowed", allowed},
      {"bpe_engine", "sentencepiece"},
      {"unicode_version", unicode::version()},
      {"runs", runs},
      {"statistic", "median"},
      {"load_seconds", median(t_load)},
      {"tokens", ids.size()},
      {"seconds", enc},
      {"tokens_per_s", enc > 0 ? static_cast<double>(ids.size()) / enc : 0.0},
      {"mb_per_s", enc > 0 ? static_cast<double>(text->size()) / enc / 1e6 : 0.0},
      {"decode_seconds", dec},
      {"decode_tokens_per_s", dec > 0 ? static_cast<double>(ids.size()) / dec : 0.0},
      {"decoded_bytes", decoded_bytes},
  };
  std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return 0;
}

}  // namespace

QWENVL_COMMAND(bench_tokenizer, "tokenizer", "tokenizer load time and tokens/s on a text file", run_bench_tokenizer);

}  // namespace qwenvl::cli
