#include "common/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace coco::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::warn)};
std::atomic<int> g_format{static_cast<int>(Format::text)};
std::mutex g_mutex;
std::string g_program = "coco";
std::function<void(std::string_view)> g_sink;

std::string_view level_name(Level l) {
  switch (l) {
  case Level::error: return "error";
  case Level::warn: return "warning";
  case Level::info: return "info";
  case Level::debug: return "debug";
  case Level::trace: return "trace";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

} // namespace

void set_level(Level l) { g_level = static_cast<int>(l); }
Level level() { return static_cast<Level>(g_level.load()); }
void set_format(Format f) { g_format = static_cast<int>(f); }
void set_program(std::string_view name) {
  std::lock_guard lock(g_mutex);
  g_program = std::string(name);
}
void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_mutex);
  g_sink = std::move(sink);
}

void write(Level l, std::string_view message) {
  if (!enabled(l)) {
    return;
  }
  std::string line;
  std::lock_guard lock(g_mutex);
  if (static_cast<Format>(g_format.load()) == Format::json) {
    nlohmann::json j{{"time", timestamp()}, {"level", level_name(l)}, {"program", g_program},
                     {"msg", std::string(message)}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = g_program + ": " + std::string(level_name(l)) + ": " + std::string(message);
  }
  if (g_sink) {
    g_sink(line);
    return;
  }
  line.push_back('\n');
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace coco::log
