#include "common/ocicrypt/annotations.hpp"

#include <catch2/catch.hpp>

#include "common/base/encoding.hpp"

using namespace coco;
using namespace coco::ocicrypt;

TEST_CASE("layer media types gain +encrypted only for tar-based layer types", "[ocicrypt]") {
  for (std::string t : {"application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
                        "application/vnd.oci.image.layer.v1.tar+zstd",
                        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                        "application/vnd.docker.image.rootfs.diff.tar.gzip"}) {
    INFO(t);
    auto enc = encrypted_media_type(t);
    REQUIRE(enc);
    CHECK(*enc == t + "+encrypted");
    CHECK(is_encrypted_media_type(*enc));
    CHECK(decrypted_media_type(*enc).value() == t);
  }
  CHECK(encrypted_media_type("application/vnd.oci.image.config.v1+json").error().kind == Kind::unsupported);
  CHECK(encrypted_media_type("application/vnd.oci.image.layer.v1.tar+gzip+encrypted").error().kind == Kind::invalid);
  CHECK_FALSE(decrypted_media_type("application/vnd.oci.image.layer.v1.tar+gzip"));
}

TEST_CASE("a keys annotation splits on commas and each part is base64", "[ocicrypt]") {
  auto parts = split_key_annotation(base64_encode(std::string_view("one")) + "," + base64_encode(std::string_view("two")));
  REQUIRE(parts);
  CHECK(*parts == std::vector<std::string>{"one", "two"});
  CHECK_FALSE(split_key_annotation("%%%"));
  CHECK_FALSE(split_key_annotation(""));
  CHECK(keys_annotation("provider.attestation-agent") == "org.opencontainers.image.enc.keys.provider.attestation-agent");
}
