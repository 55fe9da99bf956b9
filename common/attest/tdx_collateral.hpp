// Intel DCAP collateral for TDX quotes: TCB info (v3, id "TDX") and QE identity (id "TD_QE") as served by the
// Intel PCS (api.trustedservices.intel.com /tdx/certification/v4/{tcb,qe/identity}), evaluated the way Intel's
// Quote Verification Library does (SGX-TDX-DCAP-QuoteVerificationLibrary, TcbLevelCheck / EnclaveIdentity).
//
// Each body is {"tcbInfo"|"enclaveIdentity": {...}, "signature": "<hex r||s>"}; the signature (ECDSA P-256,
// SHA-256) covers the exact text of the inner object and is made by the "Intel SGX TCB Signing" certificate whose
// chain (PCS response header) leads to the Intel SGX Root CA. Bodies re-serialised by tools (pretty-printed) are
// accepted when their compact re-serialisation with key order kept verifies.
//
// Evaluation: FMSPC and PCE ID of the PCK certificate must equal the TCB info's; the QE report must match the QE
// identity (MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under their masks) and its ISVSVN selects a QE TCB
// level; the TDX module identity "TDX_<TEE_TCB_SVN[1] hex>" (when TEE_TCB_SVN[1] > 0) must exist, match
// MRSIGNER_SEAM / SEAM_ATTRIBUTES and its ISVSVN (TEE_TCB_SVN[0]) selects a module level; the first TCB level
// whose 16 SGX components and PCESVN are <= the PCK certificate's and whose TDX components are <= TEE_TCB_SVN
// (from index 2 when TEE_TCB_SVN[1] > 0) gives the platform status; the result is the worst of the three.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/attest/tdx.hpp"
#include "common/base/result.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {

struct TdxCollateral {
  std::string tcb_info_body;    // PCS response body text
  std::string qe_identity_body; // PCS response body text
  std::vector<crypto::Certificate> signing_chain; // TCB signing cert (+ root), as in the PCS issuer-chain header
};

// Files in DIR: tcb_info.json, qe_identity.json, tcb_signing_chain.pem.
Result<TdxCollateral> load_tdx_collateral(const std::filesystem::path& dir);

struct TdxTcbResult {
  std::string tcb_status;                 // "UpToDate", "OutOfDate", "TcbNotSupported", …
  std::string tcb_date;                   // of the matched platform TCB level
  std::vector<std::string> advisory_ids;
  bool collateral_expired = false;        // `at` after a nextUpdate
  std::string qe_status, module_status, platform_status;
};

// Evaluate a quote (with its verified PCK certificate) against collateral at time `at`. Errors: signature or
// identity mismatches (Kind::denied, naming the item). A TcbNotSupported/Revoked result is returned, not an error.
Result<TdxTcbResult> evaluate_tdx_collateral(const TdxQuote& quote, const crypto::Certificate& pck,
                                             const TdxCollateral& collateral, std::time_t at,
                                             const std::vector<crypto::Certificate>& roots);

// The DCAP claims Trustee merges into the TDX claims: tcb_status, tcb_date, advisory_ids,
// collateral_expiration_status ("0"/"1").
nlohmann::json tdx_collateral_claims(const TdxTcbResult& result);

// Whether Trustee treats the status as acceptable (everything but TcbNotSupported, Revoked and unknown values).
bool tdx_tcb_status_acceptable(const std::string& status);

} // namespace coco::attest
