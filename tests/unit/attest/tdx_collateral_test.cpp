#include "common/attest/tdx_collateral.hpp"

#include <catch2/catch.hpp>

#include "common/attest/vendor_roots.hpp"
#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_bytes;

namespace {
void stage(const std::filesystem::path& dir, const std::string& tcb, const std::string& qe) {
  const auto base = test::vectors_dir() / "evidence/tdx";
  std::filesystem::copy_file(base / tcb, dir / "tcb_info.json");
  std::filesystem::copy_file(base / qe, dir / "qe_identity.json");
  std::filesystem::copy_file(base / "collateral-intel-2023/tcb-info-issuer-chain.pem", dir / "tcb_signing_chain.pem");
}

constexpr std::time_t k_feb_2026 = 1771200000; // 2026-02-16, inside the v5 collateral window
constexpr std::time_t k_nov_2025 = 1762992000; // 2025-11-13, inside the 2025 collateral window

Result<nlohmann::json> verify_with(const std::string& quote, const std::filesystem::path& dir, std::time_t at) {
  VerifierOptions options;
  options.tdx_collateral_dir = dir;
  options.at_time = at;
  return verify_tdx_quote(load_vector_bytes(quote), std::nullopt, std::nullopt, options);
}
} // namespace

TEST_CASE("the go-tdx-guest v5 quote is UpToDate with its collateral", "[attest][tdx][collateral]") {
  test::TempDir dir;
  stage(dir.path(), "collateral-intel-2023/sample_tcbinfo_response_v5.json", "collateral-intel-2023/sample_qeIdentity_response.json");
  auto claims = verify_with("tdx/go-tdx-guest-quote_v5_sample.dat", dir.path(), k_feb_2026);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["tcb_status"] == "UpToDate");
  CHECK((*claims)["tcb_date"] == "2024-11-13T00:00:00Z");
  // The QE identity beside it expired in 2023 (nextUpdate 2023-07-08): reported, not fatal (as Trustee).
  CHECK((*claims)["collateral_expiration_status"] == "1");
}

TEST_CASE("Trustee's padded quote is OutOfDate with the 2025 collateral and still accepted", "[attest][tdx][collateral]") {
  test::TempDir dir;
  stage(dir.path(), "collateral-intel-2025/trustee-tcbInfo.json", "collateral-intel-2025/trustee-enclaveIdentity.json");
  auto claims = verify_with("tdx/trustee-tdx_quote_6.dat", dir.path(), k_nov_2025);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["tcb_status"] == "OutOfDate");
  CHECK((*claims)["tcb_date"].get<std::string>().rfind("2018-01-04", 0) == 0);
  CHECK((*claims)["advisory_ids"] == nlohmann::json::array()); // the 2018-01-04 level lists none
  CHECK((*claims)["collateral_expiration_status"] == "0");
}

TEST_CASE("quotes whose platform TCB matches no level are TcbNotSupported and refused", "[attest][tdx][collateral]") {
  test::TempDir v5;
  stage(v5.path(), "collateral-intel-2023/sample_tcbinfo_response_v5.json", "collateral-intel-2023/sample_qeIdentity_response.json");
  auto q5 = verify_with("tdx/trustee-tdx_quote_5.dat", v5.path(), k_feb_2026);
  REQUIRE_FALSE(q5);
  CHECK(q5.error().message == "tdx: TCB status is TcbNotSupported");

  test::TempDir v4;
  stage(v4.path(), "collateral-intel-2023/sample_tcbInfo_response.json", "collateral-intel-2023/sample_qeIdentity_response.json");
  auto spr = verify_with("tdx/go-tdx-guest-tdx_prod_quote_SPR_E4.dat", v4.path(), k_feb_2026);
  REQUIRE_FALSE(spr);
  CHECK(spr.error().message == "tdx: TCB status is TcbNotSupported");
}

TEST_CASE("Trustee's v4 quote meets the 2023-02-15 level of the same FMSPC", "[attest][tdx][collateral]") {
  // SOURCE.md guessed TcbNotSupported (unconfirmed). The data say otherwise: PCK SGX components
  // 05 05 0d 02 03 01 00 03 0.. >= the level's 05 05 02 02 03 01 00 03 0.., PCESVN 11 >= 11, TEE_TCB_SVN 03 00 05 00..
  // == the level's TDX components, QE ISVSVN meets the QE identity: UpToDate under Intel's level-matching rule.
  test::TempDir v4;
  stage(v4.path(), "collateral-intel-2023/sample_tcbInfo_response.json", "collateral-intel-2023/sample_qeIdentity_response.json");
  auto claims = verify_with("tdx/trustee-tdx_quote_4.dat", v4.path(), k_feb_2026);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["tcb_status"] == "UpToDate");
  CHECK((*claims)["tcb_date"] == "2023-02-15T00:00:00Z");
}

TEST_CASE("collateral for another platform or with a broken signature is refused", "[attest][tdx][collateral]") {
  test::TempDir other;
  stage(other.path(), "collateral-intel-2025/trustee-tcbInfo.json", "collateral-intel-2025/trustee-enclaveIdentity.json");
  auto mismatch = verify_with("tdx/go-tdx-guest-quote_v5_sample.dat", other.path(), k_feb_2026);
  REQUIRE_FALSE(mismatch);
  CHECK(contains(mismatch.error().message, "TCB info mismatch"));

  test::TempDir tampered;
  stage(tampered.path(), "collateral-intel-2023/sample_tcbinfo_response_v5.json", "collateral-intel-2023/sample_qeIdentity_response.json");
  auto text = read_file(tampered.path() / "tcb_info.json");
  REQUIRE(text);
  const auto at = text->find("\"UpToDate\"");
  REQUIRE(at != std::string::npos);
  std::filesystem::permissions(tampered.path() / "tcb_info.json", std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  REQUIRE(write_file_atomic(tampered.path() / "tcb_info.json", text->replace(at, 10, "\"OutOfDat\"")));
  auto broken = verify_with("tdx/go-tdx-guest-quote_v5_sample.dat", tampered.path(), k_feb_2026);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message == "tdx: TCB info signature does not verify with the TCB signing certificate");
}

TEST_CASE("PCK certificate SGX extensions parse", "[attest][tdx][collateral]") {
  auto quote = parse_tdx_quote(load_vector_bytes("tdx/trustee-tdx_quote_6.dat"));
  REQUIRE(quote);
  auto check = verify_tdx_quote_signatures(*quote, {});
  REQUIRE(check);
  auto ext = parse_pck_extensions(*check->pck);
  REQUIRE(ext);
  CHECK(hex_encode(ext->fmspc) == "00a06d080000");
  CHECK(ext->pce_svn == 11);
  CHECK(ext->cpu_svn.size() == 16);
}
