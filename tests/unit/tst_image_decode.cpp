// Decoding of every PNG kind, written here with libpng into a temp folder, checked against what
// Pillow's Image.open + convert("RGB") gives (expected values are derived from Pillow's PNG modes and
// Convert.c, never from our own output); refusals of truncated, corrupt, oversized and non-image
// input. JPEG variants are in tst_jpeg_decode.cpp.
#include <QtTest>

#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "image/image.h"
#include "qwenvl/picture.h"
#include "support/test_env.h"

namespace {

struct Rgb {
  int r, g, b;
};

// A PNG to write: samples[y][x * channels + c] at the given bit depth (packed by write_png).
struct PngSpec {
  int width = 0, height = 0, depth = 8, color_type = PNG_COLOR_TYPE_RGB;
  bool interlaced = false;
  std::vector<png_color> palette;
  std::vector<uint8_t> palette_alpha;  // tRNS for palette images
  bool trns_color = false;             // tRNS colour for grey / RGB images
  std::vector<std::vector<unsigned>> samples;
};

int channels_of(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE:
      return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return 2;
    case PNG_COLOR_TYPE_RGB:
      return 3;
    default:
      return 4;
  }
}

std::vector<uint8_t> pack_row(const std::vector<unsigned>& s, int depth) {
  std::vector<uint8_t> out;
  if (depth == 16) {
    for (unsigned v : s) out.push_back(uint8_t(v >> 8)), out.push_back(uint8_t(v));
  } else if (depth == 8) {
    for (unsigned v : s) out.push_back(uint8_t(v));
  } else {
    out.assign((s.size() * depth + 7) / 8, 0);
    for (size_t i = 0; i < s.size(); ++i) out[i * depth / 8] |= uint8_t(s[i] << (8 - depth - int(i * depth % 8)));
  }
  return out;
}

// Returns false if libpng refused (a bug in the test itself).
bool write_png_impl(FILE* f, const PngSpec& s, std::vector<std::vector<uint8_t>>& rows, bool header_only,
                    const char* comment) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, f);
  png_set_check_for_invalid_index(png, 0);  // allow indices past the PLTE on purpose
  png_set_IHDR(png, info, s.width, s.height, s.depth, s.color_type,
               s.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!s.palette.empty()) png_set_PLTE(png, info, s.palette.data(), int(s.palette.size()));
  if (!s.palette_alpha.empty()) png_set_tRNS(png, info, s.palette_alpha.data(), int(s.palette_alpha.size()), nullptr);
  if (s.trns_color) {
    png_color_16 c{};
    c.gray = c.red = 1, c.green = 2, c.blue = 3;
    png_set_tRNS(png, info, nullptr, 0, &c);
  }
  png_text text{};
  if (comment) {
    text.compression = PNG_TEXT_COMPRESSION_NONE;
    text.key = const_cast<char*>("Comment");
    text.text = const_cast<char*>(comment);
    png_set_text(png, info, &text, 1);
  }
  png_write_info(png, info);
  if (!header_only) {
    std::vector<png_bytep> ptrs;
    for (auto& r : rows) ptrs.push_back(r.data());
    png_write_image(png, ptrs.data());
    png_write_end(png, nullptr);
  }
  png_destroy_write_struct(&png, &info);
  return true;
}

std::string write_png(const std::string& path, const PngSpec& s, bool header_only = false,
                      const char* comment = nullptr) {
  std::vector<std::vector<uint8_t>> rows;
  for (const auto& r : s.samples) rows.push_back(pack_row(r, s.depth));
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return {};
  const bool ok = write_png_impl(f, s, rows, header_only, comment);
  std::fclose(f);
  return ok ? path : std::string();
}

// Samples from a formula, so every test image has varied, position-dependent content.
PngSpec make_spec(int w, int h, int depth, int color_type, unsigned (*f)(int x, int y, int c)) {
  PngSpec s;
  s.width = w, s.height = h, s.depth = depth, s.color_type = color_type;
  const int ch = channels_of(color_type);
  for (int y = 0; y < h; ++y) {
    std::vector<unsigned> row;
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < ch; ++c) row.push_back(f(x, y, c));
    s.samples.push_back(row);
  }
  return s;
}

// Expected RGB from the written samples by Pillow's rule for this kind of PNG.
template <class Rule>
bool matches(const qwenvl::RgbImage& img, const PngSpec& s, Rule rule, QString* why) {
  if (img.width != s.width || img.height != s.height) {
    *why = QString("size %1x%2").arg(img.width).arg(img.height);
    return false;
  }
  const int ch = channels_of(s.color_type);
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.width; ++x) {
      const Rgb want = rule(&s.samples[y][x * ch]);
      const uint8_t* p = &img.pixels[(size_t(y) * s.width + x) * 3];
      if (p[0] != want.r || p[1] != want.g || p[2] != want.b) {
        *why = QString("pixel (%1,%2) is (%3,%4,%5), expected (%6,%7,%8)")
                   .arg(x)
                   .arg(y)
                   .arg(p[0])
                   .arg(p[1])
                   .arg(p[2])
                   .arg(want.r)
                   .arg(want.g)
                   .arg(want.b);
        return false;
      }
    }
  return true;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

}  // namespace

class TstImageDecode : public QObject {
  Q_OBJECT
  std::string dir_;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private slots:
  void initTestCase() {
    dir_ = qwenvl::test::make_temp_dir("qwenvl-image-decode");
    QVERIFY(!dir_.empty());
  }
  void cleanupTestCase() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Pillow opens 16-bit grey as "I;16" and convert("RGB") clips at 255 (I16_RGB); it does not scale.
  void gray16_is_clipped() {
    static const unsigned values[] = {0, 1, 200, 255, 256, 4095, 65535};
    PngSpec s = make_spec(7, 3, 16, PNG_COLOR_TYPE_GRAY, [](int x, int y, int) { return values[(x + y) % 7]; });
    QVERIFY(!write_png(path("g16.png"), s).empty());
    auto img = qwenvl::decode_image_file(path("g16.png"));
    QVERIFY2(img.ok(), img.message().c_str());
    QString why;
    QVERIFY2(matches(
                 *img, s,
                 [](const unsigned* v) {
                   int g = v[0] > 255 ? 255 : int(v[0]);
                   return Rgb{g, g, g};
                 },
                 &why),
             qPrintable(why));
  }

  // Modes "1", "L;2", "L;4", "L": low depths are scaled to 0..255 by bit replication.
  void gray_low_depths_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<bool>("interlaced");
    for (int d : {1, 2, 4, 8}) {
      QTest::newRow(qPrintable(QString("%1-bit").arg(d))) << d << false;
      QTest::newRow(qPrintable(QString("%1-bit interlaced").arg(d))) << d << true;
    }
  }
  void gray_low_depths() {
    QFETCH(int, depth);
    QFETCH(bool, interlaced);
    static int max;
    max = (1 << depth) - 1;
    PngSpec s = make_spec(13, 11, depth, PNG_COLOR_TYPE_GRAY,
                          [](int x, int y, int) { return unsigned((x * 3 + y * 5) % (max + 1)); });
    s.interlaced = interlaced;
    const std::string p = write_png(path("gray" + std::to_string(depth) + (interlaced ? "i" : "") + ".png"), s);
    auto img = qwenvl::decode_image_file(p);
    QVERIFY2(img.ok(), img.message().c_str());
    QString why;
    QVERIFY2(matches(
                 *img, s,
                 [](const unsigned* v) {
                   int g = int(v[0]) * 255 / max;
                   return Rgb{g, g, g};
                 },
                 &why),
             qPrintable(why));
  }

  // "RGB;16B", "RGBA;16B", "LA;16B" keep the most significant byte; alpha is dropped, not blended.
  void sixteen_bit_colour_data() {
    QTest::addColumn<int>("color_type");
    QTest::addColumn<bool>("interlaced");
    QTest::newRow("RGB16") << int(PNG_COLOR_TYPE_RGB) << false;
    QTest::newRow("RGBA16") << int(PNG_COLOR_TYPE_RGB_ALPHA) << false;
    QTest::newRow("RGBA16 interlaced") << int(PNG_COLOR_TYPE_RGB_ALPHA) << true;
    QTest::newRow("LA16") << int(PNG_COLOR_TYPE_GRAY_ALPHA) << false;
  }
  void sixteen_bit_colour() {
    QFETCH(int, color_type);
    QFETCH(bool, interlaced);
    // The last channel doubles as alpha for RGBA/LA: 0 at every third pixel, so blending would show.
    PngSpec s = make_spec(9, 7, 16, color_type, [](int x, int y, int c) {
      return (x + y) % 3 == 0 && c == 3 ? 0u : unsigned((x * 7919 + y * 104729 + c * 31337) & 0xffff);
    });
    if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
      for (auto& r : s.samples)
        for (size_t i = 1; i < r.size(); i += 2) r[i] = (i / 2) % 3 == 0 ? 0 : r[i];
    s.interlaced = interlaced;
    const std::string p = write_png(path("c16_" + std::to_string(color_type) + (interlaced ? "i" : "") + ".png"), s);
    auto img = qwenvl::decode_image_file(p);
    QVERIFY2(img.ok(), img.message().c_str());
    QString why;
    const bool grey = color_type == PNG_COLOR_TYPE_GRAY_ALPHA;
    QVERIFY2(matches(
                 *img, s,
                 [grey](const unsigned* v) {
                   return grey ? Rgb{int(v[0] >> 8), int(v[0] >> 8), int(v[0] >> 8)}
                               : Rgb{int(v[0] >> 8), int(v[1] >> 8), int(v[2] >> 8)};
                 },
                 &why),
             qPrintable(why));
  }

  // 8-bit RGBA and LA: colour kept even where alpha is 0 (rgba2rgb, la2rgb copy; no compositing).
  void eight_bit_alpha_dropped() {
    for (int ct : {int(PNG_COLOR_TYPE_RGB_ALPHA), int(PNG_COLOR_TYPE_GRAY_ALPHA)}) {
      PngSpec s = make_spec(10, 6, 8, ct, [](int x, int y, int c) {
        return c == 3 ? unsigned(x % 2 ? 0 : 200) : unsigned((x * 40 + y * 17 + c * 90) % 256);  // c 3: alpha
      });
      if (ct == PNG_COLOR_TYPE_GRAY_ALPHA)
        for (auto& r : s.samples)
          for (size_t i = 1; i < r.size(); i += 2) r[i] = (i / 2) % 2 ? 0 : 128;
      const std::string p = write_png(path("a8_" + std::to_string(ct) + ".png"), s);
      auto img = qwenvl::decode_image_file(p);
      QVERIFY2(img.ok(), img.message().c_str());
      QString why;
      const bool grey = ct == PNG_COLOR_TYPE_GRAY_ALPHA;
      QVERIFY2(matches(
                   *img, s,
                   [grey](const unsigned* v) {
                     return grey ? Rgb{int(v[0]), int(v[0]), int(v[0])} : Rgb{int(v[0]), int(v[1]), int(v[2])};
                   },
                   &why),
               qPrintable(why));
    }
  }

  // "P;1".."P": palette colours; tRNS ignored by convert("RGB"); indices past the PLTE are black
  // (Pillow's palette is zero-filled past the entries given).
  void palette_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<bool>("interlaced");
    for (int d : {1, 2, 4, 8}) QTest::newRow(qPrintable(QString("P%1").arg(d))) << d << false;
    QTest::newRow("P4 interlaced") << 4 << true;
    QTest::newRow("P8 interlaced") << 8 << true;
  }
  void palette() {
    QFETCH(int, depth);
    QFETCH(bool, interlaced);
    static int n_index;
    n_index = 1 << depth;
    PngSpec s = make_spec(11, 9, depth, PNG_COLOR_TYPE_PALETTE,
                          [](int x, int y, int) { return unsigned((x + 2 * y) % n_index); });
    s.interlaced = interlaced;
    // Fewer entries than indices used (except at 1 bit), so that some pixels point past the PLTE.
    const int entries = depth == 1 ? 2 : n_index - 1;
    for (int i = 0; i < entries; ++i)
      s.palette.push_back(png_color{uint8_t(10 + i * 37), uint8_t(250 - i * 11), uint8_t(i * 53)});
    s.palette_alpha = {0, 128};
    const std::string p = write_png(path("p" + std::to_string(depth) + (interlaced ? "i" : "") + ".png"), s);
    QVERIFY(!p.empty());
    auto img = qwenvl::decode_image_file(p);
    QVERIFY2(img.ok(), img.message().c_str());
    QString why;
    const auto pal = s.palette;
    QVERIFY2(matches(
                 *img, s,
                 [&pal](const unsigned* v) {
                   if (v[0] >= pal.size()) return Rgb{0, 0, 0};
                   const png_color c = pal[v[0]];
                   return Rgb{c.red, c.green, c.blue};
                 },
                 &why),
             qPrintable(why));
  }

  // A tRNS colour on grey or RGB only sets Image.info["transparency"]; pixels are unchanged.
  void transparent_colour_ignored() {
    PngSpec rgb = make_spec(8, 8, 8, PNG_COLOR_TYPE_RGB,
                            [](int x, int y, int c) { return unsigned(x == 1 ? 1 + c : x * 30 + y + c); });
    rgb.trns_color = true;
    PngSpec gray =
        make_spec(8, 8, 8, PNG_COLOR_TYPE_GRAY, [](int x, int y, int) { return unsigned(x == 1 ? 1 : x * 30 + y); });
    gray.trns_color = true;
    QString why;
    auto a = qwenvl::decode_image_file(write_png(path("trns_rgb.png"), rgb));
    QVERIFY2(a.ok(), a.message().c_str());
    QVERIFY2(matches(
                 *a, rgb,
                 [](const unsigned* v) {
                   return Rgb{int(v[0]), int(v[1]), int(v[2])};
                 },
                 &why),
             qPrintable(why));
    auto b = qwenvl::decode_image_file(write_png(path("trns_gray.png"), gray));
    QVERIFY2(b.ok(), b.message().c_str());
    QVERIFY2(matches(
                 *b, gray,
                 [](const unsigned* v) {
                   return Rgb{int(v[0]), int(v[0]), int(v[0])};
                 },
                 &why),
             qPrintable(why));
  }

  // Sniffed from the bytes: a PNG named .jpg decodes; the file name never decides.
  void format_from_magic_bytes() {
    PngSpec s =
        make_spec(4, 4, 8, PNG_COLOR_TYPE_RGB, [](int x, int y, int c) { return unsigned(x * 60 + y * 3 + c); });
    QVERIFY(!write_png(path("really_a_png.jpg"), s).empty());
    auto img = qwenvl::decode_image_file(path("really_a_png.jpg"));
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->width, 4);
  }

  // A header declaring 50000 x 50000 (over Pillow's 2 x MAX_IMAGE_PIXELS) with no image data:
  // refused for its size, which proves the check runs on the header before any pixel is read.
  void png_decompression_bomb() {
    PngSpec s;
    s.width = 50000, s.height = 50000, s.depth = 8, s.color_type = PNG_COLOR_TYPE_RGB;
    const std::string p = write_png(path("bomb.png"), s, /*header_only=*/true);
    QVERIFY(!p.empty());
    QVERIFY(std::filesystem::file_size(p) < 100);
    auto img = qwenvl::decode_image_file(p);
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find(p) != std::string::npos, img.message().c_str());
    QVERIFY2(img.message().find("2500000000 pixels") != std::string::npos, img.message().c_str());
  }

  // Issue 9, item 9 for PNG: a header-only file claiming 13000 x 13000 (under the pixel limit)
  // cannot hold the compressed rows (deflate is at most 1032:1): refused from the header, not
  // after allocating 507 MB and running out of data.
  void tiny_png_claiming_huge_size() {
    PngSpec s;
    s.width = 13000, s.height = 13000, s.depth = 8, s.color_type = PNG_COLOR_TYPE_RGB;
    const std::string p = write_png(path("claims.png"), s, /*header_only=*/true);
    QVERIFY(!p.empty());
    QVERIFY(uint64_t(13000) * 13000 <= qwenvl::DecodeLimits().max_pixels);
    auto img = qwenvl::decode_image_file(p);
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find("claims 13000x13000") != std::string::npos, img.message().c_str());
    QVERIFY2(img.message().find("refused before decoding") != std::string::npos, img.message().c_str());
    // A flat image compresses to nearly the bound and still decodes.
    PngSpec flat = make_spec(3000, 400, 8, PNG_COLOR_TYPE_GRAY, [](int, int, int) { return 0u; });
    const std::string fp = write_png(path("flat.png"), flat);
    auto ok = qwenvl::decode_image_file(fp);
    QVERIFY2(ok.ok(), ok.message().c_str());
  }

  // The limit is inclusive, as Pillow's `pixels > limit` test.
  void pixel_limit_boundary() {
    PngSpec s = make_spec(20, 20, 8, PNG_COLOR_TYPE_GRAY, [](int x, int, int) { return unsigned(x); });
    const std::string p = write_png(path("twenty.png"), s);
    qwenvl::DecodeLimits limits;
    limits.max_pixels = 400;
    QVERIFY(qwenvl::decode_image_file(p, limits).ok());
    limits.max_pixels = 399;
    QVERIFY(!qwenvl::decode_image_file(p, limits).ok());
  }

  void file_size_limit() {
    PngSpec s = make_spec(64, 64, 8, PNG_COLOR_TYPE_RGB, [](int x, int y, int c) { return unsigned(x * y + c * 77); });
    const std::string p = write_png(path("big.png"), s);
    qwenvl::DecodeLimits limits;
    limits.max_file_bytes = 100;
    auto img = qwenvl::decode_image_file(p, limits);
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find("over the limit of 100 bytes") != std::string::npos, img.message().c_str());
  }

  void truncated_and_corrupt_png() {
    PngSpec s = make_spec(40, 30, 8, PNG_COLOR_TYPE_RGB,
                          [](int x, int y, int c) { return unsigned((x * 13 + y * 7 + c * 5) * 2654435761u >> 24); });
    const std::string good = slurp(write_png(path("good.png"), s));
    QVERIFY(good.size() > 200);
    for (size_t cut : {size_t(20), size_t(40), good.size() / 2, good.size() - 60}) {
      auto img = qwenvl::decode_image_memory(good.substr(0, cut), "cut.png");
      QVERIFY2(!img.ok(), qPrintable(QString("cut at %1 accepted").arg(cut)));
      QVERIFY2(img.message().rfind("cut.png: ", 0) == 0, img.message().c_str());
    }
    std::string flipped = good;
    flipped[flipped.size() / 2] ^= 0x55;  // inside IDAT: CRC (and likely zlib) error
    QVERIFY(!qwenvl::decode_image_memory(flipped, "flip.png").ok());

    // A damaged CRC on an ancillary chunk before the image data: Pillow's ChunkStream.crc raises
    // "broken PNG file (bad header checksum)", so this is refused too.
    std::string bad_text = slurp(write_png(path("text.png"), s, false, "comment"));
    const size_t text = bad_text.find("tEXt");
    QVERIFY(text != std::string::npos);
    QVERIFY(qwenvl::decode_image_memory(bad_text, "text.png").ok());
    const size_t text_len = (uint8_t(bad_text[text - 2]) << 8) | uint8_t(bad_text[text - 1]);
    bad_text[text + 4 + text_len] ^= 1;
    auto t = qwenvl::decode_image_memory(bad_text, "text.png");
    QVERIFY(!t.ok());
    QVERIFY2(t.message().find("CRC") != std::string::npos, t.message().c_str());

    // Width 0 with a valid CRC: refused as a zero-size image.
    std::string zero = good;
    zero[16] = zero[17] = zero[18] = zero[19] = 0;  // IHDR width
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(zero.data() + 12), 17);
    for (int i = 0; i < 4; ++i) zero[29 + i] = char(crc >> (24 - 8 * i));
    auto z = qwenvl::decode_image_memory(zero, "zero.png");
    QVERIFY(!z.ok());
    QVERIFY2(z.message().find("zero") != std::string::npos, z.message().c_str());
  }

  void unreadable_files() {
    auto missing = qwenvl::decode_image_file(path("nope.png"));
    QVERIFY(!missing.ok());
    QVERIFY2(missing.message().find(path("nope.png")) != std::string::npos, missing.message().c_str());
    auto directory = qwenvl::decode_image_file(dir_);
    QVERIFY(!directory.ok());
    QVERIFY2(directory.message().find("not a regular file") != std::string::npos, directory.message().c_str());
    spit(path("empty.png"), "");
    auto empty = qwenvl::decode_image_file(path("empty.png"));
    QVERIFY(!empty.ok());
    QVERIFY2(empty.message().find("empty") != std::string::npos, empty.message().c_str());
    auto gif = qwenvl::decode_image_memory("GIF89a\x01\x00\x01\x00", "anim.gif");
    QVERIFY(!gif.ok());
    QVERIFY2(gif.message().find("GIF") != std::string::npos, gif.message().c_str());
    // A file that is not a picture is described, never quoted: neither its text nor its bytes in
    // hex may reach the message (a conversation file could name /etc/passwd).
    auto passwd = qwenvl::decode_image_memory("root:x:0:0:root:/root:/bin/bash\n", "passwd");
    QVERIFY(!passwd.ok());
    QVERIFY2(passwd.message().find("text file") != std::string::npos, passwd.message().c_str());
    QVERIFY2(passwd.message().find("root") == std::string::npos, passwd.message().c_str());
    QVERIFY2(passwd.message().find("72 6f") == std::string::npos, passwd.message().c_str());
    auto binary = qwenvl::decode_image_memory(std::string("\x7f"
                                                          "ELF\x02\x01\x01\x00",
                                                          8),
                                              "a.out");
    QVERIFY(!binary.ok());
    QVERIFY2(binary.message().find("none of") != std::string::npos, binary.message().c_str());
    QVERIFY2(binary.message().find("7f") == std::string::npos, binary.message().c_str());
    QVERIFY2(binary.message().find("ELF") == std::string::npos, binary.message().c_str());
    auto fake_jpeg = qwenvl::decode_image_memory("\xff\xd8\xff\xe0 garbage that is not a JPEG", "fake.jpg");
    QVERIFY(!fake_jpeg.ok());
    QVERIFY(fake_jpeg.message().rfind("fake.jpg: ", 0) == 0);
    auto fake_png = qwenvl::decode_image_memory(std::string("\x89PNG\r\n\x1a\n", 8) + "garbage", "fake.png");
    QVERIFY(!fake_png.ok());
    QVERIFY(fake_png.message().rfind("fake.png: ", 0) == 0);
  }

  void load_picture_labels() {
    PngSpec s = make_spec(3, 2, 8, PNG_COLOR_TYPE_RGB, [](int x, int y, int c) { return unsigned(x + y + c); });
    const std::string p = write_png(path("small.png"), s);
    auto a = qwenvl::load_picture(p);
    QVERIFY2(a.ok(), a.message().c_str());
    QCOMPARE(a->label, p);
    QCOMPARE(a->rgb.size(), size_t(3 * 2 * 3));
    auto b = qwenvl::load_picture_from_memory(slurp(p), "my picture");
    QVERIFY(b.ok());
    QCOMPARE(b->label, std::string("my picture"));
    auto bad = qwenvl::load_picture_from_memory("not an image", "my picture");
    QVERIFY(!bad.ok());
    QVERIFY(bad.message().rfind("my picture: ", 0) == 0);
  }
};

QTEST_GUILESS_MAIN(TstImageDecode)
#include "tst_image_decode.moc"
