// Runner: the prompt pipeline (pictures, prefix reuse, splices, prefill) and decode steps.
#include "engine/runner.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "engine/sampler.h"
#include "model/rotary.h"

namespace qwenvl {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

Runner::~Runner() = default;

Status Runner::ensure_cache() {
  if (cache_) return Status();
  cache_ = model_.backend->new_kv_cache();
  return cache_ ? Status() : Status::error("the backend could not make a KV cache");
}

void Runner::reset() {
  if (cache_) cache_->truncate(0);
}

Result<std::vector<ImageSpan>> Runner::check_pictures(const std::vector<int32_t>& ids, PictureSource& pictures) const {
  auto spans = find_image_spans(ids);
  if (!spans) return spans.status();
  for (const ImageSpan& s : *spans) {
    auto in = pictures.input(s.label);
    if (!in) return in.status();
  }
  return spans;
}

Result<PrefillInfo> Runner::prefill(const std::vector<int32_t>& ids, PictureSource& pictures, LogitsMode mode,
                                    const LogitsFn& on_logits) {
  using R = Result<PrefillInfo>;
  const ModelConfig& cfg = model_.config();
  const int n = static_cast<int>(ids.size());
  if (n == 0) return R::error("the prompt is empty");
  QWENVL_TRY(ensure_cache());
  PrefillInfo info;
  auto spans = check_pictures(ids, pictures);
  if (!spans) return spans.status();
  info.spans = std::move(spans.value());
  info.prompt_tokens = n;
  info.ntk_alpha = cfg.use_dynamic_ntk ? ntk_alpha_for_length(n, cfg.seq_length) : 1.0;

  // The cached prefix computed with this alpha; at least one position runs to give logits.
  int reuse = 0;
  if (cache_->ntk_alpha() == info.ntk_alpha) {
    const std::vector<int32_t>& cached = cache_->tokens();
    const size_t limit = std::min(cached.size(), ids.size());
    while (static_cast<size_t>(reuse) < limit && cached[reuse] == ids[reuse]) ++reuse;
  }
  reuse = std::min(reuse, n - 1);
  cache_->truncate(reuse);
  info.cached_tokens = reuse;

  // Pictures whose span is not fully cached and that have no kept features, each once.
  const size_t feat = size_t(cfg.visual.n_queries) * cfg.hidden_size;
  std::vector<std::string> to_encode;
  for (const ImageSpan& s : info.spans) {
    if (s.first + s.rows > reuse && !pictures.features(s.label) &&
        std::find(to_encode.begin(), to_encode.end(), s.label) == to_encode.end())
      to_encode.push_back(s.label);
  }
  // A backend that keeps features in its own memory (a GPU) splices them from there; the host
  // copy that pictures.keep() stores is made after the prompt has run.
  const bool keeps = model_.backend->keeps_features();
  const uint16_t* kept = nullptr;
  std::vector<float> encoded;
  if (!to_encode.empty()) {
    // One picture is encoded from its own buffer; several are gathered into one batch.
    std::vector<const float*> inputs;
    for (const std::string& label : to_encode) {
      auto in = pictures.input(label);
      if (!in) return in.status();
      inputs.push_back(*in);
    }
    std::vector<float> gathered;
    if (inputs.size() > 1) {
      const size_t in_size = size_t(3) * cfg.visual.image_size * cfg.visual.image_size;
      for (const float* in : inputs) gathered.insert(gathered.end(), in, in + in_size);
    }
    encoded.resize(feat * to_encode.size());
    const float* batch = gathered.empty() ? inputs[0] : gathered.data();
    const int count = static_cast<int>(inputs.size());
    const auto t0 = Clock::now();
    if (keeps) {
      QWENVL_TRY(model_.backend->encode_images_kept(batch, count, &kept));
    } else {
      QWENVL_TRY(model_.backend->encode_images(batch, count, encoded.data()));
    }
    info.images_encoded = static_cast<int>(to_encode.size());
    info.vision_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  // Where a picture's rows come from: the backend's kept features or the host.
  auto splice_of = [&](const ImageSpan& s, int lo, int hi) {
    EmbeddingSplice sp;
    sp.offset = lo - reuse;
    sp.rows = hi - lo;
    const size_t skip = size_t(lo - s.first) * cfg.hidden_size;
    const auto it = std::find(to_encode.begin(), to_encode.end(), s.label);
    const size_t index = static_cast<size_t>(it - to_encode.begin());
    if (it == to_encode.end()) {
      sp.data = pictures.features(s.label) + skip;
    } else if (keeps) {
      sp.kept = kept + feat * index + skip;
    } else {
      sp.data = encoded.data() + feat * index + skip;
    }
    return sp;
  };

  ForwardRequest req;
  req.ids = ids.data() + reuse;
  req.n_tokens = n - reuse;
  req.ntk_alpha = info.ntk_alpha;
  req.logits = mode;
  if (on_logits) req.on_logits = [&](int index, const float* l) { on_logits(index + reuse, l); };
  for (const ImageSpan& s : info.spans) {
    const int lo = std::max(s.first, reuse), hi = s.first + s.rows;
    if (hi <= lo) continue;
    req.splices.push_back(splice_of(s, lo, hi));
  }
  QWENVL_TRY(model_.backend->forward(*cache_, req));
  // Weights read from a checkpoint truncated or rewritten meanwhile give numbers, not a crash
  // (MappedFile's guard): they are refused here, before anyone samples from them.
  QWENVL_TRY(model_.weights->archive->check_unchanged());
  if (keeps && !to_encode.empty()) QWENVL_TRY(model_.backend->copy_kept_features(encoded.data()));
  if (to_encode.size() == 1) {
    pictures.keep(to_encode[0], std::move(encoded));  // no copy on the common path
  } else {
    for (size_t i = 0; i < to_encode.size(); ++i)
      pictures.keep(to_encode[i], std::vector<float>(encoded.begin() + i * feat, encoded.begin() + (i + 1) * feat));
  }
  return info;
}

Status Runner::step(int32_t token, const LogitsFn& on_logits) {
  QWENVL_TRY(ensure_cache());
  ForwardRequest r;
  r.ids = &token;
  r.n_tokens = 1;
  r.ntk_alpha = cache_->ntk_alpha();  // the last prefill's, kept by the cache
  r.logits = LogitsMode::Last;
  r.on_logits = on_logits;
  QWENVL_TRY(model_.backend->forward(*cache_, r));
  // As in prefill, but without the fstat per file: a step reads what the prompt read, and a
  // rewrite in place is caught by the next prompt's check_unchanged.
  return model_.weights->archive->check_intact();
}

Status Runner::step_greedy(int32_t token, const std::vector<int32_t>& seen, float repetition_penalty, int32_t* next) {
  QWENVL_TRY(ensure_cache());
  if (!model_.backend->picks_on_device()) {
    // The host pick: Sampler::next's greedy steps over the logits.
    return pick_on_host(token, next, [&](float* v, int V) -> Result<int32_t> {
      QWENVL_TRY(check_logits(v, V));
      apply_repetition_penalty(v, V, seen, repetition_penalty);
      return argmax(v, V);
    });
  }
  return pick_on_device(token, seen, repetition_penalty, nullptr, 0, next);
}

Status Runner::step_sample(int32_t token, const std::vector<int32_t>& seen, Sampler& sampler, int32_t* next) {
  const SamplingParams& p = sampler.params();
  if (is_greedy(p)) return step_greedy(token, seen, p.repetition_penalty, next);
  QWENVL_TRY(ensure_cache());
  if (!model_.backend->picks_on_device())
    return pick_on_host(token, next, [&](float* v, int V) { return sampler.next(v, V, seen); });
  return pick_on_device(token, seen, p.repetition_penalty, &p, sampler.draw(), next);
}

Status Runner::pick_on_host(int32_t token, int32_t* next, const std::function<Result<int32_t>(float*, int)>& choose) {
  Status picked = Status::error("the backend gave no logits");
  QWENVL_TRY(step(token, [&](int, const float* l) {
    const int V = model_.backend->vocab_size();
    pick_scratch_.assign(l, l + V);  // the choice may change them (penalty, temperature)
    Result<int32_t> t = choose(pick_scratch_.data(), V);
    picked = t.status();
    if (t) *next = *t;
  }));
  return picked;
}

Status Runner::pick_on_device(int32_t token, const std::vector<int32_t>& seen, float repetition_penalty,
                              const SamplingParams* sampling, double uniform, int32_t* next) {
  ForwardRequest r;
  r.ids = &token;
  r.n_tokens = 1;
  r.ntk_alpha = cache_->ntk_alpha();
  r.logits = LogitsMode::Last;
  r.pick = next;
  r.pick_seen = &seen;
  r.pick_penalty = repetition_penalty;
  r.pick_sampling = sampling;
  r.pick_uniform = uniform;
  return model_.backend->forward(*cache_, r);
}

}  // namespace qwenvl
