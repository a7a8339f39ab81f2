// Several conversations on one loaded Model, used in turn from one thread, must each give what
// a Model of its own gives, and must keep their KV-cache prefix across switches. Shared by the
// CPU parity test (tests/parity/tst_shared_model.cpp) and the GPU test (tests/gpu); no Qt here.
#pragma once

#include <string>

#include "qwenvl/engine.h"

namespace qwenvl::test {

// Loads the tiny checkpoint on `backend` three times (one shared, one per conversation), runs two
// conversations (different pictures, system prompts and histories; several turns each) on the
// shared model alternately, switching at every turn, with a third short-lived conversation in
// between, and each on its own model. Fails at the first difference in reply, streamed text,
// token counts or stop reason, or when a turn after the first re-computes its cached prefix or
// re-encodes a picture. `log` gets one line per turn.
Status check_shared_model_sessions(BackendKind backend, std::string* log);

}  // namespace qwenvl::test
