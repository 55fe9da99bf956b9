// coco-attest attest --kbs URL: the full KBS handshake (common/kbs/guest_client.hpp), printing the token's claims.
#include <string>

#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"

namespace coco_attest {

nlohmann::json attest_summary(const coco::kbs::AttestResult& r) {
  nlohmann::json s = nlohmann::json::object();
  const auto& claims = r.claims;
  if (claims.contains("submods") && claims["submods"].is_object()) {
    for (const auto& [name, submod] : claims["submods"].items()) {
      nlohmann::json one = {{"ear.status", submod.value("ear.status", nlohmann::json())},
                            {"ear.trustworthiness-vector", submod.value("ear.trustworthiness-vector", nlohmann::json())}};
      const auto evidence = submod.value("ear.veraison.annotated-evidence", nlohmann::json::object());
      if (evidence.contains(r.tee) && evidence[r.tee].is_object() && evidence[r.tee].value("simulated", false)) {
        one["simulated"] = true;
      }
      s[name] = one;
    }
  }
  return s;
}

void print_attest_text(std::ostream& out, const coco::kbs::AttestResult& r) {
  out << "attested " << r.tee << " (evidence from " << r.source << ") in "
      << (r.auth_time + r.evidence_time + r.attest_time).count() << " ms\n";
  const nlohmann::json summary = attest_summary(r);
  for (const auto& [name, s] : summary.items()) {
    out << "  " << name << ": " << s["ear.status"].dump() << (s.value("simulated", false) ? " (SIMULATED evidence)" : "")
        << '\n';
    if (s["ear.trustworthiness-vector"].is_object()) {
      for (const auto& [claim, value] : s["ear.trustworthiness-vector"].items()) {
        out << "    " << claim << ": " << value.dump() << '\n';
      }
    }
  }
  out << "token claims:\n" << r.claims.dump(2) << '\n';
}

namespace {
struct AttestOptions {
  KbsOptions kbs;
  bool token_only = false;
};
} // namespace

void register_attest(coco::cli::Command& cmd) {
  auto opts = cmd.options<AttestOptions>();
  opts->kbs.add_to(cmd);
  cmd.app().add_flag("--token", opts->token_only, "print only the token (the EAR JWT)");
  cmd.description("Runs the KBS attestation handshake as a Confidential Containers guest does (protocol 0.4.0): "
                  "POST /kbs/v0/auth, an ephemeral TEE key, evidence from --tee bound to the challenge nonce and the "
                  "key, POST /kbs/v0/attest; prints the EAR status, the trustworthiness vector and the token's "
                  "claims (decoded; the KBS verifies the token, the guest cannot). -o json prints {\"tee\", "
                  "\"source\", \"token\", \"header\", \"claims\", \"timings_ms\"}." +
                  kbs_exit_status_text());
  cmd.example("coco-attest attest --kbs https://kbs.example:8080 --cacert kbs.crt", "attest with this machine's TEE");
  cmd.example("coco-attest attest --kbs https://127.0.0.1:8080 --cacert kbs.crt --tee sim-snp --sim-dir sim",
              "attest with simulated SEV-SNP evidence (the KBS must run with --trust-sim-roots sim)");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto source, open_evidence_source(opts->kbs));
    COCO_TRY(auto client, open_guest_client(opts->kbs));
    COCO_TRY(auto result, client->attest(*source));
    if (opts->token_only) {
      return ctx.output.emit({{"token", result.token}}, [&](std::ostream& out) { out << result.token << '\n'; });
    }
    const nlohmann::json doc{{"kbs", client->url()},
                             {"tee", result.tee},
                             {"source", result.source},
                             {"token", result.token},
                             {"header", result.token_header},
                             {"claims", result.claims},
                             {"summary", attest_summary(result)},
                             {"timings_ms",
                              {{"auth", result.auth_time.count()},
                               {"evidence", result.evidence_time.count()},
                               {"attest", result.attest_time.count()}}}};
    return ctx.output.emit(doc, [&](std::ostream& out) { print_attest_text(out, result); });
  });
}

} // namespace coco_attest
