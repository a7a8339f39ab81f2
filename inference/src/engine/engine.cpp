// Model loading: configuration, weights, tokenizer, and the backend chosen by the caller
// through the backend registry.
#include <filesystem>

#include "backends/registry.h"
#include "engine/model_impl.h"
#include "qwenvl/engine.h"

namespace qwenvl {

const char* backend_name(BackendKind kind) { return kind == BackendKind::Cuda ? "cuda" : "cpu"; }

bool cuda_compiled() {
  const BackendEntry* e = backend_registry().find(BackendKind::Cuda);
  return e && e->compiled;
}

Status cuda_available() {
  const BackendEntry* e = backend_registry().find(BackendKind::Cuda);
  if (!e || !e->available) return Status::error("this build of QwenVL does not know the CUDA backend");
  return e->available();
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
  std::error_code ec;  // the error_code overloads: a name too long or a link loop must not throw
  if (!fs::is_directory(options.model_dir, ec)) return R::error(options.model_dir + ": model folder not found");
  if (options.max_context < 16) return R::error("max_context must be at least 16 tokens");

  auto impl = std::make_unique<Impl>();
  if (!progress(0.0, "reading weights")) return cancelled;
  auto weights = load_model_weights(options.model_dir);
  if (!weights) return weights.status();
  impl->weights = std::move(weights.value());

  if (!progress(0.05, "reading tokenizer")) return cancelled;
  const std::string vocab = (fs::path(options.model_dir) / "qwen.tiktoken").string();
  if (!fs::exists(vocab, ec))
    return Status::coded(ErrorCode::kModelFileMissing, {options.model_dir, "qwen.tiktoken"},
                         vocab + ": not found (qwen.tiktoken ships with Qwen-VL-Chat-Int4; is the download complete?)");
  auto tok = Tokenizer::load(vocab);
  if (!tok) return tok.status();
  impl->tokenizer = std::move(tok.value());

  const BackendEntry* entry = backend_registry().find(options.backend);
  // Not `compiled` alone: the CUDA entry's available() says why its module is missing.
  if (!entry || !entry->create || !entry->available) {
    const std::string title = entry ? entry->title : backend_name(options.backend);
    return Status::coded(ErrorCode::kBackendNotBuilt, {title},
                         "this build of QwenVL has no " + title + " backend; choose the CPU backend");
  }
  if (Status a = entry->available(); !a) return a.with_context(std::string(entry->title) + " backend unavailable: ");
  LoadOptions bo = options;
  bo.on_progress = [&](const LoadProgress& p) { return progress(0.1 + 0.9 * p.fraction, p.stage); };
  if (!progress(0.1, "preparing the backend")) return cancelled;
  auto backend = entry->create(*impl->weights, bo);
  if (!backend) return backend.status();
  impl->backend = std::move(backend.value());
  // The backend copied or converted weights from the mapped files: not from a file that changed
  // meanwhile (a download still writing it, a copy over it).
  if (Status s = impl->weights->archive->check_unchanged(); !s) return s.with_context("while loading: ");
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
