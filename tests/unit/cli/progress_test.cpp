#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "common/cli/progress.hpp"

using namespace std::chrono_literals;

namespace {
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  coco::cli::Clock clock() {
    return [this] { return now; };
  }
};
constexpr std::uint64_t k_mib = 1024 * 1024;
} // namespace

TEST_CASE("a bar shows percent, bytes, rate and ETA", "[cli]") {
  FakeClock t;
  std::ostringstream err;
  auto p = coco::cli::make_bar_progress(err, 120, t.clock());
  p->begin("sha256:a", "blob a", 100 * k_mib);
  t.now += 10s;
  p->advance("sha256:a", 50 * k_mib);
  const std::string text = err.str();
  CHECK(text.find("blob a") != std::string::npos);
  CHECK(text.find("50% 50.0 MiB/100.0 MiB 5.0 MiB/s ETA 10s") != std::string::npos);
  CHECK(text.find("[=") != std::string::npos);
}

TEST_CASE("a bar is redrawn at most every 100 ms", "[cli]") {
  FakeClock t;
  std::ostringstream err;
  auto p = coco::cli::make_bar_progress(err, 80, t.clock());
  p->begin("a", "a", 1000);
  t.now += 1s;
  p->advance("a", 1);
  const std::size_t after_first = err.str().size();
  t.now += 50ms;
  p->advance("a", 1);
  CHECK(err.str().size() == after_first);
  t.now += 60ms;
  p->advance("a", 1);
  CHECK(err.str().size() > after_first);
}

TEST_CASE("a finished task leaves a summary line and the block shrinks", "[cli]") {
  FakeClock t;
  std::ostringstream err;
  auto p = coco::cli::make_bar_progress(err, 80, t.clock());
  p->begin("a", "blob a", 2 * k_mib);
  p->begin("b", "blob b", 2 * k_mib);
  t.now += 4s;
  p->advance("a", 2 * k_mib);
  err.str("");
  p->end("a", "done");
  const std::string text = err.str();
  // Up two lines (the block of a and b), the summary, b's bar, then nothing left over to clear.
  CHECK(text.starts_with("\033[2A\r\033[Kblob a: done, 2.0 MiB in 4s\n\r\033[Kblob b"));
  CHECK(text.find("\033[1A") == std::string::npos);
}

TEST_CASE("a bar without a total shows bytes and rate", "[cli]") {
  FakeClock t;
  std::ostringstream err;
  auto p = coco::cli::make_bar_progress(err, 80, t.clock());
  p->begin("a", "stream", 0);
  t.now += 2s;
  p->advance("a", 4 * k_mib);
  CHECK(err.str().find("4.0 MiB 2.0 MiB/s") != std::string::npos);
  CHECK(err.str().find("ETA") == std::string::npos);
}

TEST_CASE("JSON progress writes begin, throttled progress and end lines", "[cli]") {
  FakeClock t;
  std::ostringstream err;
  auto p = coco::cli::make_json_progress(err, t.clock());
  p->begin("sha256:a", "blob a", 300);
  t.now += 500ms;
  p->advance("sha256:a", 100);  // within the first second: no line
  t.now += 600ms;
  p->advance("sha256:a", 100);
  p->end("sha256:a", "done");
  std::istringstream in(err.str());
  std::vector<nlohmann::json> events;
  std::string line;
  while (std::getline(in, line)) {
    events.push_back(nlohmann::json::parse(line));
  }
  REQUIRE(events.size() == 3);
  CHECK(events[0] == nlohmann::json{{"event", "begin"}, {"id", "sha256:a"}, {"label", "blob a"}, {"total", 300}});
  CHECK(events[1]["event"] == "progress");
  CHECK(events[1]["done"] == 200);
  CHECK(events[2]["event"] == "end");
  CHECK(events[2]["status"] == "done");
  CHECK(events[2]["done"] == 200);
}

TEST_CASE("progress is silent with -q or when stderr is not a terminal", "[cli]") {
  std::ostringstream err;
  coco::cli::GlobalOptions global;
  global.stderr_is_terminal = false;
  auto pipe = coco::cli::make_progress(global, err);
  pipe->begin("a", "a", 10);
  pipe->advance("a", 10);
  pipe->end("a", "done");
  global.stderr_is_terminal = true;
  global.quiet = true;
  auto quiet = coco::cli::make_progress(global, err);
  quiet->begin("a", "a", 10);
  quiet->end("a", "done");
  global.quiet = false;
  global.dumb_terminal = true;
  auto dumb = coco::cli::make_progress(global, err);
  dumb->begin("a", "a", 10);
  dumb->end("a", "done");
  CHECK(err.str().empty());
  global.output = coco::cli::OutputFormat::json;
  auto json = coco::cli::make_progress(global, err);
  json->begin("a", "a", 10);
  CHECK(err.str().find("\"event\":\"begin\"") != std::string::npos);
}

TEST_CASE("bytes and durations are formatted for people", "[cli]") {
  CHECK(coco::cli::format_bytes(999) == "999 B");
  CHECK(coco::cli::format_bytes(1536) == "1.5 KiB");
  CHECK(coco::cli::format_bytes(k_mib - 1) == "1.0 MiB");
  CHECK(coco::cli::format_bytes(3 * k_mib * 1024) == "3.0 GiB");
  CHECK(coco::cli::format_duration(12s) == "12s");
  CHECK(coco::cli::format_duration(65s) == "1m05s");
  CHECK(coco::cli::format_duration(7380s) == "2h03m");
}
