// resize_bicubic (Pillow's BICUBIC) and normalize_clip (torchvision ToTensor + Normalize):
// values worked out by hand from Resample.c's formulas, properties any Pillow resize has, and a
// plain per-pixel reference of the same algorithm on sizes the fixtures do not cover.
#include <QtTest>

#include <cmath>
#include <random>

#include "image/image.h"
#include "util/parallel.h"

namespace {

qwenvl::RgbImage make_image(int w, int h, uint32_t seed) {
  qwenvl::RgbImage img;
  img.width = w, img.height = h;
  img.pixels.resize(size_t(w) * h * 3);
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = uint8_t(rng() & 0xff);
  return img;
}

qwenvl::RgbImage constant_image(int w, int h, uint8_t v) {
  qwenvl::RgbImage img;
  img.width = w, img.height = h;
  img.pixels.assign(size_t(w) * h * 3, v);
  return img;
}

qwenvl::RgbImage grey_row(const std::vector<uint8_t>& values) {  // values.size() x 1
  qwenvl::RgbImage img;
  img.width = int(values.size()), img.height = 1;
  for (uint8_t v : values) img.pixels.insert(img.pixels.end(), {v, v, v});
  return img;
}

qwenvl::RgbImage transpose(const qwenvl::RgbImage& in) {
  qwenvl::RgbImage out;
  out.width = in.height, out.height = in.width;
  out.pixels.resize(in.pixels.size());
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x)
      for (int c = 0; c < 3; ++c)
        out.pixels[(size_t(x) * out.width + y) * 3 + c] = in.pixels[(size_t(y) * in.width + x) * 3 + c];
  return out;
}

// Reference: Resample.c's algorithm spelled out per output sample, nothing precomputed.
double ref_filter(double x) {
  x = std::fabs(x);
  if (x < 1.0) return ((-0.5 + 2.0) * x - (-0.5 + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * -0.5;
  return 0.0;
}

// One output sample along an axis of `in_size` samples; get(i) reads input sample i.
template <class Get>
uint8_t ref_sample(int in_size, int out_size, int xx, Get get) {
  const double scale = double(float(in_size)) / out_size;
  const double fs = std::max(scale, 1.0), support = 2.0 * fs, center = (xx + 0.5) * scale;
  const int lo = std::max(0, int(center - support + 0.5));
  const int hi = std::min(in_size, int(center + support + 0.5));
  double sum = 0;
  const double ss = 1.0 / fs;  // Pillow multiplies by the reciprocal; dividing could round differently
  for (int i = lo; i < hi; ++i) sum += ref_filter((i - center + 0.5) * ss);
  int acc = 1 << 21;
  for (int i = lo; i < hi; ++i) {
    const double w = ref_filter((i - center + 0.5) * ss), k = sum != 0 ? w / sum : w;
    acc += get(i) * int(k < 0 ? k * (1 << 22) - 0.5 : k * (1 << 22) + 0.5);
  }
  return uint8_t(std::clamp(acc >> 22, 0, 255));
}

qwenvl::RgbImage reference_resize(const qwenvl::RgbImage& in, int w, int h) {
  if (w == in.width && h == in.height) return in;
  qwenvl::RgbImage mid = in;  // horizontal pass first (all rows: the row range only saves work)
  if (w != in.width) {
    mid.width = w;
    mid.pixels.assign(size_t(w) * in.height * 3, 0);
    for (int y = 0; y < in.height; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c)
          mid.pixels[(size_t(y) * w + x) * 3 + c] =
              ref_sample(in.width, w, x, [&](int i) { return in.pixels[(size_t(y) * in.width + i) * 3 + c]; });
  }
  if (h == in.height) return mid;
  qwenvl::RgbImage out;
  out.width = mid.width, out.height = h;
  out.pixels.assign(size_t(mid.width) * h * 3, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < mid.width; ++x)
      for (int c = 0; c < 3; ++c)
        out.pixels[(size_t(y) * mid.width + x) * 3 + c] =
            ref_sample(in.height, h, y, [&](int i) { return mid.pixels[(size_t(i) * mid.width + x) * 3 + c]; });
  return out;
}

}  // namespace

class TstImageResize : public QObject {
  Q_OBJECT

 private slots:
  // Same size on both axes: Pillow returns a copy, untouched.
  void identity() {
    const auto img = make_image(37, 23, 1);
    const auto out = qwenvl::resize_bicubic(img, 37, 23);
    QCOMPARE(out.width, 37);
    QCOMPARE(out.height, 23);
    QVERIFY(out.pixels == img.pixels);
  }

  // Worked by hand from Resample.c. 2 -> 1: support 4, two taps of weight 1/2 each, so the result
  // is floor((a + b + 1) / 2). 2 -> 4 (support 2): normalised weights (1.0882, -0.0882),
  // (0.7929, 0.2071) and mirrored give 91.18, 120.71, 179.29, 208.82 for (100, 200), rounded.
  void hand_computed() {
    auto half = qwenvl::resize_bicubic(grey_row({0, 255}), 1, 1);
    QCOMPARE(int(half.pixels[0]), 128);
    half = qwenvl::resize_bicubic(grey_row({10, 21}), 1, 1);
    QCOMPARE(int(half.pixels[0]), 16);
    const auto up = qwenvl::resize_bicubic(grey_row({100, 200}), 4, 1);
    QCOMPARE(up.width, 4);
    const int want[4] = {91, 121, 179, 209};
    for (int x = 0; x < 4; ++x) QCOMPARE(int(up.pixels[3 * x]), want[x]);
    // Undershoot below 0 is clipped: (0, 255) -> first sample 255 * -0.0882 + 0.5 < 0.
    QCOMPARE(int(qwenvl::resize_bicubic(grey_row({0, 255}), 4, 1).pixels[0]), 0);
  }

  // The fixed-point weights of every output sample sum to 2^22 within a few units, so a flat image
  // stays exactly flat, up or down, on either or both axes.
  void constant_stays_constant_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("ow");
    QTest::addColumn<int>("oh");
    QTest::newRow("10x10 up") << 10 << 10 << 448 << 448;
    QTest::newRow("1000x3") << 1000 << 3 << 448 << 448;
    QTest::newRow("37x1000 to 5x7") << 37 << 1000 << 5 << 7;
    QTest::newRow("horizontal only") << 100 << 448 << 448 << 448;
    QTest::newRow("vertical only") << 448 << 100 << 448 << 448;
    QTest::newRow("3x3 to 1x1") << 3 << 3 << 1 << 1;
  }
  void constant_stays_constant() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, ow);
    QFETCH(int, oh);
    for (int v : {0, 1, 77, 254, 255}) {
      const auto out = qwenvl::resize_bicubic(constant_image(w, h, uint8_t(v)), ow, oh);
      QCOMPARE(out.width, ow);
      QCOMPARE(out.height, oh);
      QVERIFY2(std::all_of(out.pixels.begin(), out.pixels.end(), [v](uint8_t p) { return p == v; }),
               qPrintable(QString("value %1 not preserved").arg(v)));
    }
  }

  // From one pixel wide, the horizontal pass has a single tap of weight 1: rows are flat, and the
  // result is the transpose of resizing the transposed image (one rounding either way).
  void one_pixel_wide() {
    const auto column = make_image(1, 57, 7);
    const auto out = qwenvl::resize_bicubic(column, 448, 448);
    QCOMPARE(out.width, 448);
    QCOMPARE(out.height, 448);
    for (int y = 0; y < 448; ++y)
      for (int x = 1; x < 448; ++x)
        for (int c = 0; c < 3; ++c)
          QCOMPARE(out.pixels[(size_t(y) * 448 + x) * 3 + c], out.pixels[size_t(y) * 448 * 3 + c]);
    QVERIFY(transpose(qwenvl::resize_bicubic(transpose(column), 448, 448)).pixels == out.pixels);
    const auto dot = qwenvl::resize_bicubic(constant_image(1, 1, 42), 448, 448);
    QVERIFY(std::all_of(dot.pixels.begin(), dot.pixels.end(), [](uint8_t p) { return p == 42; }));
  }

  // Sizes the fixtures do not cover, against the plain reference; threads change nothing.
  void against_reference_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("ow");
    QTest::addColumn<int>("oh");
    QTest::newRow("up 13x7 to 64x64") << 13 << 7 << 64 << 64;
    QTest::newRow("down 301x199 to 37x41") << 301 << 199 << 37 << 41;
    QTest::newRow("mixed 90x500 to 300x60") << 90 << 500 << 300 << 60;
    QTest::newRow("1x9 to 5x3") << 1 << 9 << 5 << 3;
    QTest::newRow("odd ratio 1001x3 to 448x448") << 1001 << 3 << 448 << 448;
  }
  void against_reference() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, ow);
    QFETCH(int, oh);
    const auto img = make_image(w, h, uint32_t(w * 1000 + h));
    const auto got = qwenvl::resize_bicubic(img, ow, oh);
    const auto want = reference_resize(img, ow, oh);
    QCOMPARE(got.width, want.width);
    QCOMPARE(got.height, want.height);
    QVERIFY(got.pixels == want.pixels);
    qwenvl::ThreadPool pool(4);
    QVERIFY(qwenvl::resize_bicubic(img, ow, oh, &pool).pixels == got.pixels);
  }

  void degenerate_sizes() {
    const auto img = make_image(5, 5, 3);
    QCOMPARE(qwenvl::resize_bicubic(img, 0, 10).width, 0);
    QCOMPARE(qwenvl::resize_bicubic(img, 10, -1).width, 0);
    QCOMPARE(qwenvl::resize_bicubic(qwenvl::RgbImage{}, 10, 10).width, 0);
  }

  // ToTensor divides by 255 in float32; Normalize subtracts the float32 mean, divides by the std.
  void normalize_layout_and_values() {
    qwenvl::RgbImage img;
    img.width = 2, img.height = 1;
    img.pixels = {0, 128, 255, 255, 0, 1};
    std::vector<float> out(6, -99.0f);
    qwenvl::normalize_clip(img, out.data());
    const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    const float std_[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    for (int c = 0; c < 3; ++c)
      for (int x = 0; x < 2; ++x) {
        const float v = float(img.pixels[x * 3 + c]) / 255.0f;
        QCOMPARE(out[c * 2 + x], (v - mean[c]) / std_[c]);  // channel-major [3][h][w]
      }
    QVERIFY(std::fabs(out[0] - (-1.7922626f)) < 1e-6f);  // R = 0
    QVERIFY(std::fabs(out[1] - 1.9303361f) < 1e-6f);     // R = 255
  }
};

QTEST_GUILESS_MAIN(TstImageResize)
#include "tst_image_resize.moc"
