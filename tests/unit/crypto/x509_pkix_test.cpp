// crypto::verify_pkix_chain: OpenSSL's RFC 5280 path validation against trusted certificates (what a JWT
// header jwk's x5c chain is held to). Certificates are made with the openssl CLI in a temp dir; `openssl ca`
// because it can set past validity dates.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/x509.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using coco::crypto::Certificate;

namespace {

bool sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

const char* const k_ca_ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
const char* const k_leaf_ext = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n";

// dir/<name>.pem + .key: a self-signed P-256 CA.
void make_root(const test::TempDir& dir, const std::string& name) {
  REQUIRE(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
             " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
             (dir / (name + ".key")).string() + " -out " + (dir / (name + ".pem")).string()));
}

// dir/<name>.pem + .key: a P-256 certificate issued by `ca` with the extensions `ext`, valid for two days from
// now or, when given, from `start` to `end` (YYYYMMDDHHMMSSZ).
void issue(const test::TempDir& dir, const std::string& name, const std::string& ca, const std::string& ext,
           const std::string& start = "", const std::string& end = "") {
  if (!std::filesystem::exists(dir / "ca.cnf")) {
    REQUIRE(write_file_atomic(dir / "ca.cnf", "[ca]\ndefault_ca = this\n[this]\ndatabase = " + (dir / "index.txt").string() +
                                                  "\nnew_certs_dir = " + dir.path().string() +
                                                  "\nserial = " + (dir / "serial").string() +
                                                  "\ndefault_md = sha256\nunique_subject = no\npolicy = any\n"
                                                  "[any]\ncommonName = supplied\n"));
    REQUIRE(write_file_atomic(dir / "index.txt", ""));
    REQUIRE(write_file_atomic(dir / "serial", "01\n"));
  }
  REQUIRE(write_file_atomic(dir / (name + ".ext"), ext));
  REQUIRE(sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name + " -keyout " +
             (dir / (name + ".key")).string() + " -out " + (dir / (name + ".csr")).string()));
  const std::string dates = start.empty() ? " -days 2" : " -startdate " + start + " -enddate " + end;
  REQUIRE(sh("openssl ca -batch -notext -config " + (dir / "ca.cnf").string() + " -cert " + (dir / (ca + ".pem")).string() +
             " -keyfile " + (dir / (ca + ".key")).string() + " -in " + (dir / (name + ".csr")).string() + " -out " +
             (dir / (name + ".pem")).string() + " -extfile " + (dir / (name + ".ext")).string() + dates));
}

Certificate load(const test::TempDir& dir, const std::string& name) {
  auto text = read_file(dir / (name + ".pem"));
  REQUIRE(text);
  auto cert = Certificate::from_pem(*text);
  REQUIRE(cert);
  return *cert;
}

// For dir's leaf <- inter <- root: verify_chain (signatures and names only, no time given) accepts the chain,
// verify_pkix_chain refuses it; returns the refusal's message.
std::string refusal_only_pkix_makes(const test::TempDir& dir) {
  const Certificate leaf = load(dir, "leaf");
  const std::vector<Certificate> inter{load(dir, "inter")};
  const std::vector<Certificate> trusted{load(dir, "root")};
  REQUIRE(crypto::verify_chain(leaf, inter, trusted));
  auto got = crypto::verify_pkix_chain(leaf, inter, trusted);
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == Kind::denied);
  return got.error().message;
}

} // namespace

TEST_CASE("a leaf chaining through its intermediate to a trusted certificate passes OpenSSL path validation",
          "[crypto][x509]") {
  test::TempDir dir;
  make_root(dir, "root");
  issue(dir, "inter", "root", k_ca_ext);
  issue(dir, "leaf", "inter", k_leaf_ext);
  const Certificate leaf = load(dir, "leaf");
  const std::vector<Certificate> trusted{load(dir, "root")};
  CHECK(crypto::verify_pkix_chain(leaf, std::vector<Certificate>{load(dir, "inter")}, trusted));
  // Intermediates in any order, the root's own copy among them.
  CHECK(crypto::verify_pkix_chain(leaf, std::vector<Certificate>{load(dir, "root"), load(dir, "inter")}, trusted));
  // Without the intermediate the leaf's issuer is unknown.
  auto missing = crypto::verify_pkix_chain(leaf, {}, trusted);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == Kind::denied);
  CHECK_THAT(missing.error().message, Catch::Contains("unable to get local issuer certificate at depth 0"));
  // A trusted intermediate alone is no anchor: the path must end at a trusted self-signed root.
  auto partial = crypto::verify_pkix_chain(leaf, {}, std::vector<Certificate>{load(dir, "inter")});
  REQUIRE_FALSE(partial);
  CHECK(partial.error().kind == Kind::denied);
  CHECK_THAT(partial.error().message, Catch::Contains("unable to get issuer certificate at depth 1"));
}

TEST_CASE("a chain to a root that is not trusted is refused with OpenSSL's reason and the leaf's name",
          "[crypto][x509]") {
  test::TempDir dir;
  make_root(dir, "root");
  make_root(dir, "other");
  issue(dir, "inter", "root", k_ca_ext);
  issue(dir, "leaf", "inter", k_leaf_ext);
  const Certificate leaf = load(dir, "leaf");
  const std::vector<Certificate> trusted{load(dir, "other")};
  auto unknown = crypto::verify_pkix_chain(leaf, std::vector<Certificate>{load(dir, "inter")}, trusted);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == Kind::denied);
  CHECK_THAT(unknown.error().message, Catch::Contains("certificate chain of CN=leaf does not verify"));
  CHECK_THAT(unknown.error().message, Catch::Contains("unable to get local issuer certificate at depth 1"));
  // Sending the root along does not make it trusted.
  auto self_sent = crypto::verify_pkix_chain(leaf, std::vector<Certificate>{load(dir, "inter"), load(dir, "root")}, trusted);
  REQUIRE_FALSE(self_sent);
  CHECK(self_sent.error().kind == Kind::denied);
  CHECK_THAT(self_sent.error().message, Catch::Contains("self-signed certificate in certificate chain at depth 2"));
}

TEST_CASE("an intermediate that is not a CA is refused although every signature verifies", "[crypto][x509]") {
  test::TempDir dir;
  make_root(dir, "root");
  issue(dir, "inter", "root", k_leaf_ext);
  issue(dir, "leaf", "inter", k_leaf_ext);
  CHECK_THAT(refusal_only_pkix_makes(dir), Catch::Contains("invalid CA certificate at depth 1"));
}

TEST_CASE("a chain with an expired intermediate is refused", "[crypto][x509]") {
  test::TempDir dir;
  make_root(dir, "root");
  issue(dir, "inter", "root", k_ca_ext, "20200101000000Z", "20210101000000Z");
  issue(dir, "leaf", "inter", k_leaf_ext);
  CHECK_THAT(refusal_only_pkix_makes(dir), Catch::Contains("certificate has expired at depth 1"));
}
