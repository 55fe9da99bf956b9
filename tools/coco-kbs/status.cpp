// coco-kbs status: is the KBS reachable, is its TLS certificate trusted (and which one it presented), which
// KBS protocol version it speaks, is it coco-kbs serve, and does it accept the admin credential.
#include <string>

#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {

void register_status(coco::cli::Command& cmd) {
  cmd.description("Probes the KBS: reachability (GET /healthz), TLS (the certificate's SHA-256 fingerprint, also "
                  "when it is not trusted), the KBS protocol version (the version an RCAR auth request must carry), "
                  "whether coco-kbs serve's extensions answer, and whether the admin credential is accepted (GET "
                  "/kbs/v0/resource-policy). Exits 0 only when everything that was asked for works.");
  cmd.example("coco-kbs status --context prod", "check a configured KBS");
  cmd.run([](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    const coco::kbs::AdminClient client(endpoint);
    const coco::kbs::ServerStatus s = client.status();
    COCO_TRY_STATUS(ctx.output.emit(s.to_json(), [&](std::ostream& out) {
      auto row = [&](std::string_view name, const std::string& value) {
        out << name << std::string(12 - name.size(), ' ') << value << '\n';
      };
      row("kbs", s.url);
      row("reachable", s.reachable ? "yes" : "no" + (s.transport_error.empty() ? std::string() : ": " + s.transport_error));
      if (s.tls) {
        std::string tls = endpoint.insecure_skip_tls_verify ? "not verified (--insecure-skip-tls-verify)"
                          : s.tls_verified                  ? "verified"
                                                            : "NOT trusted";
        if (!s.fingerprint.empty()) {
          tls += ", SHA-256 fingerprint " + s.fingerprint;
        }
        row("tls", tls);
      } else {
        row("tls", "none (plain http)");
      }
      if (s.reachable && s.transport_error.empty()) {
        row("protocol", s.protocol_version.empty() ? "unknown" : s.protocol_version);
        row("server", s.coco_extensions ? "coco-kbs serve (admin reads, history, audit)" : "Trustee KBS or compatible (no admin reads)");
        row("admin", s.admin + (s.admin_detail.empty() ? std::string() : ": " + s.admin_detail));
      }
    }));
    if (!s.reachable) {
      return coco::make_error(coco::Kind::network, "the KBS at " + s.url + " is not reachable",
                              "is a KBS listening there? check --url (scheme, host and port)");
    }
    if (!s.transport_error.empty()) {
      return coco::make_error(coco::Kind::auth, "the KBS's TLS certificate is not trusted",
                              "pass --cacert with its certificate (compare the fingerprint " + s.fingerprint + ")");
    }
    if (s.admin == "refused") {
      return coco::make_error(coco::Kind::denied, "the KBS refused the admin credential",
                              "is the admin key the one the server was started with?");
    }
    return coco::ok();
  });
}

} // namespace coco_kbs
