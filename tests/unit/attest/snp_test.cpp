#include "common/attest/snp.hpp"

#include <catch2/catch.hpp>

#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_bytes;
using coco::test::load_vector_json;

namespace {

const char* const k_e2e_measurement =
    "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e";

struct E2e {
  nlohmann::json evidence;
  SnpReport report;
  std::vector<SnpCertEntry> chain;
};

E2e load_e2e() {
  E2e e;
  e.evidence = load_vector_json("snp/trustee-e2e-snp-evidence.json");
  auto bytes = encode_snp_report_json(e.evidence["attestation_report"]);
  REQUIRE(bytes);
  auto report = parse_snp_report(*bytes);
  REQUIRE(report);
  e.report = *report;
  Bytes der;
  for (const auto& v : e.evidence["cert_chain"][0]["data"]) {
    der.push_back(v.get<std::uint8_t>());
  }
  e.chain.push_back(SnpCertEntry{"VCEK", der});
  return e;
}

crypto::Certificate load_cert(const std::string& relative) {
  auto cert = crypto::Certificate::from_der(load_vector_bytes(relative));
  REQUIRE(cert);
  return *cert;
}

} // namespace

TEST_CASE("the Trustee e2e SNP evidence verifies offline with the bundled Genoa roots", "[attest][snp]") {
  const auto e = load_e2e();
  auto verifier = make_verifier(Tee::snp);
  REQUIRE(verifier);
  auto claims = (*verifier)->evaluate(e.evidence, e.report.report_data, Bytes(32, 0));
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["measurement"] == k_e2e_measurement);
  CHECK((*claims)["reported_tcb_bootloader"] == 10);
  CHECK((*claims)["reported_tcb_tee"] == 0);
  CHECK((*claims)["reported_tcb_snp"] == 23);
  CHECK((*claims)["reported_tcb_microcode"] == 25);
  CHECK((*claims)["policy_abi_major"] == 0);
  CHECK((*claims)["policy_smt_allowed"] == true);
  CHECK((*claims)["policy_debug_allowed"] == false);
  CHECK((*claims)["platform_smt_enabled"] == true);   // plat_info 0x25
  CHECK((*claims)["platform_tsme_enabled"] == false);
  CHECK((*claims)["report_data"].get<std::string>().substr(0, 6) == "7e7320");
  CHECK((*claims)["init_data"] == std::string(64, '0'));
  CHECK((*claims)["chip_id"].get<std::string>().size() == 128);
  CHECK_FALSE(claims->contains("simulated"));
  CHECK(snp_generation(e.report).value() == SnpGeneration::genoa);
}

TEST_CASE("SNP report data and host data are compared in Trustee's forms", "[attest][snp]") {
  const auto e = load_e2e();
  auto verifier = make_verifier(Tee::snp);
  REQUIRE(verifier);
  Bytes wrong = e.report.report_data;
  wrong[0] ^= 1;
  auto bad = (*verifier)->evaluate(e.evidence, wrong, std::nullopt);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == Kind::denied);
  CHECK(bad.error().message == "snp: REPORT_DATA does not match the expected runtime-data digest");
  // 48 significant bytes + zero padding: the digest alone (resized to 64) must also match when the tail is zero.
  auto bad_host = (*verifier)->evaluate(e.evidence, std::nullopt, Bytes(32, 1));
  REQUIRE_FALSE(bad_host);
  CHECK(contains(bad_host.error().message, "HOST_DATA"));
}

TEST_CASE("SNP serde JSON and binary report forms round-trip", "[attest][snp]") {
  const auto e = load_e2e();
  CHECK(snp_report_to_json(e.report) == e.evidence["attestation_report"]);
  CHECK(e.report.raw.size() == k_snp_report_size);
}

TEST_CASE("version 2 SNP reports parse and their signatures verify but Trustee's checks reject them", "[attest][snp]") {
  auto report = parse_snp_report(load_vector_bytes("snp/trustee-test-report.bin"));
  REQUIRE(report);
  CHECK(report->version == 2);
  CHECK(hex_encode(report->measurement) ==
        "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c");
  CHECK(report->policy == 0x3001F);
  CHECK(report->reported_tcb.bootloader == 3);
  CHECK(report->reported_tcb.snp == 8);
  CHECK(report->reported_tcb.microcode == 115);
  const auto vcek = load_cert("snp/trustee-test-vcek.der");
  CHECK(snp_signature_valid(*report, vcek));
  auto verdict = verify_snp_report(*report, {SnpCertEntry{"VCEK", vcek.der()}}, std::nullopt, std::nullopt, {});
  REQUIRE_FALSE(verdict);
  CHECK(contains(verdict.error().message, "version 2 is not accepted"));

  auto go = parse_snp_report(load_vector_bytes("snp/go-sev-guest-attestation.bin"));
  REQUIRE(go);
  CHECK(snp_signature_valid(*go, load_cert("snp/go-sev-guest-vcek.der")));
  CHECK(snp_claims(*go)["policy_debug_allowed"] == true);
  CHECK_FALSE(snp_signature_valid(*go, vcek));
}

TEST_CASE("the VLEK report chains through the ASVK and is rejected at the VMPL check", "[attest][snp]") {
  auto report = parse_snp_report(load_vector_bytes("snp/trustee-test-vlek-report.bin"));
  REQUIRE(report);
  CHECK(report->signing_key() == 1);
  const auto vlek = load_cert("snp/trustee-test-vlek.der");
  CHECK(snp_signature_valid(*report, vlek));
  auto verdict = verify_snp_report(*report, {SnpCertEntry{"VLEK", vlek.der()}}, std::nullopt, std::nullopt, {});
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().message == "snp: VMPL is 1, must be 0");
}

TEST_CASE("a VCEK of another generation does not chain to the report's roots", "[attest][snp]") {
  const auto e = load_e2e();
  const auto milan_vcek = load_cert("snp/trustee-test-vcek.der");
  auto verdict = verify_snp_report(e.report, {SnpCertEntry{"VCEK", milan_vcek.der()}}, std::nullopt, std::nullopt, {});
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().message == "snp: the VCEK is not signed by the Genoa ASK");
}

TEST_CASE("without a cert_chain the VCEK comes from the offline cache", "[attest][snp]") {
  const auto e = load_e2e();
  auto missing = verify_snp_report(e.report, {}, std::nullopt, std::nullopt, {});
  REQUIRE_FALSE(missing);
  CHECK(contains(missing.error().message, "no VCEK cache directory"));

  test::TempDir cache;
  VerifierOptions options;
  options.snp_vek_cache_dir = cache.path();
  auto empty = verify_snp_report(e.report, {}, std::nullopt, std::nullopt, options);
  REQUIRE_FALSE(empty);
  CHECK(contains(empty.error().message, "the cache has none"));

  const auto path = snp_vek_cache_path(cache.path(), e.report);
  std::filesystem::create_directories(path.parent_path());
  REQUIRE(write_file_atomic(path, as_string(e.chain[0].der)));
  CHECK(path.filename() == "vcek-10-0-23-25.der");
  auto claims = verify_snp_report(e.report, {}, std::nullopt, std::nullopt, options);
  REQUIRE(claims);
  CHECK((*claims)["measurement"] == k_e2e_measurement);
}

TEST_CASE("one flipped bit anywhere in an SNP report fails with a message naming the check", "[attest][snp]") {
  const auto e = load_e2e();
  const std::pair<std::size_t, const char*> flips[] = {
      {0x000, "version"},        {0x008, "report signature"}, {0x030, "report signature"}, {0x050, "report signature"},
      {0x090, "report signature"}, {0x0C0, "report signature"}, {0x180, "report signature"}, {0x188, "generation"},
      {0x1A0, "report signature"}, {0x29F, "report signature"}, {0x2A0, "report signature"}, {0x2E7, "report signature"},
      {0x2E8, "report signature"}, {0x32F, "report signature"}, {0x3FF, "reserved"},         {0x49F, "reserved"},
  };
  for (const auto& [offset, expected] : flips) {
    Bytes bytes = e.report.raw;
    bytes[offset] ^= 0x01;
    INFO("offset 0x" << std::hex << offset);
    auto report = parse_snp_report(bytes);
    std::string message;
    if (!report) {
      message = report.error().message;
    } else {
      auto verdict = verify_snp_report(*report, e.chain, std::nullopt, std::nullopt, {});
      REQUIRE_FALSE(verdict);
      message = verdict.error().message;
    }
    INFO(message);
    CHECK(message.rfind("snp: ", 0) == 0);
    CHECK(contains(message, expected));
  }
}

TEST_CASE("malformed SNP evidence is invalid, not an exception", "[attest][snp]") {
  auto verifier = make_verifier(Tee::snp);
  REQUIRE(verifier);
  auto e = load_vector_json("snp/trustee-e2e-snp-evidence.json");
  e["attestation_report"]["measurement"].erase(0);
  auto r = (*verifier)->evaluate(e, std::nullopt, std::nullopt);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Kind::invalid);
  CHECK(contains(r.error().message, "measurement"));
  auto r2 = (*verifier)->evaluate(nlohmann::json::array(), std::nullopt, std::nullopt);
  REQUIRE_FALSE(r2);
  CHECK_FALSE(parse_snp_report(Bytes(100, 0)));
}
