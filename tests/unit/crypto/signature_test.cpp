#include "common/crypto/signature.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::crypto;

namespace {
int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }
} // namespace

TEST_CASE("signatures of every scheme verify and fail when message or signature change", "[crypto]") {
  struct Case {
    PrivateKey key;
    SignatureScheme scheme;
    HashAlg hash;
  };
  auto rsa = PrivateKey::generate_rsa(2048).value();
  std::vector<Case> cases{
      {PrivateKey::generate_ec(Curve::p256).value(), SignatureScheme::ecdsa, HashAlg::sha256},
      {PrivateKey::generate_ec(Curve::p384).value(), SignatureScheme::ecdsa, HashAlg::sha384},
      {PrivateKey::generate_ec(Curve::p521).value(), SignatureScheme::ecdsa, HashAlg::sha512},
      {PrivateKey::generate_ed25519().value(), SignatureScheme::ed25519, HashAlg::sha512},
      {rsa, SignatureScheme::rsa_pkcs1, HashAlg::sha256},
      {rsa, SignatureScheme::rsa_pss, HashAlg::sha384},
  };
  Bytes msg = to_bytes("the message");
  for (const auto& c : cases) {
    auto sig = sign(c.key, c.scheme, c.hash, msg);
    REQUIRE(sig);
    CHECK(verify(c.key.public_key(), c.scheme, c.hash, msg, *sig));
    Bytes other = to_bytes("the messagE");
    CHECK(verify(c.key.public_key(), c.scheme, c.hash, other, *sig).error().kind == Kind::integrity);
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 0x10;
    CHECK_FALSE(verify(c.key.public_key(), c.scheme, c.hash, msg, bad));
  }
  CHECK_FALSE(sign(rsa, SignatureScheme::ecdsa, HashAlg::sha256, msg));
}

TEST_CASE("ECDSA signatures convert between DER and r||s", "[crypto]") {
  auto key = PrivateKey::generate_ec(Curve::p384).value();
  Bytes msg = to_bytes("m");
  auto der = sign(key, SignatureScheme::ecdsa, HashAlg::sha384, msg).value();
  auto raw = ecdsa_der_to_raw(der, 48);
  REQUIRE(raw);
  CHECK(raw->size() == 96);
  auto back = ecdsa_raw_to_der(*raw);
  REQUIRE(back);
  CHECK(*back == der);
  CHECK_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x01}, 48));
}

TEST_CASE("a digest signature verifies as a message signature", "[crypto]") {
  auto key = PrivateKey::generate_ec(Curve::p256).value();
  Bytes msg = to_bytes("report body");
  auto sig = sign_digest(key, SignatureScheme::ecdsa, HashAlg::sha256, sha256(msg));
  REQUIRE(sig);
  CHECK(verify(key.public_key(), SignatureScheme::ecdsa, HashAlg::sha256, msg, *sig));
  CHECK(verify_digest(key.public_key(), SignatureScheme::ecdsa, HashAlg::sha256, sha256(msg), *sig));
}

TEST_CASE("signatures made by the openssl CLI verify and ours verify there", "[crypto]") {
  coco::test::TempDir dir;
  auto key = PrivateKey::generate_rsa(2048).value();
  REQUIRE(key.write_pem_file(dir / "k.pem"));
  REQUIRE(write_file_atomic(dir / "k.pub", key.public_key().to_pem()));
  REQUIRE(write_file_atomic(dir / "msg", "hello"));
  REQUIRE(sh("openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sign " +
             (dir / "k.pem").string() + " -out " + (dir / "sig").string() + " " + (dir / "msg").string()) == 0);
  auto sig = read_file(dir / "sig");
  REQUIRE(sig);
  CHECK(verify(key.public_key(), SignatureScheme::rsa_pss, HashAlg::sha256, to_bytes("hello"), as_bytes(*sig)));

  auto ours = sign(key, SignatureScheme::rsa_pkcs1, HashAlg::sha256, to_bytes("hello")).value();
  REQUIRE(write_file_atomic(dir / "ours", as_string(ours)));
  CHECK(sh("openssl dgst -sha256 -verify " + (dir / "k.pub").string() + " -signature " + (dir / "ours").string() +
           " " + (dir / "msg").string()) == 0);
}
