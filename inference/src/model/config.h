// The model folder's JSON files: config.json (with its "visual" block), generation_config.json
// and quantize_config.json, parsed and checked for the values this engine supports.
#pragma once

#include <string>

#include "qwenvl/status.h"

namespace qwenvl {

struct VisionConfig {
  int width = 0;       // 1664
  int layers = 0;      // 48
  int heads = 0;       // 16 (head_dim = width / heads)
  int mlp_width = 0;   // int(width * mlp_ratio) = 8192
  int image_size = 0;  // 448
  int patch_size = 0;  // 14
  int output_dim = 0;  // = hidden_size
  int image_start_id = 0;
  int n_queries = 256;  // resampler queries (16 x 16 grid); fixed by the architecture
  int grid() const { return image_size / patch_size; }
};

struct QuantConfig {
  int bits = 4;
  int group_size = 128;
  bool desc_act = false;
  bool sym = true;
};

struct GenerationConfig {
  int eos_token_id = 151643;
  int pad_token_id = 151643;
  int max_window_size = 6144;
  int max_new_tokens = 512;
  bool do_sample = true;
  int top_k = 0;
  double top_p = 0.5;
  double temperature = 1.0;
  double repetition_penalty = 1.0;
};

struct ModelConfig {
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int kv_channels = 0;  // head_dim
  int ffn_size = 0;     // intermediate_size / 2: width of w1 and w2
  int vocab_size = 0;
  int seq_length = 2048;  // reference length for dynamic NTK and logn
  double layer_norm_epsilon = 1e-6;
  double rotary_emb_base = 10000;
  double rotary_pct = 1.0;
  bool use_dynamic_ntk = true;
  bool use_logn_attn = true;
  VisionConfig visual;
  QuantConfig quant;
  GenerationConfig generation;

  int head_dim() const { return kv_channels; }
};

// Reads DIR/config.json, DIR/quantize_config.json (if present; else config's
// quantization_config) and DIR/generation_config.json (optional; defaults as in the published
// file). Refuses bits != 4, act-order (desc_act), and inconsistent sizes, naming the file.
Result<ModelConfig> load_model_config(const std::string& dir);

}  // namespace qwenvl
