// safetensors reader: an 8-byte little-endian header length, a JSON header, then the data.
// Validation follows the reference library: known dtypes, byte ranges that match the shapes,
// lie inside the file, and tile the data section without overlap, gap or trailing bytes.
#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "util/file_io.h"

namespace qwenvl {

namespace {

struct DTypeInfo {
  const char* name;
  DType type;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {"F16", DType::F16, 2},   {"BF16", DType::BF16, 2}, {"F32", DType::F32, 4}, {"F64", DType::F64, 8},
    {"I8", DType::I8, 1},     {"U8", DType::U8, 1},     {"I16", DType::I16, 2}, {"U16", DType::U16, 2},
    {"I32", DType::I32, 4},   {"U32", DType::U32, 4},   {"I64", DType::I64, 8}, {"U64", DType::U64, 8},
    {"BOOL", DType::BOOL, 1},
};

// The reference library allows 100 MB, but a header of small JSON nodes costs many times its
// size as a parsed tree (2.7 GB for 100 MB). Qwen-VL's 1461 tensors need at most 179 KB of
// header even in a single file (every name at full length, 10-digit offsets), so 4 MiB leaves
// room for any re-export while bounding the parse (68 MB measured for 4 MiB of empty arrays).
constexpr uint64_t kMaxHeaderBytes = 4ull << 20;
// model.safetensors.index.json lists the same 1461 names with a shard name each (about 120 KB).
constexpr size_t kMaxIndexBytes = 4u << 20;

}  // namespace

const char* dtype_name(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.name;
  return "?";
}

size_t dtype_size(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.size;
  return 0;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

size_t SafetensorsArchive::total_bytes() const {
  size_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.nbytes;
  return n;
}

Status SafetensorsArchive::check_unchanged() const {
  for (const auto& f : files_) QWENVL_TRY(f->check_unchanged());
  return Status();
}

Status SafetensorsArchive::check_intact() const {
  for (const auto& f : files_) QWENVL_TRY(f->check_intact());
  return Status();
}

const TensorView* SafetensorsArchive::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Status SafetensorsArchive::add_file(const std::string& path, const std::string& display_name) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  const auto& file = *mapped;
  const std::string& where = path;
  if (file->size() < 8)
    return Status::error(where + ": truncated: " + std::to_string(file->size()) + " bytes, not even a header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file->data()[i];
  if (header_len > kMaxHeaderBytes)
    return Status::error(where + ": header length " + std::to_string(header_len) + " bytes is over the limit of " +
                         std::to_string(kMaxHeaderBytes) +
                         " (a Qwen-VL header needs under 200 KB; corrupt or hostile file?)");
  if (header_len > file->size() - 8)
    return Status::error(where + ": truncated: the header says " + std::to_string(header_len) +
                         " bytes but the file has only " + std::to_string(file->size() - 8) + " after the length");
  const char* hdr = reinterpret_cast<const char*>(file->data() + 8);
  nlohmann::json j = nlohmann::json::parse(hdr, hdr + header_len, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::error(where + ": the header is not a valid JSON object");

  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file->size() - data_start;
  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") continue;
    const auto& e = it.value();
    const std::string at = where + ": tensor '" + name + "'";
    if (!e.is_object()) return Status::error(at + ": entry is not an object");
    auto dt = e.find("dtype");
    auto sh = e.find("shape");
    auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string()) return Status::error(at + ": missing dtype");
    if (sh == e.end() || !sh->is_array()) return Status::error(at + ": missing shape");
    if (off == e.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
      return Status::error(at + ": data_offsets must be two non-negative integers");
    TensorView t;
    t.name = name;
    t.file = display_name;
    std::string dts = dt->get<std::string>();
    const DTypeInfo* info = nullptr;
    for (const auto& d : kDTypes)
      if (dts == d.name) info = &d;
    if (!info) return Status::error(at + ": unknown dtype \"" + dts + "\"");
    t.dtype = info->type;
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) return Status::error(at + ": shape entries must be non-negative integers");
      uint64_t v = d.get<uint64_t>();
      if (v != 0 && numel > (UINT64_C(1) << 62) / v) return Status::error(at + ": shape is too large");
      numel *= v;
      t.shape.push_back(static_cast<int64_t>(v));
    }
    // numel x element size can pass 2^64 (2^62 elements of F32 wrap to 0 bytes, which empty
    // data_offsets would match): compare without multiplying. Nothing may need more bytes than
    // the file's data section holds.
    if (numel > data_size / info->size)
      return Status::error(at + ": shape " + t.shape_string() + " of " + dts + " needs more than the " +
                           std::to_string(data_size) + " bytes of data the file holds (truncated file?)");
    uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    if (en < b) return Status::error(at + ": data_offsets end before they begin");
    if (en > data_size)
      return Status::error(at + ": data ends at byte " + std::to_string(en) + " but the file holds only " +
                           std::to_string(data_size) + " bytes of data (truncated file?)");
    if (en - b != numel * info->size)
      return Status::error(at + ": " + std::to_string(en - b) + " bytes do not match shape " + t.shape_string() +
                           " of " + dts + " (" + std::to_string(numel * info->size) + " bytes)");
    if ((data_start + b) % info->size != 0) return Status::error(at + ": data is not aligned to its element size");
    t.data = file->data() + data_start + b;
    t.nbytes = static_cast<size_t>(en - b);
    if (tensors_.count(name)) return Status::error(at + ": the tensor appears in more than one file");
    ranges.push_back({b, en, name});
    tensors_.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  uint64_t expect = 0;
  for (const auto& r : ranges) {
    if (r.begin < expect) return Status::error(where + ": tensor '" + r.name + "' overlaps the tensor before it");
    if (r.begin > expect && r.end > r.begin)
      return Status::error(where + ": " + std::to_string(r.begin - expect) + " bytes before tensor '" + r.name +
                           "' belong to no tensor");
    expect = std::max(expect, r.end);
  }
  if (expect != data_size)
    return Status::error(where + ": " + std::to_string(data_size - expect) +
                         " bytes after the last tensor belong to no tensor");
  files_.push_back(file);
  return Status();
}

namespace {

// The "no call throws" boundary of both entry points: the JSON parser and the containers can
// throw std::bad_alloc on a hostile header even with parse exceptions off.
template <class F>
Result<std::unique_ptr<SafetensorsArchive>> without_exceptions(const std::string& what, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Result<std::unique_ptr<SafetensorsArchive>>::error(what +
                                                              ": not enough memory to read the safetensors headers");
  } catch (const std::exception& e) {
    return Result<std::unique_ptr<SafetensorsArchive>>::error(what +
                                                              ": cannot read the safetensors files: " + e.what());
  }
}

}  // namespace

Result<std::unique_ptr<SafetensorsArchive>> SafetensorsArchive::open_file(const std::string& path) {
  return without_exceptions(path, [&]() -> Result<std::unique_ptr<SafetensorsArchive>> {
    std::unique_ptr<SafetensorsArchive> a(new SafetensorsArchive());
    Status s = a->add_file(path, std::filesystem::path(path).filename().string());
    if (!s) return s;
    return a;
  });
}

Result<std::unique_ptr<SafetensorsArchive>> SafetensorsArchive::open_dir(const std::string& dir) {
  return without_exceptions(dir, [&] { return open_dir_unchecked(dir); });
}

Result<std::unique_ptr<SafetensorsArchive>> SafetensorsArchive::open_dir_unchecked(const std::string& dir) {
  namespace fs = std::filesystem;
  using R = Result<std::unique_ptr<SafetensorsArchive>>;
  const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
  auto has_index = path_exists(index_path.string());
  if (!has_index) return has_index.status();
  if (!*has_index) {
    const fs::path single = fs::path(dir) / "model.safetensors";
    auto has_single = path_exists(single.string());
    if (!has_single) return has_single.status();
    if (!*has_single)
      return R::error(dir +
                      ": neither model.safetensors nor model.safetensors.index.json found (is the download complete? "
                      "the weights are Git LFS files)");
    return open_file(single.string());
  }
  auto text = read_file_limited(index_path.string(), kMaxIndexBytes);
  if (!text) return text.status();
  const std::string ip = index_path.string();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return R::error(ip + ": not valid JSON");
  auto wm = j.find("weight_map");
  if (wm == j.end() || !wm->is_object() || wm->empty()) return R::error(ip + ": missing weight_map");
  std::map<std::string, std::set<std::string>> by_file;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it.value().is_string()) return R::error(ip + ": weight_map entry for '" + it.key() + "' is not a file name");
    std::string f = it.value().get<std::string>();
    if (f.empty() || f.find('/') != std::string::npos || f.find('\\') != std::string::npos ||
        f.find('\0') != std::string::npos || f == "." || f == "..")
      return R::error(ip + ": weight_map names an invalid shard file \"" + f + "\"");
    by_file[f].insert(it.key());
  }
  std::unique_ptr<SafetensorsArchive> a(new SafetensorsArchive());
  for (const auto& [f, names] : by_file) {
    const fs::path shard = fs::path(dir) / f;
    // path_exists, not fs::exists: a name over the file system's 255-byte limit (or a symlink
    // loop) makes the throwing overload throw out of Model::load.
    auto found = path_exists(shard.string());
    if (!found) return R::error(found.message() + " (a shard named in model.safetensors.index.json)");
    if (!*found) return R::error(shard.string() + ": shard listed in model.safetensors.index.json is missing");
    size_t before = a->tensors_.size();
    Status s = a->add_file(shard.string(), f);
    if (!s) return s;
    // The shard must hold exactly what the index assigns to it.
    for (auto it = a->tensors_.begin(); it != a->tensors_.end(); ++it) {
      if (it->second.file != f) continue;
      if (!names.count(it->first))
        return R::error(shard.string() + ": holds tensor '" + it->first +
                        "' that the index assigns elsewhere or not at all");
    }
    if (a->tensors_.size() - before != names.size()) {
      for (const auto& n : names)
        if (!a->find(n))
          return R::error(shard.string() + ": tensor '" + n + "' listed in the index is not in the file");
    }
  }
  if (auto md = j.find("metadata"); md != j.end() && md->is_object()) {
    if (auto ts = md->find("total_size"); ts != md->end() && ts->is_number_unsigned()) {
      if (ts->get<uint64_t>() != a->total_bytes())
        return R::error(ip + ": total_size " + std::to_string(ts->get<uint64_t>()) + " does not match the " +
                        std::to_string(a->total_bytes()) + " bytes of tensors in the shards");
    }
  }
  return a;
}

}  // namespace qwenvl
