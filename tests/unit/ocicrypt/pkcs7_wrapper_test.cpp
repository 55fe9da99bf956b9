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

namespace {

// A fresh self-signed RSA certificate and key in `dir` (OpenSSL 3 adds a subject key identifier).
Pkcs7DecryptKey make_recipient(const coco::test::TempDir& dir, const std::string& name) {
  const auto key = dir / (name + ".key");
  const auto crt = dir / (name + ".crt");
  REQUIRE(sh("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=" + name + " -days 1 -keyout " + key.string() +
             " -out " + crt.string()) == 0);
  return {crypto::PrivateKey::load_file(key).value(), load_pkcs7_certificate_file(crt).value()};
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::size_t count_of(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("removing one of two pkcs7 recipients leaves the other, which still opens the blob", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto first = vector_key();
  auto second = make_recipient(dir, "second");
  Pkcs7KeyWrapper w({*first.certificate, *second.certificate}, {});
  Secret opts = Secret::from_string(R"({"symkey":"k","digest":"d","cipheroptions":{}})");
  Bytes blob = w.wrap(opts).value();
  REQUIRE(pkcs7_recipients(blob).value().size() == 2);

  auto out = pkcs7_remove_recipient(blob, *first.certificate);
  REQUIRE(out);
  CHECK(out->removed == 1);
  REQUIRE(out->blob);
  auto left = pkcs7_recipients(*out->blob);
  REQUIRE(left);
  REQUIRE(left->size() == 1);
  CHECK(left->at(0).issuer_der == second.certificate->issuer_der);
  CHECK(left->at(0).serial_der == second.certificate->serial_der);
  // The encrypted content is untouched: the blobs end in the same EncryptedContentInfo.
  REQUIRE(out->blob->size() < blob.size());
  CHECK(std::equal(blob.end() - 80, blob.end(), out->blob->end() - 80));
  // Still DER that openssl reads, with one RSA recipient.
  REQUIRE(write_file_atomic(dir / "left.der", as_string(*out->blob)));
  REQUIRE(std::system(("openssl asn1parse -inform DER -in " + (dir / "left.der").string() + " > " +
                       (dir / "asn1.txt").string() + " 2>/dev/null").c_str()) == 0);
  CHECK(count_of(read_file(dir / "asn1.txt").value(), "rsaEncryption") == 1);

  Pkcs7KeyWrapper second_opens({}, {second});
  CHECK(second_opens.unwrap(*out->blob).value().view() == opts.view());
  Pkcs7KeyWrapper first_opens({}, {vector_key(false)});
  CHECK(first_opens.unwrap(blob).value().view() == opts.view());
  CHECK(first_opens.unwrap(*out->blob).error().kind == Kind::auth);
}

TEST_CASE("removing the only pkcs7 recipient leaves no blob", "[ocicrypt]") {
  auto first = vector_key();
  Pkcs7KeyWrapper w({*first.certificate}, {});
  Bytes blob = w.wrap(Secret::from_string("options")).value();
  auto out = pkcs7_remove_recipient(blob, *first.certificate);
  REQUIRE(out);
  CHECK(out->removed == 1);
  CHECK_FALSE(out->blob);
  // skopeo's blobs (smallstep) too.
  auto layers = coco::test::vector_layers("pkcs7");
  REQUIRE_FALSE(layers.empty());
  auto skopeo_blobs = split_key_annotation(layers[0].annotations.at("org.opencontainers.image.enc.keys.pkcs7")).value();
  REQUIRE(skopeo_blobs.size() == 1);
  auto sk = pkcs7_remove_recipient(as_bytes(skopeo_blobs[0]), *first.certificate);
  REQUIRE(sk);
  CHECK(sk->removed == 1);
  CHECK_FALSE(sk->blob);
}

TEST_CASE("removing a pkcs7 certificate that is not a recipient keeps the blob byte for byte", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto first = vector_key();
  auto other = make_recipient(dir, "other");
  Bytes blob = Pkcs7KeyWrapper({*first.certificate}, {}).wrap(Secret::from_string("options")).value();
  auto out = pkcs7_remove_recipient(blob, *other.certificate);
  REQUIRE(out);
  CHECK(out->removed == 0);
  REQUIRE(out->blob);
  CHECK(*out->blob == blob);
}

TEST_CASE("pkcs7 recipients named by subject key identifier are removed by certificate", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto a = make_recipient(dir, "a");
  auto b = make_recipient(dir, "b");
  REQUIRE_FALSE(a.certificate->subject_key_id.empty());
  REQUIRE(write_file_atomic(dir / "msg.txt", "layer options"));
  // OpenSSL writes [0] subjectKeyIdentifier recipient ids with -keyid.
  REQUIRE(sh("openssl cms -encrypt -binary -aes128 -keyid -outform DER -in " + (dir / "msg.txt").string() + " -out " +
             (dir / "env.der").string() + " " + (dir / "a.crt").string() + " " + (dir / "b.crt").string()) == 0);
  Bytes blob = bytes_of(read_file(dir / "env.der").value());
  auto all = pkcs7_recipients(blob).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].issuer_der.empty());

  auto out = pkcs7_remove_recipient(blob, *a.certificate);
  REQUIRE(out);
  CHECK(out->removed == 1);
  REQUIRE(out->blob);
  auto left = pkcs7_recipients(*out->blob).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].subject_key_id == b.certificate->subject_key_id);
  // OpenSSL opens the result with b's key and no longer with a's.
  REQUIRE(write_file_atomic(dir / "left.der", as_string(*out->blob)));
  const std::string decrypt = "openssl cms -decrypt -binary -inform DER -in " + (dir / "left.der").string();
  CHECK(sh(decrypt + " -recip " + (dir / "b.crt").string() + " -inkey " + (dir / "b.key").string() + " -out " +
           (dir / "b.txt").string()) == 0);
  CHECK(read_file(dir / "b.txt").value() == "layer options");
  CHECK(sh(decrypt + " -recip " + (dir / "a.crt").string() + " -inkey " + (dir / "a.key").string() + " -out " +
           (dir / "a.txt").string()) != 0);
}

TEST_CASE("removing a pkcs7 recipient from a malformed blob is an invalid-data error", "[ocicrypt]") {
  auto first = vector_key();
  Bytes blob = Pkcs7KeyWrapper({*first.certificate}, {}).wrap(Secret::from_string("options")).value();
  Bytes truncated(blob.begin(), blob.begin() + 100);
  CHECK(pkcs7_remove_recipient(truncated, *first.certificate).error().kind == Kind::invalid);
  Bytes trailing = blob;
  trailing.push_back(0);
  CHECK(pkcs7_remove_recipient(trailing, *first.certificate).error().kind == Kind::invalid);
  Bytes not_der = bytes_of("-----BEGIN PKCS7-----");
  CHECK(pkcs7_remove_recipient(not_der, *first.certificate).error().kind == Kind::invalid);
}
