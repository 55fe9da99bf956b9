#include "common/crypto/key.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::crypto;
namespace fs = std::filesystem;

namespace {
fs::path keys() { return coco::test::vectors_dir() / "ocicrypt" / "keys"; }

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }
} // namespace

TEST_CASE("private keys load from PKCS#8, PKCS#1 and SEC1 PEM", "[crypto]") {
  auto rsa = PrivateKey::load_file(keys() / "rsa.pem");
  REQUIRE(rsa);
  CHECK(rsa->type() == KeyType::rsa);
  auto ec = PrivateKey::load_file(keys() / "ec.pem");
  REQUIRE(ec);
  CHECK(ec->type() == KeyType::ec);
  CHECK(ec->curve() == Curve::p256);
  auto sec1 = PrivateKey::load_file(keys() / "ec-sec1.pem");
  REQUIRE(sec1);
  CHECK(sec1->public_key() == ec->public_key());
  auto pub = PublicKey::load_file(keys() / "rsa.pub");
  REQUIRE(pub);
  CHECK(*pub == rsa->public_key());
  auto ecpub = PublicKey::load_file(keys() / "ec.pub");
  REQUIRE(ecpub);
  CHECK(*ecpub == ec->public_key());
}

TEST_CASE("a certificate's public key matches its private key", "[crypto]") {
  auto key = PrivateKey::load_file(keys() / "pkcs7.key");
  REQUIRE(key);
  auto cert = PublicKey::load_file(keys() / "pkcs7.crt");
  REQUIRE(cert);
  CHECK(*cert == key->public_key());
}

TEST_CASE("keys load from DER forms written by the openssl CLI", "[crypto]") {
  coco::test::TempDir dir;
  std::string rsa = (keys() / "rsa.pem").string();
  std::string ec = (keys() / "ec.pem").string();
  REQUIRE(sh("openssl pkey -in " + rsa + " -outform DER -out " + (dir / "p8.der").string()) == 0);
  REQUIRE(sh("openssl rsa -in " + rsa + " -traditional -outform DER -out " + (dir / "p1.der").string()) == 0);
  REQUIRE(sh("openssl ec -in " + ec + " -outform DER -out " + (dir / "sec1.der").string()) == 0);
  REQUIRE(sh("openssl pkey -in " + rsa + " -pubout -outform DER -out " + (dir / "spki.der").string()) == 0);
  REQUIRE(sh("openssl rsa -in " + rsa + " -RSAPublicKey_out -out " + (dir / "p1pub.pem").string()) == 0);
  auto reference = PrivateKey::load_file(rsa);
  REQUIRE(reference);
  for (const char* name : {"p8.der", "p1.der"}) {
    auto k = PrivateKey::load_file(dir / name);
    REQUIRE(k);
    CHECK(k->public_key() == reference->public_key());
  }
  auto sec1 = PrivateKey::load_file(dir / "sec1.der");
  REQUIRE(sec1);
  CHECK(sec1->type() == KeyType::ec);
  for (const char* name : {"spki.der", "p1pub.pem"}) {
    auto k = PublicKey::load_file(dir / name);
    REQUIRE(k);
    CHECK(*k == reference->public_key());
  }
}

TEST_CASE("encrypted private keys need the right passphrase", "[crypto]") {
  coco::test::TempDir dir;
  std::string rsa = (keys() / "rsa.pem").string();
  REQUIRE(sh("openssl pkcs8 -topk8 -in " + rsa + " -passout pass:hunter2 -out " + (dir / "enc8.pem").string()) == 0);
  REQUIRE(sh("openssl rsa -in " + rsa + " -aes256 -traditional -passout pass:hunter2 -out " +
             (dir / "legacy.pem").string()) == 0);
  for (const char* name : {"enc8.pem", "legacy.pem"}) {
    INFO(name);
    auto k = PrivateKey::load_file(dir / name, std::string_view("hunter2"));
    REQUIRE(k);
    CHECK(k->type() == KeyType::rsa);
    auto none = PrivateKey::load_file(dir / name);
    REQUIRE_FALSE(none);
    CHECK(none.error().kind == Kind::auth);
    CHECK_FALSE(PrivateKey::load_file(dir / name, std::string_view("wrong")));
  }
}

TEST_CASE("a public key or certificate is not accepted as a private key", "[crypto]") {
  CHECK_FALSE(PrivateKey::load_file(keys() / "rsa.pub"));
  CHECK_FALSE(PrivateKey::load_file(keys() / "pkcs7.crt"));
  CHECK_FALSE(PrivateKey::load(std::string_view("not a key")));
}

TEST_CASE("generated keys of every type survive PEM write and reload with mode 0600", "[crypto]") {
  coco::test::TempDir dir;
  std::vector<PrivateKey> generated;
  generated.push_back(PrivateKey::generate_rsa(2048).value());
  for (Curve c : {Curve::p256, Curve::p384, Curve::p521}) {
    generated.push_back(PrivateKey::generate_ec(c).value());
  }
  generated.push_back(PrivateKey::generate_ed25519().value());
  int i = 0;
  for (const auto& key : generated) {
    fs::path path = dir / ("k" + std::to_string(i++) + ".pem");
    REQUIRE(key.write_pem_file(path));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto back = PrivateKey::load_file(path);
    REQUIRE(back);
    CHECK(back->public_key() == key.public_key());
    CHECK(back->type() == key.type());
    // The openssl CLI reads what we wrote.
    CHECK(sh("openssl pkey -in " + path.string() + " -noout") == 0);
    auto pub = PublicKey::load(key.public_key().to_pem());
    REQUIRE(pub);
    CHECK(*pub == key.public_key());
  }
  CHECK(generated[3].curve() == Curve::p521);
  CHECK(generated[0].bits() == 2048);
  CHECK_FALSE(PrivateKey::generate_rsa(1024));
}

TEST_CASE("passphrase-protected PEM output reloads only with the passphrase", "[crypto]") {
  auto key = PrivateKey::generate_ec(Curve::p256).value();
  auto pem = key.to_pem(std::string_view("pw"));
  REQUIRE(pem);
  CHECK(pem->view().find("ENCRYPTED PRIVATE KEY") != std::string_view::npos);
  CHECK_FALSE(PrivateKey::load(pem->bytes()));
  auto back = PrivateKey::load(pem->bytes(), std::string_view("pw"));
  REQUIRE(back);
  CHECK(back->public_key() == key.public_key());
}

TEST_CASE("keys rebuild from their components", "[crypto]") {
  auto rsa = PrivateKey::generate_rsa(2048).value();
  auto parts = rsa.public_key().rsa();
  CHECK(parts.e == Bytes{0x01, 0x00, 0x01});
  auto rebuilt = PrivateKey::from_rsa(parts, rsa.rsa_private());
  REQUIRE(rebuilt);
  CHECK(rebuilt->public_key() == rsa.public_key());
  auto pub = PublicKey::from_rsa(parts.n, parts.e);
  REQUIRE(pub);
  CHECK(*pub == rsa.public_key());

  auto ec = PrivateKey::generate_ec(Curve::p521).value();
  auto ec_parts = ec.public_key().ec();
  CHECK(ec_parts.x.size() == 66);
  auto ec_rebuilt = PrivateKey::from_ec(ec_parts, ec.ec_private().bytes());
  REQUIRE(ec_rebuilt);
  CHECK(ec_rebuilt->public_key() == ec.public_key());

  auto ed = PrivateKey::generate_ed25519().value();
  auto ed_rebuilt = PrivateKey::from_ed25519(ed.ed25519_private().bytes());
  REQUIRE(ed_rebuilt);
  CHECK(ed_rebuilt->public_key() == ed.public_key());
  CHECK(*PublicKey::from_ed25519(ed.public_key().ed25519()) == ed.public_key());
}

TEST_CASE("an EC point off the curve is rejected", "[crypto]") {
  auto ec = PrivateKey::generate_ec(Curve::p256).value().public_key().ec();
  ec.y.back() ^= 1;
  CHECK_FALSE(PublicKey::from_ec(Curve::p256, ec.x, ec.y));
  CHECK_FALSE(PublicKey::from_ec(Curve::p256, Bytes(31), Bytes(32)));
}
