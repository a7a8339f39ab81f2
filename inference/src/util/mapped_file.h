// A read-only memory-mapped file. Checkpoints are mapped, never read whole, so a 10 GB model
// costs page cache, not heap, and tensors are views into the mapping.
//
// A mapped file that shrinks while mapped (truncated, or rewritten in place by a download or a
// copy) would raise SIGBUS on the next read of a page past its new end and kill the process.
// Every mapping is therefore guarded: a SIGBUS inside it replaces the whole mapping with zero
// pages (reads go on, giving zeros) and marks the file damaged; check_unchanged() then reports
// it, and also any change of the file's size or modification time since it was opened (the
// file is kept open for that). Readers call check_unchanged() after using the data, so a result
// computed from a damaged or changed file is turned into an error, never a crash.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

#include "qwenvl/status.h"

namespace qwenvl {

class MappedFile {
 public:
  static Result<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // An error when the file was truncated under the mapping (a read hit the missing part): one
  // atomic load, cheap enough for every decode step.
  Status check_intact() const;
  // check_intact, and an error when the file's size or modification time differs from when it
  // was opened (an fstat: once per load or prompt, not per token).
  Status check_unchanged() const;

 private:
  MappedFile() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
  int slot_ = -1;  // the fault guard's slot, -1 for an empty file (nothing mapped)
  timespec mtime_{};
};

namespace mapped_file_detail {
// How many mappings the guard can watch at once (every shard of every loaded model).
constexpr int kGuardSlots = 1024;
}  // namespace mapped_file_detail

}  // namespace qwenvl
