// Result<T>: a value or an Error, shaped like std::expected (which GCC 12 only has in C++23).
//
// Library code returns Result<T>; only a tool's main turns an Error into text and an exit code.
#pragma once

#include <cassert>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/base/error.hpp"

namespace coco {

// Wraps an Error so that `return unexpected(err);` and `return err;` both read naturally.
template <typename T>
class [[nodiscard]] Result {
public:
  using value_type = T;

  Result(const T& value) : m_data(std::in_place_index<0>, value) {} // NOLINT(google-explicit-constructor)
  Result(T&& value) : m_data(std::in_place_index<0>, std::move(value)) {} // NOLINT(google-explicit-constructor)
  Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {} // NOLINT(google-explicit-constructor)

  // Converting construction from any type T is constructible from (e.g. string literal -> std::string).
  template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, Error> &&
             !std::is_same_v<std::remove_cvref_t<U>, Result<T>>)
  Result(U&& value) : m_data(std::in_place_index<0>, T(std::forward<U>(value))) {} // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return m_data.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { check(); return std::get<0>(m_data); }
  const T& value() const& { check(); return std::get<0>(m_data); }
  T&& value() && { check(); return std::get<0>(std::move(m_data)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const& {
    if (has_value()) {
      throw std::logic_error("Result::error() called on a value");
    }
    return std::get<1>(m_data);
  }
  [[nodiscard]] Error&& error() && {
    if (has_value()) {
      throw std::logic_error("Result::error() called on a value");
    }
    return std::get<1>(std::move(m_data));
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(m_data) : static_cast<T>(std::forward<U>(fallback));
  }

private:
  void check() const {
    if (!has_value()) {
      // A programming error: the caller did not check. Reported as internal error (exit 70).
      throw std::logic_error("Result::value() on an error: " + std::get<1>(m_data).message);
    }
  }
  std::variant<T, Error> m_data;
};

template <>
class [[nodiscard]] Result<void> {
public:
  using value_type = void;
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_failed(true) {} // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const noexcept { return !m_failed; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (m_failed) {
      throw std::logic_error("Result::value() on an error: " + m_error.message);
    }
  }
  [[nodiscard]] const Error& error() const& {
    if (!m_failed) {
      throw std::logic_error("Result::error() called on a value");
    }
    return m_error;
  }
  [[nodiscard]] Error&& error() && {
    if (!m_failed) {
      throw std::logic_error("Result::error() called on a value");
    }
    return std::move(m_error);
  }

private:
  Error m_error;
  bool m_failed = false;
};

using Status = Result<void>;

inline Status ok() { return {}; }

} // namespace coco

// Propagate an error: `COCO_TRY(auto x, parse(...));` or `COCO_TRY_STATUS(write(...));`.
#define COCO_CONCAT_INNER(a, b) a##b
#define COCO_CONCAT(a, b) COCO_CONCAT_INNER(a, b)
#define COCO_TRY_IMPL(tmp, decl, expr)                                                                      \
  auto tmp = (expr);                                                                                        \
  if (!tmp) {                                                                                               \
    return std::move(tmp).error();                                                                          \
  }                                                                                                         \
  decl = std::move(tmp).value()
#define COCO_TRY(decl, expr) COCO_TRY_IMPL(COCO_CONCAT(coco_try_, __LINE__), decl, expr)
#define COCO_TRY_STATUS(expr)                                                                               \
  do {                                                                                                      \
    auto coco_try_status = (expr);                                                                          \
    if (!coco_try_status) {                                                                                 \
      return std::move(coco_try_status).error();                                                            \
    }                                                                                                       \
  } while (false)
