#include "common/ocicrypt/kbs_wrapper.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/random.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::ocicrypt;

TEST_CASE("the KBS packet has the attestation-agent layout and unwraps with the KEK", "[ocicrypt]") {
  Secret kek = crypto::random_secret(32);
  KbsKeyWrapper w("kbs:///default/image-key/t1", kek);
  CHECK(w.scheme() == "provider.attestation-agent");
  Secret opts = Secret::from_string(R"({"symkey":"x","digest":"d","cipheroptions":{}})");
  auto blob = w.wrap(opts);
  REQUIRE(blob);
  std::string text(as_string(*blob));
  CHECK(text.rfind(R"({"kid":"kbs:///default/image-key/t1","wrapped_data":")", 0) == 0);
  CHECK(text.find(R"(","iv":")") != std::string::npos);
  CHECK(text.size() > 20);
  CHECK(text.substr(text.size() - 24) == R"(","wrap_type":"A256GCM"})");
  auto packet = parse_kbs_packet(*blob);
  REQUIRE(packet);
  CHECK(packet->iv.size() == 12);
  CHECK(packet->wrapped_data.size() == opts.size() + 16);
  // The guest's decryption: AES-256-GCM, no AAD, tag at the end.
  std::span<const std::uint8_t> wd(packet->wrapped_data);
  auto plain = crypto::aes_gcm_decrypt(kek.bytes(), packet->iv, wd.first(wd.size() - 16), {}, wd.last(16));
  REQUIRE(plain);
  CHECK(plain->view() == opts.view());
  KbsKeyWrapper reader("", kek);
  CHECK_FALSE(reader.can_wrap());
  CHECK(reader.unwrap(*blob).value().view() == opts.view());
}

TEST_CASE("a KBS packet does not open with another KEK or when tampered", "[ocicrypt]") {
  KbsKeyWrapper w("kbs:///a/b/c", crypto::random_secret(32));
  auto blob = w.wrap(Secret::from_string("{}")).value();
  KbsKeyWrapper other("", crypto::random_secret(32));
  CHECK(other.unwrap(blob).error().kind == Kind::auth);
  auto j = nlohmann::json::parse(as_string(blob));
  auto wd = base64_decode(j["wrapped_data"].get<std::string>()).value();
  wd[0] ^= 1;
  j["wrapped_data"] = base64_encode(wd);
  CHECK(w.unwrap(to_bytes(j.dump())).error().kind == Kind::auth);
}

TEST_CASE("an A256CTR packet from the guest's other wrap type unwraps", "[ocicrypt]") {
  Secret kek = crypto::random_secret(32);
  Bytes iv = crypto::random_bytes(16);
  Bytes data = to_bytes("private options");
  auto ctr = crypto::AesCtr::create(kek.bytes(), iv).value();
  ctr.update_in_place(data);
  nlohmann::json j = {{"kid", "kbs:///a/b/c"}, {"wrapped_data", base64_encode(data)}, {"iv", base64_encode(iv)},
                      {"wrap_type", "A256CTR"}, {"provider", "kbs"}};
  KbsKeyWrapper w("", kek);
  CHECK(w.unwrap(to_bytes(j.dump())).value().view() == "private options");
  j["wrap_type"] = "A128GCM";
  CHECK(w.unwrap(to_bytes(j.dump())).error().kind == Kind::unsupported);
}

TEST_CASE("KBS key ids must be kbs:// URIs naming REPO/TYPE/TAG", "[ocicrypt]") {
  CHECK(kbs_resource_path("kbs:///default/image-key/t1").value() == "default/image-key/t1");
  CHECK(kbs_resource_path("kbs://kbs.example:8080/r/t/g").value() == "r/t/g");
  CHECK_FALSE(kbs_resource_path("/default/image-kek/abc"));
  CHECK_FALSE(kbs_resource_path("kbs:///a/b"));
  CHECK_FALSE(kbs_resource_path("kbs:///a/../b"));
  CHECK_FALSE(KbsKeyWrapper("kbs:///a/b", crypto::random_secret(32)).wrap(Secret::from_string("{}")));
}

TEST_CASE("a KEK file must hold exactly 32 bytes", "[ocicrypt]") {
  coco::test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "kek", std::string(32, 'k'), 0600));
  REQUIRE(write_file_atomic(dir / "short", std::string(31, 'k'), 0600));
  CHECK(load_kek_file(dir / "kek").value().size() == 32);
  CHECK_FALSE(load_kek_file(dir / "short"));
}
