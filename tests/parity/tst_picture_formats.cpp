// Every picture format and variant against Pillow: make_format_goldens.py (a CTest fixture) writes
// GIF, BMP, WebP, TIFF, PNG and JPEG pictures with Pillow's Image.open(f).convert("RGB") and its
// 448x448 BICUBIC resize; here the engine decodes and resizes each and must give the same bytes.
// Pictures Pillow refuses must be refused. QWENVL_FORMAT_GOLDENS names another goldens folder
// (scripts/format-parity.sh makes one with another Pillow).
//
// Only where the codec differs from the one Pillow linked is anything but byte equality allowed,
// and only what the codec explains: JPEG data with another libjpeg-turbo keeps the fixture tests'
// +-1 on at most 0.5% of bytes; lossy WebP with another libwebp is skipped, said so, never loosened.
#include <QtTest>

#include <jpeglib.h>
#include <webp/decode.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "image/image.h"
#include "support/test_env.h"

namespace {

std::string goldens_dir() {
  if (const char* env = std::getenv("QWENVL_FORMAT_GOLDENS"); env && *env) return env;
  return QWENVL_FORMAT_GOLDENS_DIR;
}

nlohmann::json manifest() {
  std::ifstream in(goldens_dir() + "/manifest.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::string webp_version() {
  const int v = WebPGetDecoderVersion();
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

std::string jpeg_turbo_version() {
  const int v = LIBJPEG_TURBO_VERSION_NUMBER;  // e.g. 2001005
  return std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// "12.3.0" < "12.10"? Numeric, part by part.
bool version_less(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string pa, pb;
  while (true) {
    const bool ha = static_cast<bool>(std::getline(sa, pa, '.')), hb = static_cast<bool>(std::getline(sb, pb, '.'));
    if (!ha && !hb) return false;
    const long va = ha ? std::atol(pa.c_str()) : 0, vb = hb ? std::atol(pb.c_str()) : 0;
    if (va != vb) return va < vb;
  }
}

struct Diff {
  size_t differing = 0;
  int max = 0;
};
Diff diff(const std::string& a, const std::string& b) {
  Diff d;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const int v = std::abs(int(uint8_t(a[i])) - int(uint8_t(b[i])));
    d.differing += v != 0;
    d.max = std::max(d.max, v);
  }
  return d;
}

}  // namespace

class TstPictureFormats : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const nlohmann::json m = manifest();
    QVERIFY2(m.is_object() && m.contains("cases"),
             ("cannot read " + goldens_dir() + "/manifest.json (made by make_format_goldens.py)").c_str());
    qInfo("goldens by Pillow %s (libjpeg-turbo %s, libwebp %s, libtiff %s); engine: libjpeg-turbo %s, libwebp %s",
          m.value("pillow", "?").c_str(), m.value("libjpeg_turbo", "?").c_str(), m.value("webp", "?").c_str(),
          m.value("libtiff", "?").c_str(), jpeg_turbo_version().c_str(), webp_version().c_str());
    // Every format and the variants that matter are present: a generator that silently wrote
    // fewer pictures must not pass as full coverage.
    QVERIFY(m["cases"].size() >= 200);
    for (const char* prefix : {"gif_", "bmp_", "webp_lossless", "webp_lossy", "tiff_", "png_rgb16", "jpeg_cmyk",
                               "exif6_", "truncated_", "bmp_rle4", "gif_offset", "tiff_rgba_premultiplied"}) {
      bool found = false;
      for (const auto& e : m["cases"]) found = found || e["name"].get<std::string>().rfind(prefix, 0) == 0;
      QVERIFY2(found, prefix);
    }
  }

  void picture_data() {
    QTest::addColumn<QString>("name");
    const nlohmann::json m = manifest();
    for (const auto& e : m["cases"])
      QTest::newRow(e["name"].get<std::string>().c_str()) << QString::fromStdString(e["name"]);
  }

  // Full-size decode byte for byte, then the vision encoder's 448x448 input byte for byte.
  void picture() {
    QFETCH(QString, name);
    const nlohmann::json m = manifest();
    nlohmann::json e;
    for (const auto& c : m["cases"])
      if (c["name"] == name.toStdString()) e = c;
    const std::string dir = goldens_dir();
    const std::string path = dir + "/" + e["file"].get<std::string>();
    const qwenvl::Result<qwenvl::RgbImage> img = qwenvl::decode_image_file(path);

    // The engine follows the official Pillow (12.3); an older Pillow with a known bug in this
    // variant cannot make its golden.
    if (e.contains("pillow_min") && version_less(m.value("pillow", "0"), e["pillow_min"].get<std::string>()))
      QSKIP(("Pillow " + m.value("pillow", std::string("?")) + " decodes this variant wrongly (fixed in " +
             e["pillow_min"].get<std::string>() + ", which the engine follows)")
                .c_str());
    if (e.contains("error")) {
      QVERIFY2(!img.ok(), ("Pillow refuses it (" + e["error"].get<std::string>() + ") but it decoded").c_str());
      QVERIFY2(img.message().find(path) != std::string::npos, img.message().c_str());
      qInfo("refused: %s", img.message().c_str());
      return;
    }
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->width, e["width"].get<int>());
    QCOMPARE(img->height, e["height"].get<int>());

    const bool lossy_webp = e.value("webp_lossy", false);
    if (lossy_webp && m.value("webp", "") != webp_version())
      QSKIP(("lossy WebP: Pillow linked libwebp " + m.value("webp", std::string("?")) + ", the engine " +
             webp_version() + "; lossy decoding is only compared against the same libwebp")
                .c_str());
    const bool other_jpeg = e.value("libjpeg", false) && m.value("libjpeg_turbo", "") != jpeg_turbo_version();

    const std::string full_want = read_file(dir + "/" + name.toStdString() + ".full.rgb");
    const std::string full_got(img->pixels.begin(), img->pixels.end());
    QCOMPARE(full_got.size(), full_want.size());
    const Diff full = diff(full_got, full_want);
    if (full.differing) {
      qInfo("full size: %zu of %zu bytes differ, by at most %d", full.differing, full_got.size(), full.max);
      QVERIFY2(other_jpeg, "the full-size decode differs from Pillow's");
    }

    const qwenvl::RgbImage resized = qwenvl::resize_bicubic(*img, qwenvl::kVisionImageSize, qwenvl::kVisionImageSize);
    const std::string got(resized.pixels.begin(), resized.pixels.end());
    const std::string want = read_file(dir + "/" + name.toStdString() + ".448.rgb");
    QCOMPARE(got.size(), want.size());
    const Diff d = diff(got, want);
    if (d.differing) {
      qInfo("448x448: %zu of %zu bytes differ, by at most %d", d.differing, got.size(), d.max);
      QVERIFY2(other_jpeg, "the 448x448 input differs from Pillow's");
      // The fixture tests' allowance for another libjpeg-turbo (tst_preprocess).
      QVERIFY2(d.max <= 1 && d.differing * 200 <= got.size(), "more than another libjpeg-turbo explains");
    }
  }

  // Damaged copies of every small picture (cut short, bytes changed by a fixed pseudo-random
  // sequence) decode or are refused with a message naming them: never a crash, an inconsistent
  // picture, or a message quoting the file (the sanitizer build runs this too).
  void damaged_copies_never_crash() {
    const nlohmann::json m = manifest();
    uint32_t state = 12345;
    auto next = [&state] { return state = state * 1664525u + 1013904223u; };
    qwenvl::DecodeLimits limits;
    limits.max_pixels = 1u << 22;
    int decoded = 0, refused = 0;
    for (const auto& e : m["cases"]) {
      const std::string name = e["name"];
      if (name.find("37x23") == std::string::npos) continue;
      const std::string bytes = read_file(goldens_dir() + "/" + e["file"].get<std::string>());
      for (int i = 0; i < 240; ++i) {
        std::string d = bytes;
        if (i < 40) {
          d.resize(d.size() * static_cast<size_t>(i) / 40);
        } else {
          for (int k = 0; k < 1 + i % 4; ++k) d[next() % d.size()] = static_cast<char>(next() >> 24);
        }
        const auto img = qwenvl::decode_image_memory(d, "damaged", limits);
        if (img.ok()) {
          QVERIFY(img->width > 0 && img->height > 0);
          QCOMPARE(img->pixels.size(), size_t(img->width) * img->height * 3);
          ++decoded;
        } else {
          QVERIFY2(img.message().rfind("damaged: ", 0) == 0, img.message().c_str());
          ++refused;
        }
      }
    }
    qInfo("damaged copies: %d decoded, %d refused", decoded, refused);
    QVERIFY(refused > 1000);
  }

  // The same bytes through load_picture_from_memory: format sniffing never uses the name.
  void sniffed_not_named() {
    const nlohmann::json m = manifest();
    int checked = 0;
    for (const auto& e : m["cases"]) {
      if (e.contains("error")) continue;
      const std::string name = e["name"];
      if (name.find("256x171") == std::string::npos) continue;
      const std::string bytes = read_file(goldens_dir() + "/" + e["file"].get<std::string>());
      const auto p = qwenvl::load_picture_from_memory(bytes, "picture.png");
      QVERIFY2(p.ok(), (name + ": " + p.message()).c_str());
      const auto f = qwenvl::decode_image_file(goldens_dir() + "/" + e["file"].get<std::string>());
      QVERIFY(f.ok());
      QVERIFY2(p->rgb == f->pixels, name.c_str());
      ++checked;
    }
    QVERIFY(checked >= 50);
  }
};

QTEST_GUILESS_MAIN(TstPictureFormats)
#include "tst_picture_formats.moc"
