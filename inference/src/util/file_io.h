// Whole-file reads and atomic writes (temp file + rename) for the engine and its tools.
#pragma once

#include <string>
#include <string_view>

#include "qwenvl/status.h"

namespace qwenvl {

Result<std::string> read_file(const std::string& path);
// Writes to PATH.tmp-XXXXXX in the same folder, then renames over `path`.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace qwenvl
