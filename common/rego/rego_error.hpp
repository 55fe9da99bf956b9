// Errors from parsing, compiling and evaluating Rego, in OPA's shape: a code such as `rego_parse_error`
// or `eval_conflict_error`, a message, and the file:row:col it is about (OPA ast/errors.go, topdown/errors.go).
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "common/rego/ast.hpp"

namespace coco::rego {

struct RegoError {
  std::string code;
  std::string message;
  Location loc;

  // {"code": C, "message": M, "location": {"file": F, "row": R, "col": C}}
  [[nodiscard]] nlohmann::json to_json() const;
  // "file:row:col: code: message"
  [[nodiscard]] std::string to_string() const;
};

// Thrown inside the engine only; every public entry point catches it and returns a RegoError value.
struct RegoException : std::exception {
  explicit RegoException(RegoError e) : error(std::move(e)) {}
  RegoError error;
  [[nodiscard]] const char* what() const noexcept override { return error.message.c_str(); }
};

[[noreturn]] inline void throw_rego(std::string code, std::string message, Location loc = {}) {
  throw RegoException(RegoError{std::move(code), std::move(message), std::move(loc)});
}

} // namespace coco::rego
