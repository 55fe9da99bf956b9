#include "common/base/error.hpp"

namespace coco {

std::string_view kind_name(Kind kind) {
  switch (kind) {
  case Kind::failure: return "failure";
  case Kind::usage: return "usage";
  case Kind::invalid: return "invalid";
  case Kind::not_found: return "not_found";
  case Kind::io: return "io";
  case Kind::network: return "network";
  case Kind::auth: return "auth";
  case Kind::integrity: return "integrity";
  case Kind::unsupported: return "unsupported";
  case Kind::conflict: return "conflict";
  case Kind::denied: return "denied";
  case Kind::internal: return "internal";
  case Kind::interrupted: return "interrupted";
  }
  return "failure";
}

int exit_code_for(Kind kind) {
  switch (kind) {
  case Kind::usage: return k_exit_usage;
  case Kind::denied: return k_exit_denied;
  case Kind::internal: return k_exit_internal;
  case Kind::interrupted: return k_exit_interrupted;
  default: return k_exit_failure;
  }
}

Error& Error::context(std::string_view what) & {
  message = std::string(what) + ": " + message;
  return *this;
}

Error&& Error::context(std::string_view what) && {
  message = std::string(what) + ": " + message;
  return std::move(*this);
}

Error& Error::with_hint(std::string_view h) & {
  hint = std::string(h);
  return *this;
}

Error&& Error::with_hint(std::string_view h) && {
  hint = std::string(h);
  return std::move(*this);
}

Error make_error(Kind kind, std::string message, std::string hint) {
  return Error{kind, std::move(message), std::move(hint)};
}

} // namespace coco
