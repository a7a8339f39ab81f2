// `qwenvl-cli chat --model DIR [--image FILE]... [--prompt TEXT] [sampling options]`: one turn
// from flags, or an interactive multi-turn session when no prompt is given. The reply streams to
// stdout; then its boxes are printed in pixels of the picture they belong to.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/args.h"
#include "cli/command.h"
#include "qwenvl/engine.h"
#include "qwenvl/grounding.h"
#include "qwenvl/sampling.h"
#include "util/parallel.h"

namespace qwenvl::cli {

namespace {

std::atomic<bool> g_cancel{false};
std::atomic<int> g_interrupts{0};

void on_sigint(int) {
  g_cancel.store(true);
  if (g_interrupts.fetch_add(1) >= 1) std::_Exit(130);  // a second Ctrl+C leaves at once
}

int usage(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-cli chat: %s\n"
               "usage: qwenvl-cli chat --model DIR [--device cpu|cuda] [--image FILE]... [--prompt TEXT]\n"
               "         [--greedy | --seed N --temperature T --top-p P --top-k K] [--repetition-penalty R]\n"
               "         [--max-new N] [--system TEXT] [--threads N] [--max-context N] [--low-memory]\n"
               "Without --prompt the chat is interactive: type a message; /image PATH attaches a picture to the next\n"
               "message, /reset starts over, /quit leaves. Ctrl+C stops a reply.\n",
               message.c_str());
  return 2;
}

// The sampling flags, each range-checked against the one limits table (qwenvl/sampling.h).
bool parse_sampling(const Args& args, SamplingParams& p, std::string& bad) {
  const SamplingLimits& l = sampling_limits();
  return args.get_number("seed", p.seed, bad) &&
         args.get_number("temperature", l.temperature.min, l.temperature.max, p.temperature, bad) &&
         args.get_number("top-p", l.top_p.min, l.top_p.max, p.top_p, bad) &&
         args.get_number("top-k", l.top_k.min, l.top_k.max, p.top_k, bad) &&
         args.get_number("repetition-penalty", l.repetition_penalty.min, l.repetition_penalty.max, p.repetition_penalty,
                         bad) &&
         args.get_number("max-new", l.max_new_tokens.min, l.max_new_tokens.max, p.max_new_tokens, bad);
}

// Prints the reply's boxes in pixels of the latest picture before the reply (the official
// drawer's choice).
void print_boxes(const std::string& reply, const PictureInfo* pic) {
  GroundingParse g = parse_grounding(reply, true);
  if (g.boxes.empty()) return;
  if (!pic) {
    std::printf("(%zu boxes, but no picture in the conversation to place them on)\n", g.boxes.size());
    return;
  }
  for (const GroundingBox& b : g.boxes) {
    std::string label = b.ref >= 0 ? g.refs[b.ref].phrase : std::string("(unlabelled)");
    std::printf("box %s on '%s' (%dx%d):", label.c_str(), pic->label.c_str(), pic->width, pic->height);
    for (const GroundingPoint& p : b.points)
      std::printf(" (%d,%d)", grounding_to_pixel(p.x, pic->width), grounding_to_pixel(p.y, pic->height));
    std::printf("\n");
  }
}

struct ChatState {
  ChatSession* session;
  SamplingParams params;
  std::vector<std::string> pending;  // labels of pictures for the next message
  std::optional<PictureId> latest_picture;
};

int run_turn(ChatState& st, const std::string& text) {
  std::vector<ContentItem> items;
  for (const auto& label : st.pending) items.push_back(ContentItem::image(label));
  if (!text.empty()) items.push_back(ContentItem::plain(text));
  st.pending.clear();
  g_cancel.store(false);
  g_interrupts.store(0);
  GenerationStats stats;
  auto reply = st.session->generate(
      format_query(items), st.params,
      [](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
      },
      &g_cancel, &stats);
  std::printf("\n");
  if (!reply) {
    std::fprintf(stderr, "error: %s\n", reply.message().c_str());
    return 1;
  }
  print_boxes(*reply, st.latest_picture ? st.session->picture(*st.latest_picture) : nullptr);
  std::fprintf(stderr, "[prompt %d tokens in %.2f s (%d pictures encoded in %.2f s); %d tokens at %.1f tokens/s%s]\n",
               stats.prompt_tokens, stats.prompt_seconds, stats.images_encoded, stats.vision_seconds,
               stats.generated_tokens, stats.tokens_per_second(),
               stats.stop_reason == StopReason::Cancelled ? ", stopped" : "");
  return 0;
}

Status add_image(ChatState& st, const std::string& path) {
  auto pic = load_picture(path);
  if (!pic) return pic.status();
  auto added = st.session->add_picture(std::make_shared<const Picture>(std::move(pic.value())));
  if (!added) return added.status();
  st.pending.push_back(added->label);
  st.latest_picture = added->id;
  return Status();
}

int run_chat(const std::vector<std::string>& argv) {
  Args args(argv, {"greedy", "low-memory"});
  if (!args.ok()) return usage(args.error());
  if (auto u = args.unknown({"model", "device", "image", "prompt", "greedy", "seed", "temperature", "top-p", "top-k",
                             "repetition-penalty", "max-new", "system", "threads", "max-context", "low-memory"});
      !u.empty())
    return usage("unknown option " + u.front());
  if (!args.get("model")) return usage("--model DIR is required");
  LoadOptions lo;
  lo.model_dir = *args.get("model");
  lo.low_memory = args.has("low-memory");  // CUDA: the vision tower streamed from host memory
  const std::string device = args.get("device").value_or("cpu");
  if (device == "cuda")
    lo.backend = BackendKind::Cuda;
  else if (device != "cpu")
    return usage("--device must be cpu or cuda");
  std::string bad;
  // Out-of-range values are usage errors, never truncated: 100000 threads would exhaust the
  // machine's process ids; a context past 65536 tokens is far beyond the model's trained 2048.
  if (!args.get_number("threads", 0, ThreadPool::max_threads(), lo.cpu_threads, bad) ||
      !args.get_number("max-context", 16, 65536, lo.max_context, bad))
    return usage(bad);
  // The sampling flags override the model's defaults, which are known only after loading; a
  // scratch parse first makes a bad value a usage error before the (slow) load.
  SamplingParams scratch;
  if (!parse_sampling(args, scratch, bad)) return usage(bad);

  std::fprintf(stderr, "loading %s on %s...\n", lo.model_dir.c_str(), device.c_str());
  auto model = Model::load(lo);
  if (!model) {
    std::fprintf(stderr, "qwenvl-cli chat: %s\n", model.message().c_str());
    return 1;
  }
  ChatSession session(**model);
  if (auto s = args.get("system")) session.set_system_prompt(*s);
  ChatState st{&session, (*model)->default_sampling(), {}, {}};
  SamplingParams& p = st.params;
  if (args.has("greedy")) p.do_sample = false;
  if (!parse_sampling(args, p, bad)) return usage(bad);
  if (Status v = validate_sampling(p); !v) return usage(v.message());
  for (const auto& path : args.get_all("image")) {
    Status s = add_image(st, path);
    if (!s) {
      std::fprintf(stderr, "qwenvl-cli chat: %s\n", s.message().c_str());
      return 1;
    }
  }
  std::signal(SIGINT, on_sigint);
  if (auto prompt = args.get("prompt")) return run_turn(st, *prompt);

  std::fprintf(stderr, "ready (%s). /image PATH, /reset, /quit\n", (*model)->info().device.c_str());
  std::string line;
  while (true) {
    std::fprintf(stderr, "> ");
    if (!std::getline(std::cin, line)) break;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      session.clear();
      st.pending.clear();
      st.latest_picture.reset();
      std::fprintf(stderr, "(new conversation)\n");
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      Status s = add_image(st, line.substr(7));
      std::fprintf(stderr, "%s\n", s ? "(picture attached to your next message)" : ("error: " + s.message()).c_str());
      continue;
    }
    if (line.empty() && st.pending.empty()) continue;
    run_turn(st, line);  // errors are reported; the session stays usable
  }
  return 0;
}

}  // namespace

QWENVL_COMMAND(chat, "chat", "chat with the model from the command line (one turn or interactive)", run_chat);

}  // namespace qwenvl::cli
