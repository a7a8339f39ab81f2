// Whole-file reads and atomic writes (temp file + rename) for the engine and its tools.
#pragma once

#include <string>
#include <string_view>

#include "qwenvl/status.h"

namespace qwenvl {

Result<std::string> read_file(const std::string& path);
// For files a model folder or a user supplies: refuses anything but a regular file (a FIFO
// would block, /dev/zero never ends) and files over `max_bytes`, before reading them.
Result<std::string> read_file_limited(const std::string& path, size_t max_bytes);
// Whether `path` exists, without throwing: a name too long for the file system or a symlink
// loop is an error naming the path ("File name too long"), not an exception.
Result<bool> path_exists(const std::string& path);
// Writes to PATH.tmp-XXXXXX in the same folder, then renames over `path`.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace qwenvl
