// Status and Result<T>: how every picket module reports failure.
//
// No exception crosses a module boundary. A function that can fail returns a
// Status (or a Result<T> that holds either a value or a non-OK Status). The
// message names what failed and where (file, line, key, pid, ...), so it can
// be shown to the operator unchanged. Both types are plain values and may be
// used from any thread.
#ifndef PICKET_STATUS_H_
#define PICKET_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace picket {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kCorruption,
    kIOError,
    kPermissionDenied,
    kUnavailable,
    kResourceExhausted,
    kNotSupported,
  };

  // An OK status carries no message.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view msg) {
    return Status(Code::kNotFound, msg);
  }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status Corruption(std::string_view msg) {
    return Status(Code::kCorruption, msg);
  }
  static Status IOError(std::string_view msg) {
    return Status(Code::kIOError, msg);
  }
  static Status PermissionDenied(std::string_view msg) {
    return Status(Code::kPermissionDenied, msg);
  }
  static Status Unavailable(std::string_view msg) {
    return Status(Code::kUnavailable, msg);
  }
  static Status ResourceExhausted(std::string_view msg) {
    return Status(Code::kResourceExhausted, msg);
  }
  static Status NotSupported(std::string_view msg) {
    return Status(Code::kNotSupported, msg);
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "IO error: open /x: No such file or directory"; "OK" when ok().
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Turns an errno value into a Status whose message is "<context>: <strerror>".
// ENOENT maps to NotFound, EACCES/EPERM to PermissionDenied, ENOMEM/ENOBUFS/
// EMFILE/ENFILE/ENOSPC to ResourceExhausted, EAGAIN to Unavailable, the rest
// to IOError.
Status ErrnoStatus(std::string_view context, int err);

// Either a T or a non-OK Status. Constructing from an OK Status is a
// programming error and yields an Unavailable status instead of a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status)                          // NOLINT: implicit by design
      : status_(status.ok() ? Status::Unavailable("Result built from OK")
                            : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace picket

// Returns early from the enclosing function when `expr` is not OK.
#define PICKET_RETURN_IF_ERROR(expr) \
  do {                               \
    ::picket::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

#endif  // PICKET_STATUS_H_
