// skopeo 1.9.3 encrypted the vector image (see /work/shared/vectors/ocicrypt/README.md); each tag must decrypt
// to the layer digests of `plain`.
#include <catch2/catch.hpp>

#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/jwe_wrapper.hpp"
#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;
using coco::test::ocicrypt_vectors;

namespace {

KeyWrappers jwe_keys(std::initializer_list<const char*> files) {
  std::vector<crypto::PrivateKey> keys;
  for (const char* f : files) {
    keys.push_back(load_jwe_private_key_file(ocicrypt_vectors() / "keys" / f).value());
  }
  KeyWrappers w;
  w.push_back(std::make_unique<JweKeyWrapper>(std::vector<jose::JweRecipient>{}, std::move(keys)));
  return w;
}

void check_tag_decrypts(const std::string& tag, const KeyWrappers& wrappers) {
  INFO(tag);
  auto layers = coco::test::vector_layers(tag);
  auto expected = coco::test::expected_layer_digests();
  REQUIRE(layers.size() == expected.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    INFO("layer " << i);
    if (!is_encrypted_media_type(layers[i].media_type)) {
      CHECK(layers[i].digest == expected[i]);
      continue;
    }
    auto digest = coco::test::decrypt_vector_layer(layers[i], wrappers);
    REQUIRE(digest);
    CHECK(*digest == expected[i]);
    CHECK(decrypted_media_type(layers[i].media_type).value() == "application/vnd.oci.image.layer.v1.tar+gzip");
  }
}

} // namespace

TEST_CASE("skopeo's jwe-rsa image decrypts to the plain layer digests", "[ocicrypt]") {
  check_tag_decrypts("jwe-rsa", jwe_keys({"rsa.pem"}));
}

TEST_CASE("skopeo's jwe-ec image decrypts with the PKCS#8 and the SEC1 form of the key", "[ocicrypt]") {
  check_tag_decrypts("jwe-ec", jwe_keys({"ec.pem"}));
  check_tag_decrypts("jwe-ec", jwe_keys({"ec-sec1.pem"}));
}

TEST_CASE("skopeo's two-recipient jwe image decrypts with either key", "[ocicrypt]") {
  check_tag_decrypts("jwe-two", jwe_keys({"rsa.pem"}));
  check_tag_decrypts("jwe-two", jwe_keys({"ec.pem"}));
}

TEST_CASE("skopeo's last-layer-only image decrypts its one encrypted layer", "[ocicrypt]") {
  auto layers = coco::test::vector_layers("jwe-rsa-last-layer");
  REQUIRE(layers.size() == 2);
  CHECK_FALSE(is_encrypted_media_type(layers[0].media_type));
  CHECK(is_encrypted_media_type(layers[1].media_type));
  check_tag_decrypts("jwe-rsa-last-layer", jwe_keys({"rsa.pem"}));
}

TEST_CASE("a vector layer does not open with a key that is not a recipient", "[ocicrypt]") {
  auto layers = coco::test::vector_layers("jwe-rsa");
  auto out = coco::test::decrypt_vector_layer(layers[0], jwe_keys({"ec.pem"}));
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::auth);
  KeyWrappers none;
  CHECK(coco::test::decrypt_vector_layer(layers[0], none).error().kind == Kind::not_found);
}

TEST_CASE("one flipped byte of a vector layer, its wrapped key or its pubopts fails clearly", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto layers = coco::test::vector_layers("jwe-rsa");
  auto wrappers = jwe_keys({"rsa.pem"});
  // Layer bytes: copy the blob, flip one byte.
  {
    auto blob = read_file(coco::test::blob_path(coco::test::ocicrypt_layout(), layers[0].digest)).value();
    blob[blob.size() / 2] ^= 0x20;
    std::filesystem::create_directories(dir.path() / "blobs" / "sha256");
    REQUIRE(write_file_atomic(coco::test::blob_path(dir.path(), layers[0].digest), blob));
    auto out = coco::test::decrypt_vector_layer(layers[0], wrappers, dir.path());
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == Kind::integrity);
    CHECK(out.error().message.find("HMAC mismatch") != std::string::npos);
  }
  // Wrapped key: change a byte inside the JWE's ciphertext.
  {
    auto layer = layers[0];
    auto jwe = jose::Json::parse(as_string(base64_decode(layer.annotations.at("org.opencontainers.image.enc.keys.jwe")).value()));
    std::string ct = jwe["ciphertext"];
    ct[5] = ct[5] == 'A' ? 'B' : 'A';
    jwe["ciphertext"] = ct;
    layer.annotations["org.opencontainers.image.enc.keys.jwe"] = base64_encode(jwe.dump());
    auto out = coco::test::decrypt_vector_layer(layer, wrappers);
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == Kind::integrity);
    CHECK(out.error().message.rfind("jwe: ", 0) == 0);
  }
  // Public options: a different HMAC.
  {
    auto layer = layers[0];
    auto pub = parse_public_options(as_string(base64_decode(layer.annotations.at("org.opencontainers.image.enc.pubopts")).value())).value();
    pub.hmac[3] ^= 1;
    layer.annotations["org.opencontainers.image.enc.pubopts"] = base64_encode(serialize_public_options(pub));
    auto out = coco::test::decrypt_vector_layer(layer, wrappers);
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == Kind::integrity);
  }
}

TEST_CASE("a layer encrypted here for RSA and EC recipients decrypts with each key", "[ocicrypt]") {
  auto rsa_pub = load_jwe_recipient_file(ocicrypt_vectors() / "keys" / "rsa.pub").value();
  auto ec_pub = load_jwe_recipient_file(ocicrypt_vectors() / "keys" / "ec.pub").value();
  KeyWrappers enc;
  enc.push_back(std::make_unique<JweKeyWrapper>(std::vector<jose::JweRecipient>{rsa_pub, ec_pub},
                                                std::vector<crypto::PrivateKey>{}));
  Bytes plain = to_bytes("a small layer");
  std::size_t pos = 0;
  ReadFn read = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    std::size_t n = std::min(buf.size(), plain.size() - pos);
    std::copy_n(plain.begin() + static_cast<std::ptrdiff_t>(pos), n, buf.begin());
    pos += n;
    return n;
  };
  Bytes ct;
  WriteFn write = [&](std::span<const std::uint8_t> d) -> Status {
    ct.insert(ct.end(), d.begin(), d.end());
    return ok();
  };
  auto blob = encrypt_blob(read, write, crypto::Digest::of(plain).to_string());
  REQUIRE(blob);
  auto annotations = wrap_layer_keys(blob->private_options, blob->public_options, enc);
  REQUIRE(annotations);
  CHECK(annotations->count("org.opencontainers.image.enc.keys.jwe") == 1);
  CHECK(annotations->count("org.opencontainers.image.enc.pubopts") == 1);
  for (const char* key : {"rsa.pem", "ec-sec1.pem"}) {
    auto keys = unwrap_layer_keys(*annotations, jwe_keys({key}));
    REQUIRE(keys);
    CHECK(keys->scheme == "jwe");
    CHECK(keys->private_options.symkey.bytes().size() == 32);
    CHECK(keys->private_options.digest == crypto::Digest::of(plain).to_string());
  }
}
