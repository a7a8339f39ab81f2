// `qwenvl-bench [model] --model DIR`: the model's speed on one picture + "What is this?" (the
// 286-token prompt): load time, vision-encoder time, time to first token, decode tokens/s while
// generating N tokens (1792 and 7934 by default, stop tokens ignored), peak GPU memory at 2048
// tokens of context, bytes read per decode step and the share of the card's bandwidth. Medians
// of --runs runs, one JSON object on stdout (and --json FILE), a short table on stderr.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "backends/cuda_module.h"
#include "chat/template.h"
#include "cli/args.h"
#include "cli/command.h"
#include "cpu/gemm.h"
#include "cpu/profile.h"
#include "cpu/speed.h"
#include "engine/internal.h"
#include "engine/runner.h"
#include "engine/sampler.h"
#include "qwenvl/engine.h"

namespace qwenvl::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

int usage(const std::string& message) {
  std::fprintf(
      stderr,
      "qwenvl-bench model: %s\n"
      "usage: qwenvl-bench model --model DIR [--device cuda|cpu] [--runs N] [--decode N,N,...]\n"
      "                          [--image FILE] [--max-context N] [--json FILE] [--low-memory]\n"
      "                          [--skip sampled,engine]  (leave out the sampled decode / the chat-session TTFT)\n"
      "                          [--threads N] [--cpu-kernels fast|reference]   (CPU only)\n",
      message.c_str());
  return 2;
}

// A fixture photo if one can be found (the timing does not depend on the content), else a
// synthetic gradient.
Picture bench_picture(const std::string& path) {
  std::vector<std::string> candidates;
  if (!path.empty()) candidates.push_back(path);
  if (const char* env = std::getenv("QWENVL_FIXTURES"); env && *env)
    candidates.push_back(std::string(env) + "/images/astronaut.png");
  std::error_code ec;
  for (fs::path p = fs::current_path(ec); !p.empty(); p = p.parent_path()) {
    candidates.push_back((p / "shared/fixtures/images/astronaut.png").string());
    candidates.push_back((p / ".shared/fixtures/images/astronaut.png").string());
    if (p == p.parent_path()) break;
  }
  for (const auto& c : candidates) {
    if (!fs::exists(c, ec)) continue;
    auto pic = load_picture(c);
    if (pic) return std::move(pic.value());
  }
  Picture p;
  p.width = p.height = 640;
  p.rgb.resize(static_cast<size_t>(640) * 640 * 3);
  for (size_t i = 0; i < p.rgb.size(); ++i) p.rgb[i] = static_cast<uint8_t>((i * 7) % 251);
  return p;
}

// The benchmark's one picture; features are never kept, so every prompt pass encodes it.
class BenchPicture final : public PictureSource {
 public:
  BenchPicture(std::string label, std::vector<float> input) : label_(std::move(label)), input_(std::move(input)) {}
  Result<const float*> input(const std::string& label) override {
    if (label != label_) return Result<const float*>::error("the prompt names an unknown picture '" + label + "'");
    return input_.data();
  }
  const float* features(const std::string&) override { return nullptr; }
  void keep(const std::string&, std::vector<float>) override {}

 private:
  std::string label_;
  std::vector<float> input_;
};

// Bytes a decode step must read at a context of `ctx` positions: int4 weights, scales and zeros,
// the fp16 lm_head and norms, the KV cache, one embedding row.
double step_bytes(const ModelConfig& c, int ctx) {
  const double H = c.hidden_size, F = c.ffn_size, G = c.quant.group_size;
  auto int4 = [&](double k, double n) { return k * n / 2 + (k / G) * n * 2 + (k / G) * n / 2; };
  const double layer = int4(H, 3 * H) + int4(H, H) + 2 * int4(H, F) + int4(F, H) + 2 * H * 2 + 3 * H * 2;
  return c.num_layers * layer + static_cast<double>(c.vocab_size) * H * 2 + H * 2 + H * 2 +
         2.0 * c.num_layers * ctx * H * 2;
}

int run_model(const std::vector<std::string>& argv) {
  Args args(argv, {"low-memory"});
  if (!args.ok()) return usage(args.error());
  if (auto u = args.unknown({"model", "device", "runs", "decode", "image", "max-context", "json", "low-memory",
                             "threads", "cpu-kernels", "skip"});
      !u.empty()) {
    return usage("unknown option --" + u[0]);
  }
  const auto dir = args.get("model");
  if (!dir) return usage("--model DIR is required");
  const std::string device = args.get("device").value_or("cuda");
  if (device != "cuda" && device != "cpu") return usage("--device must be cuda or cpu");
  const int runs = std::max(1, std::stoi(args.get("runs").value_or("3")));
  bool skip_sampled = false, skip_engine = false;
  for (const std::string& item : split_list(args.get("skip").value_or(""))) {
    if (item == "sampled")
      skip_sampled = true;
    else if (item == "engine")
      skip_engine = true;
    else
      return usage("--skip takes sampled and/or engine, not '" + item + "'");
  }
  std::vector<int> decode_lengths;
  for (const std::string& item : split_list(args.get("decode").value_or("1792,7934")))
    decode_lengths.push_back(std::stoi(item));
  const int max_decode = decode_lengths.empty() ? 0 : *std::max_element(decode_lengths.begin(), decode_lengths.end());
  const int max_context = std::stoi(args.get("max-context").value_or(std::to_string(std::max(2304, 300 + max_decode))));

  nlohmann::ordered_json out;
  LoadOptions lo;
  lo.model_dir = *dir;
  lo.backend = device == "cuda" ? BackendKind::Cuda : BackendKind::Cpu;
  lo.max_context = max_context;
  lo.low_memory = args.has("low-memory");
  out["low_memory"] = lo.low_memory;
  if (auto t = args.get("threads")) {
    lo.cpu_threads = std::atoi(t->c_str());
    if (lo.cpu_threads < 1 || lo.cpu_threads > ThreadPool::max_threads())
      return usage("--threads must be 1.." + std::to_string(ThreadPool::max_threads()));
  }
  if (auto k = args.get("cpu-kernels")) {
    if (*k != "fast" && *k != "reference") return usage("--cpu-kernels must be fast or reference");
    lo.cpu_kernels = *k == "fast" ? CpuKernels::Fast : CpuKernels::Reference;
  }
  const auto t_load = Clock::now();
  auto model = Model::load(lo);
  if (!model) {
    std::fprintf(stderr, "qwenvl-bench model: %s\n", model.message().c_str());
    return 1;
  }
  const double load_s = since(t_load);
  ModelImpl& m = model_impl(**model);
  const ModelConfig& cfg = m.config();
  out["device"] = m.backend->device_description();
  out["model_dir"] = *dir;
  out["max_context"] = max_context;
  out["load_seconds"] = load_s;
  // The GPU's figures come from the CUDA module, loaded by now when the model runs on it.
  const CudaModuleApi* gpu = nullptr;
  if (lo.backend == BackendKind::Cuda) {
    if (auto module = load_cuda_module()) gpu = *module;
  }
  if (gpu) {
    const cuda::MemoryStats ms = gpu->memory_stats();
    out["backend_bytes_after_load"] = ms.backend_bytes;
    out["device_used_bytes_after_load"] = ms.device_used_bytes;
    gpu->reset_memory_peak();
  }

  // The prompt: the official context for one picture and "What is this?".
  Picture pic = bench_picture(args.get("image").value_or(""));
  pic.label = "demo.jpeg";
  auto ctx = make_context(*m.tokenizer, "Picture 1:<img>demo.jpeg</img>\nWhat is this?", {});
  if (!ctx) {
    std::fprintf(stderr, "qwenvl-bench model: %s\n", ctx.message().c_str());
    return 1;
  }
  const std::vector<int32_t> ids = ctx->ids;
  BenchPicture picture("demo.jpeg", preprocess_picture(pic, cfg.visual.image_size));
  out["prompt_tokens"] = ids.size();
  Runner runner(m);
  const int vocab = cfg.vocab_size;
  int32_t last_token = -1;
  const LogitsFn pick = [&](int, const float* l) {
    last_token = static_cast<int32_t>(std::max_element(l, l + vocab) - l);
  };

  auto fail = [&](const Status& s) {
    std::fprintf(stderr, "qwenvl-bench model: %s\n", s.message().c_str());
    return 1;
  };
  // Time to first token from an empty cache: encode the picture, run the prompt, pick the token.
  auto first_token = [&](double* vision_s) -> Result<double> {
    runner.reset();
    const auto t0 = Clock::now();
    auto pre = runner.prefill(ids, picture, LogitsMode::Last, pick);
    if (!pre) return pre.status();
    if (pre->images_encoded != 1) return Status::error("the prompt has no picture span");
    if (vision_s) *vision_s = pre->vision_seconds;
    return since(t0);
  };
  // Greedy steps as ChatSession::generate takes them: the backend picks (on a GPU the logits stay
  // on the device); `seen` carries the prompt and the steps for the repetition penalty (1 here).
  std::vector<int32_t> seen;
  auto greedy_step = [&]() -> Status {
    seen.push_back(last_token);
    int32_t next = -1;
    QWENVL_TRY(runner.step_greedy(last_token, seen, 1.0f, &next));
    last_token = next;
    return Status();
  };
  // Warm-up (kernel attributes, cuBLAS heuristics, both decode graphs).
  if (auto w = first_token(nullptr); !w) return fail(w.status());
  for (int i = 0; i < 3; ++i) {
    if (Status s = runner.step(last_token, pick); !s.ok()) return fail(s);
    if (Status s = greedy_step(); !s.ok()) return fail(s);
  }
  // Vision and time to first token: each run from an empty cache. The first decode length's runs
  // start with exactly this pass, so they supply these figures and no prompt is run twice (on the
  // CPU a prompt with a picture takes seconds).
  std::vector<double> vision_ms, ttft_ms;
  auto timed_first_token = [&]() -> Status {
    double v = 0;
    auto t = first_token(&v);
    if (!t) return t.status();
    vision_ms.push_back(v * 1e3);
    ttft_ms.push_back(*t * 1e3);
    return Status();
  };
  if (decode_lengths.empty()) {
    for (int r = 0; r < runs; ++r) {
      if (Status s = timed_first_token(); !s.ok()) return fail(s);
    }
  }

  // Decode: N greedy steps after the prompt; tokens/s over the steps. The first 128 steps give
  // the speed at the 286-token context.
  nlohmann::ordered_json decode = nlohmann::ordered_json::array();
  std::vector<double> at_prompt;
  double peak_at_2048 = 0, used_at_2048 = 0;
  for (size_t di = 0; di < decode_lengths.size(); ++di) {
    const int n = decode_lengths[di];
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
      if (static_cast<int>(ids.size()) + n > max_context) return usage("--decode exceeds --max-context");
      runner.reset();
      if (gpu) gpu->reset_memory_peak();  // the peak below is this run's, from an empty cache
      if (di == 0) {
        if (Status s = timed_first_token(); !s.ok()) return fail(s);
      } else if (auto t = first_token(nullptr); !t) {
        return fail(t.status());
      }
      seen = ids;
      if (gpu) gpu->reset_decode_stats();
      const bool windows = r == 0 && n == decode_lengths.back();
      const auto t0 = Clock::now();
      // Tokens/s over the 128 steps that end at 2048 positions, and over the run's last 128.
      auto t_2048 = t0, t_end = t0;
      for (int i = 0; i < n; ++i) {
        if (windows && runner.length() == 2048 - 128) t_2048 = Clock::now();
        if (windows && i + 128 == n) t_end = Clock::now();
        if (gpu && i == 128 && r == 0 && n == decode_lengths.front()) {
          const cuda::DecodeStats ds = gpu->decode_stats();
          if (ds.steps) out["decode_step_gpu_ms_at_prompt"] = ds.gpu_ms_total / ds.steps;
        }
        if (Status s = greedy_step(); !s.ok()) return fail(s);
        // The first 128 steps (all of them in a shorter run) give the rate at the prompt's context.
        if (i + 1 == std::min(n, 128)) at_prompt.push_back((i + 1) / since(t0));
        if (windows && runner.length() == 2048 && n > 2048 - static_cast<int>(ids.size()))
          out["decode_tokens_per_second_at_2048"] = 128 / since(t_2048);
        if (windows && i + 1 == n && n >= 128) {
          out["decode_tokens_per_second_at_end"] = {{"context", runner.length()},
                                                    {"tokens_per_second", 128 / since(t_end)}};
        }
        if (gpu && runner.length() == 2048) {
          const cuda::MemoryStats ms = gpu->memory_stats();
          peak_at_2048 = std::max<double>(peak_at_2048, ms.backend_peak_bytes);
          used_at_2048 = std::max<double>(used_at_2048, ms.device_used_bytes);
        }
      }
      rates.push_back(n / since(t0));
    }
    decode.push_back({{"tokens", n}, {"tokens_per_second", median(rates)}, {"runs", rates}});
  }
  out["decode"] = decode;
  out["vision_ms"] = {{"median", median(vision_ms)}, {"runs", vision_ms}};
  out["ttft_ms"] = {{"median", median(ttft_ms)},
                    {"runs", ttft_ms},
                    {"what", "encode_images + prompt forward + logits to the host (backend level)"}};

  // The same first 128 steps: greedy with the logits on the host (the host argmax, the path before
  // device picking), and sampled with top-p 0.8 as ChatSession::generate samples (on a GPU the
  // draw happens on the device, kernels/sample.cu; elsewhere the engine's Sampler on the host).
  auto host_rate = [&](bool sampled) -> Result<double> {
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
      runner.reset();
      if (auto t = first_token(nullptr); !t) return t.status();
      SamplingParams sp;
      sp.top_p = 0.8f;
      sp.seed = 1234 + static_cast<uint64_t>(r);
      Sampler sampler(sp);
      std::vector<int32_t> hseen = ids;
      const auto t0 = Clock::now();
      for (int i = 0; i < 128; ++i) {
        if (!sampled) {
          QWENVL_TRY(runner.step(last_token, pick));
          continue;
        }
        hseen.push_back(last_token);
        int32_t next = -1;
        QWENVL_TRY(runner.step_sample(last_token, hseen, sampler, &next));
        last_token = next;
      }
      rates.push_back(128 / since(t0));
    }
    return median(rates);
  };
  const bool on_cpu = lo.backend == BackendKind::Cpu;
  const double tps_prompt = median(at_prompt);
  // The CPU backend picks on the host in any case: the greedy runs above took that path, and
  // running it again would only lengthen the benchmark (by minutes on the full checkpoint).
  double host_greedy_rate = tps_prompt;
  if (!on_cpu) {
    auto host_greedy = host_rate(false);
    if (!host_greedy) return fail(host_greedy.status());
    host_greedy_rate = *host_greedy;
  }
  double sampled_rate = 0;
  if (!skip_sampled) {
    auto sampled = host_rate(true);
    if (!sampled) return fail(sampled.status());
    sampled_rate = *sampled;
    out["decode_tokens_per_second_at_prompt_sampled_top_p_0_8"] = sampled_rate;
    out["sampler"] = gpu ? "device (kernels/sample.cu)" : "host (engine/sampler.cpp)";
  }
  out["decode_tokens_per_second_at_prompt_host_argmax"] = host_greedy_rate;
  out["decode_tokens_per_second_at_prompt"] = tps_prompt;
  if (tps_prompt > 0) out["decode_step_wall_ms_at_prompt"] = 1e3 / tps_prompt;
  const double bytes = on_cpu ? cpu::decode_step_bytes(cfg, static_cast<int>(ids.size()))
                              : step_bytes(cfg, static_cast<int>(ids.size()));
  out["bytes_per_decode_step_at_prompt"] = bytes;
  double cpu_bw = 0;
  if (on_cpu) {
    // The machine's memory bandwidth with as many threads as the backend uses (1 GiB arrays:
    // far past any cache), and the share of it the decode step reaches.
    ThreadPool pool(lo.cpu_threads);
    cpu_bw = cpu::measure_copy_bandwidth(pool, size_t(1) << 30);
    out["cpu_threads"] = pool.size();
    out["memory_bandwidth_bytes_per_second"] = cpu_bw;
    out["memory_bandwidth_what"] = "STREAM-like copy, 2 x 1 GiB arrays, all threads, bytes read + written, best of 5";
    out["bandwidth_share_at_prompt"] = cpu_bw > 0 ? bytes * tps_prompt / cpu_bw : 0;
  }
  if (gpu) {
    const double bw = gpu->device_peak_bandwidth();
    out["peak_bandwidth_bytes_per_second"] = bw;
    out["bandwidth_share_at_prompt"] = bw > 0 ? bytes * tps_prompt / bw : 0;
    out["peak_backend_bytes_at_2048_context"] = peak_at_2048;
    out["device_used_bytes_at_2048_context"] = used_at_2048;
    out["peak_backend_bytes_last_run"] = gpu->memory_stats().backend_peak_bytes;
  }

  // End to end through the chat session (tokenising, preprocessing the picture, encoding,
  // prompt, first token); a fresh session each run so nothing is reused.
  std::vector<double> engine_ttft;
  const auto shared_pic = std::make_shared<const Picture>(pic);
  for (int r = 0; r < (skip_engine ? 0 : runs); ++r) {
    ChatSession session(**model);
    auto added = session.add_picture(shared_pic);
    if (!added) return fail(added.status());
    SamplingParams sp;
    sp.do_sample = false;
    sp.max_new_tokens = 1;
    GenerationStats st;
    auto reply = session.generate("Picture 1:<img>" + added->label + "</img>\nWhat is this?", sp, {}, nullptr, &st);
    if (!reply) return fail(reply.status());
    engine_ttft.push_back(st.prompt_seconds * 1e3);
  }
  if (!skip_engine)
    out["ttft_engine_ms"] = {{"median", median(engine_ttft)},
                             {"runs", engine_ttft},
                             {"what", "ChatSession::generate prompt_seconds (tokenise, preprocess, encode, prompt)"}};

  if (device == "cpu") out["cpu_gemm_split"] = cpu::gemm_split_name(cpu::gemm_split());
  const std::string text = out.dump(2);
  std::printf("%s\n", text.c_str());
  if (auto path = args.get("json")) {
    std::ofstream f(*path);
    f << text << "\n";
  }
  std::fprintf(stderr, "\n%-34s %s\n", "device", out["device"].get<std::string>().c_str());
  std::fprintf(stderr, "%-34s %.2f s\n", "load", load_s);
  std::fprintf(stderr, "%-34s %.2f ms\n", "vision encoder (1 picture)", median(vision_ms));
  std::fprintf(stderr, "%-34s %.2f ms (%zu prompt tokens)\n", "time to first token", median(ttft_ms), ids.size());
  if (!skip_engine) std::fprintf(stderr, "%-34s %.2f ms\n", "time to first token (engine)", median(engine_ttft));
  std::fprintf(stderr, "%-34s %.1f tokens/s\n", "decode at the prompt's context", tps_prompt);
  if (out.contains("decode_step_gpu_ms_at_prompt")) {
    std::fprintf(stderr, "%-34s %.3f ms GPU of %.3f ms per token\n", "decode step (graph)",
                 out["decode_step_gpu_ms_at_prompt"].get<double>(), 1e3 / tps_prompt);
  }
  std::fprintf(stderr, "%-34s %.1f tokens/s (greedy, logits to the host)\n", "decode at the prompt, host argmax",
               host_greedy_rate);
  if (!skip_sampled) {
    std::fprintf(stderr, "%-34s %.1f tokens/s (top-p 0.8, %s sampler)\n", "decode at the prompt, sampled", sampled_rate,
                 gpu ? "device" : "host");
  }
  if (out.contains("decode_tokens_per_second_at_2048")) {
    std::fprintf(stderr, "%-34s %.1f tokens/s\n", "decode at 2048 context",
                 out["decode_tokens_per_second_at_2048"].get<double>());
  }
  if (out.contains("decode_tokens_per_second_at_end")) {
    const auto& e = out["decode_tokens_per_second_at_end"];
    std::fprintf(stderr, "%-34s %.1f tokens/s\n",
                 ("decode at " + std::to_string(e["context"].get<int>()) + " context").c_str(),
                 e["tokens_per_second"].get<double>());
  }
  for (const auto& d : decode) {
    std::fprintf(stderr, "%-34s %.1f tokens/s\n",
                 ("decode, " + std::to_string(d["tokens"].get<int>()) + " tokens").c_str(),
                 d["tokens_per_second"].get<double>());
  }
  std::fprintf(stderr, "%-34s %.3f GB\n", "bytes per decode step", bytes / 1e9);
  if (on_cpu) {
    std::fprintf(stderr, "%-34s %.1f %% of %.2f GB/s (measured copy)\n", "bandwidth share",
                 100 * out["bandwidth_share_at_prompt"].get<double>(), cpu_bw / 1e9);
  }
  if (gpu) {
    std::fprintf(stderr, "%-34s %.1f %% of %.2f TB/s\n", "bandwidth share",
                 100 * out["bandwidth_share_at_prompt"].get<double>(),
                 out["peak_bandwidth_bytes_per_second"].get<double>() / 1e12);
    std::fprintf(stderr, "%-34s %.3f GiB (engine allocations), %.3f GiB device used\n", "peak memory at 2048 context",
                 peak_at_2048 / (1 << 30), used_at_2048 / (1 << 30));
  }
  if (on_cpu && cpu::profile::enabled()) std::fprintf(stderr, "\n%s", cpu::profile::report().c_str());
  return 0;
}

}  // namespace

QWENVL_COMMAND(model, "model", "speed of the whole model: load, vision, first token, decode, memory", run_model);

}  // namespace qwenvl::cli
