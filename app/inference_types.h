// Values that cross from the GUI thread to the inference worker's thread in queued signals.
// Each is copied into the event; pictures are shared read-only, cancel flags are shared atomics
// that the GUI sets directly (a queued "stop" would wait behind the running generation).
#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>
#include <atomic>
#include <memory>

#include "app/conversation.h"
#include "qwenvl/engine.h"

namespace qwenvl::app {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;
inline CancelFlag makeCancelFlag() { return std::make_shared<std::atomic<bool>>(false); }

// "Load this model": the engine's own LoadOptions (its on_progress is left empty; the worker
// reports progress and polls `cancel` through it), with the request's id.
struct LoadSpec {
  quint64 id = 0;
  LoadOptions options;
  CancelFlag cancel;
};

struct SessionPicture {
  int id = 0;     // the app's picture id (Conversation)
  QString label;  // the label it was saved with (empty for a new picture: the engine picks one)
  std::shared_ptr<const Picture> picture;
};

struct SessionTurn {
  QString query;
  QString response;
};

// Everything a fresh session needs: after a model loads, or when a conversation is opened.
struct SessionSnapshot {
  QString systemPrompt;
  QVector<SessionPicture> pictures;
  QVector<SessionTurn> history;
};

struct GenerateRequest {
  quint64 id = 0;
  bool regenerate = false;  // take back the last exchange and answer its question again
  QVector<int> pictureIds;  // pictures new in this question (ignored when regenerating)
  QString text;             // the user's text (ignored when regenerating)
  SamplingParams sampling;
  CancelFlag cancel;
};

}  // namespace qwenvl::app

Q_DECLARE_METATYPE(qwenvl::app::LoadSpec)
Q_DECLARE_METATYPE(qwenvl::app::SessionPicture)
Q_DECLARE_METATYPE(qwenvl::app::SessionSnapshot)
Q_DECLARE_METATYPE(qwenvl::app::GenerateRequest)
Q_DECLARE_METATYPE(qwenvl::app::ReplyStats)
