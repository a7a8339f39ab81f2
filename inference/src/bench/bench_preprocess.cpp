// `qwenvl-bench preprocess [--runs N] [--threads N] [IMAGE...]`: time per image of each
// preprocessing step (decode from the file, BICUBIC resize to 448x448, CLIP normalisation), the
// median over N runs, printed as one JSON object. With no IMAGE it uses the fixture pictures
// (../shared/fixtures/images, or $QWENVL_FIXTURES/images). Measured, never asserted.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/command.h"
#include "image/image.h"
#include "util/parallel.h"

namespace qwenvl::cli {

namespace {

namespace fs = std::filesystem;

int usage_error(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-bench preprocess: %s\n"
               "usage: qwenvl-bench preprocess [--runs N] [--threads N] [IMAGE...]\n"
               "  --threads spreads the resize over N threads (default 1; 0 = one per core)\n",
               message.c_str());
  return 2;
}

// The fixture pictures: $QWENVL_FIXTURES/images, else shared/fixtures/images (or .shared/...)
// found walking up from the working folder and from the binary's folder.
std::vector<std::string> default_images() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("QWENVL_FIXTURES"); env && *env) dirs.push_back(fs::path(env) / "images");
  std::error_code ec;
  std::vector<fs::path> starts = {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec).parent_path()};
  for (fs::path p : starts) {
    for (; !p.empty(); p = p.parent_path()) {
      dirs.push_back(p / "shared/fixtures/images");
      dirs.push_back(p / ".shared/fixtures/images");
      if (p == p.parent_path()) break;
    }
  }
  for (const fs::path& d : dirs) {
    if (!fs::is_directory(d, ec)) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file(ec) && (ext == ".png" || ext == ".jpg" || ext == ".jpeg"))
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (!files.empty()) return files;
  }
  return {};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int run_bench_preprocess(const std::vector<std::string>& argv) {
  Args args(argv);
  if (!args.ok()) return usage_error(args.error());
  if (auto unknown = args.unknown({"runs", "threads"}); !unknown.empty())
    return usage_error("unknown option " + unknown.front());
  int runs = 20, threads = 1;
  try {
    if (auto r = args.get("runs")) runs = std::stoi(*r);
    if (auto t = args.get("threads")) threads = std::stoi(*t);
  } catch (const std::exception&) {
    return usage_error("--runs and --threads expect integers");
  }
  if (runs < 1 || threads < 0) return usage_error("--runs must be >= 1 and --threads >= 0");

  std::vector<std::string> images = args.positional();
  if (images.empty()) images = default_images();
  if (images.empty())
    return usage_error("no IMAGE given and the fixture pictures were not found (set QWENVL_FIXTURES)");

  ThreadPool pool(threads == 0 ? 0 : threads);
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  std::vector<float> tensor(3 * kVisionImageSize * kVisionImageSize);
  int failures = 0;
  for (const std::string& path : images) {
    std::vector<double> t_decode, t_resize, t_norm, t_total;
    nlohmann::ordered_json entry = {{"image", path}};
    for (int i = 0; i < runs; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      Result<RgbImage> img = decode_image_file(path);
      const double d = ms_since(t0);
      if (!img.ok()) {
        entry["error"] = img.message();
        break;
      }
      const auto t1 = std::chrono::steady_clock::now();
      const RgbImage resized = resize_bicubic(*img, kVisionImageSize, kVisionImageSize, &pool);
      const double r = ms_since(t1);
      const auto t2 = std::chrono::steady_clock::now();
      normalize_clip(resized, tensor.data());
      const double n = ms_since(t2);
      t_decode.push_back(d);
      t_resize.push_back(r);
      t_norm.push_back(n);
      t_total.push_back(d + r + n);
      entry["width"] = img->width;
      entry["height"] = img->height;
    }
    if (entry.contains("error")) {
      ++failures;
    } else {
      entry["decode_ms"] = median(t_decode);
      entry["resize_ms"] = median(t_resize);
      entry["normalize_ms"] = median(t_norm);
      entry["total_ms"] = median(t_total);
    }
    results.push_back(entry);
  }
  nlohmann::ordered_json out = {{"benchmark", "preprocess"},
                                {"runs", runs},
                                {"threads", pool.size()},
                                {"statistic", "median per image, milliseconds"},
                                {"images", results}};
  std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  // Refused files (the fixtures include two on purpose) are listed with their error, not timed.
  return failures == static_cast<int>(images.size()) ? 1 : 0;
}

}  // namespace

QWENVL_COMMAND(bench_preprocess, "preprocess", "image decode + resize + normalise time per image",
               run_bench_preprocess);

}  // namespace qwenvl::cli
