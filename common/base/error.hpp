// Error: what went wrong (kind), about what (message, naming the subject), and what to do (hint).
//
// Messages are lowercase without a final period, as git writes them: "layer 2 (sha256:ab12…): HMAC mismatch".
// They never contain secrets.
#pragma once

#include <string>
#include <string_view>

namespace coco {

enum class Kind {
  failure,      // generic failure (exit 1)
  usage,        // bad command line or argument (exit 2)
  invalid,      // malformed input: a file, a reference, a document (exit 1)
  not_found,    // a file, image, blob, resource that does not exist (exit 1)
  io,           // reading or writing failed (exit 1)
  network,      // connection, TLS, DNS (exit 1)
  auth,         // credentials missing or refused (exit 1)
  integrity,    // digest or MAC mismatch, tampering (exit 1)
  unsupported,  // a format or feature coco does not handle (exit 1)
  conflict,     // already exists, concurrent change (exit 1)
  denied,       // a verification or policy said no (exit 3)
  internal,     // a bug (exit 70)
  interrupted,  // SIGINT/SIGTERM (exit 130)
};

std::string_view kind_name(Kind kind);

// The documented exit codes (every man page lists them).
enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_failure = 1,
  k_exit_usage = 2,
  k_exit_denied = 3,
  k_exit_internal = 70,
  k_exit_interrupted = 130,
};

int exit_code_for(Kind kind);

struct Error {
  Kind kind = Kind::failure;
  std::string message;
  std::string hint;

  // Prefix the message with context: err.context("layer 2") turns "HMAC mismatch" into
  // "layer 2: HMAC mismatch". Returns *this so it can be used in a return statement.
  Error& context(std::string_view what) &;
  Error&& context(std::string_view what) &&;
  Error& with_hint(std::string_view h) &;
  Error&& with_hint(std::string_view h) &&;
};

Error make_error(Kind kind, std::string message, std::string hint = {});

} // namespace coco
