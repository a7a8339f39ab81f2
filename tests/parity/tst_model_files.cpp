// The model-folder reader on checkpoints written during the run by make_checkpoint.py: tensors
// bound with the right shapes, GPTQ dequantised to the spec formula (checked against an
// independent numpy oracle), and bad folders refused with a message naming file and tensor.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "model/weights.h"
#include "support/compare.h"
#include "support/test_env.h"
#include "util/file_io.h"

using namespace qwenvl;
namespace fs = std::filesystem;

namespace {

// A copy of a checkpoint folder made of symlinks, so single files can be replaced cheaply.
std::string link_copy(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) fs::create_symlink(fs::absolute(e.path()), fs::path(to) / e.path().filename());
  return to;
}

void replace_json(const std::string& dir, const std::string& file, const std::function<void(nlohmann::json&)>& edit) {
  auto text = read_file(dir + "/" + file);
  nlohmann::json j = nlohmann::json::parse(*text);
  edit(j);
  fs::remove(dir + "/" + file);
  std::ofstream(dir + "/" + file) << j.dump(2);
}

std::string python() {
  const char* p = std::getenv("QWENVL_PYTHON");
  return p && *p ? p : QWENVL_TEST_PYTHON_BIN;
}

}  // namespace

class TestModelFiles : public QObject {
  Q_OBJECT
  std::string tmp_;

  void check_dequant(const std::string& dir, const std::string& prefix, bool expect_asym) {
    auto w = load_model_weights(dir);
    QVERIFY2(w.ok(), w.message().c_str());
    const GptqLinear* l = nullptr;
    for (const auto& layer : (*w)->layers)
      for (const GptqLinear* c : {&layer.c_attn, &layer.c_proj, &layer.w1, &layer.w2, &layer.mlp_c_proj})
        if (c->qweight->name == prefix + ".qweight") l = c;
    QVERIFY2(l, prefix.c_str());
    std::string out = tmp_ + "/oracle.f32";
    std::string st = dir + "/" + l->qweight->file;
    auto r = test::run_command({python(), QWENVL_TEST_ORACLE, st, prefix, out});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    auto expect = test::read_f32_file(out);
    QVERIFY(expect.ok());
    const int N = l->out_features, K = l->in_features;
    QCOMPARE(expect->size(), size_t(N) * K);
    std::vector<float> got(size_t(N) * K);
    l->dequantize_rows(0, N, got.data());
    for (size_t i = 0; i < got.size(); ++i)
      if (got[i] != (*expect)[i]) QFAIL(qPrintable(QString("dequantize_rows differs at %1: %2 vs %3").arg(i).arg(got[i]).arg((*expect)[i])));
    // The element accessor agrees, and zero points are what the checkpoint kind implies.
    bool saw_non8 = false;
    for (int n = 0; n < N; n += 7)
      for (int k = 0; k < K; k += 13) {
        QCOMPARE(l->weight(n, k), (*expect)[size_t(n) * K + k]);
        saw_non8 |= l->zero(k / l->group_size, n) != 8;
      }
    QCOMPARE(saw_non8, expect_asym);
  }

 private slots:
  void initTestCase() { tmp_ = test::make_temp_dir("qwenvl-mf"); }
  void cleanupTestCase() { fs::remove_all(tmp_); }

  void tinyLoads() {
    auto w = load_model_weights(test::checkpoint_dir("tiny"));
    QVERIFY2(w.ok(), w.message().c_str());
    const ModelConfig& c = (*w)->config;
    QCOMPARE(c.hidden_size, 128);
    QCOMPARE(c.ffn_size, 256);
    QCOMPARE(c.visual.mlp_width, 128);
    QCOMPARE(int((*w)->layers.size()), c.num_layers);
    QCOMPARE(int((*w)->visual.layers.size()), c.visual.layers);
    QCOMPARE((*w)->layers[0].c_attn.out_features, 3 * c.hidden_size);
    QCOMPARE(c.generation.top_p, 0.5);
    QCOMPARE(c.generation.max_window_size, 6144);
  }

  void shardedLoads() {
    std::string dir = test::checkpoint_dir("tiny_sharded");
    QVERIFY(fs::exists(dir + "/model.safetensors.index.json"));
    auto w = load_model_weights(dir);
    QVERIFY2(w.ok(), w.message().c_str());
    QCOMPARE(int((*w)->layers.size()), 3);
    std::set<std::string> files;
    for (const auto& [name, t] : (*w)->archive->tensors()) files.insert(t.file);
    QCOMPARE(int(files.size()), 3);
  }

  void dequantSymmetric() { check_dequant(test::checkpoint_dir("tiny"), "transformer.h.1.mlp.c_proj", false); }
  void dequantAsymmetric() { check_dequant(test::checkpoint_dir("tiny_asym"), "transformer.h.0.attn.c_attn", true); }
  void dequantSharded() { check_dequant(test::checkpoint_dir("tiny_sharded"), "transformer.h.2.mlp.w2", false); }

  void shapeAgainstConfig() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/shape");
    replace_json(d, "config.json", [](nlohmann::json& j) { j["intermediate_size"] = 384; });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("transformer.h.0.mlp.w1") != std::string::npos, w.message().c_str());
    QVERIFY2(w.message().find("model.safetensors") != std::string::npos, w.message().c_str());
  }

  void refusesOtherBitsAndActOrder() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/bits");
    replace_json(d, "quantize_config.json", [](nlohmann::json& j) { j["bits"] = 8; });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("bits") != std::string::npos, w.message().c_str());
    std::string d2 = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/actorder");
    replace_json(d2, "quantize_config.json", [](nlohmann::json& j) { j["desc_act"] = true; });
    w = load_model_weights(d2);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("act-order") != std::string::npos, w.message().c_str());
  }

  void refusesPermutedGidx() {
    // A copy whose g_idx is not k / group_size: an act-order checkpoint in disguise.
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/gidx");
    std::string st = d + "/model.safetensors";
    auto bytes = read_file(fs::canonical(st).string());
    QVERIFY(bytes.ok());
    uint64_t hl = 0;
    for (int i = 7; i >= 0; --i) hl = (hl << 8) | static_cast<uint8_t>((*bytes)[i]);
    auto header = nlohmann::json::parse(bytes->substr(8, hl));
    size_t off = 8 + hl + header["transformer.h.0.mlp.c_proj.g_idx"]["data_offsets"][0].get<size_t>();
    (*bytes)[off + 0] = 1;  // g_idx[0] = 1 while k / G = 0
    fs::remove(st);
    QVERIFY(write_file_atomic(st, *bytes).ok());
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("g_idx") != std::string::npos && w.message().find("act-order") != std::string::npos,
             w.message().c_str());
  }

  void truncatedCheckpoint() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/trunc");
    std::string st = d + "/model.safetensors";
    auto bytes = read_file(fs::canonical(st).string());
    QVERIFY(bytes.ok());
    fs::remove(st);
    QVERIFY(write_file_atomic(st, bytes->substr(0, bytes->size() * 2 / 3)).ok());
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("model.safetensors") != std::string::npos && w.message().find("tensor '") != std::string::npos,
             w.message().c_str());
  }

  void missingShard() {
    std::string d = link_copy(test::checkpoint_dir("tiny_sharded"), tmp_ + "/noshard");
    fs::remove(d + "/model-00002-of-00003.safetensors");
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("model-00002-of-00003.safetensors") != std::string::npos, w.message().c_str());
  }

  void missingConfigKey() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/nokey");
    replace_json(d, "config.json", [](nlohmann::json& j) { j.erase("hidden_size"); });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("config.json") != std::string::npos && w.message().find("hidden_size") != std::string::npos,
             w.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestModelFiles)
#include "tst_model_files.moc"
