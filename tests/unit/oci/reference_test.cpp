#include "common/oci/reference.hpp"

#include <catch2/catch.hpp>
#include <vector>

using coco::Kind;
using coco::oci::parse_docker_reference;
using coco::oci::parse_image_reference;
using coco::oci::Transport;

namespace {
const std::string k_zero_digest = "sha256:" + std::string(64, '0');
}

TEST_CASE("docker short names normalise to docker.io/library with the latest tag", "[oci]") {
  auto ref = parse_image_reference("docker://busybox");
  REQUIRE(ref);
  CHECK(ref->transport == Transport::docker);
  CHECK(ref->docker->domain == "docker.io");
  CHECK(ref->docker->path == "library/busybox");
  CHECK(ref->docker->tag == "latest");
  CHECK(ref->str() == "docker://docker.io/library/busybox:latest");
}

TEST_CASE("docker references keep explicit registries, ports, namespaces and tags", "[oci]") {
  struct Case {
    const char* in;
    const char* domain;
    const char* path;
    const char* tag;
  };
  for (const Case& c : {Case{"docker://localhost:5000/a/b:t", "localhost:5000", "a/b", "t"},
                        Case{"docker://localhost/a", "localhost", "a", "latest"},
                        Case{"docker://quay.io/ns/app:v1.2_3-x", "quay.io", "ns/app", "v1.2_3-x"},
                        Case{"docker://index.docker.io/library/alpine:3", "docker.io", "library/alpine", "3"},
                        Case{"docker://user/app", "docker.io", "user/app", "latest"},
                        Case{"docker://127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest"},
                        Case{"docker://a_b", "docker.io", "library/a_b", "latest"},
                        Case{"docker://a__b", "docker.io", "library/a__b", "latest"},
                        Case{"docker://a--b", "docker.io", "library/a--b", "latest"}}) {
    INFO(c.in);
    auto ref = parse_image_reference(c.in);
    REQUIRE(ref);
    CHECK(ref->docker->domain == c.domain);
    CHECK(ref->docker->path == c.path);
    CHECK(ref->docker->tag == c.tag);
  }
}

TEST_CASE("a docker reference by digest has no tag", "[oci]") {
  auto ref = parse_image_reference("docker://busybox@" + k_zero_digest);
  REQUIRE(ref);
  CHECK(ref->docker->tag.empty());
  REQUIRE(ref->docker->digest);
  CHECK(ref->docker->manifest_reference() == k_zero_digest);
}

TEST_CASE("malformed docker references are refused as skopeo refuses them", "[oci]") {
  for (const std::string& bad : std::vector<std::string>{"docker:busybox", "docker://Busybox", "docker://Foo/bar", "docker://a___b", "docker://busybox@sha256:00",
        "docker://busybox:latest@" + k_zero_digest, "docker://" + std::string(64, '0'), "docker://:5000/x",
        "docker://-a.com/x", "docker://a.com:/x", "docker://", "docker://a/b:", "docker://a:tag:tag",
        "docker://busybox@sha256:" + std::string(63, '0') + "A", "docker://a/" + std::string(260, 'b')}) {
    INFO(bad);
    auto ref = parse_image_reference(bad);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().kind == Kind::usage);
    CHECK(ref.error().message.find(bad) != std::string::npos);
  }
}

TEST_CASE("a docker digest with another algorithm is unsupported, not misread", "[oci]") {
  auto ref = parse_image_reference("docker://busybox@sha512:" + std::string(128, '0'));
  REQUIRE_FALSE(ref);
  CHECK(ref.error().kind == Kind::unsupported);
}

TEST_CASE("uppercase repositories say they must be lowercase", "[oci]") {
  auto ref = parse_docker_reference("Busybox");
  REQUIRE_FALSE(ref);
  CHECK(ref.error().message.find("must be lowercase") != std::string::npos);
}

TEST_CASE("oci references split the path at the first colon", "[oci]") {
  auto ref = parse_image_reference("oci:/tmp/layout:v1.0");
  REQUIRE(ref);
  CHECK(ref->transport == Transport::oci);
  CHECK(ref->path == "/tmp/layout");
  CHECK(ref->name == "v1.0");
  auto nested = parse_image_reference("oci:dir:example.com/app:v1");
  REQUIRE(nested);
  CHECK(nested->path == "dir");
  CHECK(nested->name == "example.com/app:v1");
  auto untagged = parse_image_reference("oci:dir");
  REQUIRE(untagged);
  CHECK(untagged->name.empty());
  auto empty_tag = parse_image_reference("oci:dir:");
  REQUIRE(empty_tag);
  CHECK(empty_tag->name.empty());
  auto at = parse_image_reference("oci:/nonexist:a@b");
  REQUIRE(at);
  CHECK(at->name == "a@b");
}

TEST_CASE("oci image names follow the ref.name grammar", "[oci]") {
  for (const char* bad : {"oci:/x:-x", "oci:/x:@1", "oci:/x:a//b", "oci:/x:a b", "oci-archive:/x.tar:a:", "oci:/x:a---b"}) {
    INFO(bad);
    auto ref = parse_image_reference(bad);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().kind == Kind::usage);
  }
  CHECK(parse_image_reference("oci:/x:a--b"));
  CHECK(parse_image_reference("oci-archive:/x.tar:v1"));
}

TEST_CASE("docker-archive references take a tagged name or a source index", "[oci]") {
  auto tagged = parse_image_reference("docker-archive:/tmp/a.tar:foo/bar");
  REQUIRE(tagged);
  CHECK(tagged->path == "/tmp/a.tar");
  CHECK(tagged->docker->str() == "docker.io/foo/bar:latest");
  auto index = parse_image_reference("docker-archive:/tmp/a.tar:@2");
  REQUIRE(index);
  CHECK(index->source_index == 2);
  CHECK_FALSE(index->docker);
  auto bare = parse_image_reference("docker-archive:/tmp/a.tar");
  REQUIRE(bare);
  CHECK_FALSE(bare->docker);
  CHECK(bare->source_index == -1);
  CHECK_FALSE(parse_image_reference("docker-archive:/tmp/a.tar:busybox@" + k_zero_digest));
  CHECK_FALSE(parse_image_reference("docker-archive:/tmp/a.tar:Busy"));
  CHECK_FALSE(parse_image_reference("docker-archive:/tmp/a.tar:@x"));
  CHECK_FALSE(parse_image_reference("docker-archive:/tmp/a.tar:@-1"));
}

TEST_CASE("dir references take the whole rest as the path", "[oci]") {
  auto ref = parse_image_reference("dir:/tmp/a:b");
  REQUIRE(ref);
  CHECK(ref->transport == Transport::dir);
  CHECK(ref->path == "/tmp/a:b");
  CHECK_FALSE(parse_image_reference("dir:"));
}

TEST_CASE("unknown transports and missing transports are usage errors with a hint", "[oci]") {
  auto missing = parse_image_reference("/tmp/layout");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == Kind::usage);
  CHECK_FALSE(missing.error().hint.empty());
  auto unknown = parse_image_reference("containers-storage:x");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("unknown transport 'containers-storage'") != std::string::npos);
}

TEST_CASE("references print back in the form they parse from", "[oci]") {
  for (const char* text : {"oci:/a/b:v1", "oci-archive:/a.tar", "dir:/x", "docker-archive:/a.tar:docker.io/x/y:z",
                           "docker-archive:/a.tar:@1", "docker://localhost:5000/a/b@sha256:" 
                           "0000000000000000000000000000000000000000000000000000000000000000"}) {
    auto ref = parse_image_reference(text);
    REQUIRE(ref);
    CHECK(ref->str() == text);
    auto again = parse_image_reference(ref->str());
    REQUIRE(again);
    CHECK(again->str() == ref->str());
  }
}
