// The model-folder reader on checkpoints written during the run by make_checkpoint.py: tensors
// bound with the right shapes, GPTQ dequantised to the spec formula (checked against an
// independent numpy oracle), and bad folders refused with a message naming file and tensor.
#include <QtTest>

#include <sys/stat.h>

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
  for (const auto& e : fs::directory_iterator(from))
    fs::create_symlink(fs::absolute(e.path()), fs::path(to) / e.path().filename());
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
      if (got[i] != (*expect)[i])
        QFAIL(qPrintable(QString("dequantize_rows differs at %1: %2 vs %3").arg(i).arg(got[i]).arg((*expect)[i])));
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
    QVERIFY2(
        w.message().find("model.safetensors") != std::string::npos && w.message().find("tensor '") != std::string::npos,
        w.message().c_str());
  }

  void missingShard() {
    std::string d = link_copy(test::checkpoint_dir("tiny_sharded"), tmp_ + "/noshard");
    fs::remove(d + "/model-00002-of-00003.safetensors");
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("model-00002-of-00003.safetensors") != std::string::npos, w.message().c_str());
  }

  // Issue 9, item 7: every config number is read in 64 bits and range-checked: absurd values are
  // refused naming config.json and the key, before anything is sized from them (1e9 layers ran
  // to 19.5 GB; 4294967298 layers silently became 2; mlp_ratio 1e300 overflowed a cast).
  void absurdConfigNumbersAreRefused() {
    struct Case {
      const char* file;
      const char* key;  // "visual.x" edits the nested block
      nlohmann::json value;
      const char* expect;  // a piece of the message besides the file and the key
    };
    const Case cases[] = {
        {"config.json", "num_hidden_layers", 1000000000, "between 1 and 1024"},
        {"config.json", "num_hidden_layers", 4294967298ull, "4294967298"},
        {"config.json", "num_hidden_layers", -2, "between 1 and"},
        {"config.json", "num_hidden_layers", 2.5, "must be an integer"},
        {"config.json", "num_hidden_layers", 2.0, "must be an integer"},
        {"config.json", "num_hidden_layers", "2", "must be an integer"},
        {"config.json", "hidden_size", 18446744073709551615ull, "18446744073709551615"},
        {"config.json", "num_attention_heads", 65536, "num_attention_heads"},
        {"config.json", "kv_channels", 4294967360ull, "4294967360"},
        {"config.json", "vocab_size", 4294967295ull, "vocab_size"},
        {"config.json", "seq_length", 1e300, "must be an integer"},
        {"config.json", "intermediate_size", 4294967808ull, "between 1 and"},
        {"config.json", "layer_norm_epsilon", 1e300, "between 0 and 1"},
        {"config.json", "visual.layers", 1000000000, "between 1 and 1024"},
        {"config.json", "visual.mlp_ratio", 1e300, "between 0 and 64"},
        {"config.json", "visual.mlp_ratio", -4.0, "between 0 and 64"},
        {"config.json", "visual.width", 4294967360ull, "4294967360"},
        {"config.json", "visual.image_start_id", 4294967295ull, "image_start_id"},
        {"config.json", "visual.patch_size", 1, "a grid of 448"},
        {"quantize_config.json", "bits", 4294967300ull, "4294967300"},
        {"quantize_config.json", "group_size", 4294967424ull, "4294967424"},
        {"generation_config.json", "max_new_tokens", 4294967808ull, "4294967808"},
        {"generation_config.json", "top_k", -1, "between 0 and"},
        {"generation_config.json", "eos_token_id", 4294967295ull, "eos_token_id"},
        {"generation_config.json", "temperature", 1e300, "temperature"},
    };
    int n = 0;
    for (const Case& c : cases) {
      std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/absurd" + std::to_string(n++));
      replace_json(d, c.file, [&](nlohmann::json& j) {
        std::string key = c.key;
        if (key.rfind("visual.", 0) == 0)
          j["visual"][key.substr(7)] = c.value;
        else
          j[key] = c.value;
      });
      auto w = load_model_weights(d);
      QVERIFY2(!w.ok(), qPrintable(QString("%1 %2 = %3 was accepted").arg(c.file, c.key, c.value.dump().c_str())));
      const std::string& m = w.message();
      const std::string key = std::string(c.key).substr(std::string(c.key).rfind('.') + 1);
      QVERIFY2(m.find(c.file) != std::string::npos && m.find(key) != std::string::npos &&
                   m.find(c.expect) != std::string::npos,
               m.c_str());
    }
  }

  // num_attention_heads x kv_channels is formed in 64 bits: 65536 x 65538 wrapped in int.
  void headProductDoesNotOverflow() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/product");
    replace_json(d, "config.json", [](nlohmann::json& j) {
      j["num_attention_heads"] = 1024;
      j["kv_channels"] = 4096;  // both in range; the product 2^22 is not hidden_size
    });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("num_attention_heads x kv_channels (1024 x 4096)") != std::string::npos,
             w.message().c_str());
  }

  // A config that claims more layers than the checkpoint holds stops at the first missing one.
  void moreLayersThanTheCheckpointStopsAtTheFirst() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/layers");
    replace_json(d, "config.json", [](nlohmann::json& j) {
      j["num_hidden_layers"] = 1024;
      j["visual"]["layers"] = 1024;
    });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("'transformer.h.2.ln_1.weight' is missing") != std::string::npos, w.message().c_str());
  }

  // Issue 9, item 5: a generation_config.json that is a symlink loop threw out of
  // std::filesystem::exists; a config.json that is a FIFO would block the load forever.
  void unreadableConfigFilesAreErrors() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/genloop");
    fs::remove(d + "/generation_config.json");
    fs::create_symlink("generation_config.json", d + "/generation_config.json");
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("generation_config.json") != std::string::npos &&
                 w.message().find("symbolic links") != std::string::npos,
             w.message().c_str());
    std::string d2 = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/fifo");
    fs::remove(d2 + "/config.json");
    QCOMPARE(::mkfifo((d2 + "/config.json").c_str(), 0600), 0);
    w = load_model_weights(d2);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("config.json: not a regular file") != std::string::npos, w.message().c_str());
    std::string d3 = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/hugeconfig");
    fs::remove(d3 + "/config.json");
    std::ofstream(d3 + "/config.json") << std::string(2u << 20, ' ') << "{}";
    w = load_model_weights(d3);
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("over the limit") != std::string::npos, w.message().c_str());
  }

  void missingConfigKey() {
    std::string d = link_copy(test::checkpoint_dir("tiny"), tmp_ + "/nokey");
    replace_json(d, "config.json", [](nlohmann::json& j) { j.erase("hidden_size"); });
    auto w = load_model_weights(d);
    QVERIFY(!w.ok());
    QVERIFY2(
        w.message().find("config.json") != std::string::npos && w.message().find("hidden_size") != std::string::npos,
        w.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestModelFiles)
#include "tst_model_files.moc"
