#include "common/kbs/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace coco::kbs {
namespace {
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
} // namespace

const std::vector<double>& Metrics::buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

void Metrics::observe_request(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(m_mutex);
  ++m_requests[{route, method, status}];
  auto& h = m_latency[route];
  if (h.counts.empty()) {
    h.counts.assign(buckets().size(), 0);
  }
  for (std::size_t i = 0; i < buckets().size(); ++i) {
    if (seconds <= buckets()[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.total;
  h.sum += seconds;
}

void Metrics::count_attestation(const std::string& tee, const std::string& result) {
  std::lock_guard lock(m_mutex);
  ++m_attestations[{tee, result}];
}

void Metrics::count_release(const std::string& result) {
  std::lock_guard lock(m_mutex);
  ++m_releases[result];
}

std::string Metrics::render() const {
  std::lock_guard lock(m_mutex);
  std::ostringstream out;
  out << "# HELP coco_kbs_http_requests_total HTTP requests by route, method and status.\n"
      << "# TYPE coco_kbs_http_requests_total counter\n";
  for (const auto& [key, n] : m_requests) {
    const auto& [route, method, status] = key;
    out << "coco_kbs_http_requests_total{route=\"" << route << "\",method=\"" << method << "\",status=\"" << status
        << "\"} " << n << "\n";
  }
  out << "# HELP coco_kbs_attestations_total Attestations by TEE and result.\n"
      << "# TYPE coco_kbs_attestations_total counter\n";
  for (const auto& [key, n] : m_attestations) {
    out << "coco_kbs_attestations_total{tee=\"" << key.first << "\",result=\"" << key.second << "\"} " << n << "\n";
  }
  out << "# HELP coco_kbs_resource_releases_total Resource requests by result.\n"
      << "# TYPE coco_kbs_resource_releases_total counter\n";
  for (const auto& [result, n] : m_releases) {
    out << "coco_kbs_resource_releases_total{result=\"" << result << "\"} " << n << "\n";
  }
  out << "# HELP coco_kbs_http_request_duration_seconds HTTP request latency by route.\n"
      << "# TYPE coco_kbs_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : m_latency) {
    unsigned long long cumulative = 0;
    for (std::size_t i = 0; i < buckets().size(); ++i) {
      cumulative += h.counts[i];
      out << "coco_kbs_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << number(buckets()[i])
          << "\"} " << cumulative << "\n";
    }
    out << "coco_kbs_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.total << "\n"
        << "coco_kbs_http_request_duration_seconds_sum{route=\"" << route << "\"} " << number(h.sum) << "\n"
        << "coco_kbs_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.total << "\n";
  }
  return out.str();
}

} // namespace coco::kbs
