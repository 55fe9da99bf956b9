#include "common/ocicrypt/pkcs7_wrapper.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/ocicrypt/annotations.hpp"
#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;
using coco::test::ocicrypt_vectors;

namespace {

Pkcs7DecryptKey vector_key(bool with_cert = true) {
  auto key = crypto::PrivateKey::load_file(ocicrypt_vectors() / "keys" / "pkcs7.key").value();
  std::optional<Pkcs7Certificate> cert;
  if (with_cert) {
    cert = load_pkcs7_certificate_file(ocicrypt_vectors() / "keys" / "pkcs7.crt").value();
  }
  return {key, cert};
}

KeyWrappers decrypting(Pkcs7DecryptKey key) {
  KeyWrappers w;
  w.push_back(std::make_unique<Pkcs7KeyWrapper>(std::vector<Pkcs7Certificate>{}, std::vector<Pkcs7DecryptKey>{key}));
  return w;
}

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

} // namespace

TEST_CASE("skopeo's pkcs7 image decrypts with the key and certificate", "[ocicrypt]") {
  auto layers = coco::test::vector_layers("pkcs7");
  auto expected = coco::test::expected_layer_digests();
  REQUIRE(layers.size() == expected.size());
  for (bool with_cert : {true, false}) {
    auto wrappers = decrypting(vector_key(with_cert));
    for (std::size_t i = 0; i < layers.size(); ++i) {
      auto digest = coco::test::decrypt_vector_layer(layers[i], wrappers);
      REQUIRE(digest);
      CHECK(*digest == expected[i]);
    }
  }
}

TEST_CASE("pkcs7 wrapping round-trips and writes smallstep's EnvelopedData layout", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto cert = load_pkcs7_certificate_file(ocicrypt_vectors() / "keys" / "pkcs7.crt").value();
  // A second recipient with its own self-signed certificate.
  REQUIRE(sh("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=second -days 1 -keyout " + (dir / "k2.pem").string() +
             " -out " + (dir / "c2.pem").string()) == 0);
  auto cert2 = load_pkcs7_certificate_file(dir / "c2.pem").value();
  Pkcs7KeyWrapper w({cert, cert2}, {});
  Secret opts = Secret::from_string(R"({"symkey":"k","digest":"d","cipheroptions":{}})");
  auto blob = w.wrap(opts);
  REQUIRE(blob);
  // The structure as `openssl asn1parse` sees it: EnvelopedData, two RSA recipients, AES-128-GCM.
  REQUIRE(write_file_atomic(dir / "blob.der", as_string(*blob)));
  REQUIRE(std::system(("openssl asn1parse -inform DER -in " + (dir / "blob.der").string() + " > " +
                       (dir / "asn1.txt").string() + " 2>/dev/null").c_str()) == 0);
  std::string parsed = read_file(dir / "asn1.txt").value();
  CHECK(parsed.find("pkcs7-envelopedData") != std::string::npos);
  CHECK(parsed.find("aes-128-gcm") != std::string::npos);
  std::size_t rsa_count = 0;
  for (auto pos = parsed.find("rsaEncryption"); pos != std::string::npos; pos = parsed.find("rsaEncryption", pos + 1)) {
    ++rsa_count;
  }
  CHECK(rsa_count == 2);

  Pkcs7KeyWrapper first({}, {vector_key()});
  CHECK(first.unwrap(*blob).value().view() == opts.view());
  auto k2 = crypto::PrivateKey::load_file(dir / "k2.pem").value();
  Pkcs7KeyWrapper second({}, {{k2, cert2}});
  CHECK(second.unwrap(*blob).value().view() == opts.view());
  // The second key with the first certificate selects the wrong recipient.
  Pkcs7KeyWrapper mismatched({}, {{k2, cert}});
  CHECK(mismatched.unwrap(*blob).error().kind == Kind::auth);
}

TEST_CASE("a tampered pkcs7 blob fails", "[ocicrypt]") {
  auto cert = load_pkcs7_certificate_file(ocicrypt_vectors() / "keys" / "pkcs7.crt").value();
  Pkcs7KeyWrapper w({cert}, {vector_key()});
  auto blob = w.wrap(Secret::from_string("options")).value();
  Bytes content_flip = blob;
  content_flip[content_flip.size() - 20] ^= 1;  // inside the encrypted content
  CHECK(w.unwrap(content_flip).error().kind == Kind::integrity);
  Bytes truncated(blob.begin(), blob.begin() + 100);
  CHECK(w.unwrap(truncated).error().kind == Kind::invalid);
}

TEST_CASE("a pkcs7 recipient must be an RSA certificate", "[ocicrypt]") {
  CHECK_FALSE(load_pkcs7_certificate_file(ocicrypt_vectors() / "keys" / "rsa.pub"));
}
