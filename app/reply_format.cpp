// Reply statistics and state in words; see reply_format.h.
#include "app/reply_format.h"

#include <QLocale>

namespace qwenvl::app {

QString ReplyFormat::stats(const ReplyStats& s) {
  if (!s.valid) return {};
  const QLocale locale;
  const QString prompt =
      tr("Prompt: %n token(s), %1 s", nullptr, s.promptTokens).arg(locale.toString(s.promptSeconds, 'f', 2));
  const QString reply =
      tr("Reply: %n token(s), %1 tokens/s", nullptr, s.generatedTokens).arg(locale.toString(s.tokensPerSecond, 'f', 1));
  return prompt + QStringLiteral("  ·  ") + reply;
}

QString ReplyFormat::state(const Message& reply) {
  switch (reply.state) {
    case ReplyState::Streaming:
      return tr("Writing…");
    case ReplyState::Stopped:
      return tr("Stopped");
    case ReplyState::Failed:
      return tr("Failed: %1").arg(reply.error);
    case ReplyState::Done:
      if (reply.stats.contextFull) return tr("Stopped: the conversation is too long for the model");
      if (reply.stats.hitMaxTokens) return tr("Stopped at the length limit (Settings › Generation)");
      return {};
  }
  return {};
}

}  // namespace qwenvl::app
