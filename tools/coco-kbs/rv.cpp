// coco-kbs rv: reference values through the admin API. register = Trustee's POST /kbs/v0/reference-value with
// an RVPS message; get = Trustee's GET /kbs/v0/reference-value/<name>; list and delete are coco-kbs serve's
// (/kbs/coco/v1/reference-values, DELETE /kbs/coco/v1/reference-value/<name>).
#include <iterator>
#include <memory>
#include <string>

#include "common/base/atomic_file.hpp"
#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

namespace admin = coco::kbs::admin;

struct RvOptions {
  std::string file;
  std::string type = "auto";
  std::string name;
};

coco::Result<nlohmann::json> json_body(const coco::kbs::AdminExchange& exchange) {
  nlohmann::json doc = nlohmann::json::parse(exchange.response.body, nullptr, false);
  if (doc.is_discarded()) {
    return coco::make_error(coco::Kind::invalid, exchange.request.path + ": the KBS replied with invalid JSON");
  }
  return doc;
}

} // namespace

void register_rv_register(coco::cli::Command& cmd) {
  auto opts = cmd.options<RvOptions>();
  auto curl = add_print_curl(cmd);
  cmd.app().add_option("FILE", opts->file, "an RVPS message, a {\"name\": [values]} JSON object, a SWID tag or a CoRIM ('-' = stdin)")->required();
  cmd.choices(cmd.app()
                  .add_option("--type", opts->type,
                              "what FILE holds: auto (an RVPS message, a JSON object as sample, XML as swid), sample, "
                              "swid or corim")
                  ->capture_default_str(),
              {"auto", "sample", "swid", "corim"});
  cmd.description("Registers reference values with the KBS's RVPS (POST /kbs/v0/reference-value). FILE is an RVPS "
                  "message {\"version\":\"0.1.0\",\"type\":\"sample\"|\"swid\"|\"corim\",\"payload\":...} sent as "
                  "is, a plain JSON object of names to values, sent as a sample message (payload = base64 of the "
                  "object, as kbs-client's set-sample-reference-value), or a provenance file wrapped in the message of "
                  "its --type: a SWID tag (XML, detected) or a CoRIM (CBOR, --type corim), payload = base64 of the file. "
                  "coco-kbs serve takes sample and swid; Trustee also takes corim.");
  cmd.example("coco-kbs rv register message.json", "register an RVPS message");
  cmd.example("echo '{\"svn\":[\"1\"]}' | coco-kbs rv register -", "register a sample value from stdin");
  cmd.example("coco-kbs rv register firmware.swidtag", "register the measurements of a SWID tag");
  cmd.example("coco-kbs rv register --type corim platform.corim", "register a CoRIM with a Trustee KBS");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    std::string text;
    if (opts->file == "-") {
      text.assign(std::istreambuf_iterator<char>(ctx.streams.in), std::istreambuf_iterator<char>());
    } else {
      COCO_TRY(auto t, coco::read_file(opts->file));
      text = std::move(t);
    }
    auto message = admin::reference_value_message_of(opts->type, text);
    if (!message) {
      return coco::Error(message.error()).context(opts->file);
    }
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange,
             admin_send(ctx, coco::kbs::AdminClient(endpoint), admin::reference_value_register(*message), *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    const std::string type = (*message)["type"].get<std::string>();
    return ctx.output.emit({{"file", opts->file}, {"type", type}, {"registered", true}},
                           [&](std::ostream& out) { out << "registered " << type << " reference values from " << opts->file << '\n'; });
  });
}

void register_rv_get(coco::cli::Command& cmd) {
  auto opts = cmd.options<RvOptions>();
  auto curl = add_print_curl(cmd);
  cmd.app().add_option("NAME", opts->name, "the reference value's name")->required();
  cmd.description("Prints one stored reference value (GET /kbs/v0/reference-value/NAME, as kbs-client's "
                  "get-reference-value).");
  cmd.example("coco-kbs rv get svn", "show the stored svn values");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, coco::kbs::AdminClient(endpoint), admin::reference_value_get(opts->name), *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    COCO_TRY(auto doc, json_body(exchange));
    return ctx.output.emit(doc, [&](std::ostream& out) { out << doc.dump(2) << '\n'; });
  });
}

void register_rv_list(coco::cli::Command& cmd) {
  auto curl = add_print_curl(cmd);
  cmd.description("Lists the reference values a coco-kbs serve holds, name and values. Trustee's admin API has no "
                  "list: against Trustee this says so and exits 1 (use rv get NAME there).");
  cmd.example("coco-kbs rv list -o json", "all reference values as one JSON object");
  cmd.run([curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange, admin_send(ctx, coco::kbs::AdminClient(endpoint), admin::reference_value_list(), *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    COCO_TRY(auto doc, json_body(exchange));
    return ctx.output.emit(doc, [&](std::ostream& out) {
      for (const auto& [name, value] : doc.items()) {
        out << name << ' ' << value.dump() << '\n';
      }
    });
  });
}

void register_rv_delete(coco::cli::Command& cmd) {
  auto opts = cmd.options<RvOptions>();
  auto curl = add_print_curl(cmd);
  cmd.app().add_option("NAME", opts->name, "the reference value's name")->required();
  cmd.description("Deletes one reference value from a coco-kbs serve. Trustee's admin API cannot delete reference "
                  "values: against Trustee this says so and exits 1.");
  cmd.example("coco-kbs rv delete svn", "forget the svn reference values");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    COCO_TRY(auto exchange,
             admin_send(ctx, coco::kbs::AdminClient(endpoint), admin::reference_value_delete(opts->name), *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    return ctx.output.emit({{"name", opts->name}, {"deleted", true}},
                           [&](std::ostream& out) { out << "deleted reference value " << opts->name << '\n'; });
  });
}

} // namespace coco_kbs
