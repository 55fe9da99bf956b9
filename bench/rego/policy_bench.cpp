// Policy evaluations per second through the KBS's policy engine (common/kbs/policy.hpp over common/rego), as the
// server runs them: Trustee's default resource policy (kbs/sample_policies/default.rego) on the claims of an EAR
// token, and Trustee's default attestation policy (ear_default_policy_cpu.rego) on TDX claims from Trustee's
// verifier test data, with reference values answered through the query_reference_value host function. One and
// two threads. Prints rates and the two-thread scaling; asserts nothing (but says so if a decision is not the
// expected one, since a fast wrong answer measures nothing).
//
//   coco_bench_rego [seconds per measurement]   (default 3)
#include <cstdio>
#include <cstdlib>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "bench/bench_env.hpp"
#include "common/base/atomic_file.hpp"
#include "common/kbs/policy.hpp"

using namespace coco;

namespace {

using bench::load_average;
using bench::shared_dir;

// Runs `one` on `threads` threads for `seconds`; returns evaluations per second (all threads together).
double rate(int threads, double seconds, const std::function<bool()>& one, std::atomic<bool>& wrong) {
  std::atomic<bool> stop{false};
  std::atomic<long> total{0};
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!one()) {
          wrong = true;
        }
        ++n;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) {
    th.join();
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

} // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  auto cases_text = read_file(shared_dir() / "vectors" / "rego" / "trustee" / "cases" / "as-default-policies.json");
  if (!cases_text) {
    std::fprintf(stderr, "cannot read the Trustee policy cases: %s\n", cases_text.error().message.c_str());
    return 1;
  }
  const auto cases = nlohmann::json::parse(*cases_text);
  nlohmann::json tdx_case;
  for (const auto& c : cases["cases"]) {
    if (c["input"].contains("tdx") && c["policy"].get<std::string>().ends_with("ear_default_policy_cpu.rego")) {
      tdx_case = c;
    }
  }
  if (tdx_case.is_null()) {
    std::fprintf(stderr, "no TDX case for ear_default_policy_cpu.rego in the vectors\n");
    return 1;
  }
  const nlohmann::json input = tdx_case["input"];
  const nlohmann::json rvs = tdx_case["reference_values"];
  const nlohmann::json want = tdx_case["want"];
  const kbs::ReferenceValueLookup lookup = [&rvs](const std::string& id) -> std::optional<nlohmann::json> {
    auto it = rvs.find(id);
    if (it == rvs.end()) {
      return std::nullopt;
    }
    return *it;
  };

  auto engine = kbs::make_policy_engine();
  const std::string_view resource_policy = kbs::default_resource_policy();
  // EAR claims as the server mints them for this TDX appraisal.
  const nlohmann::json claims = {
      {"eat_profile", "tag:github.com,2024:confidential-containers/Trustee"},
      {"iss", "CoCo-Attestation-Service"},
      {"submods",
       {{"cpu0",
         {{"ear.status", "contraindicated"},
          {"ear.trustworthiness-vector", want},
          {"ear.appraisal-policy-id", "default"},
          {"ear.veraison.annotated-evidence", input}}}}}};
  const nlohmann::json data = {{"plugin", "resource"}, {"resource-path", {"default", "key", "one"}},
                               {"query", nlohmann::json::object()}};

  // Warm up (compiles both policies once; the engine caches compiled policies by text) and check the answers.
  auto appraisal = engine->appraise("", input, lookup);
  auto decision = engine->evaluate_resource(resource_policy, claims, data);
  if (!appraisal || !decision) {
    std::fprintf(stderr, "evaluation failed: %s\n",
                 (!appraisal ? appraisal.error().message : decision.error().message).c_str());
    return 1;
  }
  const bool appraisal_ok = appraisal->trust_vector == want;
  const bool decision_ok = decision->allow;
  std::printf("# Rego policy evaluation (coco KBS policy engine), %.1f s per measurement, load average %.2f, %u cores\n",
              seconds, load_average(), std::thread::hardware_concurrency());
  std::printf("attestation policy: Trustee ear_default_policy_cpu.rego, TDX claims (%zu reference-value ids), "
              "trust vector %s (%s)\n",
              rvs.size(), appraisal->trust_vector.dump().c_str(), appraisal_ok ? "as expected" : "NOT the expected one");
  std::printf("resource policy: Trustee kbs/sample_policies/default.rego on the EAR claims, allow=%s (%s)\n",
              decision->allow ? "true" : "false", decision_ok ? "as expected" : "NOT the expected one");

  std::atomic<bool> wrong{false};
  auto attest_one = [&] {
    auto a = engine->appraise("", input, lookup);
    return a && a->trust_vector == want;
  };
  auto resource_one = [&] {
    auto d = engine->evaluate_resource(resource_policy, claims, data);
    return d && d->allow;
  };
  std::printf("%-36s %14s %14s %10s\n", "policy", "1 thread /s", "2 threads /s", "scaling");
  for (const auto& [name, fn] : std::vector<std::pair<const char*, std::function<bool()>>>{
           {"resource (default.rego)", resource_one}, {"attestation (ear_default_policy_cpu)", attest_one}}) {
    const double r1 = rate(1, seconds, fn, wrong);
    const double r2 = rate(2, seconds, fn, wrong);
    std::printf("%-36s %14.0f %14.0f %9.2fx   (%.1f us per evaluation on one thread)\n", name, r1, r2, r2 / r1,
                1e6 / r1);
  }
  std::printf("load average after: %.2f\n", load_average());
  if (wrong || !appraisal_ok || !decision_ok) {
    std::printf("WARNING: some evaluation did not give the expected result\n");
  }
  return 0;
}
