// What an encrypted layer's annotations say about who can open it, without any key: per keys annotation, its
// scheme and one line per recipient (JWE alg/kid/curve, PGP key ids, pkcs7 recipient count, the KBS key id).
// Never reveals key material.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/result.hpp"

namespace coco::ocicrypt {

struct SchemeRecipients {
  std::string scheme;                   // "jwe", "pgp", "pkcs7", "provider.NAME"
  std::vector<std::string> recipients;  // e.g. "RSA-OAEP", "ECDH-ES+A256KW P-256", "pgp key 0123ABCD…", "kbs:///r/t/g"
};

Result<std::vector<SchemeRecipients>> describe_layer_keys(const std::map<std::string, std::string>& annotations);

} // namespace coco::ocicrypt
