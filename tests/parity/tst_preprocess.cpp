// Image preprocessing against the official pipeline's output (../shared/fixtures/golden/images):
// full-size decodes against decoded_sha256, the 448x448 BICUBIC resize byte for byte, refusals of the
// two bad files, and `qwenvl-cli preprocess` run on every fixture picture.
#include <QtTest>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "image/image.h"
#include "qwenvl/picture.h"
#include "support/compare.h"
#include "support/test_env.h"

namespace {

// FIPS 180-4 SHA-256, enough to check decoded_sha256 without a new dependency.
std::string sha256_hex(const uint8_t* data, size_t size) {
  static constexpr uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::vector<uint8_t> msg(data, data + size);
  msg.push_back(0x80);
  while (msg.size() % 64 != 56) msg.push_back(0);
  const uint64_t bits = static_cast<uint64_t>(size) * 8;
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t(msg[off + 4 * i]) << 24 | uint32_t(msg[off + 4 * i + 1]) << 16 |
             uint32_t(msg[off + 4 * i + 2]) << 8 | uint32_t(msg[off + 4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  std::string hex;
  char buf[9];
  for (uint32_t v : h) {
    std::snprintf(buf, sizeof buf, "%08x", v);
    hex += buf;
  }
  return hex;
}

nlohmann::json images_json() {
  std::ifstream in(qwenvl::test::fixture("golden/images/images.json"));
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

bool is_jpeg_name(const std::string& file) {
  const std::string ext = std::filesystem::path(file).extension().string();
  return ext == ".jpg" || ext == ".jpeg";
}

// PNG must match exactly. JPEG may differ by the libjpeg-turbo version: at most +-1 on at most
// 0.5% of the bytes. Returns an empty string when acceptable, else what was found.
std::string compare_resized(const std::string& file, const std::string& got, const std::string& want) {
  if (got.size() != want.size()) return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  size_t differing = 0;
  int max_diff = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int d = std::abs(int(uint8_t(got[i])) - int(uint8_t(want[i])));
    if (d) ++differing;
    max_diff = std::max(max_diff, d);
  }
  if (differing) qInfo("%s: %zu of %zu bytes differ, by at most %d", file.c_str(), differing, got.size(), max_diff);
  if (!is_jpeg_name(file)) return differing ? std::to_string(differing) + " bytes differ (PNG must be exact)" : "";
  if (max_diff > 1 || differing * 200 > got.size())
    return std::to_string(differing) + " bytes differ, by up to " + std::to_string(max_diff);
  return "";
}

}  // namespace

class TstPreprocess : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const nlohmann::json j = images_json();
    QVERIFY2(j.is_object() && j.contains("images"), "cannot read golden/images/images.json");
    QVERIFY(j["images"].size() >= 9);
  }

  void golden_image_data() {
    QTest::addColumn<QString>("file");
    const nlohmann::json j = images_json();  // named: a temporary would die before the loop runs
    for (const auto& e : j["images"])
      if (e.contains("resized"))
        QTest::newRow(e["file"].get<std::string>().c_str()) << QString::fromStdString(e["file"]);
  }

  // Full-size decode (size, sha256 of the RGB bytes) and the 448x448 resize, per fixture picture.
  void golden_image() {
    QFETCH(QString, file);
    const std::string name = file.toStdString();
    nlohmann::json entry;
    const nlohmann::json j = images_json();
    for (const auto& e : j["images"])
      if (e["file"] == name) entry = e;

    const std::string path = qwenvl::test::fixture("images/" + name);
    qwenvl::Result<qwenvl::RgbImage> img = qwenvl::decode_image_file(path);
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->width, entry["width"].get<int>());
    QCOMPARE(img->height, entry["height"].get<int>());
    QCOMPARE(img->pixels.size(), size_t(img->width) * img->height * 3);
    if (entry.contains("decoded_sha256")) {
      const std::string got = sha256_hex(img->pixels.data(), img->pixels.size());
      if (is_jpeg_name(name) && got != entry["decoded_sha256"]) {
        // A different libjpeg-turbo may decode a few pixels differently; the resize check below
        // bounds how much. Say so instead of failing.
        qWarning("%s: full-size decode differs from Pillow's (sha256 %s)", name.c_str(), got.c_str());
      } else {
        QCOMPARE(got, entry["decoded_sha256"].get<std::string>());
      }
    }

    const qwenvl::RgbImage resized = qwenvl::resize_bicubic(*img, qwenvl::kVisionImageSize, qwenvl::kVisionImageSize);
    QCOMPARE(resized.width, 448);
    QCOMPARE(resized.height, 448);
    auto want =
        qwenvl::test::read_binary(qwenvl::test::fixture("golden/images/" + entry["resized"].get<std::string>()));
    QVERIFY2(want.ok(), want.message().c_str());
    const std::string got(resized.pixels.begin(), resized.pixels.end());
    const std::string problem = compare_resized(name, got, *want);
    QVERIFY2(problem.empty(), (name + ": " + problem).c_str());
  }

  // The same picture through the public API, from a file and from memory.
  void load_picture_api() {
    const std::string path = qwenvl::test::fixture("images/chelsea.png");
    qwenvl::Result<qwenvl::Picture> p = qwenvl::load_picture(path);
    QVERIFY2(p.ok(), p.message().c_str());
    QCOMPARE(p->label, path);
    QCOMPARE(p->width, 451);
    QCOMPARE(p->height, 300);
    QCOMPARE(sha256_hex(p->rgb.data(), p->rgb.size()),
             std::string("416b729128bfb2c3d1eb69bf9b1734a796293abc17939267b2dc94f8a5784031"));

    auto bytes = qwenvl::test::read_binary(path);
    QVERIFY(bytes.ok());
    qwenvl::Result<qwenvl::Picture> m = qwenvl::load_picture_from_memory(*bytes, "cat");
    QVERIFY2(m.ok(), m.message().c_str());
    QCOMPARE(m->label, std::string("cat"));
    QVERIFY(m->rgb == p->rgb);
  }

  void refused_data() {
    QTest::addColumn<QString>("file");
    const nlohmann::json j = images_json();
    for (const auto& e : j["images"])
      if (e.contains("error")) QTest::newRow(e["file"].get<std::string>().c_str()) << QString::fromStdString(e["file"]);
  }

  // The official pipeline raises for these; we refuse with a message naming the file.
  void refused() {
    QFETCH(QString, file);
    const std::string path = qwenvl::test::fixture("images/" + file.toStdString());
    qwenvl::Result<qwenvl::RgbImage> img = qwenvl::decode_image_file(path);
    QVERIFY(!img.ok());
    qInfo("%s", img.message().c_str());
    QVERIFY2(img.message().find(path) != std::string::npos, img.message().c_str());
    QVERIFY(img.message().size() > path.size() + 10);  // says why, not just which file
    qwenvl::Result<qwenvl::Picture> p = qwenvl::load_picture(path);
    QVERIFY(!p.ok());
    QVERIFY(p.message().find(path) != std::string::npos);
  }

  void refusal_reasons() {
    const std::string truncated = qwenvl::decode_image_file(qwenvl::test::fixture("images/truncated.jpg")).message();
    QVERIFY2(truncated.find("truncated") != std::string::npos, truncated.c_str());
    const std::string not_image = qwenvl::decode_image_file(qwenvl::test::fixture("images/not_an_image.jpg")).message();
    QVERIFY2(not_image.find("cannot identify image file") != std::string::npos, not_image.c_str());
  }

  // `qwenvl-cli preprocess` over every fixture picture, the two bad ones included.
  void cli_preprocess() {
    const std::string out_dir = qwenvl::test::make_temp_dir("qwenvl-preprocess");
    QVERIFY(!out_dir.empty());
    std::vector<std::string> argv = {qwenvl::test::cli_path(), "preprocess", "--out-dir", out_dir};
    const nlohmann::json j = images_json();
    for (const auto& e : j["images"]) argv.push_back(qwenvl::test::fixture("images/" + e["file"].get<std::string>()));
    const qwenvl::test::CommandResult r = qwenvl::test::run_command(argv);
    QVERIFY2(r.exit_code != 0, "the two unreadable files must make the exit status non-zero");
    QVERIFY(r.exit_code != 127);  // the CLI ran
    QVERIFY2(r.err.find("not_an_image.jpg") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("truncated.jpg") != std::string::npos, r.err.c_str());
    QCOMPARE(std::count(r.err.begin(), r.err.end(), '\n'), 2L);  // one line per bad file

    for (const auto& e : j["images"]) {
      const std::string file = e["file"];
      const std::string stem = std::filesystem::path(file).stem().string();
      const std::string out = out_dir + "/" + stem + ".448.rgb";
      if (e.contains("error")) {
        QVERIFY2(!std::filesystem::exists(out), out.c_str());
        continue;
      }
      auto got = qwenvl::test::read_binary(out);
      QVERIFY2(got.ok(), got.message().c_str());
      auto want = qwenvl::test::read_binary(qwenvl::test::fixture("golden/images/" + e["resized"].get<std::string>()));
      QVERIFY(want.ok());
      const std::string problem = compare_resized(file, *got, *want);
      QVERIFY2(problem.empty(), (file + ": " + problem).c_str());
    }
    std::error_code ec;
    std::filesystem::remove_all(out_dir, ec);
  }

  void cli_usage_errors() {
    const auto no_out = qwenvl::test::run_command({qwenvl::test::cli_path(), "preprocess", "x.png"});
    QCOMPARE(no_out.exit_code, 2);
    QVERIFY(no_out.err.find("--out-dir") != std::string::npos);
    const auto no_images = qwenvl::test::run_command({qwenvl::test::cli_path(), "preprocess", "--out-dir", "/tmp"});
    QCOMPARE(no_images.exit_code, 2);
  }
};

QTEST_GUILESS_MAIN(TstPreprocess)
#include "tst_preprocess.moc"
