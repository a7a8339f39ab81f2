// Parses and checks the model folder's JSON files. Messages name the file and the key.
#include "model/config.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/file_io.h"

namespace qwenvl {

namespace {

using nlohmann::json;

// The published files are a few KB; anything near this is not a config file.
constexpr size_t kMaxConfigBytes = 1u << 20;

Result<json> read_json(const std::string& path) {
  auto text = read_file_limited(path, kMaxConfigBytes);
  if (!text) return text.status();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Result<json>::error(path + ": not valid JSON");
  if (!j.is_object()) return Result<json>::error(path + ": expected a JSON object at the top level");
  return j;
}

// Reads keys of one JSON object with range checks; the first problem is kept as the error and
// later reads return 0 (or the fallback). Every number is read in 64 bits and checked against its
// range before it is narrowed, so 4294967298 is refused rather than truncated to 2.
struct Reader {
  const json& j;
  std::string file;
  std::string prefix;  // "visual." for the nested block, so messages name the full key
  std::string error;

  const json* find(const char* key, bool required) {
    if (!error.empty()) return nullptr;
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) error = file + ": missing key \"" + prefix + key + "\"";
      return nullptr;
    }
    return &*it;
  }
  void fail(const char* key, const std::string& what) {
    if (error.empty()) error = file + ": \"" + prefix + key + "\" " + what;
  }

  // An integer in [lo, hi] (hi fits int); `fallback` when the key is absent (required when it
  // has none). Returns 0 after an error.
  int integer(const char* key, int64_t lo, int64_t hi, std::optional<int64_t> fallback = std::nullopt) {
    const json* v = find(key, !fallback);
    if (!v) return error.empty() && fallback ? static_cast<int>(*fallback) : 0;
    std::string problem;
    int64_t x = 0;
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi)) {
      problem = out_of_range(std::to_string(v->get<uint64_t>()), lo, hi);
    } else if (v->is_number_integer()) {
      x = v->get<int64_t>();
      if (x < lo || x > hi) problem = out_of_range(std::to_string(x), lo, hi);
    } else {
      problem = "must be an integer, found " + (v->is_number() ? v->dump() : std::string(v->type_name()));
    }
    if (!problem.empty()) {
      fail(key, problem);
      return 0;
    }
    return static_cast<int>(x);
  }

  // A finite number in [lo, hi]. Returns 0 after an error.
  double real(const char* key, double lo, double hi, std::optional<double> fallback = std::nullopt) {
    const json* v = find(key, !fallback);
    if (!v) return error.empty() && fallback ? *fallback : 0.0;
    if (!v->is_number()) {
      fail(key, "must be a number, found " + std::string(v->type_name()));
      return 0.0;
    }
    const double x = v->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) {
      fail(key, out_of_range(v->dump(), lo, hi));
      return 0.0;
    }
    return x;
  }

  bool boolean(const char* key, bool fallback) {
    const json* v = find(key, false);
    if (!v) return fallback;
    if (v->is_boolean()) return v->get<bool>();
    fail(key, "must be true or false");
    return fallback;
  }

  template <class T>
  static std::string out_of_range(const std::string& found, T lo, T hi) {
    auto str = [](T v) {
      std::ostringstream s;
      s << v;
      return s.str();
    };
    return "is " + found + "; it must be between " + str(lo) + " and " + str(hi);
  }
};

// Sane maxima: a few times the published Qwen-VL values (in comments), and small enough that the
// products the engine forms for shapes and buffers stay below 2^31 even where it keeps sizes in
// int: vocab x hidden, ffn x hidden, width x mlp width, patches x width, context x hidden.
constexpr int64_t kMaxHidden = 1 << 13;                // 4096; also the ViT width (1664)
constexpr int64_t kMaxLayers = 1024;                   // 32 LLM, 48 ViT
constexpr int64_t kMaxHeads = 1024;                    // 32 LLM, 16 ViT
constexpr int64_t kMaxHeadDim = 4096;                  // 128
constexpr int64_t kMaxIntermediate = 1 << 18;          // 22016
constexpr int64_t kMaxVocab = (int64_t{1} << 18) - 1;  // 151936
constexpr int64_t kMaxSeqLength = 1 << 17;             // 2048 (8192 with dynamic NTK)
constexpr int64_t kMaxImageSize = 4096;                // 448
constexpr int64_t kMaxGrid = 128;                      // 32 patches a side
constexpr int64_t kMaxMlpWidth = 1 << 17;              // 8192
constexpr double kMaxMlpRatio = 64.0;                  // 4.9231

Result<ModelConfig> load_config_files(const std::string& dir) {
  namespace fs = std::filesystem;
  using R = Result<ModelConfig>;
  ModelConfig c;
  const std::string cfg_path = (fs::path(dir) / "config.json").string();
  auto dir_found = path_exists(dir);
  if (!dir_found) return dir_found.status();
  if (!*dir_found) return Status::coded(ErrorCode::kModelFolderNotFound, {dir}, dir + ": model folder not found");
  auto cfg_found = path_exists(cfg_path);
  if (cfg_found && !*cfg_found) {
    return Status::coded(ErrorCode::kModelFileMissing, {dir, "config.json"},
                         cfg_path + ": not found (is this the Qwen-VL-Chat-Int4 folder?)");
  }
  auto cfg = read_json(cfg_path);
  if (!cfg) return cfg.status();

  Reader r{*cfg, cfg_path, "", {}};
  c.hidden_size = r.integer("hidden_size", 1, kMaxHidden);
  c.num_layers = r.integer("num_hidden_layers", 1, kMaxLayers);
  c.num_heads = r.integer("num_attention_heads", 1, kMaxHeads);
  c.kv_channels = r.integer("kv_channels", 1, kMaxHeadDim, c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
  const int intermediate = r.integer("intermediate_size", 1, kMaxIntermediate);
  c.vocab_size = r.integer("vocab_size", 151860, kMaxVocab);  // the tokenizer has 151860 ids
  c.seq_length = r.integer("seq_length", 1, kMaxSeqLength, 2048);
  c.layer_norm_epsilon = r.real("layer_norm_epsilon", 0.0, 1.0, 1e-6);
  c.rotary_emb_base = r.real("rotary_emb_base", 1.0, 1e12, 10000.0);
  c.rotary_pct = r.real("rotary_pct", 0.0, 1.0, 1.0);
  c.use_dynamic_ntk = r.boolean("use_dynamic_ntk", true);
  c.use_logn_attn = r.boolean("use_logn_attn", true);
  if (!r.error.empty()) return R::error(r.error);

  // 64-bit product: both factors are bounded above, so this cannot overflow.
  if (int64_t{c.num_heads} * c.kv_channels != c.hidden_size)
    return R::error(cfg_path + ": num_attention_heads x kv_channels (" + std::to_string(c.num_heads) + " x " +
                    std::to_string(c.kv_channels) + ") must equal hidden_size " + std::to_string(c.hidden_size));
  if (intermediate % 2 != 0) return R::error(cfg_path + ": intermediate_size must be even (w1 and w2 each take half)");
  c.ffn_size = intermediate / 2;
  if (c.kv_channels % 2 != 0) return R::error(cfg_path + ": kv_channels must be even for rotary embeddings");
  if (c.rotary_pct != 1.0)
    return R::error(cfg_path + ": rotary_pct " + std::to_string(c.rotary_pct) +
                    " is not supported (only 1.0, as Qwen-VL)");

  auto vit = cfg->find("visual");
  if (vit == cfg->end() || !vit->is_object())
    return R::error(cfg_path + ": missing the \"visual\" block: this is not a Qwen-VL checkpoint");
  Reader v{*vit, cfg_path, "visual.", {}};
  VisionConfig& vc = c.visual;
  vc.width = v.integer("width", 1, kMaxHidden);
  vc.layers = v.integer("layers", 1, kMaxLayers);
  vc.heads = v.integer("heads", 1, kMaxHeads);
  const double mlp_ratio = v.real("mlp_ratio", 0.0, kMaxMlpRatio);
  vc.image_size = v.integer("image_size", 1, kMaxImageSize, 448);
  vc.patch_size = v.integer("patch_size", 1, kMaxImageSize, 14);
  vc.output_dim = v.integer("output_dim", 1, kMaxHidden, c.hidden_size);
  vc.image_start_id = v.integer("image_start_id", 0, c.vocab_size - 3, 151857);  // start, end and pad ids follow
  if (!v.error.empty()) return R::error(v.error);
  // Python: int(width * mlp_ratio). Both are bounded, so the product is far from int's range
  // and the cast is defined; the result is checked before it is used.
  const double mlp = std::floor(vc.width * mlp_ratio);
  if (mlp < 1 || mlp > kMaxMlpWidth)
    return R::error(cfg_path + ": \"visual.mlp_ratio\" " + std::to_string(mlp_ratio) + " gives an MLP of " +
                    std::to_string(mlp) + " units; it must be between 1 and " + std::to_string(kMaxMlpWidth));
  vc.mlp_width = static_cast<int>(mlp);
  if (vc.width % vc.heads != 0) return R::error(cfg_path + ": visual.width must be a multiple of visual.heads");
  if (vc.image_size % vc.patch_size != 0)
    return R::error(cfg_path + ": visual.image_size must be a multiple of visual.patch_size");
  if (vc.grid() > kMaxGrid)
    return R::error(cfg_path + ": visual.image_size / visual.patch_size gives a grid of " + std::to_string(vc.grid()) +
                    " patches a side; at most " + std::to_string(kMaxGrid) + " are supported");
  if (vc.output_dim != c.hidden_size)
    return R::error(cfg_path + ": visual.output_dim " + std::to_string(vc.output_dim) + " must equal hidden_size " +
                    std::to_string(c.hidden_size));
  if (c.hidden_size % 128 != 0)
    return R::error(cfg_path + ": hidden_size must be a multiple of 128 (the resampler uses heads of 128)");

  // Quantisation: quantize_config.json, else config.json's quantization_config.
  const std::string qc_path = (fs::path(dir) / "quantize_config.json").string();
  auto qc_found = path_exists(qc_path);
  if (!qc_found) return qc_found.status();
  json qj;
  std::string qfile;
  if (*qc_found) {
    auto q = read_json(qc_path);
    if (!q) return q.status();
    qj = std::move(*q);
    qfile = qc_path;
  } else if (auto it = cfg->find("quantization_config"); it != cfg->end() && it->is_object()) {
    qj = *it;
    qfile = cfg_path + " (quantization_config)";
  } else {
    return R::error(dir +
                    ": no quantize_config.json and no quantization_config in config.json: "
                    "this engine runs the GPTQ Int4 checkpoint (Qwen-VL-Chat-Int4)");
  }
  Reader q{qj, qfile, "", {}};
  c.quant.bits = q.integer("bits", 1, 64);
  c.quant.group_size = q.integer("group_size", -1, kMaxIntermediate, 128);
  c.quant.desc_act = q.boolean("desc_act", false);
  c.quant.sym = q.boolean("sym", true);
  if (!q.error.empty()) return R::error(q.error);
  if (c.quant.bits != 4)
    return R::error(qfile + ": bits = " + std::to_string(c.quant.bits) + " is not supported (only 4-bit GPTQ)");
  if (c.quant.desc_act)
    return R::error(qfile + ": desc_act (act-order) checkpoints are not supported: g_idx must be k / group_size");
  if (c.quant.group_size == 0) return R::error(qfile + ": group_size must be positive (or -1 for one group)");

  // generation_config.json is optional; the published values are the defaults.
  const std::string gen_path = (fs::path(dir) / "generation_config.json").string();
  auto gen_found = path_exists(gen_path);
  if (!gen_found) return gen_found.status();
  if (*gen_found) {
    auto g = read_json(gen_path);
    if (!g) return g.status();
    Reader gr{*g, gen_path, "", {}};
    GenerationConfig& gc = c.generation;
    const int64_t last_id = c.vocab_size - 1;
    gc.eos_token_id = gr.integer("eos_token_id", 0, last_id, gc.eos_token_id);
    gc.pad_token_id = gr.integer("pad_token_id", 0, last_id, gc.pad_token_id);
    gc.max_window_size = gr.integer("max_window_size", 1, kMaxSeqLength, gc.max_window_size);
    gc.max_new_tokens = gr.integer("max_new_tokens", 1, kMaxSeqLength, gc.max_new_tokens);
    gc.do_sample = gr.boolean("do_sample", gc.do_sample);
    gc.top_k = gr.integer("top_k", 0, c.vocab_size, gc.top_k);
    gc.top_p = gr.real("top_p", 0.0, 1.0, gc.top_p);
    gc.temperature = gr.real("temperature", 0.0, 100.0, gc.temperature);
    gc.repetition_penalty = gr.real("repetition_penalty", 0.0, 100.0, gc.repetition_penalty);
    if (!gr.error.empty()) return R::error(gr.error);
    if (gc.top_p <= 0) return R::error(gen_path + ": top_p must be in (0, 1]");
    if (gc.temperature <= 0) return R::error(gen_path + ": temperature must be positive");
    if (gc.repetition_penalty <= 0) return R::error(gen_path + ": repetition_penalty must be positive");
  }
  return c;
}

}  // namespace

Result<ModelConfig> load_model_config(const std::string& dir) {
  // The "no call throws" boundary: whatever a hostile folder makes the standard library or the
  // JSON parser throw (out of memory included) becomes an error value here.
  try {
    return load_config_files(dir);
  } catch (const std::bad_alloc&) {
    return Result<ModelConfig>::error(dir + ": not enough memory to read the model's config files");
  } catch (const std::exception& e) {
    return Result<ModelConfig>::error(dir + ": cannot read the model's config files: " + e.what());
  }
}

}  // namespace qwenvl
