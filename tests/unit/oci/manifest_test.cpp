#include "common/oci/manifest.hpp"

#include <catch2/catch.hpp>

using namespace coco::oci;
using coco::Kind;

namespace {

const std::string k_d1 = "sha256:" + std::string(64, '1');
const std::string k_d2 = "sha256:" + std::string(64, '2');
const std::string k_d3 = "sha256:" + std::string(64, '3');

std::string oci_manifest() {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + k_d1 + R"(","size":7},)"
         R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" + k_d2 +
         R"(","size":100,"annotations":{"a":"b"}}]})";
}

std::string index_of(const std::string& entries) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" + entries + "]}";
}

std::string entry(const std::string& digest, const std::string& platform) {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest + R"(","size":10,"platform":)" +
         platform + "}";
}

} // namespace

TEST_CASE("an OCI image manifest parses into config and layers", "[oci]") {
  auto m = parse_image_manifest(oci_manifest());
  REQUIRE(m);
  CHECK(m->media_type == media_type::oci_manifest);
  CHECK(m->config.digest.str() == k_d1);
  CHECK(m->config.size == 7);
  REQUIRE(m->layers.size() == 1);
  CHECK(m->layers[0].media_type == media_type::oci_layer_gzip);
  CHECK(m->layers[0].annotations.at("a") == "b");
}

TEST_CASE("a manifest without mediaType is recognised by its shape", "[oci]") {
  std::string bytes = R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + k_d1 + R"(","size":1},"layers":[]})";
  auto mt = detect_manifest_media_type(bytes);
  REQUIRE(mt);
  CHECK(*mt == media_type::oci_manifest);
  auto idx = detect_manifest_media_type(R"({"schemaVersion":2,"manifests":[]})");
  REQUIRE(idx);
  CHECK(*idx == media_type::oci_index);
}

TEST_CASE("malformed manifests are invalid, not crashes", "[oci]") {
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"schemaVersion":2})"),
        std::string(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:12","size":1},"layers":[]})"),
        std::string(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") + k_d1 + R"(","size":-1},"layers":[]})",
        std::string(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") + k_d1 + R"(","size":"1"},"layers":[]})",
        std::string(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") + k_d1 + R"(","size":1},"layers":{}})",
        std::string(R"({"schemaVersion":3,"config":{"mediaType":"x","digest":")") + k_d1 + R"(","size":1},"layers":[]})"}) {
    INFO(bad);
    auto m = parse_image_manifest(bad);
    REQUIRE_FALSE(m);
    CHECK(m.error().kind == Kind::invalid);
  }
}

TEST_CASE("docker schema 1 manifests are refused as unsupported", "[oci]") {
  auto m = detect_manifest_media_type(R"({"schemaVersion":1,"name":"x","fsLayers":[]})");
  REQUIRE_FALSE(m);
  CHECK(m.error().kind == Kind::unsupported);
}

TEST_CASE("a mediaType contradicting the transport's is invalid", "[oci]") {
  auto m = parse_image_manifest(oci_manifest(), media_type::docker_manifest);
  REQUIRE_FALSE(m);
  CHECK(m.error().message.find("does not match") != std::string::npos);
}

TEST_CASE("serialising a parsed manifest gives the same document", "[oci]") {
  auto m = parse_image_manifest(oci_manifest());
  REQUIRE(m);
  auto again = parse_image_manifest(serialize_manifest(*m));
  REQUIRE(again);
  CHECK(again->layers[0].digest == m->layers[0].digest);
  CHECK(serialize_manifest(*again) == serialize_manifest(*m));
}

TEST_CASE("docker schema2 descriptors serialise size before digest as skopeo does", "[oci]") {
  ImageManifest m;
  m.media_type = media_type::docker_manifest;
  m.config = Descriptor{std::string(media_type::docker_config), *parse_digest(k_d1), 5, {}, {}, {}, {}};
  std::string out = serialize_manifest(m);
  CHECK(out == R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":)"
               R"({"mediaType":"application/vnd.docker.container.image.v1+json","size":5,"digest":")" + k_d1 + R"("},"layers":[]})");
}

TEST_CASE("platform choice follows containers/image's variant rules", "[oci]") {
  auto index = parse_image_index(index_of(entry(k_d1, R"({"os":"linux","architecture":"amd64"})") + "," +
                                          entry(k_d2, R"({"os":"linux","architecture":"arm64","variant":"v8"})") + "," +
                                          entry(k_d3, R"({"os":"linux","architecture":"arm","variant":"v6"})")));
  REQUIRE(index);
  auto amd = choose_instance(*index, *parse_platform("linux/amd64"));
  REQUIRE(amd);
  CHECK(amd->digest.str() == k_d1);
  // arm64 without a variant accepts v8.
  auto arm64 = choose_instance(*index, *parse_platform("linux/arm64"));
  REQUIRE(arm64);
  CHECK(arm64->digest.str() == k_d2);
  // arm/v7 walks down to v6.
  auto arm7 = choose_instance(*index, *parse_platform("linux/arm/v7"));
  REQUIRE(arm7);
  CHECK(arm7->digest.str() == k_d3);
  // arm/v5 does not accept v6.
  auto arm5 = choose_instance(*index, *parse_platform("linux/arm/v5"));
  REQUIRE_FALSE(arm5);
  CHECK(arm5.error().kind == Kind::not_found);
  CHECK(arm5.error().hint.find("linux/amd64") != std::string::npos);
}

TEST_CASE("an exact variant match is preferred over an entry without variant", "[oci]") {
  auto index = parse_image_index(index_of(entry(k_d1, R"({"os":"linux","architecture":"arm64"})") + "," +
                                          entry(k_d2, R"({"os":"linux","architecture":"arm64","variant":"v8"})")));
  REQUIRE(index);
  CHECK(choose_instance(*index, *parse_platform("linux/arm64/v8"))->digest.str() == k_d2);
  CHECK(choose_instance(*index, *parse_platform("linux/arm64"))->digest.str() == k_d1);
}

TEST_CASE("platform strings need os and architecture", "[oci]") {
  CHECK_FALSE(parse_platform("linux"));
  CHECK_FALSE(parse_platform("linux/"));
  CHECK_FALSE(parse_platform("a/b/c/d"));
  auto p = parse_platform("linux/arm/v7");
  REQUIRE(p);
  CHECK(p->str() == "linux/arm/v7");
}

TEST_CASE("docker media types convert to their OCI equivalents", "[oci]") {
  ImageManifest m;
  m.media_type = media_type::docker_manifest;
  m.config.media_type = media_type::docker_config;
  m.layers.push_back(Descriptor{std::string(media_type::docker_layer_gzip), *parse_digest(k_d1), 1, {}, {}, {}, {}});
  auto o = docker_to_oci(m);
  CHECK(o.media_type == media_type::oci_manifest);
  CHECK(o.config.media_type == media_type::oci_config);
  CHECK(o.layers[0].media_type == media_type::oci_layer_gzip);
}

TEST_CASE("digests are sha256 with 64 lowercase hex digits", "[oci]") {
  CHECK(parse_digest(k_d1));
  CHECK(parse_digest("sha256:" + std::string(64, 'A')).error().kind == Kind::invalid);
  CHECK(parse_digest("sha512:" + std::string(128, 'a')).error().kind == Kind::unsupported);
  CHECK(parse_digest("sha256").error().kind == Kind::invalid);
  CHECK(parse_digest(":abc").error().kind == Kind::invalid);
  CHECK(digest_of("").str() == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("an image config yields its platform and diff IDs", "[oci]") {
  auto c = parse_image_config(R"({"architecture":"arm64","os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":[")" +
                              k_d1 + R"("]}})");
  REQUIRE(c);
  CHECK(c->architecture == "arm64");
  REQUIRE(c->diff_ids.size() == 1);
  CHECK(c->diff_ids[0].str() == k_d1);
  CHECK_FALSE(parse_image_config(R"({"rootfs":{"diff_ids":["sha256:1"]}})"));
}
