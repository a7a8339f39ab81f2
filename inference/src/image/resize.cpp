// Pillow's ImagingResample (libImaging/Resample.c) with the BICUBIC filter on 8-bit RGB, bit-exact:
// double-precision filter weights normalised per output pixel, then 22-bit fixed point; a
// horizontal pass over only the rows the vertical pass reads, then the vertical pass; each pass
// rounds and clips to uint8. This file is compiled with -ffp-contract=off (see sources.cmake):
// a fused multiply-add in the weights would change some rounded coefficients.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "image/image.h"
#include "util/parallel.h"

namespace qwenvl {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS
constexpr double kSupport = 2.0;            // bicubic support before widening

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// For every output position: the first input sample, how many follow, and ksize fixed-point weights.
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

// precompute_coeffs + normalize_coeffs_8bpc for the box (0, 0, in_size) that resize() passes; the
// box edges are floats in Pillow, hence the float subtraction.
Taps make_taps(int in_size, int out_size) {
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kSupport * filterscale;
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation toward zero, as in C
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = bicubic_filter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    int32_t* out = &t.weights[static_cast<size_t>(xx) * t.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      // Pillow rounds half away from zero by adding +-0.5 and truncating.
      out[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                     : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    t.first[xx] = xmin;
    t.count[xx] = xmax;
  }
  return t;
}

// The integer loops gain most from 32-bit vector multiplies (SSE4.1/AVX2), which baseline x86-64
// lacks; GCC builds both and picks one at load time. Only integer code is cloned: the weights are
// computed once, outside, so every clone gives the same bytes.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define QWENVL_RESIZE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QWENVL_RESIZE_CLONES
#endif

inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;  // arithmetic shift: floor, as Pillow's lookup index
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Rows [row_begin, row_end) of `dst` (dst_width wide) from rows offset + same of `src`. Four rows
// share each output column's weights, so they are filtered together: twelve independent integer
// sums per tap instead of three (about 10% faster than one row at a time).
QWENVL_RESIZE_CLONES void horizontal_rows(const uint8_t* src, int src_width, int offset, uint8_t* dst, int dst_width,
                                          const Taps& taps, size_t row_begin, size_t row_end) {
  constexpr int32_t half = 1 << (kPrecisionBits - 1);
  constexpr size_t kRows = 4;
  const size_t in_stride = static_cast<size_t>(src_width) * 3, out_stride = static_cast<size_t>(dst_width) * 3;
  size_t y = row_begin;
  for (; y + kRows <= row_end; y += kRows) {
    const uint8_t* in = src + (y + offset) * in_stride;
    uint8_t* out = dst + y * out_stride;
    for (int xx = 0; xx < dst_width; ++xx) {
      const int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
      const uint8_t* p = in + static_cast<size_t>(taps.first[xx]) * 3;
      int32_t s[kRows * 3];
      for (int32_t& v : s) v = half;
      for (int x = 0, n = taps.count[xx]; x < n; ++x, p += 3) {
        const int32_t w = k[x];
        for (size_t r = 0; r < kRows; ++r)
          for (int c = 0; c < 3; ++c) s[r * 3 + c] += p[r * in_stride + c] * w;
      }
      for (size_t r = 0; r < kRows; ++r)
        for (int c = 0; c < 3; ++c) out[r * out_stride + 3 * xx + c] = clip8(s[r * 3 + c]);
    }
  }
  for (; y < row_end; ++y) {  // the last rows, fewer than four
    const uint8_t* in = src + (y + offset) * in_stride;
    uint8_t* out = dst + y * out_stride;
    for (int xx = 0; xx < dst_width; ++xx) {
      const int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
      const uint8_t* p = in + static_cast<size_t>(taps.first[xx]) * 3;
      int32_t s0 = half, s1 = half, s2 = half;
      for (int x = 0, n = taps.count[xx]; x < n; ++x, p += 3) {
        s0 += p[0] * k[x];
        s1 += p[1] * k[x];
        s2 += p[2] * k[x];
      }
      out[3 * xx] = clip8(s0);
      out[3 * xx + 1] = clip8(s1);
      out[3 * xx + 2] = clip8(s2);
    }
  }
}

// Output rows [row_begin, row_end); every channel of a row shares the row's weights, so whole
// rows are accumulated at once (integer sums: the order does not change the result).
QWENVL_RESIZE_CLONES void vertical_rows(const uint8_t* src, uint8_t* dst, int width, const Taps& taps, size_t row_begin,
                                        size_t row_end) {
  constexpr int32_t half = 1 << (kPrecisionBits - 1);
  const size_t stride = static_cast<size_t>(width) * 3;
  std::vector<int32_t> acc(stride);
  for (size_t yy = row_begin; yy < row_end; ++yy) {
    std::fill(acc.begin(), acc.end(), half);
    const int32_t* k = &taps.weights[yy * taps.ksize];
    for (int y = 0, n = taps.count[yy]; y < n; ++y) {
      const uint8_t* in = src + static_cast<size_t>(taps.first[yy] + y) * stride;
      const int32_t w = k[y];
      for (size_t i = 0; i < stride; ++i) acc[i] += in[i] * w;
    }
    uint8_t* out = dst + yy * stride;
    for (size_t i = 0; i < stride; ++i) out[i] = clip8(acc[i]);
  }
}

void for_rows(ThreadPool* pool, size_t rows, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (pool && pool->size() > 1 && rows > grain) {
    pool->parallel_for(rows, grain, fn);
  } else {
    fn(0, rows);
  }
}

}  // namespace

RgbImage resize_bicubic(const RgbImage& in, int out_width, int out_height, ThreadPool* pool) {
  RgbImage out;
  if (out_width <= 0 || out_height <= 0 || in.width <= 0 || in.height <= 0 ||
      in.pixels.size() != static_cast<size_t>(in.width) * in.height * 3) {
    return out;  // nothing sensible to produce; callers check width == 0
  }
  const bool need_horizontal = out_width != in.width;
  const bool need_vertical = out_height != in.height;
  if (!need_horizontal && !need_vertical) return in;  // Pillow copies an unchanged size

  const Taps vert = make_taps(in.height, out_height);
  const int y_first = vert.first[0];
  const int y_last = vert.first[out_height - 1] + vert.count[out_height - 1];

  const uint8_t* src = in.pixels.data();
  int src_width = in.width;
  RgbImage temp;
  if (need_horizontal) {
    const Taps horiz = make_taps(in.width, out_width);
    temp.width = out_width;
    temp.height = y_last - y_first;
    temp.pixels.resize(static_cast<size_t>(temp.width) * temp.height * 3);
    for_rows(pool, static_cast<size_t>(temp.height), 16, [&](size_t b, size_t e) {
      horizontal_rows(in.pixels.data(), in.width, y_first, temp.pixels.data(), out_width, horiz, b, e);
    });
    if (!need_vertical) return temp;  // y_first is 0 and temp holds every row
    src = temp.pixels.data();
    src_width = out_width;
  }

  Taps shifted = vert;
  if (need_horizontal) {
    for (int& f : shifted.first) f -= y_first;  // temp starts at input row y_first
  }
  out.width = src_width;
  out.height = out_height;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  for_rows(pool, static_cast<size_t>(out_height), 16,
           [&](size_t b, size_t e) { vertical_rows(src, out.pixels.data(), src_width, shifted, b, e); });
  return out;
}

}  // namespace qwenvl
