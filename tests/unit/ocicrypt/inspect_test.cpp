#include "common/ocicrypt/inspect.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;

TEST_CASE("the vector layers' recipients are described without keys", "[ocicrypt]") {
  auto two = describe_layer_keys(coco::test::vector_layers("jwe-two")[0].annotations);
  REQUIRE(two);
  REQUIRE(two->size() == 1);
  CHECK(two->at(0).scheme == "jwe");
  CHECK(two->at(0).recipients == std::vector<std::string>{"RSA-OAEP", "ECDH-ES+A256KW P-256"});
  auto pgp = describe_layer_keys(coco::test::vector_layers("pgp")[0].annotations);
  REQUIRE(pgp);
  REQUIRE(pgp->at(0).recipients.size() == 1);
  CHECK(pgp->at(0).recipients[0].rfind("pgp key ", 0) == 0);
  auto pkcs7 = describe_layer_keys(coco::test::vector_layers("pkcs7")[0].annotations);
  REQUIRE(pkcs7);
  CHECK(pkcs7->at(0).scheme == "pkcs7");
  CHECK(describe_layer_keys(coco::test::vector_layers("plain")[0].annotations)->empty());
}

TEST_CASE("a KBS packet is described by its key id", "[ocicrypt]") {
  std::string packet = R"({"kid":"kbs:///default/image-key/t1","wrapped_data":"AAAA","iv":"AAAAAAAAAAAAAAAA","wrap_type":"A256GCM"})";
  std::map<std::string, std::string> annotations{
      {"org.opencontainers.image.enc.keys.provider.attestation-agent", base64_encode(packet)}};
  auto d = describe_layer_keys(annotations);
  REQUIRE(d);
  CHECK(d->at(0).recipients == std::vector<std::string>{"kbs:///default/image-key/t1 (A256GCM)"});
}
