#include "common/ocicrypt/keyprovider_wrapper.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/random.hpp"
#include "common/ocicrypt/layer_cipher.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::ocicrypt;

namespace {

KeyProviderCommand provider(std::vector<std::string> extra = {}) {
  KeyProviderCommand c{COCO_TEST_KEYPROVIDER, {"testkp"}};
  c.args.insert(c.args.end(), extra.begin(), extra.end());
  return c;
}

} // namespace

TEST_CASE("the keyprovider config lists command providers and notes gRPC ones", "[ocicrypt]") {
  auto config = parse_keyprovider_config(
      R"({"key-providers":{"a":{"cmd":{"path":"/bin/a","args":["-x"]}},"b":{"grpc":"localhost:50000"}}})");
  REQUIRE(config);
  REQUIRE(config->commands.count("a") == 1);
  CHECK(config->commands.at("a").args == std::vector<std::string>{"-x"});
  CHECK(config->unsupported == std::vector<std::string>{"b"});
  CHECK_FALSE(parse_keyprovider_config(R"({"providers":{}})"));
}

TEST_CASE("the keyprovider config comes from OCICRYPT_KEYPROVIDER_CONFIG", "[ocicrypt]") {
  coco::test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "kp.json", R"({"key-providers":{"testkp":{"cmd":{"path":")" +
                                                 std::string(COCO_TEST_KEYPROVIDER) + R"(","args":["testkp"]}}}})"));
  ::setenv("OCICRYPT_KEYPROVIDER_CONFIG", (dir / "kp.json").c_str(), 1);
  auto config = load_keyprovider_config_from_env();
  ::unsetenv("OCICRYPT_KEYPROVIDER_CONFIG");
  REQUIRE(config);
  CHECK(config->commands.at("testkp").path == COCO_TEST_KEYPROVIDER);
  CHECK(load_keyprovider_config_from_env().error().kind == Kind::not_found);
}

TEST_CASE("provider recipients split NAME and PARAMS at the first colon", "[ocicrypt]") {
  CHECK(split_provider_recipient("attestation-agent:keyid=kbs:///a/b/c::keypath=/k") ==
        std::pair<std::string, std::string>{"attestation-agent", "keyid=kbs:///a/b/c::keypath=/k"});
  CHECK(split_provider_recipient("kp") == std::pair<std::string, std::string>{"kp", "Enabled"});
}

TEST_CASE("a command keyprovider wraps and unwraps layer options through the protocol", "[ocicrypt]") {
  for (bool numbers : {false, true}) {
    INFO("numbers " << numbers);
    std::vector<std::string> extra;
    if (numbers) {
      extra.push_back("--numbers");
    }
    KeyWrappers wrappers;
    wrappers.push_back(std::make_unique<KeyProviderKeyWrapper>("testkp", provider(extra), std::string("key=abc"), true));
    PrivateOptions priv;
    priv.symkey = crypto::random_secret(32);
    priv.digest = "sha256:" + std::string(64, '0');
    priv.cipheroptions["nonce"] = crypto::random_bytes(16);
    PublicOptions pub;
    pub.hmac = crypto::random_bytes(32);
    auto annotations = wrap_layer_keys(priv, pub, wrappers);
    REQUIRE(annotations);
    REQUIRE(annotations->count("org.opencontainers.image.enc.keys.provider.testkp") == 1);
    auto envelope = base64_decode(annotations->at("org.opencontainers.image.enc.keys.provider.testkp")).value();
    CHECK(as_string(envelope).find(R"("params":"key=abc")") != std::string_view::npos);
    auto keys = unwrap_layer_keys(*annotations, wrappers);
    REQUIRE(keys);
    CHECK(keys->scheme == "provider.testkp");
    CHECK(std::equal(keys->private_options.symkey.bytes().begin(), keys->private_options.symkey.bytes().end(),
                     priv.symkey.bytes().begin(), priv.symkey.bytes().end()));
    CHECK(keys->private_options.digest == priv.digest);
  }
}

TEST_CASE("a failing keyprovider is reported with its message", "[ocicrypt]") {
  KeyProviderKeyWrapper w("testkp", provider({"--fail"}), std::string("x"), true);
  auto out = w.wrap(Secret::from_string("{}"));
  REQUIRE_FALSE(out);
  CHECK(out.error().message.find("provider refused") != std::string::npos);
  KeyProviderKeyWrapper missing("testkp", KeyProviderCommand{"/nonexistent/provider", {}}, std::string("x"), true);
  CHECK_FALSE(missing.wrap(Secret::from_string("{}")));
}
