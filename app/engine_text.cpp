// Translated engine errors and device names; see engine_text.h.
#include "app/engine_text.h"

#include <QDir>
#include <QRegularExpression>

namespace qwenvl::app {

namespace {
QString arg(const Status& s, size_t i) { return i < s.args().size() ? QString::fromStdString(s.args()[i]) : QString(); }
}  // namespace

QString EngineText::describe(const Status& status) {
  if (status.ok()) return {};
  switch (status.code()) {
    case ErrorCode::kModelFolderNotFound:
      return tr("the folder “%1” does not exist.").arg(QDir::toNativeSeparators(arg(status, 0)));
    case ErrorCode::kModelFileMissing:
      return tr("“%2” is missing from “%1”: is this the Qwen-VL-Chat-Int4 folder, and is the download complete?")
          .arg(QDir::toNativeSeparators(arg(status, 0)), arg(status, 1));
    case ErrorCode::kBackendNotBuilt:
      return tr("this build of QwenVL Studio has no %1 backend; choose the CPU backend.").arg(arg(status, 0));
    case ErrorCode::kCudaNotInstalled:
      return tr("the GPU backend is not installed (package qwenvl-studio-cuda).");
    case ErrorCode::kCudaLibrariesMissing:
      return tr("NVIDIA’s CUDA 13 libraries were not found (%1).").arg(arg(status, 0));
    case ErrorCode::kNoNvidiaDriver:
      return tr("no NVIDIA driver was found; install it to use the GPU.");
    case ErrorCode::kNvidiaDriverTooOld:
      return tr("the NVIDIA driver supports CUDA %1, but the GPU backend needs CUDA %2; update the driver.")
          .arg(arg(status, 0), arg(status, 1));
    case ErrorCode::kNoGpu:
      return tr("the NVIDIA driver sees no GPU.");
    case ErrorCode::kGpuTooOld:
      return tr("the GPU %1 has compute capability %2; the GPU backend needs 8.0 (Ampere) or newer.")
          .arg(arg(status, 0), arg(status, 1));
    case ErrorCode::kGeneric:
      break;
  }
  // No code: the engine's English detail, as a sentence.
  QString english = QString::fromStdString(status.message());
  if (!english.isEmpty() && !english.endsWith(QLatin1Char('.'))) english += QLatin1Char('.');
  return english;
}

QString EngineText::device(const QString& d) {
  // The CUDA backend appends this when the vision tower is streamed from host memory.
  static const QLatin1String lowMemory(", low-memory mode");
  if (d.endsWith(lowMemory)) return tr("%1, low-memory mode").arg(device(d.chopped(lowMemory.size())));
  static const QRegularExpression cpu(QStringLiteral("^CPU, (\\d+) threads?$"));
  if (const QRegularExpressionMatch m = cpu.match(d); m.hasMatch()) {
    return tr("CPU, %n thread(s)", nullptr, m.captured(1).toInt());
  }
  static const QRegularExpression cuda(QStringLiteral("^(.*) \\(CUDA, compute (\\d+\\.\\d+)(.*)\\)$"));
  if (const QRegularExpressionMatch m = cuda.match(d); m.hasMatch()) {
    return tr("%1 (CUDA, compute capability %2%3)").arg(m.captured(1), m.captured(2), m.captured(3));
  }
  if (d == QLatin1String("scripted replies")) return tr("scripted replies");
  return d;
}

}  // namespace qwenvl::app
