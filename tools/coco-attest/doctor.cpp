// coco-attest doctor: which TEE interfaces this machine has, the kernel, the clock, and -- with --kbs -- whether
// the KBS is reachable, its TLS, its protocol version and a timed handshake; then what to fix.
#include <sys/utsname.h>

#include <chrono>
#include <ctime>
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "common/attest/source.hpp"
#include "common/kbs/client.hpp"
#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"

namespace coco_attest {
namespace {

struct DoctorOptions {
  KbsOptions kbs;
};

std::string fix_for(coco::kbs::KbsFailure failure, const KbsOptions& o) {
  using coco::kbs::KbsFailure;
  switch (failure) {
  case KbsFailure::unreachable:
    return "the KBS at " + o.kbs + " cannot be reached: check the URL, the port and that `coco-kbs serve` runs "
           "(and listens on an address this machine can reach)";
  case KbsFailure::tls:
    return o.cacert.empty() ? "the KBS's TLS certificate is not trusted: pass --cacert with its certificate (coco-kbs "
                              "serve prints its path and fingerprint at startup)"
                            : "the KBS's certificate does not verify with " + o.cacert +
                                  ": use the certificate the KBS prints at startup, and a URL host it is valid for";
  case KbsFailure::protocol:
    return "the server at " + o.kbs + " does not speak the KBS protocol (is it a KBS, behind a proxy?)";
  case KbsFailure::attestation_refused:
    return "the KBS refused attestation: read its reason above; simulated evidence needs `coco-kbs serve "
           "--trust-sim-roots DIR` with the DIR given here as --sim-dir";
  case KbsFailure::no_tee:
  case KbsFailure::evidence:
    return "evidence could not be produced: see `coco-attest evidence` with the same --tee";
  default:
    return "";
  }
}

} // namespace

void register_doctor(coco::cli::Command& cmd) {
  auto opts = cmd.options<DoctorOptions>();
  opts->kbs.add_to(cmd, false);
  cmd.description("Probes the TEE interfaces a guest can get evidence from (configfs-tsm, /dev/sev-guest, "
                  "/dev/tdx_guest, the TPM devices, the CCEL event log) and prints what it found, the kernel "
                  "version, the clock and advice. With --kbs URL it also checks the KBS: reachability and TLS "
                  "(GET /healthz), the protocol version (POST /kbs/v0/auth with 0.4.0), and a timed handshake "
                  "with this machine's TEE -- or, without one, with simulated evidence (--tee, default sample; "
                  "sim-snp/sim-tdx with --sim-dir) -- printing the decoded token claims. A machine without any TEE "
                  "is not an error: doctor says so, suggests the simulated sources, and exits 0; so does a KBS "
                  "problem, which is reported with what to fix. Exit status 1 only when the probe itself fails.");
  cmd.example("coco-attest doctor", "what this machine can attest with");
  cmd.example("coco-attest doctor -o json | jq .tee_available", "whether any real TEE interface exists");
  cmd.example("coco-attest doctor --kbs https://127.0.0.1:8080 --cacert kbs.crt", "check a KBS end to end");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    const std::vector<coco::attest::TeeInterface> found = coco::attest::probe_tee_interfaces();
    std::string kernel = "unknown";
    utsname u{};
    if (uname(&u) == 0) {
      kernel = std::string(u.sysname) + " " + u.release;
    }
    bool any = false;
    bool evidence_capable = false;
    nlohmann::json interfaces = nlohmann::json::array();
    for (const auto& i : found) {
      interfaces.push_back({{"name", i.name}, {"path", i.path.string()}, {"present", i.present}, {"detail", i.detail}});
      if (i.present) {
        any = true;
        if (i.name != "ccel") {
          evidence_capable = true;
        }
      }
    }
    std::vector<std::string> advice;
    const auto add_advice = [&advice](std::string text) {
      if (!text.empty()) {
        advice.push_back(std::move(text));
      }
    };
    if (!evidence_capable) {
      advice.emplace_back("this machine is not a confidential guest: no TEE interface can produce evidence");
      advice.emplace_back("in an SEV-SNP or TDX guest, use kernel >= 6.7 with configfs mounted "
                          "(mount -t configfs none /sys/kernel/config) for /sys/kernel/config/tsm/report");
      advice.emplace_back("to test without a TEE: coco-attest sim init DIR, then "
                          "coco-attest evidence --tee sim-snp --sim-dir DIR (or --tee sample)");
    } else {
      advice.emplace_back("run `coco-attest evidence -o json` to see the evidence this machine produces");
    }
    nlohmann::json doc{{"kernel", kernel},
                       {"tee_available", evidence_capable},
                       {"interfaces", interfaces},
                       {"clock_utc", [] {
                          const std::time_t now = std::time(nullptr);
                          char buf[32];
                          std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
                          return std::string(buf);
                        }()}};

    // ---- the KBS ----
    nlohmann::json kbs;
    std::string handshake_text;
    if (!opts->kbs.kbs.empty()) {
      KbsOptions o = opts->kbs;
      kbs = {{"url", o.kbs}};
      coco::kbs::ClientOptions co;
      co.cacert = o.cacert;
      co.insecure_skip_tls_verify = o.insecure_skip_tls_verify;
      co.timeout_s = std::min(o.timeout_s, 10L);
      const auto t0 = std::chrono::steady_clock::now();
      auto health = coco::kbs::http_request({"GET", o.kbs + "/healthz", {}, {}}, co);
      const auto health_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      if (!health) {
        const bool tls = health.error().kind == coco::Kind::auth ||
                         health.error().message.find("SSL") != std::string::npos ||
                         health.error().message.find("certificate") != std::string::npos;
        kbs["reachable"] = tls;  // a TLS failure means something answered
        kbs["tls"] = tls ? "failed" : "unknown";
        kbs["error"] = health.error().message;
        add_advice(fix_for(tls ? coco::kbs::KbsFailure::tls : coco::kbs::KbsFailure::unreachable, o));
      } else {
        kbs["reachable"] = true;
        kbs["tls"] = o.kbs.starts_with("https://") ? (o.insecure_skip_tls_verify ? "not verified" : "verified")
                                                   : "none (plain HTTP)";
        kbs["healthz"] = {{"status", health->status}, {"ms", health_ms}};
        if (o.kbs.starts_with("http://")) {
          advice.emplace_back("the KBS is reached over plain HTTP: resources then travel only JWE-protected and the "
                              "token unprotected; use HTTPS outside a test");
        }
        // Protocol version and a timed handshake.
        if (o.tee.empty() && !evidence_capable) {
          o.tee = o.sim_dir.empty() ? "sample" : "sim-snp";
        }
        kbs["handshake_tee"] = o.tee.empty() ? "detected" : o.tee;
        auto client = open_guest_client(o);
        auto source = open_evidence_source(o);
        if (!client || !source) {
          const coco::Error& e = !client ? client.error() : source.error();
          kbs["handshake"] = {{"ok", false}, {"error", e.message}};
          add_advice(fix_for(coco::kbs::classify_failure(e), o));
        } else {
          auto challenge = (*client)->auth(coco::attest::tee_name((*source)->tee()));
          if (!challenge) {
            kbs["protocol_version"] = {{"sent", "0.4.0"}, {"accepted", false}, {"error", challenge.error().message}};
            if (challenge.error().message.find("Version Mismatch") != std::string::npos) {
              advice.emplace_back("the KBS speaks another protocol version than 0.4.0: upgrade the KBS (Trustee "
                                  "since 2025-07) or use a matching guest");
            } else {
              add_advice(fix_for(coco::kbs::classify_failure(challenge.error()), o));
            }
          } else {
            kbs["protocol_version"] = {{"sent", "0.4.0"}, {"accepted", true}};
            auto result = (*client)->attest(**source);
            if (!result) {
              kbs["handshake"] = {{"ok", false}, {"error", result.error().message}};
              add_advice(fix_for(coco::kbs::classify_failure(result.error()), o));
            } else {
              kbs["handshake"] = {{"ok", true},
                                  {"tee", result->tee},
                                  {"source", result->source},
                                  {"timings_ms",
                                   {{"auth", result->auth_time.count()},
                                    {"evidence", result->evidence_time.count()},
                                    {"attest", result->attest_time.count()}}},
                                  {"summary", attest_summary(*result)},
                                  {"claims", result->claims}};
              std::ostringstream text;
              print_attest_text(text, *result);
              handshake_text = text.str();
              if (!evidence_capable) {
                advice.emplace_back("the handshake used " + result->source +
                                    " evidence: it shows the KBS works, not that this machine is trusted");
              }
            }
          }
        }
      }
      doc["kbs"] = kbs;
    }
    doc["advice"] = advice;
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "kernel: " << kernel << '\n';
      out << "clock (UTC): " << doc["clock_utc"].get<std::string>() << '\n';
      out << "TEE interfaces:\n";
      for (const auto& i : found) {
        out << "  " << (i.present ? "[found]   " : "[missing] ") << i.name << " (" << i.path.string() << ")";
        if (!i.detail.empty()) {
          out << ": " << i.detail;
        }
        out << '\n';
      }
      out << (evidence_capable ? "a TEE interface is available\n"
                               : (any ? "no TEE interface that can produce evidence was found\n"
                                      : "no TEE found: this machine is not a confidential guest\n"));
      if (!kbs.is_null()) {
        out << "KBS " << kbs["url"].get<std::string>() << ":\n";
        out << "  reachable: " << (kbs.value("reachable", false) ? "yes" : "no") << '\n';
        if (kbs.contains("tls")) {
          out << "  TLS: " << kbs["tls"].get<std::string>() << '\n';
        }
        if (kbs.contains("error")) {
          out << "  error: " << kbs["error"].get<std::string>() << '\n';
        }
        if (kbs.contains("protocol_version")) {
          out << "  protocol 0.4.0: " << (kbs["protocol_version"]["accepted"] == true ? "accepted" : "refused") << '\n';
        }
        if (kbs.contains("handshake")) {
          if (kbs["handshake"]["ok"] == true) {
            out << "  handshake: ok\n";
            std::istringstream lines(handshake_text);
            for (std::string line; std::getline(lines, line);) {
              out << "    " << line << '\n';
            }
          } else {
            out << "  handshake: failed: " << kbs["handshake"]["error"].get<std::string>() << '\n';
          }
        }
      }
      out << "advice:\n";
      for (const auto& a : advice) {
        if (!a.empty()) {
          out << "  - " << a << '\n';
        }
      }
    });
  });
}

} // namespace coco_attest
