// coco-kbs secrets put/delete: Trustee's admin resource API (POST/DELETE /kbs/v0/resource/R/T/G).
#include <iterator>
#include <memory>
#include <string>

#include "common/base/atomic_file.hpp"
#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

struct SecretOptions {
  std::string path;
  std::string from_file;
  bool from_stdin = false;
};

coco::Status check_path(const std::string& path) {
  size_t slashes = 0;
  for (char c : path) {
    slashes += c == '/' ? 1 : 0;
  }
  if (slashes != 2 || path.front() == '/' || path.back() == '/' || path.find("//") != std::string::npos) {
    return coco::make_error(coco::Kind::usage, "secret path " + path + ": expected REPO/TYPE/TAG");
  }
  return coco::ok();
}

} // namespace

void register_secrets_put(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto conn = cmd.options<Connection>();
  cmd.app().add_option("PATH", opts->path, "REPO/TYPE/TAG")->required();
  auto* file = cmd.app().add_option("--from-file", opts->from_file, "read the value from this file");
  auto* in = cmd.app().add_flag("--from-stdin", opts->from_stdin, "read the value from standard input");
  file->excludes(in);
  add_connection_options(cmd, conn);
  cmd.description("Stores a secret (a resource) in the KBS through the admin API. The value is read from a file "
                  "or from standard input and is never printed.");
  cmd.example("coco-kbs secrets put default/key/1 --from-file key.bin --url https://127.0.0.1:8080 "
              "--admin-key admin.key --cacert kbs.crt",
              "store a key");
  cmd.run([opts, conn](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(check_path(opts->path));
    std::string value;
    if (!opts->from_file.empty()) {
      COCO_TRY(auto text, coco::read_file(opts->from_file));
      value = std::move(text);
    } else if (opts->from_stdin) {
      value.assign(std::istreambuf_iterator<char>(ctx.streams.in), std::istreambuf_iterator<char>());
    } else {
      return coco::make_error(coco::Kind::usage, "give the value with --from-file FILE or --from-stdin");
    }
    COCO_TRY(auto response, admin_call(*conn, "POST", "/kbs/v0/resource/" + opts->path, std::move(value),
                                       "application/octet-stream"));
    (void)response;
    return ctx.output.emit({{"path", opts->path}, {"stored", true}},
                           [&](std::ostream& out) { out << "stored " << opts->path << '\n'; });
  });
}

void register_secrets_delete(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto conn = cmd.options<Connection>();
  cmd.app().add_option("PATH", opts->path, "REPO/TYPE/TAG")->required();
  add_connection_options(cmd, conn);
  cmd.description("Deletes a secret (a resource) from the KBS through the admin API.");
  cmd.example("coco-kbs secrets delete default/key/1 --url https://127.0.0.1:8080 --admin-key admin.key "
              "--cacert kbs.crt",
              "delete a key");
  cmd.run([opts, conn](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(check_path(opts->path));
    COCO_TRY(auto response, admin_call(*conn, "DELETE", "/kbs/v0/resource/" + opts->path));
    (void)response;
    return ctx.output.emit({{"path", opts->path}, {"deleted", true}},
                           [&](std::ostream& out) { out << "deleted " << opts->path << '\n'; });
  });
}

} // namespace coco_kbs
