// Binds the published tensor names to typed views and checks each against config.json.
#include "model/weights.h"

#include <cstring>
#include <exception>
#include <new>

namespace qwenvl {

namespace {

class Binder {
 public:
  explicit Binder(const SafetensorsArchive& a) : a_(a) {}

  // Looks a tensor up and checks dtype and shape; the first problem is kept as the error.
  const TensorView* get(const std::string& name, DType dtype, std::vector<int64_t> shape, bool optional = false) {
    if (!error_.empty()) return nullptr;
    const TensorView* t = a_.find(name);
    if (!t) {
      if (!optional) error_ = "tensor '" + name + "' is missing from the checkpoint";
      return nullptr;
    }
    if (t->dtype != dtype) {
      error_ =
          t->file + ": tensor '" + name + "' has dtype " + dtype_name(t->dtype) + ", expected " + dtype_name(dtype);
      return nullptr;
    }
    if (t->shape != shape) {
      TensorView expect;
      expect.shape = shape;
      error_ = t->file + ": tensor '" + name + "' has shape " + t->shape_string() + ", config.json implies " +
               expect.shape_string();
      return nullptr;
    }
    return t;
  }

  GptqLinear gptq(const std::string& prefix, int K, int N, int group) {
    GptqLinear l;
    l.in_features = K;
    l.out_features = N;
    l.group_size = group == -1 ? K : group;
    if (!error_.empty()) return l;
    if (l.group_size <= 0 || K % l.group_size != 0 || K % 8 != 0 || N % 8 != 0) {
      error_ = "layer '" + prefix + "': in " + std::to_string(K) + " / out " + std::to_string(N) +
               " cannot be packed with group_size " + std::to_string(l.group_size) +
               " (K must be a multiple of the group and of 8, N of 8)";
      return l;
    }
    const int G = K / l.group_size;
    l.qweight = get(prefix + ".qweight", DType::I32, {K / 8, N});
    l.qzeros = get(prefix + ".qzeros", DType::I32, {G, N / 8});
    l.scales = get(prefix + ".scales", DType::F16, {G, N});
    l.g_idx = get(prefix + ".g_idx", DType::I32, {K}, /*optional=*/true);
    l.bias = get(prefix + ".bias", DType::F16, {N}, /*optional=*/true);
    if (error_.empty() && l.g_idx) {
      for (int k = 0; k < K; ++k) {
        int32_t g;
        std::memcpy(&g, l.g_idx->data + 4 * k, 4);
        if (g != k / l.group_size) {
          error_ = l.g_idx->file + ": tensor '" + prefix + ".g_idx' is not k / group_size at k = " + std::to_string(k) +
                   " (found " + std::to_string(g) + "): act-order (desc_act) checkpoints are not supported";
          break;
        }
      }
    }
    return l;
  }

  const std::string& error() const { return error_; }

 private:
  const SafetensorsArchive& a_;
  std::string error_;
};

Result<std::unique_ptr<ModelWeights>> bind_model_weights(const std::string& dir) {
  auto config = load_model_config(dir);
  if (!config) return config.status();
  auto archive = SafetensorsArchive::open_dir(dir);
  if (!archive) return archive.status();

  auto w = std::make_unique<ModelWeights>();
  w->config = *config;
  w->archive = std::move(archive.value());
  const ModelConfig& c = w->config;
  const int H = c.hidden_size, V = c.vocab_size, F = c.ffn_size, G = c.quant.group_size;
  Binder b(*w->archive);

  w->wte = b.get("transformer.wte.weight", DType::F16, {V, H});
  w->ln_f = b.get("transformer.ln_f.weight", DType::F16, {H});
  w->lm_head = b.get("lm_head.weight", DType::F16, {V, H});
  // Each loop stops at the first problem: a config claiming more layers than the checkpoint holds
  // must not go on building (and allocating for) layers that cannot exist.
  for (int i = 0; i < c.num_layers && b.error().empty(); ++i) {
    const std::string p = "transformer.h." + std::to_string(i);
    LlmLayerWeights l;
    l.ln_1 = b.get(p + ".ln_1.weight", DType::F16, {H});
    l.ln_2 = b.get(p + ".ln_2.weight", DType::F16, {H});
    l.c_attn = b.gptq(p + ".attn.c_attn", H, 3 * H, G);
    l.c_proj = b.gptq(p + ".attn.c_proj", H, H, G);
    l.w1 = b.gptq(p + ".mlp.w1", H, F, G);
    l.w2 = b.gptq(p + ".mlp.w2", H, F, G);
    l.mlp_c_proj = b.gptq(p + ".mlp.c_proj", F, H, G);
    w->layers.push_back(l);
  }

  const VisionConfig& vc = c.visual;
  const int W = vc.width, M = vc.mlp_width, P = vc.patch_size, Q = vc.n_queries;
  const std::string v = "transformer.visual";
  VisionWeights& vw = w->visual;
  vw.conv1 = b.get(v + ".conv1.weight", DType::F16, {W, 3, P, P});
  vw.pos_embed = b.get(v + ".positional_embedding", DType::F16, {256, W});
  vw.ln_pre_w = b.get(v + ".ln_pre.weight", DType::F16, {W});
  vw.ln_pre_b = b.get(v + ".ln_pre.bias", DType::F16, {W});
  for (int i = 0; i < vc.layers && b.error().empty(); ++i) {
    const std::string r = v + ".transformer.resblocks." + std::to_string(i);
    VisionLayerWeights l;
    l.ln_1_w = b.get(r + ".ln_1.weight", DType::F16, {W});
    l.ln_1_b = b.get(r + ".ln_1.bias", DType::F16, {W});
    l.in_proj_w = b.get(r + ".attn.in_proj.weight", DType::F16, {3 * W, W});
    l.in_proj_b = b.get(r + ".attn.in_proj.bias", DType::F16, {3 * W});
    l.out_proj_w = b.get(r + ".attn.out_proj.weight", DType::F16, {W, W});
    l.out_proj_b = b.get(r + ".attn.out_proj.bias", DType::F16, {W});
    l.ln_2_w = b.get(r + ".ln_2.weight", DType::F16, {W});
    l.ln_2_b = b.get(r + ".ln_2.bias", DType::F16, {W});
    l.c_fc_w = b.get(r + ".mlp.c_fc.weight", DType::F16, {M, W});
    l.c_fc_b = b.get(r + ".mlp.c_fc.bias", DType::F16, {M});
    l.c_proj_w = b.get(r + ".mlp.c_proj.weight", DType::F16, {W, M});
    l.c_proj_b = b.get(r + ".mlp.c_proj.bias", DType::F16, {W});
    vw.layers.push_back(l);
  }
  const std::string a = v + ".attn_pool";
  ResamplerWeights& rp = vw.pool;
  rp.query = b.get(a + ".query", DType::F16, {Q, H});
  rp.pos_embed = b.get(a + ".pos_embed", DType::F16, {Q, H});
  rp.kv_proj_w = b.get(a + ".kv_proj.weight", DType::F16, {H, W});
  rp.ln_q_w = b.get(a + ".ln_q.weight", DType::F16, {H});
  rp.ln_q_b = b.get(a + ".ln_q.bias", DType::F16, {H});
  rp.ln_kv_w = b.get(a + ".ln_kv.weight", DType::F16, {H});
  rp.ln_kv_b = b.get(a + ".ln_kv.bias", DType::F16, {H});
  rp.in_proj_w = b.get(a + ".attn.in_proj_weight", DType::F16, {3 * H, H});
  rp.in_proj_b = b.get(a + ".attn.in_proj_bias", DType::F16, {3 * H});
  rp.out_proj_w = b.get(a + ".attn.out_proj.weight", DType::F16, {H, H});
  rp.out_proj_b = b.get(a + ".attn.out_proj.bias", DType::F16, {H});
  vw.ln_post_w = b.get(v + ".ln_post.weight", DType::F16, {H});
  vw.ln_post_b = b.get(v + ".ln_post.bias", DType::F16, {H});
  vw.proj = b.get(v + ".proj", DType::F16, {H, H});

  if (!b.error().empty()) return Result<std::unique_ptr<ModelWeights>>::error(dir + ": " + b.error());
  return w;
}

}  // namespace

Result<std::unique_ptr<ModelWeights>> load_model_weights(const std::string& dir) {
  // The "no call throws" boundary of model loading: nothing below may let an exception (out of
  // memory above all) reach Model::load, whose callers have no handler.
  try {
    return bind_model_weights(dir);
  } catch (const std::bad_alloc&) {
    return Result<std::unique_ptr<ModelWeights>>::error(dir + ": not enough memory to load the model");
  } catch (const std::exception& e) {
    return Result<std::unique_ptr<ModelWeights>>::error(dir + ": cannot load the model: " + e.what());
  }
}

}  // namespace qwenvl
