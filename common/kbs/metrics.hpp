// Server metrics in the Prometheus text exposition format (version 0.0.4): request counts by route, method
// and status, attestations by TEE and result, resource releases by result, and request latency histograms by
// route. Labels come from fixed sets (route names, not raw paths), so the series stay bounded.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace coco::kbs {

class Metrics {
public:
  void observe_request(const std::string& route, const std::string& method, int status, double seconds);
  void count_attestation(const std::string& tee, const std::string& result);
  void count_release(const std::string& result);
  [[nodiscard]] std::string render() const;

private:
  static const std::vector<double>& buckets();
  struct Histogram {
    std::vector<unsigned long long> counts;  // per bucket, cumulative at render
    unsigned long long total = 0;
    double sum = 0;
  };
  mutable std::mutex m_mutex;
  std::map<std::tuple<std::string, std::string, int>, unsigned long long> m_requests;
  std::map<std::pair<std::string, std::string>, unsigned long long> m_attestations;
  std::map<std::string, unsigned long long> m_releases;
  std::map<std::string, Histogram> m_latency;
};

} // namespace coco::kbs
