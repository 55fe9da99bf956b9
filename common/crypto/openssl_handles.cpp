#include "common/crypto/openssl_handles.hpp"

#include <openssl/err.h>

namespace coco::crypto::ossl {

Error error(Kind kind, std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_peek_error();
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    if (reason != nullptr) {
      message += " (";
      message += reason;
      message += ")";
    }
  }
  ERR_clear_error();
  return make_error(kind, std::move(message));
}

void clear_errors() { ERR_clear_error(); }

} // namespace coco::crypto::ossl
