// Model loading: configuration, weights, tokenizer, and the backend chosen by the caller.
#include <filesystem>

#include "engine/model_impl.h"
#include "qwenvl/engine.h"
#ifdef QWENVL_HAVE_CUDA
#include "cuda/cuda_probe.h"
#endif

namespace qwenvl {

const char* backend_name(BackendKind kind) { return kind == BackendKind::Cuda ? "cuda" : "cpu"; }

bool cuda_compiled() {
#ifdef QWENVL_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

Status cuda_available() {
#ifdef QWENVL_HAVE_CUDA
  std::string name;
  return cuda_probe(&name);
#else
  return Status::error("this build of QwenVL has no CUDA backend (it was built without the CUDA toolkit)");
#endif
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
const ModelInfo& Model::info() const { return impl_->info; }

SamplingParams Model::default_sampling() const {
  const GenerationConfig& g = impl_->config().generation;
  SamplingParams p;
  p.do_sample = g.do_sample;
  p.temperature = static_cast<float>(g.temperature);
  p.top_p = static_cast<float>(g.top_p);
  p.top_k = g.top_k;
  p.repetition_penalty = static_cast<float>(g.repetition_penalty);
  p.max_new_tokens = g.max_new_tokens;
  return p;
}

Result<std::unique_ptr<Model>> Model::load(const LoadOptions& options) {
  using R = Result<std::unique_ptr<Model>>;
  namespace fs = std::filesystem;
  auto progress = [&](double f, const std::string& stage) {
    return !options.on_progress || options.on_progress(LoadProgress{f, stage});
  };
  const Status cancelled = Status::error("loading cancelled");
  if (options.model_dir.empty()) return R::error("no model folder given");
  if (!fs::is_directory(options.model_dir)) return R::error(options.model_dir + ": model folder not found");
  if (options.max_context < 16) return R::error("max_context must be at least 16 tokens");

  auto impl = std::make_unique<Impl>();
  if (!progress(0.0, "reading weights")) return cancelled;
  auto weights = load_model_weights(options.model_dir);
  if (!weights) return weights.status();
  impl->weights = std::move(weights.value());

  if (!progress(0.05, "reading tokenizer")) return cancelled;
  const std::string vocab = (fs::path(options.model_dir) / "qwen.tiktoken").string();
  if (!fs::exists(vocab))
    return R::error(vocab + ": not found (qwen.tiktoken ships with Qwen-VL-Chat-Int4; is the download complete?)");
  auto tok = Tokenizer::load(vocab);
  if (!tok) return tok.status();
  impl->tokenizer = std::move(tok.value());

  BackendOptions bo;
  bo.cpu_threads = options.cpu_threads;
  bo.max_context = options.max_context;
  bo.on_progress = [&](double f, const std::string& stage) { return progress(0.1 + 0.9 * f, stage); };
  if (!progress(0.1, "preparing the backend")) return cancelled;
  Result<std::unique_ptr<Backend>> backend = Result<std::unique_ptr<Backend>>::error("");
  if (options.backend == BackendKind::Cuda) {
#ifdef QWENVL_HAVE_CUDA
    std::string device;
    Status probe = cuda_probe(&device);
    if (!probe) return probe.with_context("CUDA backend unavailable: ");
    backend = make_cuda_backend(*impl->weights, bo);
#else
    return R::error("this build of QwenVL has no CUDA backend; choose the CPU backend");
#endif
  } else {
    backend = make_cpu_backend(*impl->weights, bo);
  }
  if (!backend) return backend.status();
  impl->backend = std::move(backend.value());
  if (!progress(1.0, "ready")) return cancelled;

  const ModelConfig& c = impl->config();
  ModelInfo& info = impl->info;
  info.model_dir = options.model_dir;
  info.backend = options.backend;
  info.device = impl->backend->device_description();
  info.hidden_size = c.hidden_size;
  info.layers = c.num_layers;
  info.vision_layers = c.visual.layers;
  info.vocab_size = c.vocab_size;
  info.max_context = impl->backend->max_context();
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

}  // namespace qwenvl
