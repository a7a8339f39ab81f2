// make_context / build_context (chat/template.h): the ChatML context of the official
// make_context, token for token. Roles and contents are encoded separately, so no BPE merge
// crosses "role\n" into the content.
#include "chat/template.h"

#include "tokenizer/tokenizer.h"  // token_id only: the encoder is passed in

namespace qwenvl {

namespace {

constexpr const char* kImStart = "<|im_start|>";
constexpr const char* kImEnd = "<|im_end|>";

struct Encoded {
  std::string text;          // "role\ncontent"
  std::vector<int32_t> ids;  // [im_start] enc(role) [\n] enc(content) [im_end]
};

class MessageEncoder {
 public:
  explicit MessageEncoder(const ContentEncoder& encode) : encode_(encode) {}

  Status init() {
    for (auto [name, out] : {std::pair{"system", &system_}, {"user", &user_}, {"assistant", &assistant_}}) {
      Result<std::vector<int32_t>> r = encode_(name);
      if (!r.ok()) return Status::error(std::string("encoding the role name '") + name + "': " + r.message());
      *out = std::move(r.value());
    }
    return Status();
  }

  const std::vector<int32_t>& assistant_role() const { return assistant_; }

  // `what` names the message in an error ("history turn 2 of 5, user message").
  Result<Encoded> message(std::string_view role, std::string_view content, const std::string& what) const {
    Result<std::vector<int32_t>> body = encode_(content);
    if (!body.ok()) return Result<Encoded>::error(what + ": " + body.message());
    const std::vector<int32_t>& role_ids = role == "system" ? system_ : role == "user" ? user_ : assistant_;
    Encoded e;
    e.text = std::string(role) + "\n" + std::string(content);
    e.ids.reserve(role_ids.size() + body->size() + 3);
    e.ids.push_back(token_id::im_start);
    e.ids.insert(e.ids.end(), role_ids.begin(), role_ids.end());
    e.ids.push_back(token_id::newline);
    e.ids.insert(e.ids.end(), body->begin(), body->end());
    e.ids.push_back(token_id::im_end);
    return e;
  }

 private:
  const ContentEncoder& encode_;
  std::vector<int32_t> system_, user_, assistant_;
};

}  // namespace

std::vector<HistoryTurn> history_from_turns(const std::vector<Turn>& turns) {
  std::vector<HistoryTurn> out;
  out.reserve(turns.size());
  for (const Turn& t : turns) out.push_back({t.query, t.response});
  return out;
}

Result<ChatContext> build_context(const ContentEncoder& encode, std::string_view query,
                                  const std::vector<HistoryTurn>& history, const ContextOptions& options) {
  if (!encode) return Result<ChatContext>::error("building the chat context: no encoder given");
  MessageEncoder enc(encode);
  QWENVL_TRY(enc.init());

  Result<Encoded> system = enc.message("system", options.system, "the system prompt");
  if (!system.ok()) return system.status();

  // Turns are prepended newest first, as the official loop does; collected back to front here.
  std::vector<std::vector<int32_t>> kept_ids;  // newest first
  std::vector<std::string> kept_text;          // newest first
  size_t kept_len = 0;
  size_t first_kept = history.size();
  const std::string of = std::string(" of ") + std::to_string(history.size());
  for (size_t i = history.size(); i-- > 0;) {
    const HistoryTurn& turn = history[i];
    std::string where = "history turn ";
    where += std::to_string(i + 1);
    where += of;
    Result<Encoded> q = enc.message("user", turn.query, where + ", user message");
    if (!q.ok()) return q.status();
    std::vector<int32_t> ids;
    std::string text;
    ids.push_back(token_id::newline);
    ids.insert(ids.end(), q->ids.begin(), q->ids.end());
    ids.push_back(token_id::newline);
    text.append("\n").append(kImStart).append(q->text).append(kImEnd);
    if (turn.response) {
      Result<Encoded> r = enc.message("assistant", *turn.response, where + ", assistant reply");
      if (!r.ok()) return r.status();
      ids.insert(ids.end(), r->ids.begin(), r->ids.end());
      text.append("\n").append(kImStart).append(r->text).append(kImEnd);
    } else {
      text += "\n";
    }
    // The official test is a strict "<" with sizes as Python ints; no overflow concern at the
    // sizes a process can hold, but compare in size_t and keep a negative window as "nothing fits".
    const size_t size = system->ids.size() + ids.size() + kept_len;
    if (options.max_window_size <= 0 || size >= static_cast<size_t>(options.max_window_size)) break;
    kept_len += ids.size();
    kept_ids.push_back(std::move(ids));
    kept_text.push_back(std::move(text));
    first_kept = i;
  }

  Result<Encoded> current = enc.message("user", query, "the query");
  if (!current.ok()) return current.status();

  ChatContext ctx;
  ctx.history_size = history.size();
  ctx.first_kept_turn = first_kept;
  ctx.ids.reserve(system->ids.size() + kept_len + current->ids.size() + enc.assistant_role().size() + 4);
  ctx.ids = system->ids;
  ctx.raw_text = std::string(kImStart) + system->text + kImEnd;
  for (size_t k = kept_ids.size(); k-- > 0;) {
    ctx.ids.insert(ctx.ids.end(), kept_ids[k].begin(), kept_ids[k].end());
    ctx.raw_text += kept_text[k];
  }
  ctx.ids.push_back(token_id::newline);
  ctx.ids.insert(ctx.ids.end(), current->ids.begin(), current->ids.end());
  ctx.ids.push_back(token_id::newline);
  ctx.ids.push_back(token_id::im_start);
  ctx.ids.insert(ctx.ids.end(), enc.assistant_role().begin(), enc.assistant_role().end());
  ctx.ids.push_back(token_id::newline);
  ctx.raw_text.append("\n").append(kImStart).append(current->text).append(kImEnd);
  ctx.raw_text.append("\n").append(kImStart).append("assistant\n");
  return ctx;
}

}  // namespace qwenvl
