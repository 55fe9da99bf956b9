// coco-kbs explain: why the KBS decided what it did for one request (GET /kbs/coco/v1/explain/<id>).
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

struct ExplainOptions {
  std::string request_id;
};

} // namespace

void register_explain(coco::cli::Command& cmd) {
  auto opts = cmd.options<ExplainOptions>();
  auto curl = add_print_curl(cmd);
  cmd.app().add_option("REQUEST-ID", opts->request_id, "the request id (X-Request-Id of the reply)")->required();
  cmd.description("Fetches the audit entries the KBS recorded for one request and prints them: for a policy "
                  "denial, the rule, the reason, the claims it read and the request data. Needs admin access.");
  cmd.example("coco-kbs explain 7f3a... --context prod",
              "why was this resource request denied");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    coco::kbs::AdminRequest request;
    request.method = "GET";
    request.path = "/kbs/coco/v1/explain/" + opts->request_id;
    request.coco_only = true;
    request.feature = "explain (decision audit)";
    COCO_TRY(auto exchange, admin_send(ctx, coco::kbs::AdminClient(endpoint), request, *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    const nlohmann::json doc = nlohmann::json::parse(exchange.response.body, nullptr, false);
    if (doc.is_discarded()) {
      return coco::make_error(coco::Kind::invalid, "explain: the KBS replied with invalid JSON");
    }
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "request " << doc.value("request_id", opts->request_id) << '\n';
      for (const auto& e : doc.value("entries", nlohmann::json::array())) {
        out << "  " << e.value("action", "") << ' ' << e.value("subject", "") << ": " << e.value("outcome", "")
            << " (actor " << e.value("actor", "") << ")\n";
        if (e.contains("detail") && !e["detail"].is_null()) {
          out << "    " << e["detail"].dump() << '\n';
        }
      }
    });
  });
}

} // namespace coco_kbs
