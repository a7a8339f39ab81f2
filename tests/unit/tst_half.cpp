// Bulk fp16 widening (half_to_float_n, F16C where the CPU has it, chosen by CPUID so that the
// tree builds with clang 14) against the scalar reference for every one of the 65536 values.
#include <QtTest>

#include <cmath>
#include <cstring>
#include <vector>

#include "util/half.h"

using namespace qwenvl;

class TestHalf : public QObject {
  Q_OBJECT
 private slots:
  void bulkMatchesScalarForEveryValue() {
    std::vector<uint16_t> in(65536 + 5);  // odd length: the vector loop's scalar tail runs too
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint16_t>(i);
    std::vector<float> out(in.size());
    half_to_float_n(in.data(), out.data(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      const float want = half_to_float(in[i]);
      if (std::isnan(want)) {
        // F16C quiets signalling NaNs; a NaN stays a NaN of the same sign either way.
        QVERIFY(std::isnan(out[i]) && std::signbit(out[i]) == std::signbit(want));
        continue;
      }
      uint32_t a, b;
      std::memcpy(&a, &out[i], 4);
      std::memcpy(&b, &want, 4);
      if (a != b)
        QFAIL(qPrintable(QString("fp16 0x%1 widened to %2, expected %3").arg(in[i], 4, 16).arg(out[i]).arg(want)));
    }
  }
};

QTEST_GUILESS_MAIN(TestHalf)
#include "tst_half.moc"
