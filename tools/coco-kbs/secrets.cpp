// coco-kbs secrets: Trustee's admin resource API (POST/DELETE /kbs/v0/resource/R/T/G) and coco-kbs serve's
// admin reads (/kbs/coco/v1/: get, list, history, rollback, undelete).
#include <ctime>
#include <iomanip>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/base/log.hpp"
#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

using coco::kbs::AdminClient;
namespace admin = coco::kbs::admin;

struct SecretOptions {
  std::string path;
  std::string from_file;
  std::string from_literal;
  bool from_stdin = false;
  std::string out;
  std::int64_t version = 0;
  bool include_deleted = false;
};

void add_path(coco::cli::Command& cmd, const std::shared_ptr<SecretOptions>& opts) {
  cmd.app().add_option("PATH", opts->path, "REPO/TYPE/TAG")->required();
}

std::string time_text(const nlohmann::json& ms) {
  if (!ms.is_number()) {
    return "-";
  }
  const std::time_t t = static_cast<std::time_t>(ms.get<std::int64_t>() / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

coco::Result<nlohmann::json> json_reply(const coco::kbs::AdminExchange& exchange) {
  nlohmann::json doc = nlohmann::json::parse(exchange.response.body, nullptr, false);
  if (doc.is_discarded()) {
    return coco::make_error(coco::Kind::invalid,
                            exchange.request.method + " " + exchange.request.path + ": the KBS replied with invalid JSON");
  }
  return doc;
}

bool printed_curl(const coco::kbs::AdminExchange& exchange) { return exchange.response.status == 0; }

} // namespace

void register_secrets_put(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  auto* file = cmd.app().add_option("--from-file", opts->from_file, "read the value from this file")->type_name("FILE");
  auto* literal = cmd.app().add_option("--from-literal", opts->from_literal,
                                       "the value itself (visible to other users in ps: prefer --from-file)");
  auto* in = cmd.app().add_flag("--from-stdin", opts->from_stdin, "read the value from standard input");
  file->excludes(in)->excludes(literal);
  literal->excludes(in);
  cmd.description("Stores a secret (a KBS resource) through the admin API (POST /kbs/v0/resource/REPO/TYPE/TAG, "
                  "as Trustee's kbs-client set-resource). The value is read from a file, standard input or the "
                  "command line and is never printed. On coco-kbs serve each put creates a new version.");
  cmd.example("coco-kbs secrets put default/key/1 --from-file key.bin --context prod", "store a key");
  cmd.example("head -c 32 /dev/urandom | coco-kbs secrets put default/key/2 --from-stdin", "store a random key");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    std::string value;
    std::string body_file;
    if (!opts->from_file.empty()) {
      COCO_TRY(auto text, coco::read_file(opts->from_file));
      value = std::move(text);
      body_file = opts->from_file;
    } else if (!opts->from_literal.empty()) {
      coco::log::warn("--from-literal puts the value on the command line, where other users can read it with ps");
      value = opts->from_literal;
    } else if (opts->from_stdin) {
      value.assign(std::istreambuf_iterator<char>(ctx.streams.in), std::istreambuf_iterator<char>());
    } else {
      return coco::make_error(coco::Kind::usage, "no value given",
                              "give it with --from-file FILE, --from-stdin or --from-literal VALUE");
    }
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    AdminClient client(endpoint);
    coco::kbs::AdminRequest request = admin::resource_set(opts->path, std::move(value));
    request.body_file = body_file;
    const std::size_t size = request.body.size();
    COCO_TRY(auto exchange, admin_send(ctx, client, request, *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    nlohmann::json doc = {{"path", opts->path}, {"stored", true}, {"size", size}};
    if (auto v = exchange.response.header("X-Resource-Version")) {
      doc["version"] = std::stoll(*v);
    }
    return ctx.output.emit(doc, [&](std::ostream& out) { out << "stored " << opts->path << " (" << size << " bytes)\n"; });
  });
}

void register_secrets_delete(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  cmd.description("Deletes a secret (a KBS resource) through the admin API (DELETE /kbs/v0/resource/REPO/TYPE/TAG). "
                  "On coco-kbs serve the delete is soft: the versions are kept and `secrets undelete` restores it.");
  cmd.example("coco-kbs secrets delete default/key/1", "delete a key");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, AdminClient(endpoint), admin::resource_delete(opts->path), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    return ctx.output.emit({{"path", opts->path}, {"deleted", true}},
                           [&](std::ostream& out) { out << "deleted " << opts->path << '\n'; });
  });
}

void register_secrets_get(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  cmd.app().add_option("--version", opts->version, "this version instead of the latest");
  cmd.app().add_option("--out", opts->out, "write the value to FILE (mode 0600), or '-' for standard output")
      ->type_name("FILE");
  cmd.description("Reads a secret back through coco-kbs serve's admin read (GET /kbs/coco/v1/resource/...). "
                  "Trustee's admin API has no such call: against Trustee this says so and exits 1. The value is "
                  "written only where --out says: a file (0600) or, with --out -, standard output.");
  cmd.example("coco-kbs secrets get default/key/1 --out key.bin", "fetch a key into a file");
  cmd.example("coco-kbs secrets get default/key/1 --version 2 --out -", "print an older version");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    if (opts->out.empty() && !*curl) {
      return coco::make_error(coco::Kind::usage, "secrets get needs --out FILE (or --out - for standard output)",
                              "the value is never printed unless asked for");
    }
    std::optional<std::int64_t> version;
    if (opts->version > 0) {
      version = opts->version;
    }
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, AdminClient(endpoint), admin::resource_get(opts->path, version), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    const std::string& value = exchange.response.body;
    nlohmann::json doc = {{"path", opts->path}, {"size", value.size()}};
    if (auto v = exchange.response.header("X-Resource-Version")) {
      doc["version"] = std::stoll(*v);
    }
    if (opts->out == "-") {
      if (ctx.output.json()) {
        doc["value_base64"] = coco::base64_encode(value);
        return ctx.output.emit(doc, {});
      }
      ctx.streams.out << value;
      ctx.streams.out.flush();
      return ctx.streams.out ? coco::ok() : coco::make_error(coco::Kind::io, "cannot write to standard output");
    }
    COCO_TRY_STATUS(coco::write_file_atomic(opts->out, value, 0600));
    doc["out"] = opts->out;
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "wrote " << opts->path;
      if (doc.contains("version")) {
        out << " version " << doc["version"].get<std::int64_t>();
      }
      out << " to " << opts->out << " (" << value.size() << " bytes)\n";
    });
  });
}

void register_secrets_list(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  cmd.app().add_flag("--include-deleted", opts->include_deleted, "list deleted secrets too");
  cmd.description("Lists the secrets a coco-kbs serve holds (paths, latest version, last update; never values). "
                  "Trustee's admin API cannot list resources: against Trustee this says so and exits 1.");
  cmd.example("coco-kbs secrets list -o json | jq -r '.[].path'", "the paths, one per line");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, AdminClient(endpoint), admin::resource_list(opts->include_deleted), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    COCO_TRY(auto doc, json_reply(exchange));
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << std::left << std::setw(40) << "PATH" << std::setw(9) << "VERSION" << std::setw(22) << "UPDATED" << "STATE\n";
      for (const auto& e : doc) {
        out << std::left << std::setw(40) << e.value("path", "") << std::setw(9) << e.value("latest_version", 0)
            << std::setw(22) << time_text(e.value("updated_at", nlohmann::json())) << (e.value("deleted", false) ? "deleted" : "live")
            << '\n';
      }
    });
  });
}

void register_secrets_history(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  cmd.description("Shows the versions of a secret on coco-kbs serve: number, time, who stored it, size (never the "
                  "values). Not available on Trustee.");
  cmd.example("coco-kbs secrets history default/key/1", "the versions of a key");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, AdminClient(endpoint), admin::resource_history(opts->path), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    COCO_TRY(auto doc, json_reply(exchange));
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << std::left << std::setw(9) << "VERSION" << std::setw(22) << "CREATED" << std::setw(30) << "BY" << "SIZE\n";
      for (const auto& e : doc) {
        out << std::left << std::setw(9) << e.value("version", 0) << std::setw(22) << time_text(e.value("created_at", nlohmann::json()))
            << std::setw(30) << e.value("created_by", "") << e.value("size", 0) << '\n';
      }
    });
  });
}

void register_secrets_rollback(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  cmd.app().add_option("--to-version", opts->version, "the version to restore")->required();
  cmd.description("Restores an earlier version of a secret on coco-kbs serve by storing it again as a new "
                  "version. Not available on Trustee.");
  cmd.example("coco-kbs secrets rollback default/key/1 --to-version 2", "make version 2 current again");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    if (opts->version <= 0) {
      return coco::make_error(coco::Kind::usage, "--to-version must be a positive version number");
    }
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange,
             admin_send(ctx, AdminClient(endpoint), admin::resource_rollback(opts->path, opts->version), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    COCO_TRY(auto reply, json_reply(exchange));
    nlohmann::json doc = {{"path", opts->path}, {"restored_version", opts->version}, {"version", reply.value("version", 0)}};
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "rolled back " << opts->path << " to version " << opts->version << " (now version "
          << doc["version"].get<std::int64_t>() << ")\n";
    });
  });
}

void register_secrets_undelete(coco::cli::Command& cmd) {
  auto opts = cmd.options<SecretOptions>();
  auto curl = add_print_curl(cmd);
  add_path(cmd, opts);
  cmd.description("Restores a deleted secret on coco-kbs serve (deletes there are soft). Not available on Trustee.");
  cmd.example("coco-kbs secrets undelete default/key/1", "bring a deleted key back");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_resource_path(opts->path));
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, AdminClient(endpoint), admin::resource_undelete(opts->path), *curl));
    if (printed_curl(exchange)) {
      return coco::ok();
    }
    return ctx.output.emit({{"path", opts->path}, {"undeleted", true}},
                           [&](std::ostream& out) { out << "undeleted " << opts->path << '\n'; });
  });
}

} // namespace coco_kbs
