#include "common/attest/sim.hpp"

#include <catch2/catch.hpp>

#include "common/attest/source.hpp"
#include "common/attest/tdx.hpp"
#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;

namespace {
// Generating two RSA-4096 keys is slow: one simulated root directory for all tests in this file.
const std::filesystem::path& sim_dir() {
  static test::TempDir dir;
  static const bool initialised = [] {
    auto status = init_sim_roots(dir.path() / "sim");
    INFO((status ? std::string() : status.error().message));
    REQUIRE(status);
    return true;
  }();
  (void)initialised;
  static const std::filesystem::path path = dir.path() / "sim";
  return path;
}

Bytes filled(std::size_t n, std::uint8_t v) { return Bytes(n, v); }
} // namespace

TEST_CASE("simulated SNP evidence verifies only when the simulated roots are trusted", "[attest][sim]") {
  SimSnpReportParams params;
  params.measurement = filled(48, 0xAB);
  params.report_data = filled(64, 0x01);
  params.host_data = filled(32, 0x02);
  auto evidence = sim_snp_evidence(sim_dir(), params);
  REQUIRE(evidence);

  auto stock = make_verifier(Tee::snp);
  REQUIRE(stock);
  auto refused = (*stock)->evaluate(*evidence, std::nullopt, std::nullopt);
  REQUIRE_FALSE(refused);
  CHECK(contains(refused.error().message, "not signed by the Genoa ASK"));

  VerifierOptions options;
  options.sim_dir = sim_dir();
  auto sim = make_verifier(Tee::snp, options);
  REQUIRE(sim);
  auto claims = (*sim)->evaluate(*evidence, filled(64, 0x01), filled(32, 0x02));
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["simulated"] == true);
  CHECK((*claims)["measurement"] == hex_encode(filled(48, 0xAB)));
  CHECK((*claims)["reported_tcb_snp"] == 23);
  CHECK((*claims)["chip_id"] == hex_encode(filled(64, 0x5a)));
}

TEST_CASE("simulated SNP reports are real binary reports: bit flips and TCB mismatches fail", "[attest][sim]") {
  VerifierOptions options;
  options.sim_dir = sim_dir();
  SimSnpReportParams params;
  auto bytes = sim_snp_report(sim_dir(), params);
  REQUIRE(bytes);
  auto vcek_pem = read_file(sim_dir() / "snp" / "vcek.pem");
  REQUIRE(vcek_pem);
  auto vcek = crypto::Certificate::from_pem(*vcek_pem);
  REQUIRE(vcek);
  const std::vector<SnpCertEntry> chain{{"VCEK", vcek->der()}};
  auto report = parse_snp_report(*bytes);
  REQUIRE(report);
  REQUIRE(verify_snp_report(*report, chain, std::nullopt, std::nullopt, options));

  (*bytes)[0x95] ^= 0x10;
  auto flipped = parse_snp_report(*bytes);
  REQUIRE(flipped);
  auto verdict = verify_snp_report(*flipped, chain, std::nullopt, std::nullopt, options);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().message == "snp: report signature does not verify with the VCEK");

  params.reported_tcb = SnpTcb{std::nullopt, 10, 0, 24, 25};
  auto newer = sim_snp_report(sim_dir(), params);
  REQUIRE(newer);
  auto newer_report = parse_snp_report(*newer);
  REQUIRE(newer_report);
  auto tcb_verdict = verify_snp_report(*newer_report, chain, std::nullopt, std::nullopt, options);
  REQUIRE_FALSE(tcb_verdict);
  CHECK(contains(tcb_verdict.error().message, "SNP SVN 23 does not match the report's reported_tcb 24"));
}

TEST_CASE("simulated TDX quotes verify only when the simulated roots are trusted", "[attest][sim]") {
  SimTdxQuoteParams params;
  params.mr_td = filled(48, 0x42);
  params.report_data = filled(64, 0x07);
  params.mr_config_id = filled(48, 0x09);
  auto evidence = sim_tdx_evidence(sim_dir(), params);
  REQUIRE(evidence);

  auto stock = make_verifier(Tee::tdx);
  REQUIRE(stock);
  auto refused = (*stock)->evaluate(*evidence, std::nullopt, std::nullopt);
  REQUIRE_FALSE(refused);
  CHECK(contains(refused.error().message, "does not chain to a trusted root"));

  VerifierOptions options;
  options.sim_dir = sim_dir();
  auto sim = make_verifier(Tee::tdx, options);
  REQUIRE(sim);
  auto claims = (*sim)->evaluate(*evidence, filled(64, 0x07), filled(48, 0x09));
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["simulated"] == true);
  CHECK((*claims)["quote"]["body"]["mr_td"] == hex_encode(filled(48, 0x42)));
  CHECK((*claims)["td_attributes"]["septve_disable"] == true);
  CHECK((*claims)["td_attributes"]["debug"] == false);

  auto quote = sim_tdx_quote(sim_dir(), params);
  REQUIRE(quote);
  (*quote)[200] ^= 1;
  auto verdict = verify_tdx_quote(*quote, std::nullopt, std::nullopt, options);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().message == "tdx: quote signature does not verify with the attestation key");
}

TEST_CASE("sim init refuses to overwrite existing roots", "[attest][sim]") {
  auto again = init_sim_roots(sim_dir());
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == Kind::conflict);
}

TEST_CASE("simulated sources bind the runtime digest and verify end to end", "[attest][sim][source]") {
  SourceOptions options;
  options.sim_dir = sim_dir();
  options.sim_snp.measurement = filled(48, 0x33);
  VerifierOptions trust;
  trust.sim_dir = sim_dir();
  const Bytes d = digest(HashAlgorithm::sha384, as_bytes(std::string_view("runtime")));
  for (const char* name : {"sim-snp", "sim-tdx"}) {
    INFO(name);
    auto source = open_source(name, options);
    REQUIRE(source);
    auto evidence = (*source)->evidence(d);
    REQUIRE(evidence);
    auto verifier = make_verifier((*source)->tee(), trust);
    REQUIRE(verifier);
    auto claims = (*verifier)->evaluate(*evidence, report_data_for((*source)->tee(), d), std::nullopt);
    INFO((claims ? std::string() : claims.error().message));
    REQUIRE(claims);
    CHECK((*claims)["simulated"] == true);
  }
}
