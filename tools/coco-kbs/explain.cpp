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
  auto conn = cmd.options<Connection>();
  cmd.app().add_option("REQUEST-ID", opts->request_id, "the request id (X-Request-Id of the reply)")->required();
  add_connection_options(cmd, conn);
  cmd.description("Fetches the audit entries the KBS recorded for one request and prints them: for a policy "
                  "denial, the rule, the reason, the claims it read and the request data. Needs admin access.");
  cmd.example("coco-kbs explain 7f3a... --url https://127.0.0.1:8080 --admin-key admin.key --cacert kbs.crt",
              "why was this resource request denied");
  cmd.run([opts, conn](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto response, admin_call(*conn, "GET", "/kbs/coco/v1/explain/" + opts->request_id));
    const nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
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
