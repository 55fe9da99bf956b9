// Turning common/cli's resolved option groups into common/oci's transport options (copy and inspect).
#pragma once

#include "common/cli/options.hpp"
#include "common/oci/transport.hpp"

namespace coco_tool {

inline coco::Result<coco::oci::RegistryOptions> registry_options(const coco::cli::RegistryOptions& flags) {
  COCO_TRY(coco::cli::RegistryAccess access, flags.resolve());
  coco::oci::RegistryOptions out;
  out.authfile = access.authfile;
  out.tls_verify = access.tls_verify;
  out.cert_dir = access.cert_dir;
  if (access.credentials) {
    if (access.credentials->password.empty()) {
      return coco::make_error(coco::Kind::usage, "--creds: no password given", "write USER:PASSWORD or use an auth file");
    }
    out.credentials = coco::oci::Credentials{access.credentials->username, access.credentials->password};
  }
  return out;
}

} // namespace coco_tool
