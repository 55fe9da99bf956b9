#include "common/jose/jwe.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/crypto/cipher.hpp"
#include "tests/unit/jose/rfc7520.hpp"

using namespace coco;
using namespace coco::jose;
namespace fs = std::filesystem;

namespace {

crypto::PrivateKey gen_rsa() { return crypto::PrivateKey::generate_rsa(2048).value(); }
crypto::PrivateKey gen_ec(crypto::Curve c = crypto::Curve::p256) { return crypto::PrivateKey::generate_ec(c).value(); }

std::string text(const Secret& s) { return std::string(s.view()); }

// Replace one character of a base64url member so its decoded bytes change.
void corrupt(Json& j, const std::string& member, std::size_t pos = 2) {
  std::string v = j[member];
  v[pos] = v[pos] == 'A' ? 'B' : 'A';
  j[member] = v;
}

// The JWE annotation of each layer of an ocicrypt vector image tag.
std::vector<std::string> vector_jwe_annotations(const std::string& tag) {
  fs::path layout = coco::test::vectors_dir() / "ocicrypt" / "image";
  auto index = nlohmann::json::parse(read_file(layout / "index.json").value());
  std::vector<std::string> out;
  for (const auto& m : index["manifests"]) {
    if (m["annotations"]["org.opencontainers.image.ref.name"] != tag) {
      continue;
    }
    std::string digest = m["digest"];
    auto manifest = nlohmann::json::parse(read_file(layout / "blobs" / "sha256" / digest.substr(7)).value());
    for (const auto& layer : manifest["layers"]) {
      if (layer.contains("annotations") && layer["annotations"].contains("org.opencontainers.image.enc.keys.jwe")) {
        auto raw = base64_decode(layer["annotations"]["org.opencontainers.image.enc.keys.jwe"].get<std::string>());
        out.emplace_back(as_string(raw.value()));
      }
    }
  }
  return out;
}

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

} // namespace

TEST_CASE("RFC 7520 section 5.2 (RSA-OAEP, A256GCM) decrypts in compact and JSON forms", "[jose]") {
  Json v = coco::test::rfc7520("jwe-5_2");
  auto key = Jwk::parse(v["input"]["key"]);
  REQUIRE(key);
  std::string plaintext = v["input"]["plaintext"];
  for (const std::string form : {"compact", "json", "json_flat"}) {
    INFO(form);
    std::string serialized = form == "compact" ? v["output"][form].get<std::string>() : v["output"][form].dump();
    auto out = jwe_decrypt(serialized, *key->private_key());
    REQUIRE(out);
    CHECK(text(*out) == plaintext);
  }
}

TEST_CASE("RFC 7520 section 5.4 (ECDH-ES+A128KW on P-384, A128GCM) decrypts", "[jose]") {
  Json v = coco::test::rfc7520("jwe-5_4");
  auto key = Jwk::parse(v["input"]["key"]);
  REQUIRE(key);
  auto out = jwe_decrypt(v["output"]["compact"].get<std::string>(), *key->private_key());
  REQUIRE(out);
  CHECK(text(*out) == v["input"]["plaintext"].get<std::string>());
  auto info = jwe_recipients(v["output"]["json"].dump());
  REQUIRE(info);
  CHECK(info->at(0).alg == "ECDH-ES+A128KW");
  CHECK(info->at(0).epk_curve == "P-384");
  CHECK(info->at(0).kid == "peregrin.took@tuckborough.example");
}

TEST_CASE("JWE round-trips for every key management algorithm and content cipher", "[jose]") {
  auto rsa = gen_rsa();
  struct Case {
    crypto::PrivateKey key;
    std::string alg;
  };
  std::vector<Case> cases{{rsa, "RSA-OAEP"},
                          {rsa, "RSA-OAEP-256"},
                          {rsa, "RSA1_5"},
                          {gen_ec(crypto::Curve::p256), "ECDH-ES+A128KW"},
                          {gen_ec(crypto::Curve::p384), "ECDH-ES+A192KW"},
                          {gen_ec(crypto::Curve::p521), "ECDH-ES+A256KW"}};
  for (const auto& c : cases) {
    for (const char* enc : {"A128GCM", "A192GCM", "A256GCM"}) {
      INFO(c.alg << " " << enc);
      JweRecipient r{c.key.public_key(), c.alg, {}};
      auto json = jwe_encrypt(to_bytes("secret options"), std::span<const JweRecipient>(&r, 1), enc);
      REQUIRE(json);
      auto header = Json::parse(as_string(base64url_decode(json->at("protected").get<std::string>()).value()));
      CHECK(header["alg"] == c.alg);
      CHECK(header["enc"] == enc);
      auto out = jwe_decrypt(json->dump(), c.key);
      REQUIRE(out);
      CHECK(text(*out) == "secret options");
      auto compact = jwe_encrypt_compact(to_bytes("compact"), r, enc);
      REQUIRE(compact);
      CHECK(text(jwe_decrypt(*compact, c.key).value()) == "compact");
    }
  }
}

TEST_CASE("a multi-recipient JWE has ocicrypt's general shape and opens with each key", "[jose]") {
  auto rsa = gen_rsa();
  auto ec = gen_ec();
  std::vector<JweRecipient> recipients{{rsa.public_key(), "", ""}, {ec.public_key(), "", ""}};
  auto json = jwe_encrypt(to_bytes("layer key"), recipients);
  REQUIRE(json);
  CHECK(json->at("protected") == base64url_encode(std::string_view(R"({"enc":"A256GCM"})")));
  REQUIRE(json->at("recipients").size() == 2);
  CHECK(json->at("recipients")[0]["header"]["alg"] == "RSA-OAEP");
  CHECK(json->at("recipients")[1]["header"]["alg"] == "ECDH-ES+A256KW");
  CHECK(json->at("recipients")[1]["header"]["epk"]["crv"] == "P-256");
  CHECK_FALSE(json->contains("encrypted_key"));
  CHECK(text(jwe_decrypt_json(*json, rsa).value()) == "layer key");
  CHECK(text(jwe_decrypt_json(*json, ec).value()) == "layer key");
  CHECK(jwe_decrypt_json(*json, gen_ec()).error().kind == Kind::auth);
  CHECK(jwe_decrypt_json(*json, gen_rsa()).error().kind == Kind::auth);
}

TEST_CASE("a single-recipient JWE is flattened with members in go-jose order", "[jose]") {
  auto rsa = gen_rsa();
  JweRecipient r{rsa.public_key(), "", ""};
  auto json = jwe_encrypt(to_bytes("x"), std::span<const JweRecipient>(&r, 1));
  REQUIRE(json);
  std::vector<std::string> keys;
  for (const auto& [k, v] : json->items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"protected", "encrypted_key", "iv", "ciphertext", "tag"});
  CHECK(as_string(base64url_decode(json->at("protected").get<std::string>()).value()) ==
        R"({"alg":"RSA-OAEP","enc":"A256GCM"})");
  CHECK(base64url_decode(json->at("iv").get<std::string>())->size() == 12);
}

TEST_CASE("a tampered tag, ciphertext, encrypted key, iv or protected header fails", "[jose]") {
  for (auto key : {gen_rsa(), gen_ec()}) {
    JweRecipient r{key.public_key(), "", ""};
    Json good = jwe_encrypt(to_bytes("private options json"), std::span<const JweRecipient>(&r, 1)).value();
    REQUIRE(jwe_decrypt_json(good, key));
    for (const char* member : {"tag", "ciphertext", "iv", "encrypted_key"}) {
      INFO(member);
      Json bad = good;
      corrupt(bad, member);
      auto out = jwe_decrypt_json(bad, key);
      REQUIRE_FALSE(out);
      CHECK((out.error().kind == Kind::integrity || out.error().kind == Kind::auth));
    }
    // A protected header re-encoded differently (same meaning) changes the AAD.
    Json bad = good;
    auto header = Json::parse(as_string(base64url_decode(good["protected"].get<std::string>()).value()));
    bad["protected"] = base64url_encode(header.dump(1));
    CHECK(jwe_decrypt_json(bad, key).error().kind == Kind::integrity);
  }
}

TEST_CASE("RSA1_5 with a wrong key fails as content authentication, not as a padding error", "[jose]") {
  auto key = gen_rsa();
  JweRecipient r{key.public_key(), "RSA1_5", ""};
  Json jwe = jwe_encrypt(to_bytes("x"), std::span<const JweRecipient>(&r, 1)).value();
  auto out = jwe_decrypt_json(jwe, gen_rsa());
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::integrity);
}

TEST_CASE("the KBS resource JWE for an EC TEE key has the header bytes the guest re-serialises", "[jose]") {
  auto tee = gen_ec();
  Jwk jwk = Jwk::from_public(tee.public_key(), "ECDH-ES+A256KW");
  auto json = jwe_encrypt_for_jwk(to_bytes("resource"), Jwk::parse_text(jwk.to_json().dump()).value());
  REQUIRE(json);
  std::string header = std::string(as_string(base64url_decode(json->at("protected").get<std::string>()).value()));
  auto parsed = Json::parse(header);
  // alg, enc, epk{crv,kty,x,y}: exactly the compact serde form of the guest's header struct.
  Json expected = Json::object();
  expected["alg"] = "ECDH-ES+A256KW";
  expected["enc"] = "A256GCM";
  expected["epk"] = Json::object();
  expected["epk"]["crv"] = "P-256";
  expected["epk"]["kty"] = "EC";
  expected["epk"]["x"] = parsed["epk"]["x"];
  expected["epk"]["y"] = parsed["epk"]["y"];
  CHECK(header == expected.dump());
  CHECK(base64url_decode(parsed["epk"]["x"].get<std::string>())->size() == 32);
  CHECK_FALSE(json->contains("aad"));
  CHECK(text(jwe_decrypt_json(*json, tee).value()) == "resource");
}

TEST_CASE("the KBS resource JWE for an RSA TEE key uses the JWK's alg", "[jose]") {
  auto tee = gen_rsa();
  for (const char* alg : {"RSA-OAEP-256", "RSA1_5"}) {
    auto json = jwe_encrypt_for_jwk(to_bytes("r"), Jwk::from_public(tee.public_key(), alg));
    REQUIRE(json);
    CHECK(as_string(base64url_decode(json->at("protected").get<std::string>()).value()) ==
          std::string(R"({"alg":")") + alg + R"(","enc":"A256GCM"})");
    CHECK(text(jwe_decrypt_json(*json, tee).value()) == "r");
  }
  CHECK(jwe_encrypt_for_jwk(to_bytes("r"), Jwk::from_public(tee.public_key(), "RSA-OAEP")).error().kind ==
        Kind::unsupported);
  CHECK_FALSE(jwe_encrypt_for_jwk(to_bytes("r"), Jwk::from_public(gen_ec().public_key(), "ECDH-ES+A128KW")));
}

TEST_CASE("skopeo's JWE annotations decrypt with the vector keys", "[jose]") {
  fs::path keys = coco::test::vectors_dir() / "ocicrypt" / "keys";
  auto rsa = crypto::PrivateKey::load_file(keys / "rsa.pem").value();
  auto ec = crypto::PrivateKey::load_file(keys / "ec-sec1.pem").value();
  struct Case {
    std::string tag;
    crypto::PrivateKey key;
  };
  for (const auto& c : std::vector<Case>{{"jwe-rsa", rsa}, {"jwe-ec", ec}, {"jwe-two", rsa}, {"jwe-two", ec}}) {
    INFO(c.tag);
    auto annotations = vector_jwe_annotations(c.tag);
    REQUIRE(annotations.size() == 2);
    for (const auto& a : annotations) {
      auto opts = jwe_decrypt(a, c.key);
      REQUIRE(opts);
      auto j = Json::parse(opts->view());
      CHECK(base64_decode(j["symkey"].get<std::string>())->size() == 32);
      CHECK(j["digest"].get<std::string>().rfind("sha256:", 0) == 0);
    }
  }
  CHECK(jwe_decrypt(vector_jwe_annotations("jwe-rsa")[0], ec).error().kind == Kind::auth);
}

TEST_CASE("the content key of our RSA-OAEP JWE decrypts with the openssl CLI", "[jose]") {
  coco::test::TempDir dir;
  auto key = gen_rsa();
  REQUIRE(key.write_pem_file(dir / "k.pem"));
  JweRecipient r{key.public_key(), "RSA-OAEP-256", ""};
  Json jwe = jwe_encrypt(to_bytes("checked by openssl"), std::span<const JweRecipient>(&r, 1)).value();
  Bytes ek = base64url_decode(jwe["encrypted_key"].get<std::string>()).value();
  REQUIRE(write_file_atomic(dir / "ek", as_string(ek)));
  REQUIRE(sh("openssl pkeyutl -decrypt -inkey " + (dir / "k.pem").string() +
             " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 -in " +
             (dir / "ek").string() + " -out " + (dir / "cek").string()) == 0);
  std::string cek = read_file(dir / "cek").value();
  REQUIRE(cek.size() == 32);
  auto plain = crypto::aes_gcm_decrypt(as_bytes(cek), base64url_decode(jwe["iv"].get<std::string>()).value(),
                                       base64url_decode(jwe["ciphertext"].get<std::string>()).value(),
                                       as_bytes(jwe["protected"].get<std::string>()),
                                       base64url_decode(jwe["tag"].get<std::string>()).value());
  REQUIRE(plain);
  CHECK(plain->view() == "checked by openssl");
}

TEST_CASE("malformed JWEs are reported as invalid", "[jose]") {
  auto key = gen_ec();
  CHECK(jwe_decrypt(std::string_view("a.b.c"), key).error().kind == Kind::invalid);
  CHECK(jwe_decrypt(std::string_view("{\"protected\":1}"), key).error().kind == Kind::invalid);
  CHECK(jwe_decrypt(std::string_view("{not json"), key).error().kind == Kind::invalid);
  JweRecipient r{key.public_key(), "", ""};
  Json jwe = jwe_encrypt(to_bytes("x"), std::span<const JweRecipient>(&r, 1)).value();
  Json zipped = jwe;
  auto header = Json::parse(as_string(base64url_decode(jwe["protected"].get<std::string>()).value()));
  header["zip"] = "DEF";
  zipped["protected"] = base64url_encode(header.dump());
  CHECK(jwe_decrypt_json(zipped, key).error().kind == Kind::unsupported);
}
