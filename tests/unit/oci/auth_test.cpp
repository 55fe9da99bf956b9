#include "common/oci/auth.hpp"

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/oci/registry.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco::oci;
using coco::Kind;

namespace {

std::string entry(const std::string& user_pass) { return R"({"auth":")" + coco::base64_encode(user_pass) + R"("})"; }

} // namespace

TEST_CASE("auth files give credentials for a registry", "[oci]") {
  coco::test::TempDir dir;
  auto file = dir / "auth.json";
  REQUIRE(coco::write_file_atomic(file, R"({"auths":{"localhost:5000":)" + entry("alice:pw:with:colons") + "}}"));
  auto creds = credentials_from_auth_file(file, "localhost:5000", "app");
  REQUIRE(creds);
  REQUIRE(*creds);
  CHECK((*creds)->username == "alice");
  CHECK((*creds)->password.view() == "pw:with:colons");
  auto other = credentials_from_auth_file(file, "localhost:5001", "app");
  REQUIRE(other);
  CHECK_FALSE(*other);
}

TEST_CASE("the most specific auth file key wins", "[oci]") {
  coco::test::TempDir dir;
  auto file = dir / "auth.json";
  REQUIRE(coco::write_file_atomic(file, R"({"auths":{"quay.io":)" + entry("a:1") + R"(,"quay.io/ns":)" + entry("b:2") +
                                            R"(,"quay.io/ns/app":)" + entry("c:3") + "}}"));
  CHECK((*credentials_from_auth_file(file, "quay.io", "ns/app"))->username == "c");
  CHECK((*credentials_from_auth_file(file, "quay.io", "ns/other"))->username == "b");
  CHECK((*credentials_from_auth_file(file, "quay.io", "nsx/app"))->username == "a");
}

TEST_CASE("legacy docker config keys match Docker Hub", "[oci]") {
  coco::test::TempDir dir;
  auto file = dir / "config.json";
  REQUIRE(coco::write_file_atomic(file, R"({"auths":{"https://index.docker.io/v1/":)" + entry("hub:pw") + "}}"));
  auto creds = credentials_from_auth_file(file, "docker.io", "library/busybox");
  REQUIRE(creds);
  REQUIRE(*creds);
  CHECK((*creds)->username == "hub");
}

TEST_CASE("a malformed auth file is an error naming it", "[oci]") {
  coco::test::TempDir dir;
  auto file = dir / "auth.json";
  REQUIRE(coco::write_file_atomic(file, "{not json"));
  auto creds = credentials_from_auth_file(file, "x", "y");
  REQUIRE_FALSE(creds);
  CHECK(creds.error().kind == Kind::invalid);
  CHECK(creds.error().message.find(file.string()) != std::string::npos);
  REQUIRE(coco::write_file_atomic(file, R"({"auths":{"x":{"auth":"!!!"}}})"));
  CHECK_FALSE(credentials_from_auth_file(file, "x", "y"));
}

TEST_CASE("--creds wins over auth files and needs a password", "[oci]") {
  coco::test::TempDir dir;
  auto file = dir / "auth.json";
  REQUIRE(coco::write_file_atomic(file, R"({"auths":{"r":)" + entry("file:pw") + "}}"));
  auto creds = find_credentials("r", "a", "flag:pw2", file);
  REQUIRE(creds);
  CHECK((*creds)->username == "flag");
  auto from_file = find_credentials("r", "a", "", file);
  REQUIRE(from_file);
  CHECK((*from_file)->username == "file");
  CHECK(parse_creds("nopassword").error().kind == Kind::usage);
  CHECK(find_credentials("r", "a", "", dir / "missing.json").error().kind == Kind::not_found);
}

TEST_CASE("WWW-Authenticate challenges parse with quoted parameters", "[oci]") {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push")");
  REQUIRE(challenges.size() == 1);
  CHECK(challenges[0].scheme == "bearer");
  CHECK(challenges[0].params.at("realm") == "https://auth.example.com/token");
  CHECK(challenges[0].params.at("service") == "registry.example.com");
  CHECK(challenges[0].params.at("scope") == "repository:a/b:pull,push");
  auto basic = parse_www_authenticate(R"(Basic realm="coco \"test\"")");
  REQUIRE(basic.size() == 1);
  CHECK(basic[0].scheme == "basic");
  CHECK(basic[0].params.at("realm") == "coco \"test\"");
  auto two = parse_www_authenticate(R"(Basic realm="a", Bearer realm="b",service=s)");
  REQUIRE(two.size() == 2);
  CHECK(two[1].params.at("service") == "s");
}

TEST_CASE("docker.io is reached at registry-1.docker.io", "[oci]") {
  CHECK(registry_host("docker.io") == "registry-1.docker.io");
  CHECK(registry_host("localhost:5000") == "localhost:5000");
}
