// TPM 2.0 quote evidence through tpm2-tss ESAPI, in guest-components' TPM attester format (tpm.hpp): a quote over
// SHA-256 PCRs 0..23 by the RSA AK at a persistent handle, qualifyingData = the first 32 bytes of the runtime
// digest, the 24 PCR values, and the AK public key as DER SubjectPublicKeyInfo.
#include <cstdio>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "common/attest/signature.hpp"
#include "common/attest/source.hpp"

namespace coco::attest {
namespace {

Error tss_error(const std::string& what, TSS2_RC rc) {
  return make_error(Kind::io, "tpm: " + what + " failed: " + Tss2_RC_Decode(rc));
}

template <typename T>
struct EsysFree {
  void operator()(T* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

// An ESAPI context over a TCTI, finalised in reverse order.
class TpmContext {
public:
  TpmContext() = default;
  TpmContext(const TpmContext&) = delete;
  TpmContext& operator=(const TpmContext&) = delete;
  ~TpmContext() {
    if (m_esys != nullptr) {
      Esys_Finalize(&m_esys);
    }
    if (m_tcti != nullptr) {
      Tss2_TctiLdr_Finalize(&m_tcti);
    }
  }
  Status open(const std::optional<std::string>& tcti) {
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti ? tcti->c_str() : nullptr, &m_tcti);
    if (rc != TSS2_RC_SUCCESS) {
      return make_error(Kind::not_found, "tpm: no TPM reachable (TCTI " + (tcti ? *tcti : std::string("default")) +
                                             "): " + Tss2_RC_Decode(rc),
                        "check /dev/tpmrm0 or set the TCTI (e.g. swtpm:host=localhost,port=2321)");
    }
    rc = Esys_Initialize(&m_esys, m_tcti, nullptr);
    if (rc != TSS2_RC_SUCCESS) {
      return tss_error("Esys_Initialize", rc);
    }
    return ok();
  }
  [[nodiscard]] ESYS_CONTEXT* esys() const { return m_esys; }

private:
  TSS2_TCTI_CONTEXT* m_tcti = nullptr;
  ESYS_CONTEXT* m_esys = nullptr;
};

// DER SubjectPublicKeyInfo of an RSA TPM2B_PUBLIC.
Result<Bytes> rsa_spki(const TPM2B_PUBLIC& pub) {
  if (pub.publicArea.type != TPM2_ALG_RSA) {
    return make_error(Kind::unsupported, "tpm: the AK is not an RSA key");
  }
  const auto& rsa = pub.publicArea.unique.rsa;
  std::uint32_t exponent = pub.publicArea.parameters.rsaDetail.exponent;
  if (exponent == 0) {
    exponent = 65537;
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* n = BN_bin2bn(rsa.buffer, rsa.size, nullptr);
  BIGNUM* e = BN_new();
  BN_set_word(e, exponent);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  const bool built = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                     EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  if (!built) {
    return make_error(Kind::internal, "tpm: cannot build the AK public key");
  }
  detail::PkeyPtr holder(key);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    return make_error(Kind::internal, "tpm: cannot encode the AK public key");
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

class TpmSource final : public EvidenceSource {
public:
  TpmSource(std::optional<std::string> tcti, std::uint32_t ak_handle) : m_tcti(std::move(tcti)), m_ak_handle(ak_handle) {}
  [[nodiscard]] std::string name() const override { return "tpm"; }
  [[nodiscard]] Tee tee() const override { return Tee::tpm; }

  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    TpmContext tpm;
    COCO_TRY_STATUS(tpm.open(m_tcti));
    ESYS_TR ak = ESYS_TR_NONE;
    TSS2_RC rc = Esys_TR_FromTPMPublic(tpm.esys(), m_ak_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak);
    if (rc != TSS2_RC_SUCCESS) {
      char handle[16];
      std::snprintf(handle, sizeof handle, "0x%08x", m_ak_handle);
      return make_error(Kind::not_found, std::string("tpm: no attestation key at persistent handle ") + handle + ": " +
                                             Tss2_RC_Decode(rc),
                        "create one: tpm2_createek, tpm2_createak -G rsa -g sha256 -s rsassa, tpm2_evictcontrol");
    }
    TPM2B_PUBLIC* pub_raw = nullptr;
    rc = Esys_ReadPublic(tpm.esys(), ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub_raw, nullptr, nullptr);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    if (rc != TSS2_RC_SUCCESS) {
      return tss_error("reading the AK public key", rc);
    }
    COCO_TRY(auto spki, rsa_spki(*pub));

    const Bytes nonce = report_data_for(Tee::tpm, digest_bytes);
    TPM2B_DATA qualifying{};
    qualifying.size = static_cast<UINT16>(nonce.size());
    std::copy(nonce.begin(), nonce.end(), qualifying.buffer);
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_RSASSA;
    scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    TPML_PCR_SELECTION selection{};
    selection.count = 1;
    selection.pcrSelections[0].hash = TPM2_ALG_SHA256;
    selection.pcrSelections[0].sizeofSelect = 3;
    selection.pcrSelections[0].pcrSelect[0] = 0xFF;
    selection.pcrSelections[0].pcrSelect[1] = 0xFF;
    selection.pcrSelections[0].pcrSelect[2] = 0xFF;
    TPM2B_ATTEST* quoted_raw = nullptr;
    TPMT_SIGNATURE* signature_raw = nullptr;
    rc = Esys_Quote(tpm.esys(), ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying, &scheme, &selection,
                    &quoted_raw, &signature_raw);
    EsysPtr<TPM2B_ATTEST> quoted(quoted_raw);
    EsysPtr<TPMT_SIGNATURE> signature(signature_raw);
    if (rc != TSS2_RC_SUCCESS) {
      return tss_error("TPM2_Quote", rc);
    }
    Bytes sig_bytes(sizeof(TPMT_SIGNATURE));
    std::size_t offset = 0;
    rc = Tss2_MU_TPMT_SIGNATURE_Marshal(signature.get(), sig_bytes.data(), sig_bytes.size(), &offset);
    if (rc != TSS2_RC_SUCCESS) {
      return tss_error("marshalling the quote signature", rc);
    }
    sig_bytes.resize(offset);

    // PCRs one at a time: a TPM returns at most 8 digests per read and may return fewer.
    nlohmann::json pcrs = nlohmann::json::array();
    for (unsigned i = 0; i < 24; ++i) {
      TPML_PCR_SELECTION one{};
      one.count = 1;
      one.pcrSelections[0].hash = TPM2_ALG_SHA256;
      one.pcrSelections[0].sizeofSelect = 3;
      one.pcrSelections[0].pcrSelect[i / 8] = static_cast<BYTE>(1U << (i % 8));
      TPML_DIGEST* values_raw = nullptr;
      rc = Esys_PCR_Read(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &one, nullptr, nullptr, &values_raw);
      EsysPtr<TPML_DIGEST> values(values_raw);
      if (rc != TSS2_RC_SUCCESS || values->count != 1) {
        return make_error(Kind::io, "tpm: reading PCR " + std::to_string(i) + " failed");
      }
      pcrs.push_back(hex_encode(std::span<const std::uint8_t>(values->digests[0].buffer, values->digests[0].size)));
    }
    return nlohmann::json{
        {"tpm_quote",
         {{"signature", base64_encode(sig_bytes)},
          {"message", base64_encode(std::span<const std::uint8_t>(quoted->attestationData, quoted->size))},
          {"pcrs", pcrs}}},
        {"ak_public", base64_encode(spki)},
    };
  }

private:
  std::optional<std::string> m_tcti;
  std::uint32_t m_ak_handle;
};

} // namespace

std::unique_ptr<EvidenceSource> make_tpm_source(std::optional<std::string> tcti, std::uint32_t ak_handle) {
  return std::make_unique<TpmSource>(std::move(tcti), ak_handle);
}

} // namespace coco::attest
