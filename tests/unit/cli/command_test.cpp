#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>

#include "common/base/interrupt.hpp"
#include "common/cli/tree.hpp"
#include "tests/unit/cli/test_tool.hpp"

using coco::test::run_tool;

namespace {

// What the last handler saw.
struct Seen {
  std::string command;
  int verbosity = -1;
  bool json = false;
  std::string name;
  std::string url;
  std::string url_origin;
};
Seen g_seen;

void register_put(coco::cli::Command& cmd) {
  auto name = cmd.options<std::string>();
  auto url = cmd.options<std::string>();
  *url = "https://default.example";
  cmd.app().add_option("NAME", *name, "the secret's name")->required();
  cmd.setting(cmd.app().add_option("--url", *url, "server URL"), "kbs.url");
  cmd.run([name, url](coco::cli::Context& ctx) -> coco::Status {
    g_seen.command = ctx.command_path;
    g_seen.verbosity = ctx.global.verbosity;
    g_seen.json = ctx.output.json();
    g_seen.name = *name;
    g_seen.url = *url;
    const coco::cli::SettingValue* v = ctx.settings.find("kbs.url");
    g_seen.url_origin = v != nullptr ? v->source : "";
    return ctx.output.emit({{"name", *name}}, [&](std::ostream& out) { out << "stored " << *name << '\n'; });
  });
}

void register_fail(coco::cli::Command& cmd) {
  auto kind = cmd.options<std::string>();
  cmd.app().add_option("KIND", *kind)->required();
  cmd.run([kind](coco::cli::Context&) -> coco::Status {
    if (*kind == "throw") {
      throw std::runtime_error("boom");
    }
    if (*kind == "denied") {
      return coco::make_error(coco::Kind::denied, "image sha256:ab: signature rejected", "check the policy");
    }
    if (*kind == "interrupt") {
      coco::request_interrupt();
      return coco::make_error(coco::Kind::io, "read failed");
    }
    return coco::make_error(coco::Kind::not_found, "secret a/b/c: not found");
  });
}

const coco::cli::CommandSpec k_commands[] = {
    {"secrets", "manage secrets", nullptr},
    {"secrets put", "store a secret", register_put},
    {"fail", "fail in the requested way", register_fail},
};

const coco::cli::Tool k_tool{"coco-test", "a tool for tests", k_commands, "long description"};

} // namespace

TEST_CASE("a global option after a nested subcommand reaches the root", "[cli]") {
  g_seen = {};
  auto ran = run_tool(k_tool, {"secrets", "put", "key1", "-o", "json", "-vv"});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.command == "coco-test secrets put");
  CHECK(g_seen.verbosity == 2);
  CHECK(g_seen.json);
  CHECK(g_seen.name == "key1");
  CHECK(nlohmann::json::parse(ran.out) == nlohmann::json{{"name", "key1"}});
}

TEST_CASE("a global option before the subcommand works too", "[cli]") {
  g_seen = {};
  auto ran = run_tool(k_tool, {"-v", "--output=json", "secrets", "put", "k"});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.verbosity == 1);
  CHECK(g_seen.json);
}

TEST_CASE("text output is what the handler writes", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets", "put", "k"});
  REQUIRE(ran.code == 0);
  CHECK(ran.out == "stored k\n");
  CHECK(ran.err.empty());
}

TEST_CASE("--help prints the command's help on stdout and succeeds", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets", "put", "--help"});
  CHECK(ran.code == 0);
  CHECK(ran.out.find("--url") != std::string::npos);
  CHECK(ran.out.find("store a secret") != std::string::npos);
  CHECK(ran.err.empty());
}

TEST_CASE("an unknown command is a usage error with a suggestion", "[cli]") {
  auto ran = run_tool(k_tool, {"secrts", "put", "k"});
  CHECK(ran.code == 2);
  CHECK(ran.err == "coco-test: error: unknown command 'secrts' for 'coco-test'\n"
                   "hint: did you mean 'secrets'?\n"
                   "Run 'coco-test --help' for usage.\n");
}

TEST_CASE("an unknown nested command names its group", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets", "pt"});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("unknown command 'pt' for 'coco-test secrets'") != std::string::npos);
  CHECK(ran.err.find("did you mean 'put'?") != std::string::npos);
  CHECK(ran.err.find("Run 'coco-test secrets --help' for usage.") != std::string::npos);
}

TEST_CASE("an unknown option suggests the closest one", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets", "put", "k", "--ulr", "x"});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("unknown option '--ulr'") != std::string::npos);
  CHECK(ran.err.find("did you mean '--url'?") != std::string::npos);
  CHECK(ran.err.find("Run 'coco-test secrets put --help' for usage.") != std::string::npos);
}

TEST_CASE("a missing required argument is a usage error", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets", "put"});
  CHECK(ran.code == 2);
  CHECK(ran.err.starts_with("coco-test: error: "));
}

TEST_CASE("a group without its subcommand is a usage error listing the commands", "[cli]") {
  auto ran = run_tool(k_tool, {"secrets"});
  CHECK(ran.code == 2);
  CHECK(ran.err.find("missing command for 'coco-test secrets'") != std::string::npos);
  CHECK(ran.err.find("commands: put") != std::string::npos);
}

TEST_CASE("a failure prints error and hint and exits 1", "[cli]") {
  auto ran = run_tool(k_tool, {"fail", "notfound"});
  CHECK(ran.code == 1);
  CHECK(ran.err == "coco-test: error: secret a/b/c: not found\n");
}

TEST_CASE("a denial exits 3", "[cli]") {
  auto ran = run_tool(k_tool, {"fail", "denied"});
  CHECK(ran.code == 3);
  CHECK(ran.err == "coco-test: error: image sha256:ab: signature rejected\nhint: check the policy\n");
}

TEST_CASE("an escaped exception is an internal error with exit 70", "[cli]") {
  auto ran = run_tool(k_tool, {"fail", "throw"});
  CHECK(ran.code == 70);
  CHECK(ran.err.starts_with("coco-test: error: internal error: boom\n"));
}

TEST_CASE("an error after an interrupt exits 130", "[cli]") {
  auto ran = run_tool(k_tool, {"fail", "interrupt"});
  coco::clear_interrupt();
  CHECK(ran.code == 130);
  CHECK(ran.err == "coco-test: error: interrupted\n");
}

TEST_CASE("--list-commands lists every command path", "[cli]") {
  auto ran = run_tool(k_tool, {"--list-commands"});
  CHECK(ran.code == 0);
  CHECK(ran.out == "secrets\nsecrets put\nfail\n");
}

TEST_CASE("a command placed before its group in the table is a bug", "[cli]") {
  const coco::cli::CommandSpec bad[] = {{"a b", "b", nullptr}, {"a", "a", nullptr}};
  const coco::cli::Tool tool{"coco-bad", "bad", bad, ""};
  auto ran = run_tool(tool, {"--list-commands"});
  CHECK(ran.code == 70);
}

TEST_CASE("a setting whose variable is missing from the env table is a bug", "[cli]") {
  const coco::cli::CommandSpec specs[] = {{"x", "x", [](coco::cli::Command& cmd) {
                                             static std::string v;
                                             cmd.setting(cmd.app().add_option("--v", v), "no.such.key");
                                           }}};
  const coco::cli::Tool tool{"coco-bad", "bad", specs, ""};
  auto ran = run_tool(tool, {"--list-commands"});
  CHECK(ran.code == 70);
  CHECK(ran.err.find("COCO_NO_SUCH_KEY") != std::string::npos);
}

TEST_CASE("__complete offers subcommands, then flags of the command and the globals", "[cli]") {
  auto subs = run_tool(k_tool, {"__complete", "secrets", ""});
  CHECK(subs.out == "put\tstore a secret\n:4\n");
  auto flags = run_tool(k_tool, {"__complete", "secrets", "put", "--"});
  CHECK(flags.out.find("--url\tserver URL\n") != std::string::npos);
  CHECK(flags.out.find("--output\t") != std::string::npos);
  CHECK(flags.out.ends_with(":4\n"));
}

TEST_CASE("__complete offers an option's fixed values", "[cli]") {
  auto ran = run_tool(k_tool, {"__complete", "secrets", "-o", "j"});
  CHECK(ran.out == "json\n:4\n");
  auto inline_value = run_tool(k_tool, {"__complete", "--output="});
  CHECK(inline_value.out == "--output=text\n--output=json\n:4\n");
}

TEST_CASE("the usage line names the program when no command was recognised", "[cli]") {
  coco::cli::Outcome outcome{coco::make_error(coco::Kind::usage, "bad"), "coco-x", "", false};
  CHECK(coco::cli::format_error(outcome) == "coco-x: error: bad\nRun 'coco-x --help' for usage.\n");
}

TEST_CASE("colour wraps only the error and hint labels", "[cli]") {
  coco::cli::Outcome outcome{coco::make_error(coco::Kind::failure, "m", "h"), "coco-x", "coco-x", true};
  CHECK(coco::cli::format_error(outcome) == "coco-x: \033[1;31merror:\033[0m m\n\033[33mhint:\033[0m h\n");
}

TEST_CASE("a positional equal to a sibling command's name stays a positional", "[cli]") {
  g_seen = {};
  auto ran = run_tool(k_tool, {"secrets", "put", "fail"});
  REQUIRE(ran.code == 0);
  CHECK(g_seen.name == "fail");
}
