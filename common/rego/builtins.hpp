// Built-in functions (OPA's names, arities and error texts: open-policy-agent/opa topdown/*.go and
// ast/builtins.go). Errors are thrown as BuiltinError; the evaluator turns them into `eval_type_error` /
// `eval_builtin_error` in strict mode, or into "undefined" in OPA's default non-strict mode.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/rego/value.hpp"

namespace coco::rego {

struct BuiltinError {
  std::string code; // eval_type_error or eval_builtin_error
  std::string message;
};

struct BuiltinContext {
  int64_t now_ns = 0; // time.now_ns: fixed for one evaluation, as OPA does
  // Compiled regular expressions by pattern, for this evaluation (type-erased re2::RE2).
  std::map<std::string, std::shared_ptr<const void>> regex_cache;
};

using BuiltinFn = Value (*)(const std::vector<Value>& args, BuiltinContext& ctx);

struct BuiltinDef {
  const char* name;
  int arity; // -1: any number (print)
  BuiltinFn fn;
};

// nullptr when there is no built-in with that name.
const BuiltinDef* find_builtin(const std::string& name);

} // namespace coco::rego
