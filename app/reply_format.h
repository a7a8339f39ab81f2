// Words and numbers shown about a reply: the statistics line under it ("Prompt: 312 tokens,
// 1.20 s · Reply: 48 tokens, 12.3 tokens/s") and its state. Shared by the chat view and the
// Markdown export, so both say the same thing in the interface language.
#pragma once

#include <QCoreApplication>
#include <QString>

#include "app/conversation.h"

namespace qwenvl::app {

class ReplyFormat {
  Q_DECLARE_TR_FUNCTIONS(ReplyFormat)

 public:
  static QString stats(const ReplyStats& stats);
  // "Stopped", "Reached the length limit", ...; empty for a normal finished reply.
  static QString state(const Message& reply);
};

}  // namespace qwenvl::app
