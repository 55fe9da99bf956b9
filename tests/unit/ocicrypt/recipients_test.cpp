#include "common/ocicrypt/recipients.hpp"

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/random.hpp"
#include "common/jose/json.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;
using coco::test::ocicrypt_vectors;

namespace {

std::string key_file(const char* name) { return (ocicrypt_vectors() / "keys" / name).string(); }

WrapperOptions test_options(const Secret& kek) {
  WrapperOptions o;
  o.kbs_kek = kek;
  KeyProviderConfig config;
  config.commands["testkp"] = KeyProviderCommand{COCO_TEST_KEYPROVIDER, {"testkp"}};
  o.keyproviders = config;
  return o;
}

std::map<std::string, std::string> wrap_for(const std::vector<std::string>& recipients, const WrapperOptions& o,
                                            PrivateOptions& priv) {
  priv.symkey = crypto::random_secret(32);
  priv.digest = "sha256:" + std::string(64, 'e');
  priv.cipheroptions["nonce"] = crypto::random_bytes(16);
  PublicOptions pub;
  pub.hmac = crypto::random_bytes(32);
  auto wrappers = encryption_wrappers(recipients, o);
  REQUIRE(wrappers);
  auto annotations = wrap_layer_keys(priv, pub, *wrappers);
  REQUIRE(annotations);
  return *annotations;
}

} // namespace

TEST_CASE("every recipient scheme wraps a layer key that its decryption key opens", "[ocicrypt]") {
  coco::test::TempDir dir;
  Secret kek = crypto::random_secret(32);
  REQUIRE(write_file_atomic(dir / "kek", kek.view(), 0600));
  WrapperOptions options = test_options(kek);
  PrivateOptions priv;
  auto annotations = wrap_for({"jwe:" + key_file("rsa.pub"), "jwe:" + key_file("ec.pub"), "pkcs7:" + key_file("pkcs7.crt"),
                               "provider:testkp:p=1", "kbs:///default/image-key/app"},
                              options, priv);
  for (const char* scheme : {"jwe", "pkcs7", "provider.testkp", "provider.attestation-agent"}) {
    CHECK(annotations.count(std::string("org.opencontainers.image.enc.keys.") + scheme) == 1);
  }
  // One JWE blob for both jwe recipients.
  auto jwe = split_key_annotation(annotations.at("org.opencontainers.image.enc.keys.jwe")).value();
  REQUIRE(jwe.size() == 1);
  CHECK(jose::Json::parse(jwe[0])["recipients"].size() == 2);

  for (const std::string& key : {"jwe:" + key_file("rsa.pem"), key_file("ec-sec1.pem"),
                                 "pkcs7:" + key_file("pkcs7.key") + "," + key_file("pkcs7.crt"), std::string("provider:testkp"),
                                 "kbs-key:" + (dir / "kek").string()}) {
    INFO(key);
    auto wrappers = decryption_wrappers(std::vector<std::string>{key}, options);
    REQUIRE(wrappers);
    auto keys = unwrap_layer_keys(annotations, *wrappers);
    REQUIRE(keys);
    CHECK(keys->private_options.digest == priv.digest);
    CHECK(std::equal(keys->private_options.symkey.bytes().begin(), keys->private_options.symkey.bytes().end(),
                     priv.symkey.bytes().begin(), priv.symkey.bytes().end()));
  }
}

TEST_CASE("malformed recipients and keys are usage errors", "[ocicrypt]") {
  WrapperOptions none;
  CHECK(encryption_wrappers(std::vector<std::string>{"x509:foo"}, none).error().kind == Kind::usage);
  CHECK(encryption_wrappers(std::vector<std::string>{}, none).error().kind == Kind::usage);
  CHECK(encryption_wrappers(std::vector<std::string>{"kbs:///a/b/c"}, none).error().kind == Kind::usage);
  CHECK_FALSE(encryption_wrappers(std::vector<std::string>{"kbs:///a/b"}, test_options(crypto::random_secret(32))));
  CHECK(encryption_wrappers(std::vector<std::string>{"kbs:///a/b/c", "kbs:///a/b/d"}, test_options(crypto::random_secret(32)))
            .error()
            .kind == Kind::usage);
  CHECK(encryption_wrappers(std::vector<std::string>{"provider:unknown"}, test_options(crypto::random_secret(32)))
            .error()
            .kind == Kind::not_found);
  CHECK(decryption_wrappers(std::vector<std::string>{"magic:thing"}, none).error().kind == Kind::usage);
  CHECK_FALSE(decryption_wrappers(std::vector<std::string>{"jwe:" + key_file("rsa.pub")}, none));
}
