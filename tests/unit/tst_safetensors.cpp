// The safetensors and model-folder readers refuse malformed input with a message naming the
// file and the tensor: truncated headers and data, offsets past the end, overlaps, unknown
// dtypes, shapes that disagree with config.json, missing shards.
#include <QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/weights.h"
#include "support/test_env.h"

using namespace qwenvl;
namespace fs = std::filesystem;

namespace {

std::string header_file(const nlohmann::json& header, size_t data_bytes, size_t pad_to = 8) {
  std::string h = header.dump();
  while (h.size() % pad_to) h.push_back(' ');
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<char>(i * 7));
  return out;
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

nlohmann::json entry(const char* dtype, std::vector<int> shape, size_t b, size_t e) {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {b, e}}};
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
  std::string dir_;

  std::string path(const char* name) { return dir_ + "/" + name; }
  std::string open_error(const std::string& bytes) {
    write(path("t.safetensors"), bytes);
    auto r = SafetensorsArchive::open_file(path("t.safetensors"));
    return r ? std::string() : r.message();
  }

 private slots:
  void initTestCase() {
    dir_ = test::make_temp_dir("qwenvl-st");
    QVERIFY(!dir_.empty());
  }
  void cleanupTestCase() { fs::remove_all(dir_); }

  void validFileIsRead() {
    nlohmann::json h = {{"__metadata__", {{"format", "pt"}}},
                        {"a", entry("F16", {2, 3}, 0, 12)},
                        {"b", entry("I32", {4}, 12, 28)}};
    write(path("ok.safetensors"), header_file(h, 28));
    auto r = SafetensorsArchive::open_file(path("ok.safetensors"));
    QVERIFY2(r.ok(), r.message().c_str());
    const TensorView* a = (*r)->find("a");
    QVERIFY(a);
    QCOMPARE(a->shape, (std::vector<int64_t>{2, 3}));
    QCOMPARE(a->nbytes, size_t(12));
    QCOMPARE((*r)->find("b")->data - a->data, 12);
    QCOMPARE((*r)->total_bytes(), size_t(28));
  }

  void tooShortForLength() {
    std::string e = open_error("abc");
    QVERIFY2(e.find("truncated") != std::string::npos, e.c_str());
    QVERIFY2(e.find("t.safetensors") != std::string::npos, e.c_str());
  }

  void truncatedHeader() {
    nlohmann::json h = {{"a", entry("F16", {2}, 0, 4)}};
    std::string bytes = header_file(h, 4);
    std::string e = open_error(bytes.substr(0, 20));
    QVERIFY2(e.find("truncated") != std::string::npos, e.c_str());
  }

  void headerNotJson() {
    std::string bytes(8, '\0');
    bytes[0] = 8;
    bytes += "{nope!!}";
    std::string e = open_error(bytes);
    QVERIFY2(e.find("JSON") != std::string::npos, e.c_str());
  }

  void offsetsPastTheEnd() {
    nlohmann::json h = {{"a", entry("F16", {2, 3}, 0, 12)}, {"big", entry("F32", {100}, 12, 412)}};
    std::string e = open_error(header_file(h, 40));
    QVERIFY2(e.find("'big'") != std::string::npos, e.c_str());
    QVERIFY2(e.find("truncated") != std::string::npos, e.c_str());
  }

  void truncatedData() {
    nlohmann::json h = {{"a", entry("F32", {64}, 0, 256)}};
    std::string bytes = header_file(h, 256);
    std::string e = open_error(bytes.substr(0, bytes.size() - 10));
    QVERIFY2(e.find("'a'") != std::string::npos && e.find("truncated") != std::string::npos, e.c_str());
  }

  void unknownDtype() {
    nlohmann::json h = {{"w", entry("Q4_K", {4}, 0, 4)}};
    std::string e = open_error(header_file(h, 4));
    QVERIFY2(e.find("'w'") != std::string::npos && e.find("Q4_K") != std::string::npos, e.c_str());
  }

  void sizeDisagreesWithShape() {
    nlohmann::json h = {{"w", entry("F16", {3, 3}, 0, 16)}};
    std::string e = open_error(header_file(h, 16));
    QVERIFY2(e.find("'w'") != std::string::npos && e.find("[3, 3]") != std::string::npos, e.c_str());
  }

  void overlapAndGaps() {
    nlohmann::json h = {{"a", entry("F32", {4}, 0, 16)}, {"b", entry("F32", {4}, 8, 24)}};
    std::string e = open_error(header_file(h, 24));
    QVERIFY2(e.find("overlaps") != std::string::npos, e.c_str());
    nlohmann::json g = {{"a", entry("F32", {4}, 0, 16)}, {"b", entry("F32", {4}, 24, 40)}};
    e = open_error(header_file(g, 40));
    QVERIFY2(e.find("belong to no tensor") != std::string::npos, e.c_str());
  }

  void endBeforeBegin() {
    nlohmann::json h = {{"a", entry("F32", {0}, 8, 4)}};
    std::string e = open_error(header_file(h, 8));
    QVERIFY2(e.find("end before") != std::string::npos, e.c_str());
  }

  void missingFolderAndWeights() {
    auto r = load_model_weights(dir_ + "/does-not-exist");
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("not found") != std::string::npos, r.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
