// Parses and checks the model folder's JSON files. Messages name the file and the key.
#include "model/config.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "util/file_io.h"

namespace qwenvl {

namespace {

using nlohmann::json;

Result<json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Result<json>::error(path + ": not valid JSON");
  if (!j.is_object()) return Result<json>::error(path + ": expected a JSON object at the top level");
  return j;
}

// Reads an integer/number/bool key; a missing key takes the fallback when one is given.
struct Reader {
  const json& j;
  std::string file;
  std::string error;

  template <class T>
  T get(const char* key, std::optional<T> fallback = std::nullopt) {
    if (!error.empty()) return T{};
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (fallback) return *fallback;
      error = file + ": missing key \"" + key + "\"";
      return T{};
    }
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) error = file + ": \"" + key + "\" must be true or false";
      else return it->template get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!it->is_number_integer()) error = file + ": \"" + key + "\" must be an integer";
      else return it->template get<T>();
    } else {
      if (!it->is_number()) error = file + ": \"" + key + "\" must be a number";
      else return it->template get<T>();
    }
    return T{};
  }
};

Status check_positive(const std::string& file, const char* key, long v) {
  if (v <= 0) return Status::error(file + ": \"" + key + "\" must be positive, found " + std::to_string(v));
  return Status();
}

}  // namespace

Result<ModelConfig> load_model_config(const std::string& dir) {
  namespace fs = std::filesystem;
  ModelConfig c;
  const std::string cfg_path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(dir)) return Result<ModelConfig>::error(dir + ": model folder not found");
  auto cfg = read_json(cfg_path);
  if (!cfg) return cfg.status();

  Reader r{*cfg, cfg_path, {}};
  c.hidden_size = r.get<int>("hidden_size");
  c.num_layers = r.get<int>("num_hidden_layers");
  c.num_heads = r.get<int>("num_attention_heads");
  c.kv_channels = r.get<int>("kv_channels", c.num_heads > 0 ? c.hidden_size / std::max(c.num_heads, 1) : 0);
  int intermediate = r.get<int>("intermediate_size");
  c.vocab_size = r.get<int>("vocab_size");
  c.seq_length = r.get<int>("seq_length", 2048);
  c.layer_norm_epsilon = r.get<double>("layer_norm_epsilon", 1e-6);
  c.rotary_emb_base = r.get<double>("rotary_emb_base", 10000.0);
  c.rotary_pct = r.get<double>("rotary_pct", 1.0);
  c.use_dynamic_ntk = r.get<bool>("use_dynamic_ntk", true);
  c.use_logn_attn = r.get<bool>("use_logn_attn", true);
  if (!r.error.empty()) return Result<ModelConfig>::error(r.error);

  for (auto [key, v] : {std::pair{"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_layers},
                        {"num_attention_heads", c.num_heads}, {"kv_channels", c.kv_channels},
                        {"intermediate_size", intermediate}, {"vocab_size", c.vocab_size}, {"seq_length", c.seq_length}})
    QWENVL_TRY(check_positive(cfg_path, key, v));
  if (c.num_heads * c.kv_channels != c.hidden_size)
    return Result<ModelConfig>::error(cfg_path + ": num_attention_heads x kv_channels (" + std::to_string(c.num_heads) + " x " +
                                      std::to_string(c.kv_channels) + ") must equal hidden_size " + std::to_string(c.hidden_size));
  if (intermediate % 2 != 0) return Result<ModelConfig>::error(cfg_path + ": intermediate_size must be even (w1 and w2 each take half)");
  c.ffn_size = intermediate / 2;
  if (c.kv_channels % 2 != 0) return Result<ModelConfig>::error(cfg_path + ": kv_channels must be even for rotary embeddings");
  if (c.rotary_pct != 1.0)
    return Result<ModelConfig>::error(cfg_path + ": rotary_pct " + std::to_string(c.rotary_pct) + " is not supported (only 1.0, as Qwen-VL)");
  if (c.vocab_size < 151860)
    return Result<ModelConfig>::error(cfg_path + ": vocab_size " + std::to_string(c.vocab_size) + " is smaller than the tokenizer's 151860 ids");

  auto vit = cfg->find("visual");
  if (vit == cfg->end() || !vit->is_object())
    return Result<ModelConfig>::error(cfg_path + ": missing the \"visual\" block: this is not a Qwen-VL checkpoint");
  Reader v{*vit, cfg_path + " (visual)", {}};
  VisionConfig& vc = c.visual;
  vc.width = v.get<int>("width");
  vc.layers = v.get<int>("layers");
  vc.heads = v.get<int>("heads");
  double mlp_ratio = v.get<double>("mlp_ratio");
  vc.image_size = v.get<int>("image_size", 448);
  vc.patch_size = v.get<int>("patch_size", 14);
  vc.output_dim = v.get<int>("output_dim", c.hidden_size);
  vc.image_start_id = v.get<int>("image_start_id", 151857);
  if (!v.error.empty()) return Result<ModelConfig>::error(v.error);
  for (auto [key, val] : {std::pair{"visual.width", vc.width}, {"visual.layers", vc.layers}, {"visual.heads", vc.heads},
                          {"visual.image_size", vc.image_size}, {"visual.patch_size", vc.patch_size}})
    QWENVL_TRY(check_positive(cfg_path, key, val));
  vc.mlp_width = static_cast<int>(vc.width * mlp_ratio);  // Python: int(width * mlp_ratio)
  if (vc.mlp_width <= 0) return Result<ModelConfig>::error(cfg_path + ": visual.mlp_ratio gives an empty MLP");
  if (vc.width % vc.heads != 0)
    return Result<ModelConfig>::error(cfg_path + ": visual.width must be a multiple of visual.heads");
  if (vc.image_size % vc.patch_size != 0)
    return Result<ModelConfig>::error(cfg_path + ": visual.image_size must be a multiple of visual.patch_size");
  if (vc.output_dim != c.hidden_size)
    return Result<ModelConfig>::error(cfg_path + ": visual.output_dim " + std::to_string(vc.output_dim) +
                                      " must equal hidden_size " + std::to_string(c.hidden_size));
  if (c.hidden_size % 128 != 0)
    return Result<ModelConfig>::error(cfg_path + ": hidden_size must be a multiple of 128 (the resampler uses heads of 128)");

  // Quantisation: quantize_config.json, else config.json's quantization_config.
  const std::string qc_path = (fs::path(dir) / "quantize_config.json").string();
  json qj;
  std::string qfile;
  if (fs::exists(qc_path)) {
    auto q = read_json(qc_path);
    if (!q) return q.status();
    qj = *q;
    qfile = qc_path;
  } else if (auto it = cfg->find("quantization_config"); it != cfg->end() && it->is_object()) {
    qj = *it;
    qfile = cfg_path + " (quantization_config)";
  } else {
    return Result<ModelConfig>::error(dir + ": no quantize_config.json and no quantization_config in config.json: "
                                      "this engine runs the GPTQ Int4 checkpoint (Qwen-VL-Chat-Int4)");
  }
  Reader q{qj, qfile, {}};
  c.quant.bits = q.get<int>("bits");
  c.quant.group_size = q.get<int>("group_size", 128);
  c.quant.desc_act = q.get<bool>("desc_act", false);
  c.quant.sym = q.get<bool>("sym", true);
  if (!q.error.empty()) return Result<ModelConfig>::error(q.error);
  if (c.quant.bits != 4)
    return Result<ModelConfig>::error(qfile + ": bits = " + std::to_string(c.quant.bits) + " is not supported (only 4-bit GPTQ)");
  if (c.quant.desc_act)
    return Result<ModelConfig>::error(qfile + ": desc_act (act-order) checkpoints are not supported: g_idx must be k / group_size");
  if (c.quant.group_size <= 0 && c.quant.group_size != -1)
    return Result<ModelConfig>::error(qfile + ": group_size must be positive");

  // generation_config.json is optional; the published values are the defaults.
  const std::string gen_path = (fs::path(dir) / "generation_config.json").string();
  if (fs::exists(gen_path)) {
    auto g = read_json(gen_path);
    if (!g) return g.status();
    Reader gr{*g, gen_path, {}};
    GenerationConfig& gc = c.generation;
    gc.eos_token_id = gr.get<int>("eos_token_id", gc.eos_token_id);
    gc.pad_token_id = gr.get<int>("pad_token_id", gc.pad_token_id);
    gc.max_window_size = gr.get<int>("max_window_size", gc.max_window_size);
    gc.max_new_tokens = gr.get<int>("max_new_tokens", gc.max_new_tokens);
    gc.do_sample = gr.get<bool>("do_sample", gc.do_sample);
    gc.top_k = gr.get<int>("top_k", gc.top_k);
    gc.top_p = gr.get<double>("top_p", gc.top_p);
    gc.temperature = gr.get<double>("temperature", gc.temperature);
    gc.repetition_penalty = gr.get<double>("repetition_penalty", gc.repetition_penalty);
    if (!gr.error.empty()) return Result<ModelConfig>::error(gr.error);
    if (gc.top_p <= 0 || gc.top_p > 1) return Result<ModelConfig>::error(gen_path + ": top_p must be in (0, 1]");
    if (gc.temperature <= 0) return Result<ModelConfig>::error(gen_path + ": temperature must be positive");
    if (gc.max_new_tokens <= 0) return Result<ModelConfig>::error(gen_path + ": max_new_tokens must be positive");
  }
  return c;
}

}  // namespace qwenvl
