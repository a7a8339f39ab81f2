// safetensors files, single or sharded (model.safetensors.index.json), memory-mapped. Every
// header is checked: JSON well-formed, dtype known, shape matching the byte range, ranges inside
// the file, sorted without overlap or gaps. Tensors are views into the mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qwenvl/status.h"
#include "util/mapped_file.h"

namespace qwenvl {

enum class DType { F16, BF16, F32, I32, U8, I8, I64, F64, I16, U16, U32, U64, BOOL };
const char* dtype_name(DType t);
size_t dtype_size(DType t);

struct TensorView {
  std::string name;
  std::string file;  // the shard's file name, for messages
  DType dtype = DType::F16;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  int64_t numel() const;
  std::string shape_string() const;  // "[512, 12288]"
  template <class T>
  const T* as() const {
    return reinterpret_cast<const T*>(data);
  }
};

class SafetensorsArchive {
 public:
  // DIR/model.safetensors.index.json if present (every shard it names must exist and hold
  // exactly the tensors the index assigns to it), else DIR/model.safetensors.
  static Result<std::unique_ptr<SafetensorsArchive>> open_dir(const std::string& dir);
  // One file on its own.
  static Result<std::unique_ptr<SafetensorsArchive>> open_file(const std::string& path);

  const TensorView* find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  size_t total_bytes() const;
  // An error when a file was truncated or changed on disk since it was opened (see
  // MappedFile::check_unchanged): what was computed from the views since then is not to be trusted.
  Status check_unchanged() const;
  // Only the truncation part of check_unchanged (no system call): for every decode step.
  Status check_intact() const;

 private:
  static Result<std::unique_ptr<SafetensorsArchive>> open_dir_unchecked(const std::string& dir);
  Status add_file(const std::string& path, const std::string& display_name);
  std::vector<std::shared_ptr<MappedFile>> files_;
  std::map<std::string, TensorView> tensors_;
};

}  // namespace qwenvl
