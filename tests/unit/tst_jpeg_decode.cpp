// JPEG decoding against Pillow's JpegDecode.c + Convert.c: grey, colour, Adobe-inverted CMYK and
// YCCK, progressive, truncated and oversized files, each written here with libjpeg. Expected values
// come from Pillow's rules (l2rgb, "CMYK;I" + cmyk2rgb), within JPEG's own loss on flat colours.
#include <QtTest>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstdlib>
#include <fstream>
#include <new>

#include <jpeglib.h>

#include "image/image.h"

namespace {

struct Rgb {
  int r, g, b;
};

// A JPEG of w x h from one colour per pixel given by f, in libjpeg's colour space `in_space`.
std::string make_jpeg(int w, int h, J_COLOR_SPACE in_space, int components, unsigned (*f)(int x, int y, int c),
                      bool progressive = false, J_COLOR_SPACE file_space = JCS_UNKNOWN, bool arithmetic = false) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = w, cinfo.image_height = h;
  cinfo.input_components = components, cinfo.in_color_space = in_space;
  jpeg_set_defaults(&cinfo);
  if (file_space != JCS_UNKNOWN) jpeg_set_colorspace(&cinfo, file_space);
  jpeg_set_quality(&cinfo, 95, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  cinfo.arith_code = arithmetic ? TRUE : FALSE;  // SOF9 / SOF10 instead of SOF0 / SOF2
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<uint8_t> row(size_t(w) * components);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < components; ++c) row[size_t(x) * components + c] = uint8_t(f(x, y, c));
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buf), size);
  jpeg_destroy_compress(&cinfo);
  std::free(buf);
  return out;
}

// Rewrites the width and height in a JPEG's SOF marker (baseline, progressive, arithmetic).
std::string patch_jpeg_size(std::string jpg, int w, int h) {
  auto is_sof = [](uint8_t m) { return m == 0xC0 || m == 0xC2 || m == 0xC9 || m == 0xCA; };
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (uint8_t(jpg[i]) == 0xFF && is_sof(uint8_t(jpg[i + 1]))) {
      jpg[i + 5] = char(h >> 8), jpg[i + 6] = char(h), jpg[i + 7] = char(w >> 8), jpg[i + 8] = char(w);
      break;
    }
  return jpg;
}

// Runs f with the address space capped at what the process maps now plus `headroom`, so that any
// allocation of a 13000 x 13000 image (507 MB of pixels, up to 1 GB of coefficients) fails in f
// and shows up as an out-of-memory message instead of passing unnoticed. The limit is restored
// afterwards. Returns false where it cannot apply (sanitizers reserve terabytes of shadow).
template <class F>
bool with_address_space_cap(size_t headroom, F f) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
  return false;
#endif
#endif
  size_t pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  rlimit old{};
  if (pages == 0 || getrlimit(RLIMIT_AS, &old) != 0) return false;
  rlimit cap = old;
  cap.rlim_cur = pages * static_cast<size_t>(sysconf(_SC_PAGESIZE)) + headroom;
  if (old.rlim_max != RLIM_INFINITY && cap.rlim_cur > old.rlim_max) return false;
  if (setrlimit(RLIMIT_AS, &cap) != 0) return false;
  f();
  setrlimit(RLIMIT_AS, &old);
  return true;
}

// Sets the scan header's spectral selection (Ss, Se) of the first SOS of a one-component scan.
std::string patch_first_scan(std::string jpg, int ss, int se) {
  for (size_t i = 2; i + 8 < jpg.size(); ++i)
    if (uint8_t(jpg[i]) == 0xFF && uint8_t(jpg[i + 1]) == 0xDA && jpg[i + 4] == 1) {
      jpg[i + 7] = char(ss), jpg[i + 8] = char(se);
      break;
    }
  return jpg;
}

bool near(const uint8_t* p, Rgb want, int tol) {
  return std::abs(p[0] - want.r) <= tol && std::abs(p[1] - want.g) <= tol && std::abs(p[2] - want.b) <= tol;
}

}  // namespace

class TstJpegDecode : public QObject {
  Q_OBJECT

 private slots:
  void jpeg_decompression_bomb() {
    const std::string jpg =
        patch_jpeg_size(make_jpeg(16, 16, JCS_RGB, 3, [](int, int, int) { return 9u; }), 30000, 30000);
    auto img = qwenvl::decode_image_memory(jpg, "bomb.jpg");
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find("900000000 pixels") != std::string::npos, img.message().c_str());
  }

  // Issue 9, item 9: a few hundred bytes claiming 13000 x 13000 (under the pixel limit) decoded to
  // 0.7-1.6 GB: libjpeg pads missing data with zeros after a warning. The file cannot hold one bit
  // per block of its first scan, so it is refused from the header, under an address-space cap
  // that any full-size buffer would break.
  void tiny_jpeg_claiming_huge_size() {
    auto f = [](int x, int y, int c) { return unsigned(x * 9 + y * 5 + c * 40); };
    const std::string files[] = {
        patch_jpeg_size(make_jpeg(16, 16, JCS_GRAYSCALE, 1, f), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_RGB, 3, f), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_RGB, 3, f, /*progressive=*/true), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_GRAYSCALE, 1, f, /*progressive=*/true), 13000, 13000),
    };
    QVERIFY(uint64_t(13000) * 13000 <= qwenvl::DecodeLimits().max_pixels);  // not the pixel-limit refusal
    for (const std::string& jpg : files) {
      QVERIFY(jpg.size() < 2000);
      std::string message;
      const bool capped = with_address_space_cap(size_t(256) << 20, [&] {
        auto img = qwenvl::decode_image_memory(jpg, "claims.jpg");
        message = img.ok() ? std::string("decoded") : img.message();
      });
      if (!capped) message = qwenvl::decode_image_memory(jpg, "claims.jpg").message();
      QVERIFY2(message.find("claims 13000x13000") != std::string::npos, message.c_str());
      QVERIFY2(message.find("refused before decoding") != std::string::npos, message.c_str());
    }
  }

  // Arithmetic coding (SOF9, SOF10) codes the same quantised coefficients as Huffman coding: the
  // same pixels, sequential and progressive, grey and colour.
  void arithmetic_same_pixels_as_huffman() {
    auto f = [](int x, int y, int c) { return unsigned((x * 7 + y * 3 + c * 50 + (x * y) % 23) % 256); };
    for (bool progressive : {false, true}) {
      for (int comps : {1, 3}) {
        const J_COLOR_SPACE space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
        const std::string arith = make_jpeg(45, 37, space, comps, f, progressive, JCS_UNKNOWN, /*arithmetic=*/true);
        QVERIFY(arith.find(progressive ? "\xFF\xCA" : "\xFF\xC9") != std::string::npos);  // SOF10 / SOF9
        auto a = qwenvl::decode_image_memory(arith, "a.jpg");
        auto h = qwenvl::decode_image_memory(make_jpeg(45, 37, space, comps, f, progressive), "h.jpg");
        QVERIFY2(a.ok() && h.ok(), (a.message() + h.message()).c_str());
        QVERIFY(a->pixels == h->pixels);
      }
    }
  }

  // Issue 9, item 9 for arithmetic coding: the decoder reads zeros past the data, so a header
  // alone decodes at any size; libjpeg's own encoder writes a flat 13000 x 13000 picture in about
  // 200 bytes. Past 4096 x 4096 pixels such a file must carry a byte per 32 blocks: the tiny ones
  // claiming 13000 x 13000 are refused from the header, under the address-space cap.
  void tiny_arithmetic_jpeg_claiming_huge_size() {
    auto f = [](int x, int y, int c) { return unsigned(x * 9 + y * 5 + c * 40); };
    auto flat = [](int, int, int) { return 128u; };
    const std::string files[] = {
        patch_jpeg_size(make_jpeg(16, 16, JCS_GRAYSCALE, 1, f, false, JCS_UNKNOWN, true), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_RGB, 3, f, false, JCS_UNKNOWN, true), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_RGB, 3, f, true, JCS_UNKNOWN, true), 13000, 13000),
        patch_jpeg_size(make_jpeg(16, 16, JCS_GRAYSCALE, 1, f, true, JCS_UNKNOWN, true), 13000, 13000),
        // Honestly encoded, not patched: 4104 x 4096 is one block column past the free size.
        make_jpeg(4104, 4096, JCS_GRAYSCALE, 1, flat, false, JCS_UNKNOWN, true),
    };
    for (const std::string& jpg : files) {
      QVERIFY(jpg.size() < 2000);
      std::string message;
      const bool capped = with_address_space_cap(size_t(256) << 20, [&] {
        auto img = qwenvl::decode_image_memory(jpg, "claims.jpg");
        message = img.ok() ? std::string("decoded") : img.message();
      });
      if (!capped) message = qwenvl::decode_image_memory(jpg, "claims.jpg").message();
      QVERIFY2(message.find("arithmetic-coded") != std::string::npos, message.c_str());
      QVERIFY2(message.find("refused before decoding") != std::string::npos, message.c_str());
    }
    // Up to 4096 x 4096 pixels the same flat file decodes, to its one grey.
    const std::string within = make_jpeg(4096, 4096, JCS_GRAYSCALE, 1, flat, false, JCS_UNKNOWN, true);
    QVERIFY(within.size() < 2000);
    auto img = qwenvl::decode_image_memory(within, "flat.jpg");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->width, 4096);
    QVERIFY(std::abs(int(img->pixels[3 * (4096 * 4095 + 4095)]) - 128) <= 1);
    // A file with content past the free size carries far more than the bound (8,208 bytes here).
    const std::string busy = make_jpeg(4104, 4096, JCS_GRAYSCALE, 1, f, false, JCS_UNKNOWN, true);
    QVERIFY(busy.size() > 100000);
    auto decoded = qwenvl::decode_image_memory(busy, "busy.jpg");
    QVERIFY2(decoded.ok(), decoded.message().c_str());
  }

  // A progressive file whose first scan is an AC scan breaks the standard's ordering; such a scan
  // can skip 32767 blocks per code, so no data-size bound exists for it: refused.
  void progressive_must_start_with_dc() {
    auto f = [](int x, int y, int) { return unsigned(x * 9 + y * 5); };
    const std::string good = make_jpeg(32, 32, JCS_GRAYSCALE, 1, f, /*progressive=*/true);
    QVERIFY(qwenvl::decode_image_memory(good, "p.jpg").ok());
    auto img = qwenvl::decode_image_memory(patch_first_scan(good, 1, 5), "p.jpg");
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find("first scan is not a DC scan") != std::string::npos, img.message().c_str());
  }

  // The data bound and libjpeg's memory budget leave real files alone: a large, plain progressive
  // colour file (4:2:0 and 4:4:4) decodes to the same pixels as its baseline twin.
  void large_progressive_within_budget() {
    auto f = [](int x, int y, int c) { return unsigned((x / 7 + y / 5 + c * 50) % 256); };
    auto base = qwenvl::decode_image_memory(make_jpeg(1500, 1100, JCS_RGB, 3, f, false), "b.jpg");
    auto prog = qwenvl::decode_image_memory(make_jpeg(1500, 1100, JCS_RGB, 3, f, true), "p.jpg");
    QVERIFY2(base.ok() && prog.ok(), (base.message() + prog.message()).c_str());
    QVERIFY(base->pixels == prog->pixels);
    auto grey = qwenvl::decode_image_memory(make_jpeg(2000, 9, JCS_GRAYSCALE, 1, f, true), "g.jpg");
    QVERIFY2(grey.ok(), grey.message().c_str());
  }

  // The pixel limit is inclusive, as Pillow's `pixels > limit` test.
  void pixel_limit_boundary() {
    qwenvl::DecodeLimits limits;
    limits.max_pixels = 400;
    const std::string jpg = make_jpeg(20, 20, JCS_GRAYSCALE, 1, [](int, int, int) { return 5u; });
    QVERIFY(qwenvl::decode_image_memory(jpg, "j", limits).ok());
    limits.max_pixels = 399;
    QVERIFY(!qwenvl::decode_image_memory(jpg, "j", limits).ok());
  }

  // Pillow's "L" JPEG: l2rgb replicates the grey level.
  void jpeg_grey() {
    auto img =
        qwenvl::decode_image_memory(make_jpeg(24, 16, JCS_GRAYSCALE, 1, [](int, int, int) { return 100u; }), "g.jpg");
    QVERIFY2(img.ok(), img.message().c_str());
    for (size_t i = 0; i < img->pixels.size(); i += 3) {
      QCOMPARE(img->pixels[i], img->pixels[i + 1]);
      QCOMPARE(img->pixels[i], img->pixels[i + 2]);
      QVERIFY(std::abs(img->pixels[i] - 100) <= 1);
    }
  }

  void jpeg_colour() {
    auto img = qwenvl::decode_image_memory(
        make_jpeg(32, 16, JCS_RGB, 3, [](int, int, int c) { return c == 0   ? 200u
                                                                   : c == 1 ? 30u
                                                                            : 60u; }), "c.jpg");
    QVERIFY2(img.ok(), img.message().c_str());
    QVERIFY(near(&img->pixels[3 * 40], {200, 30, 60}, 3));
  }

  // Four-component JPEGs are read as Adobe-inverted CMYK ("CMYK;I") whatever their markers say,
  // then cmyk2rgb: R = nk - C*nk/255 with nk = 255 - K. Stored (s0..s3) means C = 255 - s0 etc.
  void jpeg_cmyk_data() {
    QTest::addColumn<int>("space");
    QTest::newRow("CMYK") << int(JCS_CMYK);
    QTest::newRow("YCCK") << int(JCS_YCCK);
  }
  void jpeg_cmyk() {
    QFETCH(int, space);
    struct Case {
      unsigned stored[4];
      Rgb want;
    };
    static const Case cases[] = {
        {{255, 255, 255, 255}, {255, 255, 255}},  // no ink: white
        {{0, 255, 255, 255}, {0, 255, 255}},      // full cyan
        {{255, 255, 255, 0}, {0, 0, 0}},          // full black
        {{128, 255, 255, 128}, {64, 128, 128}},   // C = K = 127: 128 - muldiv255(127, 128) = 64
    };
    for (const Case& c : cases) {
      static const unsigned* stored;
      stored = c.stored;
      auto img = qwenvl::decode_image_memory(
          make_jpeg(
              16, 16, JCS_CMYK, 4, [](int, int, int ch) { return stored[ch]; }, false, J_COLOR_SPACE(space)),
          "k.jpg");
      QVERIFY2(img.ok(), img.message().c_str());
      const uint8_t* p = &img->pixels[3 * (16 * 8 + 8)];
      QVERIFY2(near(p, c.want, 3), qPrintable(QString("(%1,%2,%3) for stored (%4,%5,%6,%7)")
                                                  .arg(p[0])
                                                  .arg(p[1])
                                                  .arg(p[2])
                                                  .arg(c.stored[0])
                                                  .arg(c.stored[1])
                                                  .arg(c.stored[2])
                                                  .arg(c.stored[3])));
    }
  }

  // Progressive coding carries the same quantised coefficients: the same pixels as baseline.
  void jpeg_progressive() {
    auto f = [](int x, int y, int c) { return unsigned((x * 7 + y * 3 + c * 50 + (x * y) % 23) % 256); };
    auto base = qwenvl::decode_image_memory(make_jpeg(45, 37, JCS_RGB, 3, f, false), "b.jpg");
    auto prog = qwenvl::decode_image_memory(make_jpeg(45, 37, JCS_RGB, 3, f, true), "p.jpg");
    QVERIFY2(base.ok() && prog.ok(), (base.message() + prog.message()).c_str());
    QVERIFY(base->pixels == prog->pixels);
  }

  // Cut anywhere, even just the final EOI marker, refused: the Huffman decoder reads ahead past the
  // last MCU, so Pillow's suspending source runs dry and ImageFile.load raises "image file is
  // truncated"; here libjpeg's "premature end" warning is an error. Bytes after EOI are never read.
  void jpeg_truncated() {
    auto f = [](int x, int y, int c) { return unsigned((x * 31 + y * 17 + c * 50) * 2654435761u >> 24); };
    const std::string jpg = make_jpeg(64, 64, JCS_RGB, 3, f);
    for (size_t cut : {size_t(3), size_t(100), jpg.size() / 2, jpg.size() - 40}) {
      auto img = qwenvl::decode_image_memory(jpg.substr(0, cut), "cut.jpg");
      QVERIFY2(!img.ok(), qPrintable(QString("cut at %1 of %2 accepted").arg(cut).arg(jpg.size())));
      QVERIFY2(img.message().rfind("cut.jpg: ", 0) == 0, img.message().c_str());
    }
    auto no_eoi = qwenvl::decode_image_memory(jpg.substr(0, jpg.size() - 2), "noeoi.jpg");
    QVERIFY(!no_eoi.ok());
    QVERIFY2(no_eoi.message().find("Premature end") != std::string::npos, no_eoi.message().c_str());
    auto full = qwenvl::decode_image_memory(jpg, "full.jpg");
    auto trailing = qwenvl::decode_image_memory(jpg + "trailing bytes after EOI", "trailing.jpg");
    QVERIFY2(full.ok() && trailing.ok(), trailing.message().c_str());
    QVERIFY(full->pixels == trailing->pixels);
  }
};

QTEST_GUILESS_MAIN(TstJpegDecode)
#include "tst_jpeg_decode.moc"
