// QwenVL engine: load Qwen-VL-Chat-Int4 from its published folder, hold a chat with pictures,
// generate with streaming and cancellation. One ChatSession is driven from one thread; cancel
// may be set from any thread and takes effect within one token. No call throws.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/picture.h"
#include "qwenvl/sampling.h"
#include "qwenvl/status.h"

namespace qwenvl {

enum class BackendKind { Cpu, Cuda };
const char* backend_name(BackendKind kind);
// Whether the CUDA backend module (libqwenvl-cuda.so, a separate package) is installed, and
// whether it loads and finds a usable GPU (the message says why not: module or CUDA libraries
// missing, no driver, no device, too old a driver or card).
bool cuda_compiled();
Status cuda_available();

struct LoadProgress {
  double fraction = 0;  // 0..1
  std::string stage;    // e.g. "reading weights"
};

struct LoadOptions {
  std::string model_dir;
  BackendKind backend = BackendKind::Cpu;
  int cpu_threads = 0;     // 0: one per hardware thread
  int max_context = 8192;  // prompt + reply tokens the session may hold
  // CUDA: keep the vision tower in host memory and stream it to the GPU layer by layer while a
  // picture is encoded (for cards of about 8 GB; chosen automatically when the model does not fit).
  bool low_memory = false;
  // Called during loading; return false to cancel (load() then fails with "cancelled").
  std::function<bool(const LoadProgress&)> on_progress;
};

enum class StopReason { EndOfText, MaxTokens, Cancelled, ContextFull };

struct GenerationStats {
  int prompt_tokens = 0;
  int cached_tokens = 0;  // of prompt_tokens, reused from this session's KV cache (not computed)
  int images_encoded = 0;
  double vision_seconds = 0;  // part of prompt_seconds
  double prompt_seconds = 0;  // start of the turn until the first new token is chosen
  int generated_tokens = 0;
  double generation_seconds = 0;  // after the first token until the last
  StopReason stop_reason = StopReason::EndOfText;
  double tokens_per_second() const {
    return generation_seconds > 0 && generated_tokens > 1 ? (generated_tokens - 1) / generation_seconds : 0.0;
  }
};

struct ModelInfo {
  std::string model_dir;
  BackendKind backend = BackendKind::Cpu;
  std::string device;  // "CPU, 16 threads" / "NVIDIA H100 80GB HBM3"
  int hidden_size = 0;
  int layers = 0;
  int vision_layers = 0;
  int vocab_size = 0;
  int max_context = 0;
};

namespace detail {
struct ModelAccess;
}

// Weights, tokenizer and the backend's shared resources; read-only once loaded, shared by any
// number of ChatSessions (each owns its KV cache). Calls into the backend are serialised.
class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const LoadOptions& options);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const;
  // generation_config.json's values (top_p 0.5, top_k 0, max_new_tokens 512, sampling on).
  SamplingParams default_sampling() const;

 private:
  struct Impl;
  friend struct detail::ModelAccess;  // the engine's own code and tools (engine/internal.h)
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One element of a user turn, as in the official tokenizer.from_list_format().
struct ContentItem {
  enum class Kind { Image, Text, Box };
  Kind kind = Kind::Text;
  std::string text;                       // Image: the picture's label; Text: the text itself
  std::string ref;                        // Box: the phrase (may be empty)
  std::vector<std::array<int, 4>> boxes;  // Box: x1, y1, x2, y2 in 0..1000

  static ContentItem image(std::string label) { return {Kind::Image, std::move(label), {}, {}}; }
  static ContentItem plain(std::string text) { return {Kind::Text, std::move(text), {}, {}}; }
  static ContentItem box(std::string ref, std::vector<std::array<int, 4>> boxes) {
    return {Kind::Box, {}, std::move(ref), std::move(boxes)};
  }
};
// "Picture N:<img>LABEL</img>\n" for the N-th image of the list, text verbatim,
// "<ref>R</ref><box>(x1,y1),(x2,y2)</box>…" for boxes.
std::string format_query(const std::vector<ContentItem>& items);

using PictureId = uint64_t;

struct PictureInfo {
  PictureId id = 0;   // stable for the life of the session, never reused
  std::string label;  // as it stands between <img> and </img>
  int width = 0;      // of the full-size picture, for boxes in pixels
  int height = 0;
};

// The rules for picture labels, in one place: a label is at most 200 bytes of valid UTF-8
// (the end kept when shortened), without the markup that would end its <img> span early, and
// unique within a conversation (" (2)", " (3)"... appended). Valid unique labels are kept
// as they are, so a conversation restored with its labels keeps them.
class PictureLabels {
 public:
  static std::string sanitize(std::string_view requested);
  // A valid label not taken yet, which is then taken.
  std::string assign(std::string_view requested);
  void release(const std::string& label);
  bool taken(std::string_view label) const;
  void clear();

 private:
  std::vector<std::string> taken_;
  int next_suffix_ = 2;
};

struct Turn {
  std::string query;     // as sent, with <img>LABEL</img> for pictures
  std::string response;  // the reply as decoded (markup kept), stripped
};

class ChatSession {
 public:
  explicit ChatSession(Model& model);
  ~ChatSession();
  ChatSession(const ChatSession&) = delete;
  ChatSession& operator=(const ChatSession&) = delete;

  static constexpr const char* kDefaultSystemPrompt = "You are a helpful assistant.";
  void set_system_prompt(std::string prompt);
  const std::string& system_prompt() const;

  // Registers a picture: its pixels are shared, never copied, and the model's 448x448 input is
  // made here, once (the full-size pixels are not kept). The label (the requested one, or the
  // picture's own, made valid and unique by PictureLabels) goes between <img> and </img>.
  Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label = {});
  const PictureInfo* picture(PictureId id) const;
  const PictureInfo* picture(std::string_view label) const;

  const std::vector<Turn>& history() const;
  void set_history(std::vector<Turn> history);
  void clear();  // history and pictures
  // Takes back the last exchange (for Regenerate); fails when there is none.
  Result<Turn> pop_last_turn();

  // One turn: the ChatML context as the official make_context builds it (history trimmed to
  // max_window_size), pictures encoded, prefill, then generation. on_text gets UTF-8 pieces
  // as they complete, grounding tags included. The reply is appended to the history unless
  // the turn fails; a cancelled turn is kept with what was generated.
  Result<std::string> generate(const std::string& query, const SamplingParams& params,
                               const std::function<void(std::string_view)>& on_text = {},
                               const std::atomic<bool>* cancel = nullptr, GenerationStats* stats = nullptr);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace qwenvl
