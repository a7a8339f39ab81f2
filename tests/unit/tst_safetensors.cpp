// The safetensors and model-folder readers refuse malformed input with a message naming the
// file and the tensor: truncated headers and data, offsets past the end, overlaps, unknown
// dtypes, shapes that disagree with config.json, missing shards.
#include <QtTest>

#include <sys/stat.h>

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
    nlohmann::json h = {
        {"__metadata__", {{"format", "pt"}}}, {"a", entry("F16", {2, 3}, 0, 12)}, {"b", entry("I32", {4}, 12, 28)}};
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

  void elementBytesThatWrapAreRefused() {
    // 2^62 F32 elements are 2^64 bytes, which wrap to 0 and would match data_offsets [0, 0].
    nlohmann::json h = {{"huge", {{"dtype", "F32"}, {"shape", {int64_t{1} << 62}}, {"data_offsets", {0, 0}}}}};
    const std::string e = open_error(header_file(h, 0));
    QVERIFY2(!e.empty(), "a tensor of 2^64 bytes in 0 bytes of data was accepted");
    QVERIFY2(e.find("huge") != std::string::npos, e.c_str());
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

  // Issue 9, item 9: a 100 MiB header of small JSON nodes cost 2.7 GB as a parse tree before it
  // was refused. A header just over the cap (5 MiB of one-byte arrays) must be refused from its
  // length alone, before parsing: the message is the cap's, not a complaint about the content.
  void oversizedHeaderIsRefusedBeforeParsing() {
    std::string nodes = "{\"a\":[";
    while (nodes.size() < (5u << 20)) nodes += "[],";
    nodes += "[]]}";
    while (nodes.size() % 8) nodes.push_back(' ');
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((uint64_t(nodes.size()) >> (8 * i)) & 0xff);
    std::string e = open_error(bytes + nodes);
    QVERIFY2(e.find("over the limit") != std::string::npos, e.c_str());
    QVERIFY2(e.find("t.safetensors") != std::string::npos, e.c_str());
    // A header that is well inside the cap is still parsed (and here refused for its content).
    e = open_error(header_file({{"a", "not an entry"}}, 0));
    QVERIFY2(e.find("not an object") != std::string::npos, e.c_str());
  }

  // Issue 9, item 5: std::filesystem::exists threw out of Model::load for an index naming a
  // shard longer than the file system allows; the folder must give an error value instead.
  void overlongShardNameIsAnError() {
    const std::string d = dir_ + "/longshard";
    fs::create_directories(d);
    const std::string shard(300, 'x');
    std::ofstream(d + "/model.safetensors.index.json") << nlohmann::json{{"weight_map", {{"a", shard}}}}.dump();
    auto r = SafetensorsArchive::open_dir(d);
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("too long") != std::string::npos, r.message().c_str());
    QVERIFY2(r.message().find("model.safetensors.index.json") != std::string::npos, r.message().c_str());
  }

  void symlinkLoopIsAnError() {
    const std::string d = dir_ + "/loop";
    fs::create_directories(d);
    fs::create_symlink("model.safetensors.index.json", d + "/model.safetensors.index.json");
    auto r = SafetensorsArchive::open_dir(d);
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("symbolic links") != std::string::npos, r.message().c_str());
  }

  // A FIFO in place of a shard or an index would block open() forever; it is refused at once.
  void fifoIsRefusedWithoutBlocking() {
    const std::string d = dir_ + "/fifo";
    fs::create_directories(d);
    QCOMPARE(::mkfifo((d + "/model.safetensors").c_str(), 0600), 0);
    auto r = SafetensorsArchive::open_dir(d);
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("not a regular file") != std::string::npos, r.message().c_str());
    fs::remove(d + "/model.safetensors");
    QCOMPARE(::mkfifo((d + "/model.safetensors.index.json").c_str(), 0600), 0);
    r = SafetensorsArchive::open_dir(d);
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("not a regular file") != std::string::npos, r.message().c_str());
  }

  void missingFolderAndWeights() {
    auto r = load_model_weights(dir_ + "/does-not-exist");
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("not found") != std::string::npos, r.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
