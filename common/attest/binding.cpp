#include "common/attest/binding.hpp"

#include <algorithm>

#include <openssl/evp.h>

#include "common/jose/jcs.hpp"

namespace coco::attest {

std::string_view tee_name(Tee tee) {
  switch (tee) {
  case Tee::sample: return "sample";
  case Tee::snp: return "snp";
  case Tee::tdx: return "tdx";
  case Tee::tpm: return "tpm";
  case Tee::az_snp_vtpm: return "az-snp-vtpm";
  case Tee::az_tdx_vtpm: return "az-tdx-vtpm";
  case Tee::se: return "se";
  }
  return "unknown";
}

Result<Tee> parse_tee(std::string_view name) {
  for (const Tee tee : {Tee::sample, Tee::snp, Tee::tdx, Tee::tpm, Tee::az_snp_vtpm, Tee::az_tdx_vtpm, Tee::se}) {
    if (tee_name(tee) == name) {
      return tee;
    }
  }
  return make_error(Kind::usage, "unknown tee '" + std::string(name) + "'",
                    "use one of sample, snp, tdx, tpm, az-snp-vtpm, az-tdx-vtpm, se");
}

Bytes digest(HashAlgorithm algorithm, std::span<const std::uint8_t> data) {
  const EVP_MD* md = algorithm == HashAlgorithm::sha256   ? EVP_sha256()
                     : algorithm == HashAlgorithm::sha384 ? EVP_sha384()
                                                          : EVP_sha512();
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  out.resize(len);
  return out;
}

HashAlgorithm binding_hash(Tee tee) { return tee == Tee::se ? HashAlgorithm::sha512 : HashAlgorithm::sha384; }

nlohmann::json runtime_data_object(std::string_view nonce, const nlohmann::json& tee_pubkey_jwk,
                                   std::optional<std::string_view> additional_evidence) {
  nlohmann::json object = {{"nonce", std::string(nonce)}, {"tee-pubkey", tee_pubkey_jwk}};
  if (additional_evidence) {
    object["additional-evidence"] = std::string(*additional_evidence);
  }
  return object;
}

Result<Bytes> runtime_data_digest(std::string_view nonce, const nlohmann::json& tee_pubkey_jwk,
                                  std::optional<std::string_view> additional_evidence, HashAlgorithm algorithm) {
  COCO_TRY(auto text, jose::canonicalize(runtime_data_object(nonce, tee_pubkey_jwk, additional_evidence)));
  return digest(algorithm, as_bytes(text));
}

Bytes resize_data(std::span<const std::uint8_t> data, std::size_t size) {
  Bytes out(size, 0);
  std::copy_n(data.begin(), std::min(size, data.size()), out.begin());
  return out;
}

Bytes report_data_for(Tee tee, std::span<const std::uint8_t> digest_bytes) {
  switch (tee) {
  case Tee::snp:
  case Tee::tdx: return resize_data(digest_bytes, 64);
  case Tee::tpm: return resize_data(digest_bytes, 32);
  case Tee::sample:
  case Tee::az_snp_vtpm: // the vTPM nonce and HCL user-data carry D itself
  case Tee::az_tdx_vtpm:
  case Tee::se: break;
  }
  return {digest_bytes.begin(), digest_bytes.end()};
}

} // namespace coco::attest
