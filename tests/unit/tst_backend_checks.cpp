// Backend::forward checks every request once, for every backend: here the CPU backend on the
// tiny checkpoint refuses null ids, null splice data, kept (device) splice rows it cannot have,
// ids outside the vocabulary, splices outside the pass, a full cache, a bad NTK alpha and a cache from another backend,
// and after each refusal its cache is as it was and still gives the same logits.
#include <QtTest>

#include <cmath>
#include <limits>

#include "cpu/cpu_backend.h"
#include "support/test_env.h"

using namespace qwenvl;

class TestBackendChecks : public QObject {
  Q_OBJECT
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<Backend> backend_;
  std::vector<float> picture_;  // [n_queries][hidden], arbitrary rows

  std::vector<float> last_logits(KvCache& kv, const std::vector<int32_t>& ids) {
    std::vector<float> out;
    ForwardRequest r;
    r.ids = ids.data();
    r.n_tokens = static_cast<int>(ids.size());
    r.on_logits = [&](int, const float* l) { out.assign(l, l + weights_->config.vocab_size); };
    const Status s = backend_->forward(kv, r);
    if (!s) qWarning("%s", s.message().c_str());
    return out;
  }

  // A request for all of `ids` (which must outlive it).
  static ForwardRequest request(const std::vector<int32_t>& ids) {
    ForwardRequest r;
    r.ids = ids.data();
    r.n_tokens = static_cast<int>(ids.size());
    return r;
  }

  // A request that must be refused without touching the cache.
  void expect_refused(ForwardRequest r, const char* words) {
    auto kv = backend_->new_kv_cache();
    const std::vector<float> before = last_logits(*kv, {9707, 11, 1879});
    QCOMPARE(kv->length(), 3);
    const Status s = backend_->forward(*kv, r);
    QVERIFY2(!s.ok(), words);
    QVERIFY2(s.message().find(words) != std::string::npos, s.message().c_str());
    QCOMPARE(kv->length(), 3);
    // The cache still holds what it held: the same next pass gives the same logits as a fresh cache.
    auto fresh = backend_->new_kv_cache();
    QVERIFY(!last_logits(*fresh, {9707, 11, 1879}).empty());
    const std::vector<float> after = last_logits(*kv, {0}), expected = last_logits(*fresh, {0});
    QVERIFY(!after.empty() && !before.empty());
    QVERIFY(after == expected);
  }

 private slots:
  void initTestCase() {
    auto w = load_model_weights(test::checkpoint_dir("tiny"));
    QVERIFY2(w.ok(), w.message().c_str());
    weights_ = std::move(w.value());
    LoadOptions o;
    o.max_context = 64;
    o.cpu_threads = 2;
    auto b = make_cpu_backend(*weights_, o);
    QVERIFY2(b.ok(), b.message().c_str());
    backend_ = std::move(b.value());
    picture_.assign(size_t(4) * weights_->config.hidden_size, 0.25f);
  }

  void nullIdsAreRefused() {
    ForwardRequest r;
    r.n_tokens = 2;
    expect_refused(r, "no tokens");
  }

  void noTokensAreRefused() {
    const std::vector<int32_t> ids = {5};
    ForwardRequest r = request(ids);
    r.n_tokens = 0;
    expect_refused(r, "no tokens");
  }

  void nullSpliceDataIsRefused() {
    const std::vector<int32_t> ids(6, 220);
    ForwardRequest r = request(ids);
    r.splices = {{1, 4, nullptr}};
    expect_refused(r, "no data");
  }

  // Kept (device) features exist only on backends that keep them: the CPU backend refuses a
  // splice naming some, and the calls that would make or copy them, with a message.
  void keptFeaturesAreRefusedWhereNotKept() {
    QVERIFY(!backend_->keeps_features());
    const std::vector<int32_t> ids(6, 220);
    const std::vector<uint16_t> rows(size_t(4) * weights_->config.hidden_size, 0x3c00);
    ForwardRequest r = request(ids);
    r.splices.push_back({1, 4, nullptr, rows.data()});
    expect_refused(r, "keeps no picture features");
    const uint16_t* kept = rows.data();
    const std::vector<float> pixels(size_t(3) * 448 * 448, 0.f);
    Status s = backend_->encode_images_kept(pixels.data(), 1, &kept);
    QVERIFY(!s.ok() && s.message().find("keeps no picture features") != std::string::npos);
    std::vector<float> out(picture_.size());
    s = backend_->copy_kept_features(out.data());
    QVERIFY(!s.ok() && s.message().find("keeps no picture features") != std::string::npos);
  }

  void spliceOutsideThePassIsRefused() {
    const std::vector<int32_t> ids(6, 220);
    ForwardRequest r = request(ids);
    r.splices = {{3, 4, picture_.data()}};
    expect_refused(r, "does not fit");
    r.splices = {{-1, 2, picture_.data()}};
    expect_refused(r, "does not fit");
  }

  void idsOutsideTheVocabularyAreRefused() {
    const std::vector<int32_t> ids = {1, weights_->config.vocab_size}, negative = {-3};
    expect_refused(request(ids), "vocabulary");
    expect_refused(request(negative), "vocabulary");
  }

  void aFullCacheIsRefused() {
    const std::vector<int32_t> ids(62, 220);  // 3 cached + 62 > 64
    expect_refused(request(ids), "context");
  }

  void badAlphaIsRefused() {
    const std::vector<int32_t> ids = {5};
    ForwardRequest r = request(ids);
    r.ntk_alpha = 0.5;
    expect_refused(r, "alpha");
    r.ntk_alpha = std::numeric_limits<double>::quiet_NaN();
    expect_refused(r, "alpha");
    r.ntk_alpha = std::numeric_limits<double>::infinity();
    expect_refused(r, "alpha");
  }

  void aForeignCacheIsRefused() {
    LoadOptions o;
    o.max_context = 64;
    o.cpu_threads = 1;
    auto other = make_cpu_backend(*weights_, o);
    QVERIFY(other.ok());
    auto kv = (*other)->new_kv_cache();
    const std::vector<int32_t> ids = {5};
    const Status s = backend_->forward(*kv, request(ids));
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("another backend") != std::string::npos, s.message().c_str());
    QCOMPARE(kv->length(), 0);
  }

  void aValidSpliceIsAccepted() {
    auto kv = backend_->new_kv_cache();
    const std::vector<int32_t> ids(6, 220);
    ForwardRequest r = request(ids);
    r.splices = {{1, 4, picture_.data()}, {5, 0, nullptr}};
    const Status s = backend_->forward(*kv, r);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(kv->length(), 6);
    QCOMPARE(kv->tokens(), ids);
  }
};

QTEST_GUILESS_MAIN(TestBackendChecks)
#include "tst_backend_checks.moc"
