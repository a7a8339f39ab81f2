// The CPU backend: the reference path (fp32 throughout, weights widened block by block from the
// mapped checkpoint; what every faster path is checked against) or the fast path (int4 weights
// repacked once, SIMD GEMVs for decoding, oneDNN GEMMs for prompts and pictures).
#include "cpu/cpu_backend.h"

#include <cstdlib>
#include <string>
#include <thread>

#include "cpu/decoder.h"
#include "cpu/vision.h"

namespace qwenvl {

namespace {

bool use_fast(const LoadOptions& o) {
  if (const char* env = std::getenv("QWENVL_CPU_KERNELS"); env && *env) return std::string(env) != "reference";
  return o.cpu_kernels == CpuKernels::Fast;
}

class CpuBackend final : public Backend {
 public:
  CpuBackend(const ModelWeights& w, const LoadOptions& o)
      : fast_(use_fast(o)),
        isa_(cpu::default_isa()),
        pool_(o.cpu_threads),
        vision_(w, pool_, fast_, isa_),
        decoder_(w, pool_, o.max_context, fast_, isa_),
        w_(w) {}

  std::string device_description() const override {
    return "CPU, " + std::to_string(pool_.size()) + " threads, " +
           (fast_ ? std::string("fast kernels (") + cpu::isa_name(isa_) + ", oneDNN)" : std::string("reference"));
  }
  int max_context() const override { return decoder_.max_context(); }
  int vocab_size() const override { return w_.config.vocab_size; }

  Status encode_images(const float* pixels, int n, float* out) override {
    const VisionConfig& vc = w_.config.visual;
    const size_t in_stride = size_t(3) * vc.image_size * vc.image_size;
    const size_t out_stride = size_t(vc.n_queries) * w_.config.hidden_size;
    for (int i = 0; i < n; ++i) vision_.encode(pixels + i * in_stride, out + i * out_stride);
    return Status();
  }

 protected:
  std::unique_ptr<KvCache> make_kv_cache() override { return std::make_unique<cpu::CpuKvCache>(decoder_.layers()); }
  // Backend::forward hands back only caches this backend made.
  Status run_forward(KvCache& cache, const ForwardRequest& r) override {
    return decoder_.forward(static_cast<cpu::CpuKvCache&>(cache), r);
  }

 private:
  bool fast_;
  cpu::Isa isa_;
  ThreadPool pool_;
  cpu::VisionEncoder vision_;
  cpu::Decoder decoder_;
  const ModelWeights& w_;
};

}  // namespace

Result<std::unique_ptr<Backend>> make_cpu_backend(const ModelWeights& weights, const LoadOptions& options) {
  if (options.max_context <= 0) return Result<std::unique_ptr<Backend>>::error("max_context must be positive");
  return std::unique_ptr<Backend>(new CpuBackend(weights, options));
}

}  // namespace qwenvl
