// `qwenvl-cli conform --model DIR --scenarios FILE --workdir DIR --out DIR [--device cpu|cuda]`:
// runs each chat scenario through the engine and writes what the official code's goldens hold:
// OUT/NAME.json (prompt_ids, top5_ids at every prompt position, greedy_ids decoded with the KV
// cache), OUT/NAME.visual.f32 ([n_images, 256, hidden]) and OUT/NAME.last_logits.f32 ([vocab]).
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "chat/scenario.h"
#include "chat/template.h"
#include "cli/args.h"
#include "cli/command.h"
#include "engine/internal.h"
#include "engine/runner.h"
#include "engine/sampler.h"
#include "qwenvl/engine.h"
#include "util/file_io.h"

namespace qwenvl::cli {

namespace {

namespace fs = std::filesystem;

// The 5 best ids, best first; `order` is scratch reused across positions.
std::vector<int32_t> top5(const float* logits, int n, std::vector<int32_t>& order) {
  order.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  return {order.begin(), order.begin() + 5};
}

std::string_view as_bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)};
}

// A scenario's pictures, read from the work folder by their label (a relative path).
class FolderPictures final : public PictureSource {
 public:
  FolderPictures(std::string workdir, int image_size) : workdir_(std::move(workdir)), size_(image_size) {}
  Result<const float*> input(const std::string& label) override {
    if (Entry* e = find(label)) return e->input.data();
    auto pic = load_picture((fs::path(workdir_) / label).string());
    if (!pic) return pic.status();
    entries_.push_back({label, preprocess_picture(*pic, size_), {}});
    return entries_.back().input.data();
  }
  const float* features(const std::string& label) override {
    const Entry* e = find(label);
    return e && !e->features.empty() ? e->features.data() : nullptr;
  }
  void keep(const std::string& label, std::vector<float> f) override {
    if (Entry* e = find(label)) e->features = std::move(f);
  }

 private:
  struct Entry {
    std::string label;
    std::vector<float> input, features;
  };
  Entry* find(const std::string& label) {
    for (Entry& e : entries_)
      if (e.label == label) return &e;
    return nullptr;
  }
  std::string workdir_;
  int size_;
  std::vector<Entry> entries_;
};

Status run_scenario(ModelImpl& m, const Scenario& sc, const std::string& workdir, const std::string& out_dir) {
  const ModelConfig& cfg = m.config();
  auto ctx = make_context(*m.tokenizer, sc.query(), sc.history, sc.context_options(cfg.generation.max_window_size));
  if (!ctx) return ctx.status();
  const std::vector<int32_t>& ids = ctx->ids;
  Runner runner(m);  // a fresh cache: every position of the prompt is computed
  if (static_cast<int>(ids.size()) + sc.greedy_steps > runner.max_context())
    return Status::error("the prompt (" + std::to_string(ids.size()) +
                         " tokens) and its greedy steps exceed the context limit " +
                         std::to_string(runner.max_context()));

  const int V = cfg.vocab_size, n = static_cast<int>(ids.size());
  nlohmann::ordered_json top5_ids = nlohmann::ordered_json::array();
  std::vector<float> last(static_cast<size_t>(V));
  std::vector<int32_t> order;
  FolderPictures pictures(workdir, cfg.visual.image_size);
  auto pre = runner.prefill(ids, pictures, LogitsMode::All, [&](int index, const float* l) {
    top5_ids.push_back(top5(l, V, order));
    if (index == n - 1) std::copy(l, l + V, last.begin());
  });
  if (!pre) return pre.status();
  // The prompt's pictures in order, as the official forward encodes them.
  const size_t feat = size_t(cfg.visual.n_queries) * cfg.hidden_size;
  std::vector<float> visual;
  visual.reserve(feat * pre->spans.size());
  for (const ImageSpan& s : pre->spans) {
    const float* f = pictures.features(s.label);
    visual.insert(visual.end(), f, f + feat);
  }

  // Greedy continuation with the KV cache, as generate() with do_sample=False; it ends early
  // only at <|endoftext|> (the eos of generation_config).
  std::vector<int32_t> greedy;
  std::vector<float> logits = last;
  for (int step = 0; step < sc.greedy_steps; ++step) {
    QWENVL_TRY(check_logits(logits.data(), V));
    const int32_t tok = argmax(logits.data(), V);
    greedy.push_back(tok);
    if (tok == cfg.generation.eos_token_id || step + 1 == sc.greedy_steps) break;
    QWENVL_TRY(runner.step(tok, [&](int, const float* l) { std::copy(l, l + V, logits.begin()); }));
  }

  nlohmann::ordered_json j;
  j["name"] = sc.name;
  j["prompt_ids"] = ids;
  j["top5_ids"] = std::move(top5_ids);
  j["greedy_ids"] = greedy;
  j["n_images"] = pre->spans.size();
  j["ntk_alpha"] = pre->ntk_alpha;
  j["device"] = m.backend->device_description();
  const std::string base = (fs::path(out_dir) / sc.name).string();
  QWENVL_TRY(write_file_atomic(base + ".json", j.dump() + "\n"));
  QWENVL_TRY(write_file_atomic(base + ".last_logits.f32", as_bytes(last)));
  if (!pre->spans.empty()) QWENVL_TRY(write_file_atomic(base + ".visual.f32", as_bytes(visual)));
  return Status();
}

int usage(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-cli conform: %s\n"
               "usage: qwenvl-cli conform --model DIR --scenarios FILE --workdir DIR --out DIR [--device cpu|cuda] "
               "[--threads N] [--cpu-kernels fast|reference]\n",
               message.c_str());
  return 2;
}

int run_conform(const std::vector<std::string>& argv) {
  Args args(argv);
  if (!args.ok()) return usage(args.error());
  if (auto u = args.unknown({"model", "scenarios", "workdir", "out", "device", "threads", "cpu-kernels"}); !u.empty())
    return usage("unknown option " + u.front());
  for (const char* req : {"model", "scenarios", "workdir", "out"})
    if (!args.get(req)) return usage(std::string("--") + req + " is required");
  LoadOptions lo;
  lo.model_dir = *args.get("model");
  const std::string device = args.get("device").value_or("cpu");
  if (device == "cuda")
    lo.backend = BackendKind::Cuda;
  else if (device != "cpu")
    return usage("--device must be cpu or cuda");
  if (auto t = args.get("threads")) lo.cpu_threads = std::atoi(t->c_str());
  if (auto k = args.get("cpu-kernels")) {
    if (*k != "fast" && *k != "reference") return usage("--cpu-kernels must be fast or reference");
    lo.cpu_kernels = *k == "fast" ? CpuKernels::Fast : CpuKernels::Reference;
  }

  auto scenarios = load_scenarios(*args.get("scenarios"));
  if (!scenarios) {
    std::fprintf(stderr, "qwenvl-cli conform: %s\n", scenarios.message().c_str());
    return 1;
  }
  const std::string out = *args.get("out");
  std::error_code ec;
  fs::create_directories(out, ec);
  if (!fs::is_directory(out, ec)) {
    std::fprintf(stderr, "qwenvl-cli conform: cannot create the output folder %s\n", out.c_str());
    return 1;
  }
  auto model = Model::load(lo);
  if (!model) {
    std::fprintf(stderr, "qwenvl-cli conform: %s\n", model.message().c_str());
    return 1;
  }
  int failed = 0;
  for (const ScenarioEntry& e : *scenarios) {
    Status s =
        e.scenario ? run_scenario(model_impl(**model), *e.scenario, *args.get("workdir"), out) : e.scenario.status();
    if (!s) {
      ++failed;
      std::fprintf(stderr, "qwenvl-cli conform: scenario %s: %s\n", e.name.c_str(), s.message().c_str());
    } else {
      std::fprintf(stderr, "scenario %s: done\n", e.name.c_str());
    }
  }
  return failed ? 1 : 0;
}

}  // namespace

QWENVL_COMMAND(conform, "conform",
               "run chat scenarios and write prompt ids, top-5 ids, greedy ids, logits, vision features", run_conform);

}  // namespace qwenvl::cli
