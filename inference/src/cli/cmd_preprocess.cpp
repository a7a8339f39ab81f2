// `qwenvl-cli preprocess --out-dir DIR IMAGE...`: for each image writes DIR/NAME.448.rgb, what the
// vision encoder sees before normalisation (Pillow's convert("RGB") + BICUBIC resize to 448x448,
// row-major RGB8), and prints one JSON line per image written. An image that cannot be read gets
// one line on stderr naming it; the others are still written and the exit status is 1.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/command.h"
#include "image/image.h"
#include "util/file_io.h"
#include "util/parallel.h"

namespace qwenvl::cli {

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-cli preprocess: %s\n"
               "usage: qwenvl-cli preprocess --out-dir DIR [--full] IMAGE...\n"
               "  writes DIR/NAME.%d.rgb (%dx%dx3 bytes, RGB8) for each picture IMAGE;\n"
               "  --full also writes DIR/NAME.full.rgb, the decoded picture before resizing\n",
               message.c_str(), kVisionImageSize, kVisionImageSize, kVisionImageSize);
  return 2;
}

int run_preprocess(const std::vector<std::string>& argv) {
  Args args(argv, {"full"});
  if (!args.ok()) return usage_error(args.error());
  if (auto unknown = args.unknown({"out-dir", "full"}); !unknown.empty())
    return usage_error("unknown option " + unknown.front());
  std::optional<std::string> out_dir = args.get("out-dir");
  if (!out_dir || out_dir->empty()) return usage_error("--out-dir DIR is required");
  if (args.positional().empty()) return usage_error("no IMAGE given");
  const bool full = args.has("full");

  std::error_code ec;
  std::filesystem::create_directories(*out_dir, ec);
  if (ec || !std::filesystem::is_directory(*out_dir, ec)) {
    std::fprintf(stderr, "qwenvl-cli preprocess: error: %s: cannot create the output folder: %s\n", out_dir->c_str(),
                 ec ? ec.message().c_str() : "not a directory");
    return 1;
  }

  ThreadPool pool;
  std::map<std::string, std::string> written;  // output file -> image, to flag name clashes
  int failures = 0;
  for (const std::string& path : args.positional()) {
    Result<RgbImage> img = decode_image_file(path);
    if (!img.ok()) {
      std::fprintf(stderr, "qwenvl-cli preprocess: error: %s\n", img.message().c_str());
      ++failures;
      continue;
    }
    const RgbImage resized = resize_bicubic(*img, kVisionImageSize, kVisionImageSize, &pool);
    const std::string name = std::filesystem::path(path).stem().string();
    const std::string out =
        (std::filesystem::path(*out_dir) / (name + "." + std::to_string(kVisionImageSize) + ".rgb")).string();
    if (auto it = written.find(out); it != written.end()) {
      std::fprintf(stderr, "qwenvl-cli preprocess: warning: %s and %s both write %s; the later one is kept\n",
                   it->second.c_str(), path.c_str(), out.c_str());
    }
    Status st = write_file_atomic(
        out, std::string_view(reinterpret_cast<const char*>(resized.pixels.data()), resized.pixels.size()));
    if (!st.ok()) {
      std::fprintf(stderr, "qwenvl-cli preprocess: error: %s (writing the result for %s)\n", st.message().c_str(),
                   path.c_str());
      ++failures;
      continue;
    }
    if (full) {
      const std::string full_out = (std::filesystem::path(*out_dir) / (name + ".full.rgb")).string();
      st = write_file_atomic(full_out,
                             std::string_view(reinterpret_cast<const char*>(img->pixels.data()), img->pixels.size()));
      if (!st.ok()) {
        std::fprintf(stderr, "qwenvl-cli preprocess: error: %s (writing the full-size picture for %s)\n",
                     st.message().c_str(), path.c_str());
        ++failures;
        continue;
      }
    }
    written[out] = path;
    nlohmann::ordered_json line = {{"image", path}, {"width", img->width}, {"height", img->height}, {"out", out}};
    std::cout << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  }
  std::cout.flush();
  return failures == 0 ? 0 : 1;
}

}  // namespace

QWENVL_COMMAND(preprocess, "preprocess", "decode images and resize them to 448x448 RGB as the vision encoder sees them",
               run_preprocess);

}  // namespace qwenvl::cli
