#include "common/attest/vendor_roots.hpp"

#include <string>

#include "common/attest/embedded_roots.inc"
#include "common/base/encoding.hpp"

namespace coco::attest {

std::string_view generation_name(SnpGeneration generation) {
  switch (generation) {
  case SnpGeneration::milan: return "Milan";
  case SnpGeneration::genoa: return "Genoa";
  case SnpGeneration::turin: return "Turin";
  }
  return "unknown";
}

Result<AmdVendorCerts> amd_vendor_certs(SnpGeneration generation) {
  const std::string_view pem = generation == SnpGeneration::milan   ? k_pem_milan_ask_ark_asvk
                               : generation == SnpGeneration::genoa ? k_pem_genoa_ask_ark_asvk
                                                                    : k_pem_turin_ask_ark_asvk;
  COCO_TRY(auto certs, crypto::Certificate::parse_pem_bundle(pem));
  if (certs.size() != 3) {
    return make_error(Kind::internal,
                      "snp: embedded " + std::string(generation_name(generation)) + " ASK/ARK/ASVK bundle is malformed");
  }
  return AmdVendorCerts{certs[0], certs[1], certs[2]};
}

Result<crypto::Certificate> intel_sgx_root_ca() {
  COCO_TRY(auto root, crypto::Certificate::from_pem(k_pem_intel_sgx_root_ca));
  if (hex_encode(root.spki_sha256()) != k_intel_sgx_root_spki_sha256) {
    return make_error(Kind::internal, "tdx: embedded Intel SGX root CA does not match its pinned key");
  }
  return root;
}

} // namespace coco::attest
