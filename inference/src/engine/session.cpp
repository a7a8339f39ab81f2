// ChatSession: history, pictures and the KV cache (in its Runner) of one conversation, and a
// turn run as the official chat() runs it (make_context, then the runner's prefill and steps,
// sampling, _decode_chatml); the cache is reused where the new prompt starts with its tokens.
#include <algorithm>
#include <chrono>

#include "chat/template.h"
#include "engine/internal.h"
#include "engine/runner.h"
#include "engine/sampler.h"
#include "util/utf8.h"

namespace qwenvl {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Python's str.strip(): characters for which str.isspace() is true.
bool py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string py_strip(const std::string& s) {
  std::u32string u = utf8_to_u32(s);
  size_t b = 0, e = u.size();
  while (b < e && py_space(u[b])) ++b;
  while (e > b && py_space(u[e - 1])) --e;
  return u32_to_utf8(std::u32string_view(u).substr(b, e - b));
}

bool is_stop(int32_t id) { return id == token_id::im_end || id == token_id::im_start || id == token_id::endoftext; }

}  // namespace

std::string PictureLabels::sanitize(std::string_view requested) {
  std::string label = requested.empty() ? std::string("picture") : std::string(requested);
  // The label travels as bytes between <img> and </img>: at most 255, no bytes that would end
  // the span early when tokenised (the markup of other tags).
  label = utf8_decode_replace(label);
  if (label.size() > 200) {  // keep the end, from a character boundary
    size_t cut = label.size() - 200;
    while (cut < label.size() && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) ++cut;
    label.erase(0, cut);
  }
  for (const char* bad : {"<img>", "</img>", "<|"})
    for (size_t p; (p = label.find(bad)) != std::string::npos;) label.replace(p, std::string(bad).size(), "_");
  return label;
}

std::string PictureLabels::assign(std::string_view requested) {
  const std::string base = sanitize(requested);
  std::string label = base;
  while (taken(label)) label = base + " (" + std::to_string(next_suffix_++) + ")";
  taken_.push_back(label);
  return label;
}

void PictureLabels::release(const std::string& label) { std::erase(taken_, label); }

bool PictureLabels::taken(std::string_view label) const {
  return std::find(taken_.begin(), taken_.end(), label) != taken_.end();
}

void PictureLabels::clear() {
  taken_.clear();
  next_suffix_ = 2;
}
struct ChatSession::Impl final : PictureSource {
  ModelImpl* model = nullptr;
  std::string system = kDefaultSystemPrompt;
  std::vector<Turn> history;
  // A picture as the engine keeps it: its label and size, the encoder's input made when it was
  // added, and the encoder's output once a turn has needed it.
  struct Entry {
    PictureInfo info;
    std::vector<float> input;     // [3][S][S] normalised
    std::vector<float> features;  // [n_queries][hidden], empty until encoded
  };
  std::vector<Entry> pictures;
  PictureLabels labels;
  PictureId next_id = 1;
  std::unique_ptr<Runner> runner;  // this conversation's KV cache

  Entry* find(std::string_view label) {
    for (Entry& e : pictures)
      if (e.info.label == label) return &e;
    return nullptr;
  }

  Result<const float*> input(const std::string& label) override {
    const Entry* e = find(label);
    if (!e)
      return Result<const float*>::error("the prompt names a picture '" + label +
                                         "' that is not part of this conversation");
    return e->input.data();
  }
  const float* features(const std::string& label) override {
    const Entry* e = find(label);
    return e && !e->features.empty() ? e->features.data() : nullptr;
  }
  void keep(const std::string& label, std::vector<float> f) override {
    if (Entry* e = find(label)) e->features = std::move(f);
  }
};

ChatSession::ChatSession(Model& model) : impl_(std::make_unique<Impl>()) {
  impl_->model = &model_impl(model);
  impl_->runner = std::make_unique<Runner>(*impl_->model);
}

ChatSession::~ChatSession() {
  // The cache's storage goes back to the backend's pool, which other sessions share.
  std::lock_guard<std::mutex> lock(impl_->model->busy);
  impl_->runner.reset();
}

void ChatSession::set_system_prompt(std::string prompt) { impl_->system = std::move(prompt); }
const std::string& ChatSession::system_prompt() const { return impl_->system; }
const std::vector<Turn>& ChatSession::history() const { return impl_->history; }
void ChatSession::set_history(std::vector<Turn> history) { impl_->history = std::move(history); }

void ChatSession::clear() {
  impl_->history.clear();
  impl_->pictures.clear();
  impl_->labels.clear();
  // New pictures may take old labels: nothing cached may be reused.
  std::lock_guard<std::mutex> lock(impl_->model->busy);
  impl_->runner->reset();
}

Result<Turn> ChatSession::pop_last_turn() {
  if (impl_->history.empty()) return Result<Turn>::error("there is no earlier exchange to take back");
  Turn t = std::move(impl_->history.back());
  impl_->history.pop_back();
  return t;
}

const PictureInfo* ChatSession::picture(PictureId id) const {
  for (const Impl::Entry& e : impl_->pictures)
    if (e.info.id == id) return &e.info;
  return nullptr;
}

const PictureInfo* ChatSession::picture(std::string_view label) const {
  const Impl::Entry* e = impl_->find(label);
  return e ? &e->info : nullptr;
}

Result<PictureInfo> ChatSession::add_picture(std::shared_ptr<const Picture> picture, std::string_view label) {
  using R = Result<PictureInfo>;
  if (!picture) return R::error("no picture given");
  if (picture->width <= 0 || picture->height <= 0 ||
      picture->rgb.size() != size_t(picture->width) * size_t(picture->height) * 3)
    return R::error("picture '" + picture->label + "': pixel data does not match its size");
  Impl::Entry e;
  e.input = preprocess_picture(*picture, impl_->model->config().visual.image_size);
  e.info.id = impl_->next_id++;
  e.info.label = impl_->labels.assign(label.empty() ? std::string_view(picture->label) : label);
  e.info.width = picture->width;
  e.info.height = picture->height;
  impl_->pictures.push_back(std::move(e));
  return impl_->pictures.back().info;
}

Result<std::string> ChatSession::generate(const std::string& query, const SamplingParams& params,
                                          const std::function<void(std::string_view)>& on_text,
                                          const std::atomic<bool>* cancel, GenerationStats* stats_out) {
  using R = Result<std::string>;
  ModelImpl& m = *impl_->model;
  std::lock_guard<std::mutex> lock(m.busy);
  const auto t_start = Clock::now();
  GenerationStats stats;
  Runner& runner = *impl_->runner;

  QWENVL_TRY(validate_sampling(params));

  ContextOptions opts;
  opts.system = impl_->system;
  opts.max_window_size = m.config().generation.max_window_size;
  auto ctx = make_context(*m.tokenizer, query, history_from_turns(impl_->history), opts);
  if (!ctx) return ctx.status();
  const std::vector<int32_t>& ids = ctx->ids;
  const int n_prompt = static_cast<int>(ids.size());
  if (n_prompt + 1 > runner.max_context())
    return R::error("the prompt is " + std::to_string(n_prompt) + " tokens but the context holds at most " +
                    std::to_string(runner.max_context()) + "; shorten the message or start a new conversation");

  const int V = m.config().vocab_size;
  std::vector<float> logits(static_cast<size_t>(V));
  const LogitsFn keep_logits = [&](int, const float* l) { std::copy(l, l + V, logits.begin()); };
  auto pre = runner.prefill(ids, *impl_, LogitsMode::Last, keep_logits);
  if (!pre) return pre.status();
  stats.prompt_tokens = n_prompt;
  stats.cached_tokens = pre->cached_tokens;
  stats.images_encoded = pre->images_encoded;
  stats.vision_seconds = pre->vision_seconds;

  Sampler sampler(params);
  StreamDecoder decoder(*m.tokenizer);
  std::vector<int32_t> seen = ids, generated;
  std::string streamed;
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    streamed += piece;
    if (on_text) on_text(piece);
  };
  Clock::time_point t_first{};
  bool first = true;
  int32_t picked = -1;
  bool have_pick = false;  // decode steps: the token the backend (or the runner) already chose
  stats.stop_reason = StopReason::MaxTokens;
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      stats.stop_reason = StopReason::Cancelled;
      break;
    }
    int32_t tok = picked;
    if (!have_pick) {
      Result<int32_t> next = sampler.next(logits.data(), V, seen);
      if (!next) return next.status();  // NaN/Inf logits: a damaged checkpoint, said as such
      tok = *next;
    }
    if (first) {
      first = false;
      t_first = Clock::now();
      stats.prompt_seconds = std::chrono::duration<double>(t_first - t_start).count();
    }
    if (is_stop(tok)) {
      stats.stop_reason = StopReason::EndOfText;
      break;
    }
    generated.push_back(tok);
    seen.push_back(tok);
    emit(decoder.push(tok));
    if (static_cast<int>(generated.size()) >= params.max_new_tokens) {
      stats.stop_reason = StopReason::MaxTokens;
      break;
    }
    if (runner.length() + 1 > runner.max_context()) {
      stats.stop_reason = StopReason::ContextFull;
      break;
    }
    // The backend picks the next token itself (on a GPU the logits never leave the device; a
    // sampled pick draws there from the sampler's seeded stream).
    QWENVL_TRY(runner.step_sample(tok, seen, sampler, &picked));
    have_pick = true;
  }
  emit(decoder.flush());
  if (!generated.empty()) stats.generation_seconds = seconds_since(t_first);
  stats.generated_tokens = static_cast<int>(generated.size());

  // _decode_chatml: tokens before the first <|im_end|>/<|im_start|>; when neither came (the
  // reply ran into max_new_tokens or ended with <|endoftext|>), the official code also drops
  // the last token. Cancelled turns keep everything the user saw.
  std::vector<int32_t> kept = generated;
  if (stats.stop_reason == StopReason::MaxTokens && !kept.empty()) kept.pop_back();
  std::string reply = py_strip(stats.stop_reason == StopReason::Cancelled ? streamed : m.tokenizer->decode(kept));
  impl_->history.push_back({query, reply});
  if (stats_out) *stats_out = stats;
  return reply;
}

}  // namespace qwenvl
