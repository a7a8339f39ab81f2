// The reference grounding parser for tests: the engine's parser as it was before it streamed,
// a whole-reply scan written independently of GroundingStream's lexer and state machine.
#pragma once

#include <string_view>

#include "qwenvl/grounding.h"

namespace qwenvl_test {

qwenvl::GroundingParse reference_parse_grounding(std::string_view reply, bool finished);

}  // namespace qwenvl_test
