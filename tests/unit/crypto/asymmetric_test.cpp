#include "common/crypto/asymmetric.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::crypto;

namespace {
int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }
Bytes b64u(std::string_view s) { return base64url_decode(s).value(); }
} // namespace

TEST_CASE("RSA encryption round-trips with each padding and fails with another key", "[crypto]") {
  auto key = PrivateKey::generate_rsa(2048).value();
  auto other = PrivateKey::generate_rsa(2048).value();
  Bytes cek = to_bytes("0123456789abcdef0123456789abcdef");
  for (RsaPadding p : {RsaPadding::oaep_sha1, RsaPadding::oaep_sha256, RsaPadding::pkcs1_v15}) {
    auto ct = rsa_encrypt(key.public_key(), p, cek);
    REQUIRE(ct);
    CHECK(ct->size() == 256);
    auto pt = rsa_decrypt(key, p, *ct);
    REQUIRE(pt);
    CHECK(Bytes(pt->bytes().begin(), pt->bytes().end()) == cek);
    CHECK_FALSE(rsa_decrypt(other, p, *ct));
  }
  // OAEP-SHA1 ciphertext does not decrypt as OAEP-SHA256.
  auto ct = rsa_encrypt(key.public_key(), RsaPadding::oaep_sha1, cek).value();
  CHECK(rsa_decrypt(key, RsaPadding::oaep_sha256, ct).error().kind == Kind::integrity);
}

TEST_CASE("RSA-OAEP-256 ciphertext from the openssl CLI decrypts", "[crypto]") {
  coco::test::TempDir dir;
  auto key = PrivateKey::generate_rsa(2048).value();
  REQUIRE(write_file_atomic(dir / "k.pub", key.public_key().to_pem()));
  REQUIRE(write_file_atomic(dir / "msg", "a content key"));
  REQUIRE(sh("openssl pkeyutl -encrypt -pubin -inkey " + (dir / "k.pub").string() +
             " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 -in " +
             (dir / "msg").string() + " -out " + (dir / "ct").string()) == 0);
  auto ct = read_file(dir / "ct").value();
  auto pt = rsa_decrypt(key, RsaPadding::oaep_sha256, as_bytes(ct));
  REQUIRE(pt);
  CHECK(pt->view() == "a content key");
}

TEST_CASE("ECDH of RFC 7518 appendix C keys gives its Z and the Concat KDF its key", "[crypto]") {
  auto alice = PrivateKey::from_ec({Curve::p256, b64u("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0"),
                                    b64u("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps")},
                                   b64u("0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"));
  REQUIRE(alice);
  auto bob = PrivateKey::from_ec({Curve::p256, b64u("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ"),
                                  b64u("e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck")},
                                 b64u("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"));
  REQUIRE(bob);
  auto z1 = ecdh_derive(*alice, bob->public_key());
  auto z2 = ecdh_derive(*bob, alice->public_key());
  REQUIRE(z1);
  REQUIRE(z2);
  Bytes expected_z{158, 86,  217, 29,  129, 113, 53,  211, 114, 131, 66, 131, 191, 132, 38,  156,
                   251, 49,  110, 163, 218, 128, 106, 72,  246, 218, 167, 121, 140, 254, 144, 196};
  CHECK(Bytes(z1->bytes().begin(), z1->bytes().end()) == expected_z);
  CHECK(Bytes(z2->bytes().begin(), z2->bytes().end()) == expected_z);
  Secret k = concat_kdf_sha256(expected_z, 16, "A128GCM", to_bytes("Alice"), to_bytes("Bob"));
  CHECK(base64url_encode(k.bytes()) == "VqqN6vgjbSBcIijNcacQGg");
}

TEST_CASE("Concat KDF output longer than one hash block is the first bytes of the next round", "[crypto]") {
  Bytes z(32, 7);
  Secret k64 = concat_kdf_sha256(z, 64, "X");
  Secret k32 = concat_kdf_sha256(z, 32, "X");
  CHECK(k64.size() == 64);
  // The key length is part of the input, so the first block differs from a 32-byte derivation.
  CHECK_FALSE(std::equal(k32.bytes().begin(), k32.bytes().end(), k64.bytes().begin()));
}

TEST_CASE("ECDH refuses keys on different curves", "[crypto]") {
  auto a = PrivateKey::generate_ec(Curve::p256).value();
  auto b = PrivateKey::generate_ec(Curve::p384).value();
  CHECK_FALSE(ecdh_derive(a, b.public_key()));
}
