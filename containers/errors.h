// Errors as values, after SerenityOS's ErrorOr: a kernel function returns
// either its result or a Linux errno (positive here, negated only at the
// system call boundary), with an optional message for the host side (the
// ELF loader says which field was wrong).
#pragma once
#include <string>
#include <utility>

namespace isolab::containers {

struct Error {
  int code = 0;         // a linux_abi::Errno value
  std::string message;  // for people: what and where; may be empty
};

template <class T>
class ErrorOr {
 public:
  ErrorOr(T value) : value_(std::move(value)) {}
  ErrorOr(Error e) : error_(std::move(e)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }
  const Error& error() const { return error_; }
  int code() const { return error_.code; }

 private:
  T value_{};
  Error error_;
  bool ok_ = true;
};

inline Error make_error(int code, std::string message = {}) { return Error{code, std::move(message)}; }

}  // namespace isolab::containers
