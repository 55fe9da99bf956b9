// Attestation tokens from an external attestation service (passport mode), checked as Trustee's KBS checks
// them (kbs/src/crypto/jwt.rs): a header jwk must be endorsed by its x5c chain up to [attestation_token]
// trusted_certs_paths (OpenSSL X509_verify_cert), unless insecure_header_jwk; a header kid names a key of
// trusted_jwk_sets. Certificates are made with the openssl CLI in a temp dir.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/crypto/key.hpp"
#include "common/crypto/x509.hpp"
#include "common/jose/jwk.hpp"
#include "common/jose/jws.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/token.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

bool sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// dir/<name>.pem + .key: a self-signed P-256 CA.
void make_ca(const test::TempDir& dir, const std::string& name) {
  REQUIRE(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
             " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
             (dir / (name + ".key")).string() + " -out " + (dir / (name + ".pem")).string()));
}

// dir/<name>.pem + .key: a P-256 end-entity certificate issued by the CA `ca`.
void make_leaf(const test::TempDir& dir, const std::string& name, const std::string& ca) {
  REQUIRE(write_file_atomic(dir / "leaf.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"));
  REQUIRE(sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name + " -keyout " +
             (dir / (name + ".key")).string() + " -out " + (dir / (name + ".csr")).string()));
  REQUIRE(sh("openssl x509 -req -days 2 -in " + (dir / (name + ".csr")).string() + " -CA " + (dir / (ca + ".pem")).string() +
             " -CAkey " + (dir / (ca + ".key")).string() + " -CAcreateserial -extfile " + (dir / "leaf.ext").string() +
             " -out " + (dir / (name + ".pem")).string()));
}

std::string x5c_member(const test::TempDir& dir, const std::string& name) {
  auto cert = crypto::Certificate::from_pem(*read_file(dir / (name + ".pem")));
  REQUIRE(cert);
  return base64_encode(cert->der());
}

nlohmann::json claims() {
  const std::int64_t now = jose::unix_now();
  return {{"iss", "external-as"}, {"iat", now}, {"exp", now + 300}, {"tee", "tdx"}};
}

// A token signed by `key` whose header carries `jwk` (and, when given, x5c) or `kid`.
std::string token(const crypto::PrivateKey& key, const std::optional<crypto::PublicKey>& header_jwk,
                  const std::vector<std::string>& x5c = {}, const std::string& kid = "") {
  jose::Json header;
  header["alg"] = "ES256";
  header["typ"] = "JWT";
  if (header_jwk) {
    jose::Json jwk = jose::Jwk::from_public(*header_jwk, "ES256").to_json();
    if (!x5c.empty()) {
      jwk["x5c"] = x5c;
    }
    header["jwk"] = jwk;
  }
  if (!kid.empty()) {
    header["kid"] = kid;
  }
  auto t = jose::jws_sign_compact(std::move(header), as_bytes(claims().dump()), key);
  REQUIRE(t);
  return *t;
}

crypto::PrivateKey load_key(const test::TempDir& dir, const std::string& name) {
  auto key = crypto::PrivateKey::load_file(dir / (name + ".key"));
  REQUIRE(key);
  return std::move(*key);
}

std::unique_ptr<TokenVerifier> verifier(const AttestationTokenConfig& config) {
  auto v = TokenVerifier::create(config, nullptr);
  if (!v) {
    FAIL(v.error().message);
  }
  return std::move(*v);
}

} // namespace

TEST_CASE("a token whose header jwk has an x5c chain to a trusted root is accepted", "[kbs][token]") {
  test::TempDir dir;
  make_ca(dir, "root");
  make_leaf(dir, "signer", "root");
  const auto key = load_key(dir, "signer");
  AttestationTokenConfig config;
  config.trusted_certs_paths = {(dir / "root.pem").string()};
  auto v = verifier(config);
  auto got = v->verify(token(key, key.public_key(), {x5c_member(dir, "signer")}));
  REQUIRE(got);
  CHECK((*got)["tee"] == "tdx");
  // The root may travel in x5c too; it is still the trusted copy that anchors the chain.
  CHECK(v->verify(token(key, key.public_key(), {x5c_member(dir, "signer"), x5c_member(dir, "root")})));
}

TEST_CASE("a token whose x5c chain leads to an untrusted root is refused with the reason", "[kbs][token]") {
  test::TempDir dir;
  make_ca(dir, "root");
  make_ca(dir, "other");
  make_leaf(dir, "signer", "root");
  const auto key = load_key(dir, "signer");
  AttestationTokenConfig config;
  config.trusted_certs_paths = {(dir / "other.pem").string()};
  auto v = verifier(config);
  for (const auto& chain : {std::vector<std::string>{x5c_member(dir, "signer")},
                            std::vector<std::string>{x5c_member(dir, "signer"), x5c_member(dir, "root")}}) {
    auto got = v->verify(token(key, key.public_key(), chain));
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == Kind::denied);
    CHECK_THAT(got.error().message, Catch::Contains("not endorsed by [attestation_token] trusted_certs_paths"));
    CHECK_THAT(got.error().message, Catch::Contains("CN=signer"));
    CHECK_THAT(got.error().message, Catch::Contains("certificate"));  // OpenSSL's reason, e.g. unable to get local issuer
  }
}

TEST_CASE("a header jwk without x5c, or that is not the x5c leaf's key, is refused", "[kbs][token]") {
  test::TempDir dir;
  make_ca(dir, "root");
  make_leaf(dir, "signer", "root");
  const auto key = load_key(dir, "signer");
  const auto intruder = *crypto::PrivateKey::generate_ec();
  AttestationTokenConfig config;
  config.trusted_certs_paths = {(dir / "root.pem").string()};
  auto v = verifier(config);
  auto bare = v->verify(token(key, key.public_key()));
  REQUIRE_FALSE(bare);
  CHECK_THAT(bare.error().message, Catch::Contains("no x5c"));
  // An attacker's key presented with the legitimate signer's certificate.
  auto swapped = v->verify(token(intruder, intruder.public_key(), {x5c_member(dir, "signer")}));
  REQUIRE_FALSE(swapped);
  CHECK_THAT(swapped.error().message, Catch::Contains("does not match the key of its x5c leaf"));
  // The right jwk and chain, but signed by another key.
  auto forged = v->verify(token(intruder, key.public_key(), {x5c_member(dir, "signer")}));
  REQUIRE_FALSE(forged);
  CHECK(forged.error().kind == Kind::integrity);
}

TEST_CASE("a header jwk is refused without trusted_certs_paths and used as is only with insecure_header_jwk", "[kbs][token]") {
  const auto key = *crypto::PrivateKey::generate_ec();
  test::TempDir dir;
  const auto other = *crypto::PrivateKey::generate_ec();
  REQUIRE(write_file_atomic(dir / "set.jwks", R"({"keys":[)" + jose::Jwk::from_public(other.public_key(), "ES256").to_json().dump() + "]}"));
  AttestationTokenConfig config;
  config.trusted_jwk_sets = {(dir / "set.jwks").string()};
  auto strict = verifier(config)->verify(token(key, key.public_key()));
  REQUIRE_FALSE(strict);
  CHECK_THAT(strict.error().message, Catch::Contains("trusted_certs_paths is empty"));
  config.insecure_header_jwk = true;
  CHECK(verifier(config)->verify(token(key, key.public_key())));
}

TEST_CASE("a token naming its key by kid is verified with that key of trusted_jwk_sets only", "[kbs][token]") {
  test::TempDir dir;
  const auto key = *crypto::PrivateKey::generate_ec();
  const auto other = *crypto::PrivateKey::generate_ec();
  jose::Json jwk = jose::Jwk::from_public(key.public_key(), "ES256").to_json();
  jwk["kid"] = "as-2026";
  REQUIRE(write_file_atomic(dir / "set.jwks", R"({"keys":[)" + jwk.dump() + "]}"));
  AttestationTokenConfig config;
  config.trusted_jwk_sets = {"file://" + (dir / "set.jwks").string()};
  config.insecure_header_jwk = true;  // does not apply to the kid path
  auto v = verifier(config);
  CHECK(v->verify(token(key, std::nullopt, {}, "as-2026")));
  auto unknown = v->verify(token(key, std::nullopt, {}, "as-2025"));
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("no key with kid as-2025"));
  CHECK_FALSE(v->verify(token(other, std::nullopt, {}, "as-2026")));
  CHECK_FALSE(v->verify(token(key, std::nullopt)));  // neither jwk nor kid
}

TEST_CASE("token verification settings are refused at start as Trustee refuses them", "[kbs][token]") {
  test::TempDir dir;
  AttestationTokenConfig none;
  auto nothing = TokenVerifier::create(none, nullptr);
  REQUIRE_FALSE(nothing);
  CHECK_THAT(nothing.error().message, Catch::Contains("no trusted verification material"));
  AttestationTokenConfig missing;
  missing.trusted_certs_paths = {(dir / "absent.pem").string()};
  auto absent = TokenVerifier::create(missing, nullptr);
  REQUIRE_FALSE(absent);
  CHECK_THAT(absent.error().message, Catch::Contains("absent.pem"));
  REQUIRE(write_file_atomic(dir / "empty.pem", "no certificate here\n"));
  AttestationTokenConfig empty;
  empty.trusted_certs_paths = {(dir / "empty.pem").string()};
  auto no_cert = TokenVerifier::create(empty, nullptr);
  REQUIRE_FALSE(no_cert);
  CHECK_THAT(no_cert.error().message, Catch::Contains("empty.pem"));
}
