#include <catch2/catch.hpp>

#include "common/base/log.hpp"
#include "common/cli/options.hpp"
#include "tests/unit/cli/test_tool.hpp"

using coco::test::run_tool;

namespace {

struct Seen {
  coco::cli::RegistryAccess access;
  coco::cli::RegistryAccess src;
  coco::cli::PlatformSelection platform;
  std::string error;
};
Seen g_seen;

void register_copy(coco::cli::Command& cmd) {
  auto registry = cmd.options<coco::cli::RegistryOptions>();
  auto src = cmd.options<coco::cli::RegistryOptions>("src");
  auto platform = cmd.options<coco::cli::PlatformOptions>();
  registry->add_to(cmd);
  src->add_to(cmd);
  platform->add_to(cmd);
  cmd.run([registry, src, platform](coco::cli::Context&) -> coco::Status {
    g_seen = {};
    COCO_TRY(g_seen.access, registry->resolve());
    COCO_TRY(g_seen.src, src->resolve());
    COCO_TRY(g_seen.platform, platform->resolve());
    return coco::ok();
  });
}

const coco::cli::CommandSpec k_commands[] = {{"copy", "copy an image", register_copy}};
const coco::cli::Tool k_tool{"coco-test", "options tests", k_commands, ""};

} // namespace

TEST_CASE("registry options resolve to a plain struct", "[cli]") {
  auto ran = run_tool(k_tool, {"copy", "--authfile", "/a.json", "--tls-verify=false", "--cert-dir", "/certs"});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.access.authfile == "/a.json");
  CHECK_FALSE(g_seen.access.tls_verify);
  CHECK(g_seen.access.cert_dir == "/certs");
  CHECK_FALSE(g_seen.access.credentials);
  CHECK(g_seen.src.tls_verify);
}

TEST_CASE("registry options default TLS verification on and read REGISTRY_AUTH_FILE", "[cli]") {
  auto ran = run_tool(k_tool, {"copy"}, {{"REGISTRY_AUTH_FILE", "/env.json"}});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.access.tls_verify);
  CHECK(g_seen.access.authfile == "/env.json");
}

TEST_CASE("a password on the command line works and warns", "[cli]") {
  std::vector<std::string> lines;
  coco::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  auto ran = run_tool(k_tool, {"copy", "--creds", "alice:s3cret"});
  coco::log::set_sink(nullptr);
  REQUIRE(ran.code == 0);
  REQUIRE(g_seen.access.credentials);
  CHECK(g_seen.access.credentials->username == "alice");
  CHECK(g_seen.access.credentials->password.view() == "s3cret");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("visible to other users") != std::string::npos);
  CHECK(lines[0].find("s3cret") == std::string::npos);
}

TEST_CASE("prefixed registry options are separate flags", "[cli]") {
  coco::log::set_sink([](std::string_view) {});
  auto ran = run_tool(k_tool, {"copy", "--src-tls-verify=false", "--src-creds", "bob:pw"});
  coco::log::set_sink(nullptr);
  REQUIRE(ran.code == 0);
  CHECK_FALSE(g_seen.src.tls_verify);
  CHECK(g_seen.src.credentials->username == "bob");
  CHECK(g_seen.access.tls_verify);
}

TEST_CASE("an empty user name in --creds is a usage error", "[cli]") {
  auto ran = run_tool(k_tool, {"copy", "--creds", ":pw"});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("--creds: the user name is empty") != std::string::npos);
}

TEST_CASE("--platform parses os/arch[/variant]", "[cli]") {
  REQUIRE(run_tool(k_tool, {"copy", "--platform", "linux/arm64/v8"}).code == 0);
  REQUIRE(g_seen.platform.platform);
  CHECK(g_seen.platform.platform->os == "linux");
  CHECK(g_seen.platform.platform->architecture == "arm64");
  CHECK(g_seen.platform.platform->variant == "v8");
  CHECK(g_seen.platform.platform->str() == "linux/arm64/v8");
  REQUIRE(run_tool(k_tool, {"copy", "--all"}).code == 0);
  CHECK(g_seen.platform.all);
  CHECK_FALSE(g_seen.platform.platform);
}

TEST_CASE("a malformed platform or --platform with --all is a usage error", "[cli]") {
  CHECK(run_tool(k_tool, {"copy", "--platform", "linux"}).code == 2);
  CHECK(run_tool(k_tool, {"copy", "--platform", "linux//v8"}).code == 2);
  CHECK(run_tool(k_tool, {"copy", "--platform", "a/b/c/d"}).code == 2);
  CHECK(run_tool(k_tool, {"copy", "--platform", "linux/amd64", "--all"}).code == 2);
}
