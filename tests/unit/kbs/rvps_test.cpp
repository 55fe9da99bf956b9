// RVPS messages as Trustee's reference value provider extracts them (rvps/src/lib.rs, extractors/): sample and
// swid extracted, corim refused for want of a CBOR parser, removed or unknown types refused with Trustee's text.
#include "common/kbs/rvps.hpp"

#include <map>

#include <catch2/catch.hpp>

#include "common/base/encoding.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

std::string message(const std::string& type, const std::string& payload_text) {
  return nlohmann::json{{"version", "0.1.0"}, {"type", type}, {"payload", base64_encode(as_bytes(payload_text))}}.dump();
}

// A SWID tag with TCG RIM bindings in the shape NVIDIA ships, written here: prefixes differ from the usual ones
// on purpose (only the namespaces they stand for matter).
const std::string k_manifest = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a made-up device -->
<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
    xmlns:sw="http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
    xmlns:h="http://www.w3.org/2001/04/xmlenc#sha384" name="Widget" tagId="t-1" version="1.0">
  <sw:Entity name="Acme Devices Inc" role="softwareCreator"/>
  <Resource type="Measurement" index="99" h:Hash0="cafe"/>
  <sw:Meta xmlns:tcg="https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/"
      edition="GPU-X" product="Widget" tcg:PlatformManufacturerStr="Acme Devices Inc" tcg:PlatformModel="W1"/>
  <sw:Payload>
    <sw:Resource type="Measurement" index="0" h:Hash0="000000000000"/>
    <sw:Resource type="Measurement" index="1" h:Hash0="aa11" name="m1"/>
    <sw:Resource type="Measurement" index="2" h:Hash0="0000" h:Hash1="bb22" h:Hash2="cc33" h:Hash4="skipped-after-a-gap"/>
    <sw:Resource type="Measurement" index="3-b" h:Hash0="dd44" Hash1="no-namespace" />
    <sw:Resource type="Measurement" index="4" xmlns:other="urn:sha256" other:Hash0="ee55"/>
    <sw:Resource type="File" index="5" h:Hash0="ff66"/>
    <Group><Resource type='Measurement' index='6' h:Hash0='a&amp;b'>text<![CDATA[<ignored>]]></Resource></Group>
  </sw:Payload>
</SoftwareIdentity>
)";

} // namespace

TEST_CASE("an RVPS sample message registers each member of its JSON object; version defaults to 0.1.0", "[kbs][rvps]") {
  auto values = extract_reference_values(message("sample", R"({"svn":["1"],"launch_digest":["ab","cd"]})"));
  REQUIRE(values);
  REQUIRE(values->size() == 2);
  CHECK((*values)[0].name == "launch_digest");
  CHECK((*values)[0].value == nlohmann::json::array({"ab", "cd"}));
  CHECK((*values)[1].name == "svn");
  auto no_version = extract_reference_values(
      nlohmann::json{{"type", "sample"}, {"payload", base64_encode(as_bytes(std::string(R"({"a":[1]})")))}}.dump());
  REQUIRE(no_version);
  CHECK(no_version->size() == 1);
  auto wrong = extract_reference_values(R"({"version":"0.2.0","type":"sample","payload":"e30="})");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message == "Version unmatched! Need 0.1.0, given 0.2.0.");
  CHECK_FALSE(extract_reference_values(R"({"version":"0.1.0","type":"sample"})"));
  CHECK_FALSE(extract_reference_values(message("sample", "[1,2]")));
}

TEST_CASE("an RVPS swid message registers the non-zero hashes of each Payload measurement by manufacturer, edition and index",
          "[kbs][rvps]") {
  auto values = extract_reference_values(message("swid", k_manifest));
  REQUIRE(values);
  std::map<std::string, nlohmann::json> got;
  for (const auto& rv : *values) {
    got[rv.name] = rv.value;
  }
  const std::map<std::string, nlohmann::json> want = {
      {"Acme_Devices_Inc.GPU_X.measurement_1", nlohmann::json::array({"aa11"})},
      {"Acme_Devices_Inc.GPU_X.measurement_2", nlohmann::json::array({"bb22", "cc33"})},
      {"Acme_Devices_Inc.GPU_X.measurement_3_b", nlohmann::json::array({"dd44"})},
      {"Acme_Devices_Inc.GPU_X.measurement_6", nlohmann::json::array({"a&b"})},
  };
  CHECK(got == want);
  CHECK(values->size() == want.size());
}

TEST_CASE("swid manifests without the RIM metadata or that are not well-formed XML are refused", "[kbs][rvps]") {
  const std::string head = R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )"
                           R"(xmlns:r="https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/">)";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {head + "<Payload/></SoftwareIdentity>", "meta"},
      {head + R"(<Meta edition="e"/><Payload/></SoftwareIdentity>)", "manufacturer"},
      {head + R"(<Meta r:PlatformManufacturerStr="m"/><Payload/></SoftwareIdentity>)", "edition"},
      {head + R"(<Meta r:PlatformManufacturerStr="m" edition="e"/></SoftwareIdentity>)", "Payload"},
      {head + R"(<Meta r:PlatformManufacturerStr="m" edition="e"><Payload/></SoftwareIdentity>)", "does not match"},
      {head + R"(<Meta r:PlatformManufacturerStr="m" edition="e"/><Payload>)", "not closed"},
      {head + R"(<Meta x:PlatformManufacturerStr="m" edition="e"/><Payload/></SoftwareIdentity>)", "undeclared namespace prefix x"},
      {R"(<!DOCTYPE x [<!ENTITY a "b">]>)" + head + "</SoftwareIdentity>", "DOCTYPE"},
      {head + R"(<Meta r:PlatformManufacturerStr="&ext;" edition="e"/><Payload/></SoftwareIdentity>)", "unknown entity"},
      {"just text", "no XML element"},
  };
  for (const auto& [xml, reason] : bad) {
    INFO(xml);
    auto got = extract_reference_values(message("swid", xml));
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == Kind::invalid);
    CHECK_THAT(got.error().message, Catch::Contains(reason));
  }
  // A well-formed manifest with no measurement registers nothing.
  auto empty = extract_reference_values(
      message("swid", head + R"(<Meta r:PlatformManufacturerStr="m" edition="e"/><Payload/></SoftwareIdentity>)"));
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("an RVPS corim message is refused because coco-kbs has no CBOR parser", "[kbs][rvps]") {
  auto got = extract_reference_values(R"({"version":"0.1.0","type":"corim","payload":"2QH0oA"})");
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == Kind::unsupported);
  CHECK_THAT(got.error().message, Catch::Contains("corim"));
  CHECK_THAT(got.error().message, Catch::Contains("CBOR"));
}

TEST_CASE("RVPS types Trustee has no extractor for, in-toto included, are refused with Trustee's text", "[kbs][rvps]") {
  for (const std::string type : {"in-toto", "spdx", ""}) {
    auto got = extract_reference_values(nlohmann::json{{"version", "0.1.0"}, {"type", type}, {"payload", "e30="}}.dump());
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == Kind::unsupported);
    CHECK(got.error().message == "Could not find extractor for " + type);
  }
}
