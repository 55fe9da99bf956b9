#include <catch2/catch.hpp>

#include <fstream>
#include <memory>

#include "common/cli/settings.hpp"
#include "tests/unit/cli/test_tool.hpp"
#include "tests/unit/test_util.hpp"

using coco::test::run_tool;

namespace {

struct Seen {
  std::string url;
  std::string source;
  coco::cli::Origin origin = coco::cli::Origin::default_value;
  bool json = false;
  std::string config_file;
};
Seen g_seen;

void register_show(coco::cli::Command& cmd) {
  auto url = cmd.options<std::string>();
  *url = "https://default.example";
  cmd.setting(cmd.app().add_option("--url", *url, "server URL"), "kbs.url");
  cmd.run([url](coco::cli::Context& ctx) -> coco::Status {
    g_seen.url = *url;
    const coco::cli::SettingValue* v = ctx.settings.find("kbs.url");
    g_seen.source = v->source;
    g_seen.origin = v->origin;
    g_seen.json = ctx.output.json();
    g_seen.config_file = ctx.global.config_file;
    return coco::ok();
  });
}

void register_needs(coco::cli::Command& cmd) {
  auto url = cmd.options<std::string>();
  cmd.setting(cmd.app().add_option("--url", *url, "server URL"), "kbs.url", "", true);
  cmd.run([](coco::cli::Context&) -> coco::Status { return coco::ok(); });
}

const coco::cli::CommandSpec k_commands[] = {{"show", "show the URL", register_show},
                                             {"needs", "needs the URL", register_needs}};
const coco::cli::Tool k_tool{"coco-test", "settings tests", k_commands, ""};

std::string write_config(const coco::test::TempDir& dir, const std::string& text) {
  std::filesystem::create_directories(dir.path() / "coco");
  std::ofstream(dir.path() / "coco" / "config.toml") << text;
  return dir.path().string();
}

} // namespace

TEST_CASE("a setting falls back to its default when nothing sets it", "[cli]") {
  g_seen = {};
  auto ran = run_tool(k_tool, {"show"});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.url == "https://default.example");
  CHECK(g_seen.origin == coco::cli::Origin::default_value);
}

TEST_CASE("the config file beats the default", "[cli]") {
  coco::test::TempDir dir;
  auto xdg = write_config(dir, "[kbs]\nurl = \"https://config.example\"\n");
  g_seen = {};
  auto ran = run_tool(k_tool, {"show"}, {{"XDG_CONFIG_HOME", xdg}});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.url == "https://config.example");
  CHECK(g_seen.origin == coco::cli::Origin::config_file);
  CHECK(g_seen.source == "config " + xdg + "/coco/config.toml");
  CHECK(g_seen.config_file == xdg + "/coco/config.toml");
}

TEST_CASE("the environment beats the config file", "[cli]") {
  coco::test::TempDir dir;
  auto xdg = write_config(dir, "[kbs]\nurl = \"https://config.example\"\n");
  g_seen = {};
  auto ran = run_tool(k_tool, {"show"}, {{"XDG_CONFIG_HOME", xdg}, {"COCO_KBS_URL", "https://env.example"}});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.url == "https://env.example");
  CHECK(g_seen.source == "env COCO_KBS_URL");
}

TEST_CASE("a flag beats the environment and the config file", "[cli]") {
  coco::test::TempDir dir;
  auto xdg = write_config(dir, "[kbs]\nurl = \"https://config.example\"\n");
  g_seen = {};
  auto ran = run_tool(k_tool, {"show", "--url", "https://flag.example"},
                      {{"XDG_CONFIG_HOME", xdg}, {"COCO_KBS_URL", "https://env.example"}});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.url == "https://flag.example");
  CHECK(g_seen.origin == coco::cli::Origin::flag);
}

TEST_CASE("global options are layered too", "[cli]") {
  coco::test::TempDir dir;
  auto xdg = write_config(dir, "output = \"json\"\n");
  g_seen = {};
  REQUIRE(run_tool(k_tool, {"show"}, {{"XDG_CONFIG_HOME", xdg}}).code == 0);
  CHECK(g_seen.json);
  REQUIRE(run_tool(k_tool, {"show"}, {{"XDG_CONFIG_HOME", xdg}, {"COCO_OUTPUT", "text"}}).code == 0);
  CHECK_FALSE(g_seen.json);
  REQUIRE(run_tool(k_tool, {"show", "-o", "json"}, {{"COCO_OUTPUT", "text"}}).code == 0);
  CHECK(g_seen.json);
}

TEST_CASE("--config names the config file and must exist", "[cli]") {
  coco::test::TempDir dir;
  std::ofstream(dir / "c.toml") << "[kbs]\nurl = \"https://explicit.example\"\n";
  g_seen = {};
  REQUIRE(run_tool(k_tool, {"--config", (dir / "c.toml").string(), "show"}).code == 0);
  CHECK(g_seen.url == "https://explicit.example");
  auto missing = run_tool(k_tool, {"show", "--config", (dir / "none.toml").string()});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("none.toml: no such file") != std::string::npos);
}

TEST_CASE("a bad value from the environment is a usage error naming the variable", "[cli]") {
  auto ran = run_tool(k_tool, {"show"}, {{"COCO_OUTPUT", "xml"}});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("env COCO_OUTPUT: ") != std::string::npos);
}

TEST_CASE("a malformed config file is reported with its line", "[cli]") {
  coco::test::TempDir dir;
  auto xdg = write_config(dir, "output = \"json\"\n[kbs\n");
  auto ran = run_tool(k_tool, {"show"}, {{"XDG_CONFIG_HOME", xdg}});
  CHECK(ran.code == 1);
  CHECK(ran.err.find("config.toml:2: ") != std::string::npos);
}

TEST_CASE("a required setting may come from the environment", "[cli]") {
  CHECK(run_tool(k_tool, {"needs"}, {{"COCO_KBS_URL", "https://x"}}).code == 0);
  auto missing = run_tool(k_tool, {"needs"});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("hint: pass --url, set COCO_KBS_URL, or set kbs.url in the config file") != std::string::npos);
}

TEST_CASE("config arrays and scalars flatten to strings", "[cli]") {
  auto config = coco::cli::ConfigFile::parse("a = 3\nb = true\n[t]\nl = [\"x\", \"y\"]\n", "test.toml");
  REQUIRE(config);
  CHECK(*config->lookup("a") == std::vector<std::string>{"3"});
  CHECK(*config->lookup("b") == std::vector<std::string>{"true"});
  CHECK(*config->lookup("t.l") == std::vector<std::string>{"x", "y"});
  CHECK(config->lookup("t") == nullptr);
}

TEST_CASE("a sensitive value is masked when described", "[cli]") {
  coco::cli::SettingValue v{"kbs.token", {"s3cret"}, coco::cli::Origin::environment, "env COCO_KBS_TOKEN", true};
  CHECK(v.describe() == "(env COCO_KBS_TOKEN) kbs.token = ********");
  v.sensitive = false;
  CHECK(v.describe() == "(env COCO_KBS_TOKEN) kbs.token = s3cret");
}

TEST_CASE("environment variable names derive from keys", "[cli]") {
  CHECK(coco::cli::env_name_for_key("kbs.url") == "COCO_KBS_URL");
  CHECK(coco::cli::env_name_for_key("registry.tls-verify") == "COCO_REGISTRY_TLS_VERIFY");
}
