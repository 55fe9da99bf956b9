#include "common/crypto/x509.hpp"

#include <catch2/catch.hpp>

#include "common/attest/vendor_roots.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using coco::crypto::Certificate;

namespace {
Certificate load_der(const std::string& relative) {
  auto data = read_file(test::vectors_dir() / relative);
  REQUIRE(data);
  auto cert = Certificate::from_der(as_bytes(*data));
  REQUIRE(cert);
  return *cert;
}
} // namespace

TEST_CASE("the embedded AMD bundles hold ASK, ARK and ASVK signed with RSA-PSS by the ARK", "[attest][x509]") {
  for (const auto gen : {attest::SnpGeneration::milan, attest::SnpGeneration::genoa, attest::SnpGeneration::turin}) {
    auto certs = attest::amd_vendor_certs(gen);
    REQUIRE(certs);
    const std::string name(attest::generation_name(gen));
    CHECK(certs->ark.common_name() == "ARK-" + name);
    CHECK(certs->ask.common_name() == "SEV-" + name);
    CHECK(certs->asvk.common_name() == "SEV-VLEK-" + name);
    CHECK(certs->ark.is_self_signed());
    CHECK(certs->ask.is_signed_by(certs->ark));
    CHECK(certs->asvk.is_signed_by(certs->ark));
    CHECK_FALSE(certs->ark.is_signed_by(certs->ask));
  }
}

TEST_CASE("a real VCEK chains to the Milan ARK and exposes its TCB extensions", "[attest][x509]") {
  const Certificate vcek = load_der("evidence/snp/trustee-test-vcek.der");
  auto amd = attest::amd_vendor_certs(attest::SnpGeneration::milan);
  REQUIRE(amd);
  const std::vector<Certificate> inter{amd->ask};
  const std::vector<Certificate> roots{amd->ark};
  auto path = crypto::verify_chain(vcek, inter, roots);
  REQUIRE(path);
  CHECK(path->size() == 3);
  CHECK(vcek.common_name() == "SEV-VCEK");
  auto ucode = vcek.extension("1.3.6.1.4.1.3704.1.3.8");
  REQUIRE(ucode);
  auto value = crypto::der_integer_value(*ucode);
  REQUIRE(value);
  CHECK(*value == 115);
  CHECK_FALSE(vcek.extension("1.2.3.4"));

  // Against the Genoa roots it must fail and name the certificate.
  auto genoa = attest::amd_vendor_certs(attest::SnpGeneration::genoa);
  REQUIRE(genoa);
  const std::vector<Certificate> groots{genoa->ark};
  const std::vector<Certificate> ginter{genoa->ask};
  auto bad = crypto::verify_chain(vcek, ginter, groots);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("SEV-VCEK") != std::string::npos);
}

TEST_CASE("a VCEK with a broken signature does not chain", "[attest][x509]") {
  const Certificate vcek = load_der("evidence/snp/trustee-test-vcek-invalid-new.der");
  auto amd = attest::amd_vendor_certs(attest::SnpGeneration::milan);
  REQUIRE(amd);
  const std::vector<Certificate> inter{amd->ask};
  const std::vector<Certificate> roots{amd->ark};
  auto path = crypto::verify_chain(vcek, inter, roots);
  REQUIRE_FALSE(path);
  CHECK(path.error().message.find("signature does not verify") != std::string::npos);
}

TEST_CASE("validity times are checked only when asked", "[attest][x509]") {
  const Certificate vlek = load_der("evidence/snp/trustee-test-vlek.der");
  auto amd = attest::amd_vendor_certs(attest::SnpGeneration::milan);
  REQUIRE(amd);
  const std::vector<Certificate> inter{amd->asvk};
  const std::vector<Certificate> roots{amd->ark};
  CHECK(crypto::verify_chain(vlek, inter, roots));
  crypto::ChainOptions at_2027;
  at_2027.at_time = 1798761600; // 2027-01-01, after the VLEK's notAfter
  auto expired = crypto::verify_chain(vlek, inter, roots, at_2027);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().message.find("not valid") != std::string::npos);
}

TEST_CASE("the Intel root is pinned by its SPKI hash", "[attest][x509]") {
  auto root = attest::intel_sgx_root_ca();
  REQUIRE(root);
  CHECK(hex_encode(root->sha256()) == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  auto pem = read_file(test::vectors_dir() / "evidence/tdx/intel-qvl-testca/trustedRootCaCert.pem");
  REQUIRE(pem);
  auto test_root = Certificate::from_pem(*pem);
  REQUIRE(test_root);
  CHECK(test_root->common_name() == root->common_name());
  CHECK(test_root->spki_sha256() != root->spki_sha256());
}

TEST_CASE("garbage is not a certificate", "[attest][x509]") {
  const Bytes junk{0x30, 0x03, 0x02, 0x01, 0x01};
  CHECK_FALSE(Certificate::from_der(junk));
  CHECK_FALSE(Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}
