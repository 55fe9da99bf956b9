#include "common/attest/source.hpp"

#include <cstring>

#include <catch2/catch.hpp>

#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;

namespace {
SourcePaths paths_under(const std::filesystem::path& root) {
  SourcePaths p;
  p.configfs_tsm = root / "config/tsm/report";
  p.sev_guest = root / "dev/sev-guest";
  p.tdx_guest = root / "dev/tdx_guest";
  p.ccel = root / "acpi/CCEL";
  p.tpm_devices = {root / "dev/tpmrm0"};
  return p;
}
} // namespace

TEST_CASE("the sample source produces evidence the sample verifier accepts for the same digest", "[attest][source]") {
  auto source = open_source("sample");
  REQUIRE(source);
  CHECK((*source)->tee() == Tee::sample);
  const Bytes d = digest(HashAlgorithm::sha384, as_bytes(std::string_view("runtime")));
  auto evidence = (*source)->evidence(d);
  REQUIRE(evidence);
  auto verifier = make_verifier(Tee::sample);
  REQUIRE(verifier);
  CHECK((*verifier)->evaluate(*evidence, report_data_for(Tee::sample, d), std::nullopt));
  CHECK_FALSE((*verifier)->evaluate(*evidence, Bytes(48, 0), std::nullopt));
}

TEST_CASE("no TEE interface on this machine is reported clearly", "[attest][source]") {
  test::TempDir root;
  SourceOptions options;
  options.paths = paths_under(root.path());
  const auto interfaces = probe_tee_interfaces(options.paths);
  REQUIRE(interfaces.size() == 5);
  for (const auto& i : interfaces) {
    INFO(i.name);
    CHECK_FALSE(i.present);
    CHECK_FALSE(i.detail.empty());
  }
  auto detected = detect_source(options);
  REQUIRE_FALSE(detected);
  CHECK(detected.error().kind == Kind::not_found);
  CHECK(contains(detected.error().message, "no TEE interface"));
}

TEST_CASE("probing notices a device node", "[attest][source]") {
  test::TempDir root;
  const auto paths = paths_under(root.path());
  std::filesystem::create_directories(paths.sev_guest.parent_path());
  REQUIRE(write_file_atomic(paths.sev_guest, ""));
  const auto interfaces = probe_tee_interfaces(paths);
  CHECK(interfaces[1].name == "sev-guest");
  CHECK(interfaces[1].present);
  SourceOptions options;
  options.paths = paths;
  auto detected = detect_source(options);
  REQUIRE(detected);
  CHECK((*detected)->name() == "sev-guest");
  // A regular file is not the driver: the ioctl fails cleanly.
  auto evidence = (*detected)->evidence(Bytes(48, 1));
  REQUIRE_FALSE(evidence);
  CHECK(contains(evidence.error().message, "sev-guest"));
}

TEST_CASE("real sources fail cleanly when their interface is absent", "[attest][source]") {
  test::TempDir root;
  const auto paths = paths_under(root.path());
  auto configfs = make_configfs_tsm_source(Tee::snp, paths)->evidence(Bytes(48, 1));
  REQUIRE_FALSE(configfs);
  CHECK(configfs.error().kind == Kind::not_found);
  auto sev = make_sev_guest_source(paths)->evidence(Bytes(48, 1));
  REQUIRE_FALSE(sev);
  CHECK(sev.error().kind == Kind::not_found);
  auto tdx = make_tdx_guest_source(paths)->evidence(Bytes(48, 1));
  REQUIRE_FALSE(tdx);
  CHECK(tdx.error().kind == Kind::not_found);
  CHECK_FALSE(tdx_guest_td_report(paths.tdx_guest, Bytes(64, 0)));
  // A directory that is not configfs: entries get no provider attribute.
  std::filesystem::create_directories(paths.configfs_tsm);
  auto fake = make_configfs_tsm_source(Tee::tdx, paths)->evidence(Bytes(48, 1));
  REQUIRE_FALSE(fake);
  CHECK(contains(fake.error().message, "configfs-tsm"));
  CHECK(std::filesystem::is_empty(paths.configfs_tsm)); // the entry was removed
}

TEST_CASE("a TPM source without a TPM fails with an error, not a crash", "[attest][source]") {
  auto source = make_tpm_source(std::string("swtpm:host=127.0.0.1,port=1"), 0x81010002);
  auto evidence = source->evidence(Bytes(48, 1));
  REQUIRE_FALSE(evidence);
  CHECK(contains(evidence.error().message, "tpm: "));
}

TEST_CASE("simulated sources need the simulated roots directory", "[attest][source]") {
  auto missing = open_source("sim-snp");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == Kind::usage);
  CHECK_FALSE(open_source("sgx"));
}

TEST_CASE("the SNP certificate table maps AMD GUIDs to certificate types", "[attest][source]") {
  Bytes table(24 * 4, 0);
  auto put_entry = [&](std::size_t index, const char* guid_hex, std::uint32_t offset, std::uint32_t length) {
    auto guid = hex_decode(guid_hex);
    REQUIRE(guid);
    std::copy(guid->begin(), guid->end(), table.begin() + static_cast<std::ptrdiff_t>(index * 24));
    std::memcpy(table.data() + index * 24 + 16, &offset, 4);
    std::memcpy(table.data() + index * 24 + 20, &length, 4);
  };
  const std::uint32_t data_at = 24 * 4;
  put_entry(0, "63da758de6644564adc5f4b93be8accd", data_at, 3);      // VCEK
  put_entry(1, "92f81bc358114d3d97ffd19f88dc67ea", data_at + 3, 2);  // CRL: skipped
  put_entry(2, "4ab7b379bbac4fe4a02f05aef327c782", data_at + 5, 1);  // ASK
  table.insert(table.end(), {1, 2, 3, 4, 5, 6});
  auto entries = parse_snp_cert_table(table);
  REQUIRE(entries);
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].cert_type == "VCEK");
  CHECK((*entries)[0].der == Bytes{1, 2, 3});
  CHECK((*entries)[1].cert_type == "ASK");
  CHECK((*entries)[1].der == Bytes{6});
  put_entry(3, "c0b406a4a80349529743" "3fb6014cd0ae", 1000, 10);
  CHECK_FALSE(parse_snp_cert_table(table)); // out of range and no terminator
}
