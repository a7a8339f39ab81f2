// Errors as values: Status (ok or a message a person can act on) and Result<T> (a value or a
// Status). Nothing in the public API throws; every failure carries which file, what was
// expected and what was found.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace qwenvl {

// What kind of failure, for programs that word it themselves (the app translates these; the CLI
// prints message()). kGeneric: only the English message describes it.
enum class ErrorCode {
  kGeneric = 0,
  kModelFolderNotFound,   // args: folder
  kModelFileMissing,      // args: folder, file name
  kBackendNotBuilt,       // args: backend title
  kCudaNotInstalled,      // args: none
  kCudaLibrariesMissing,  // args: what the loader said
  kNoNvidiaDriver,        // args: none
  kNvidiaDriverTooOld,    // args: driver's CUDA version, the CUDA version needed
  kNoGpu,                 // args: none
  kGpuTooOld,             // args: GPU name, its compute capability
};

class Status {
 public:
  Status() = default;
  static Status error(std::string message) { return Status(std::move(message)); }
  // An error with a code and the arguments a translation needs; `message` stays the English text.
  static Status coded(ErrorCode code, std::vector<std::string> args, std::string message) {
    Status s(std::move(message));
    s.code_ = code;
    s.args_ = std::move(args);
    return s;
  }
  ErrorCode code() const { return code_; }
  const std::vector<std::string>& args() const { return args_; }

  bool ok() const { return !message_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Empty for an ok status.
  const std::string& message() const {
    static const std::string empty;
    return message_ ? *message_ : empty;
  }
  // Prefixes context ("loading model: ") to an error; leaves ok untouched.
  // The code and arguments stay: context is for the English message only.
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    Status s(context + *message_);
    s.code_ = code_;
    s.args_ = args_;
    return s;
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
  ErrorCode code_ = ErrorCode::kGeneric;
  std::vector<std::string> args_;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must be an error status
  static Result error(std::string message) { return Result(Status::error(std::move(message))); }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  const std::string& message() const {
    static const std::string empty;
    return ok() ? empty : std::get<Status>(v_).message();
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace qwenvl

// Returns early from a function returning Status or Result<U> when `expr` (a Status) failed.
#define QWENVL_TRY(expr)                                     \
  do {                                                       \
    ::qwenvl::Status qwenvl_try_status_ = (expr);            \
    if (!qwenvl_try_status_.ok()) return qwenvl_try_status_; \
  } while (0)
