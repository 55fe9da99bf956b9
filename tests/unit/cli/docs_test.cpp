#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "common/cli/docs.hpp"
#include "common/cli/run.hpp"
#include "common/cli/tree.hpp"
#include "tests/unit/test_util.hpp"

namespace {

void register_put(coco::cli::Command& cmd) {
  auto url = cmd.options<std::string>();
  auto name = cmd.options<std::string>();
  cmd.app().add_option("NAME", *name, "the secret's name")->required();
  cmd.setting(cmd.app().add_option("--url", *url, "server URL")->type_name("URL"), "kbs.url");
  cmd.description(".starts with a dot and has a \\ backslash");
  cmd.example("coco-test secrets put a --url https://kbs", "store a");
  cmd.run([](coco::cli::Context&) { return coco::ok(); });
}

void register_hidden(coco::cli::Command& cmd) {
  cmd.app().group("");
  cmd.run([](coco::cli::Context&) { return coco::ok(); });
}

void register_get(coco::cli::Command& cmd) {
  cmd.run([](coco::cli::Context&) { return coco::ok(); });
}

const coco::cli::CommandSpec k_commands[] = {
    {"secrets", "manage secrets", nullptr},
    {"secrets put", "store a secret", register_put},
    {"secrets get", "fetch a secret", register_get},
    {"__debug", "hidden", register_hidden},
};
const coco::cli::Tool k_tool{"coco-test", "a tool for tests", k_commands, "The test tool."};

std::string page_of(const coco::cli::ToolTree& tree, const std::vector<std::string>& words,
                    const std::filesystem::path& man_src = {}) {
  const CLI::App* app = tree.root.get();
  for (const std::string& w : words) {
    app = app->get_subcommand(w);
  }
  return coco::cli::render_man_page(tree, app, {"2026-01-02", "coco 9.9", man_src});
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("a command's page has its name, synopsis, options and the global options", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  const std::string page = page_of(*tree, {"secrets", "put"});
  CHECK(contains(page, ".TH COCO\\-TEST\\-SECRETS\\-PUT 1 2026-01-02 \"coco 9.9\" \"coco manual\"\n"));
  CHECK(contains(page, ".SH NAME\ncoco\\-test\\-secrets\\-put \\- store a secret\n"));
  CHECK(contains(page, ".SH SYNOPSIS\n.B coco\\-test secrets put\n[\\fIOPTIONS\\fR]\n\\fINAME\\fR\n"));
  CHECK(contains(page, "\\fB\\-\\-url\\fR \\fIURL\\fR\nServer URL.\nAlso set by the environment variable COCO_KBS_URL"));
  CHECK(contains(page, ".SH GLOBAL OPTIONS\n"));
  CHECK(contains(page, "\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fIFORMAT\\fR\n"));
  CHECK(contains(page, ".SH ARGUMENTS\n.TP\n.I NAME\nThe secret's name.\n"));
}

TEST_CASE("running text is escaped for roff", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  const std::string page = page_of(*tree, {"secrets", "put"});
  CHECK(contains(page, ".SH DESCRIPTION\n\\&.starts with a dot and has a \\e backslash\n"));
}

TEST_CASE("ENVIRONMENT lists the variables bound to the command's options and the global ones", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  const std::string put = page_of(*tree, {"secrets", "put"});
  const std::string get = page_of(*tree, {"secrets", "get"});
  CHECK(contains(put, ".B COCO_KBS_URL\n"));
  CHECK_FALSE(contains(get, ".B COCO_KBS_URL\n"));
  CHECK(contains(get, ".B COCO_OUTPUT\n"));
  CHECK_FALSE(contains(get, ".B REGISTRY_AUTH_FILE\n"));
}

TEST_CASE("EXIT STATUS comes from the exit-code table", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  const std::string page = page_of(*tree, {"secrets", "get"});
  for (const coco::cli::ExitStatusDoc& doc : coco::cli::exit_status_docs()) {
    CHECK(contains(page, ".TP\n.B " + std::to_string(doc.code) + "\n"));
  }
}

TEST_CASE("examples and see-also merge the registration with man/ files", "[cli]") {
  coco::test::TempDir dir;
  std::ofstream(dir / "coco-test-secrets-put.examples") << "coco-test secrets put b\nstore b\nfrom a file\n\n";
  std::ofstream(dir / "coco-test-secrets-put.see-also") << "skopeo(1)\n";
  std::ofstream(dir / "coco-test-secrets-put.description") << "More words.\n";
  auto tree = coco::cli::build_tree(k_tool);
  const std::string page = page_of(*tree, {"secrets", "put"}, dir.path());
  CHECK(contains(page, "Store a.\n.PP\n.RS 4\n.EX\ncoco\\-test secrets put a \\-\\-url https://kbs\n.EE\n.RE\n"));
  CHECK(contains(page, ".PP\nStore b from a file.\n.PP\n.RS 4\n.EX\ncoco\\-test secrets put b\n.EE\n"));
  CHECK(contains(page, ".PP\nMore words.\n"));
  CHECK(contains(page, ".SH SEE ALSO\n.BR coco\\-test\\-secrets (1),\n.BR coco (1),\n.BR coco (7),\n.BR skopeo (1)\n"));
}

TEST_CASE("a group's page lists its commands and the tool's page its groups", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  const std::string group = page_of(*tree, {"secrets"});
  CHECK(contains(group, ".SH COMMANDS\n.TP\n.B put\nStore a secret.\nSee\n.BR coco\\-test\\-secrets\\-put (1).\n"));
  const std::string root = page_of(*tree, {});
  CHECK(contains(root, ".SH NAME\ncoco\\-test \\- a tool for tests\n"));
  CHECK(contains(root, ".SH DESCRIPTION\nThe test tool.\n"));
  CHECK_FALSE(contains(root, "__debug"));
}

TEST_CASE("hidden commands get no page and are not listed", "[cli]") {
  auto tree = coco::cli::build_tree(k_tool);
  std::vector<std::string> names;
  for (const CLI::App* app : tree->all_commands()) {
    names.push_back(tree->page_name(app));
  }
  CHECK(names == std::vector<std::string>{"coco-test-secrets", "coco-test-secrets-put", "coco-test-secrets-get"});
}

TEST_CASE("__generate-docs writes a page per command and the three scripts", "[cli]") {
  coco::test::TempDir dir;
  auto tree = coco::cli::build_tree(k_tool);
  std::ostringstream out;
  std::istringstream in;
  const std::vector<std::string> args{dir.path().string(), "--date", "2026-01-02"};
  REQUIRE(coco::cli::generate_docs(*tree, args, coco::cli::Streams{in, out, out}));
  for (const char* page : {"coco-test", "coco-test-secrets", "coco-test-secrets-put", "coco-test-secrets-get"}) {
    CHECK(std::filesystem::exists(dir / "man" / "man1" / (std::string(page) + ".1")));
  }
  CHECK_FALSE(std::filesystem::exists(dir / "man" / "man1" / "coco-test-__debug.1"));
  CHECK(std::filesystem::exists(dir / "bash-completion" / "completions" / "coco-test"));
  CHECK(std::filesystem::exists(dir / "zsh" / "site-functions" / "_coco_test"));
  CHECK(std::filesystem::exists(dir / "fish" / "vendor_completions.d" / "coco-test.fish"));
}

TEST_CASE("completion scripts name the program and its function", "[cli]") {
  auto bash = coco::cli::completion_script("bash", "coco-kbs");
  REQUIRE(bash);
  CHECK(contains(*bash, "complete -F _coco_kbs coco-kbs\n"));
  CHECK_FALSE(contains(*bash, "__PROG__"));
  auto zsh = coco::cli::completion_script("zsh", "coco-kbs");
  REQUIRE(zsh);
  CHECK(zsh->starts_with("#compdef coco-kbs\n"));
  auto fish = coco::cli::completion_script("fish", "coco-kbs");
  REQUIRE(fish);
  CHECK(contains(*fish, "complete -c coco-kbs -f -a '(_coco_kbs_candidates)'"));
  auto tcsh = coco::cli::completion_script("tcsh", "coco");
  REQUIRE_FALSE(tcsh);
  CHECK(tcsh.error().kind == coco::Kind::usage);
}
