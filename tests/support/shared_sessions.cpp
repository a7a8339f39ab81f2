// check_shared_model_sessions: two scripted conversations, alternating on one Model, compared
// turn by turn with the same conversations on Models of their own.
#include "support/shared_sessions.h"

#include <memory>
#include <vector>

#include "support/test_env.h"

namespace qwenvl::test {

namespace {

struct Script {
  std::string system;
  std::vector<std::pair<std::string, std::string>> pictures;  // fixture path, label
  std::vector<Turn> history;
  std::vector<std::string> queries;
};

std::vector<Script> scripts() {
  Script a;
  a.system = ChatSession::kDefaultSystemPrompt;
  a.pictures = {{"images/astronaut.png", "astronaut.png"}};
  a.queries = {"Picture 1:<img>astronaut.png</img>\nWhat is this?", "Where is it?", "Tell me more about the suit."};
  Script b;
  b.system = "You are a terse assistant.";
  b.pictures = {{"images/coffee.png", "coffee.png"}, {"images/chelsea.png", "cat.png"}};
  b.history = {
      {"Picture 1:<img>coffee.png</img>\nWhat is in the cup?", "<ref>coffee</ref><box>(100,200),(300,400)</box>"}};
  b.queries = {"Picture 2:<img>cat.png</img>\n比较这两张图片。", "框出图中的猫", "Which one is larger?"};
  return {a, b};
}

Result<std::unique_ptr<Model>> load(BackendKind backend) {
  LoadOptions o;
  o.model_dir = checkpoint_dir("tiny");
  o.backend = backend;
  o.max_context = 4096;
  return Model::load(o);
}

Result<std::unique_ptr<ChatSession>> start(Model& model, const Script& s) {
  auto session = std::make_unique<ChatSession>(model);
  session->set_system_prompt(s.system);
  for (const auto& [path, label] : s.pictures) {
    auto pic = load_picture(fixture(path));
    if (!pic) return pic.status();
    auto added = session->add_picture(std::make_shared<const Picture>(std::move(pic.value())), label);
    if (!added) return added.status();
    if (added->label != label) return Status::error("picture label " + added->label + ", expected " + label);
  }
  session->set_history(s.history);
  return session;
}

struct Outcome {
  std::string reply, streamed;
  GenerationStats stats;
};

Result<Outcome> turn(ChatSession& s, const std::string& query) {
  SamplingParams p;
  p.do_sample = false;
  p.max_new_tokens = 10;
  Outcome o;
  auto r = s.generate(
      query, p, [&](std::string_view piece) { o.streamed += piece; }, nullptr, &o.stats);
  if (!r) return r.status();
  o.reply = *r;
  return o;
}

Status same(const std::string& what, const Outcome& shared, const Outcome& own) {
  auto differ = [&](const std::string& field) {
    return Status::error(what + ": " + field + " differs between the shared model and a model of its own");
  };
  if (shared.reply != own.reply) return differ("the reply ('" + shared.reply + "' vs '" + own.reply + "')");
  if (shared.streamed != own.streamed) return differ("the streamed text");
  if (shared.stats.generated_tokens != own.stats.generated_tokens) return differ("the number of generated tokens");
  if (shared.stats.stop_reason != own.stats.stop_reason) return differ("the stop reason");
  if (shared.stats.prompt_tokens != own.stats.prompt_tokens) return differ("the prompt length");
  if (shared.stats.cached_tokens != own.stats.cached_tokens) return differ("the reused prefix");
  return Status();
}

}  // namespace

Status check_shared_model_sessions(BackendKind backend, std::string* log) {
  auto shared = load(backend);
  if (!shared) return shared.status();
  const std::vector<Script> plan = scripts();
  std::vector<std::unique_ptr<Model>> own_models;
  std::vector<std::unique_ptr<ChatSession>> on_shared, on_own;
  for (const Script& s : plan) {
    auto m = load(backend);
    if (!m) return m.status();
    own_models.push_back(std::move(m.value()));
    auto a = start(**shared, s);
    if (!a) return a.status();
    on_shared.push_back(std::move(a.value()));
    auto b = start(*own_models.back(), s);
    if (!b) return b.status();
    on_own.push_back(std::move(b.value()));
  }
  for (size_t t = 0; t < plan[0].queries.size(); ++t) {
    for (size_t k = 0; k < plan.size(); ++k) {
      const std::string what = "conversation " + std::to_string(k + 1) + ", turn " + std::to_string(t + 1);
      auto a = turn(*on_shared[k], plan[k].queries[t]);
      if (!a) return a.status().with_context(what + " (shared model): ");
      auto b = turn(*on_own[k], plan[k].queries[t]);
      if (!b) return b.status().with_context(what + " (own model): ");
      QWENVL_TRY(same(what, *a, *b));
      const GenerationStats& st = a->stats;
      if (log)
        *log += what + ": " + std::to_string(st.prompt_tokens) + " prompt tokens, " + std::to_string(st.cached_tokens) +
                " cached, " + std::to_string(st.images_encoded) + " pictures encoded, reply '" + a->reply + "'\n";
      if (t == 0 && st.images_encoded != static_cast<int>(plan[k].pictures.size()))
        return Status::error(what + ": " + std::to_string(st.images_encoded) + " pictures encoded, expected " +
                             std::to_string(plan[k].pictures.size()));
      if (t > 0 && (st.cached_tokens <= 0 || st.cached_tokens >= st.prompt_tokens || st.images_encoded != 0))
        return Status::error(what + ": after switching back, " + std::to_string(st.cached_tokens) + " of " +
                             std::to_string(st.prompt_tokens) + " prompt tokens were reused and " +
                             std::to_string(st.images_encoded) + " pictures encoded again");
    }
    if (t == 0) {
      // A short-lived conversation in between: its cache comes and goes between the others'.
      ChatSession passing(**shared);
      if (auto r = turn(passing, "Hello, who are you?"); !r) return r.status().with_context("passing conversation: ");
    }
  }
  return Status();
}

}  // namespace qwenvl::test
