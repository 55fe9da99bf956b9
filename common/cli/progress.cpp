#include "common/cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace coco::cli {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

Clock real_clock() {
  return [] { return std::chrono::steady_clock::now(); };
}

struct Task {
  std::string label;
  std::uint64_t total = 0;
  std::uint64_t done = 0;
  TimePoint start;
  TimePoint last_report;
};

double seconds_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

class SilentProgress final : public Progress {
public:
  void begin(std::string_view, std::string_view, std::uint64_t) override {}
  void advance(std::string_view, std::uint64_t) override {}
  void end(std::string_view, std::string_view) override {}
};

// Bars on a terminal: finished tasks leave one summary line; the active tasks are a block of lines at the
// bottom, redrawn in place (cursor up, clear line) at most every 100 ms.
class BarProgress final : public Progress {
public:
  BarProgress(std::ostream& err, int width, Clock clock) : m_err(err), m_width(std::max(width, 40)), m_clock(std::move(clock)) {}
  ~BarProgress() override {
    std::lock_guard lock(m_mutex);
    for (const std::string& id : m_order) {
      m_finished.push_back(summary(m_tasks.at(id), "stopped"));
    }
    m_order.clear();
    draw();
  }

  void begin(std::string_view id, std::string_view label, std::uint64_t total) override {
    std::lock_guard lock(m_mutex);
    const TimePoint now = m_clock();
    std::string key(id);
    if (m_tasks.find(key) == m_tasks.end()) {
      m_order.push_back(key);
    }
    m_tasks[key] = Task{std::string(label), total, 0, now, now};
    draw();
  }

  void advance(std::string_view id, std::uint64_t bytes) override {
    std::lock_guard lock(m_mutex);
    auto it = m_tasks.find(std::string(id));
    if (it == m_tasks.end()) {
      return;
    }
    it->second.done += bytes;
    const TimePoint now = m_clock();
    if (now - m_last_draw >= Millis(100)) {
      draw();
    }
  }

  void end(std::string_view id, std::string_view status) override {
    std::lock_guard lock(m_mutex);
    const std::string key(id);
    auto it = m_tasks.find(key);
    if (it == m_tasks.end()) {
      return;
    }
    m_finished.push_back(summary(it->second, status));
    m_order.erase(std::remove(m_order.begin(), m_order.end(), key), m_order.end());
    m_tasks.erase(it);
    draw();
  }

private:
  std::string fit_label(const std::string& label, std::size_t room) const {
    if (label.size() <= room) {
      return label + std::string(room - label.size(), ' ');
    }
    return room > 1 ? label.substr(0, room - 1) + "~" : label.substr(0, room);
  }

  std::string rate_text(const Task& t, TimePoint now) const {
    const double elapsed = seconds_between(t.start, now);
    if (elapsed <= 0.0 || t.done == 0) {
      return {};
    }
    return format_bytes(static_cast<std::uint64_t>(static_cast<double>(t.done) / elapsed)) + "/s";
  }

  std::string line(const Task& t, TimePoint now) const {
    std::string right;
    const double elapsed = seconds_between(t.start, now);
    const std::string rate = rate_text(t, now);
    if (t.total > 0) {
      const std::uint64_t done = std::min(t.done, t.total);
      const int percent = static_cast<int>(done * 100 / t.total);
      right = std::to_string(percent) + "% " + format_bytes(done) + "/" + format_bytes(t.total);
      if (!rate.empty()) {
        right += " " + rate;
        const double per_second = static_cast<double>(t.done) / elapsed;
        const auto eta = static_cast<long long>(static_cast<double>(t.total - done) / per_second + 0.5);
        right += " ETA " + format_duration(std::chrono::seconds(eta));
      }
      // label [=====>    ] right
      const int room = m_width - 1 - static_cast<int>(right.size()) - 1;
      const int label_width = std::min(std::max(room / 3, 8), 30);
      const int bar_width = room - label_width - 3;
      std::string bar;
      if (bar_width >= 5) {
        const int filled = static_cast<int>(static_cast<double>(done) / static_cast<double>(t.total) * bar_width);
        bar = "[" + std::string(static_cast<std::size_t>(filled), '=') +
              (filled < bar_width ? ">" + std::string(static_cast<std::size_t>(bar_width - filled - 1), ' ') : "") +
              "] ";
      }
      return fit_label(t.label, static_cast<std::size_t>(std::max(label_width, 1))) + " " + bar + right;
    }
    right = format_bytes(t.done) + (rate.empty() ? "" : " " + rate);
    const int room = m_width - 1 - static_cast<int>(right.size()) - 1;
    return fit_label(t.label, static_cast<std::size_t>(std::max(room, 1))) + " " + right;
  }

  std::string summary(const Task& t, std::string_view status) const {
    const TimePoint now = m_clock();
    std::string text = t.label + ": " + std::string(status);
    if (status == "done") {
      text += ", " + format_bytes(t.done) + " in " +
              format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - t.start));
    }
    if (static_cast<int>(text.size()) > m_width - 1) {
      text = text.substr(0, static_cast<std::size_t>(m_width - 2)) + "~";
    }
    return text;
  }

  // The cursor sits below the block of m_drawn active lines. Go up, print the finished tasks' summaries (they
  // scroll up and stay), then the active block; clear any lines left over from a taller block.
  void draw() {
    const TimePoint now = m_clock();
    m_last_draw = now;
    std::string out;
    if (m_drawn > 0) {
      out += "\033[" + std::to_string(m_drawn) + "A";
    }
    const int written = static_cast<int>(m_finished.size() + m_order.size());
    for (const std::string& f : m_finished) {
      out += "\r\033[K" + f + "\n";
    }
    m_finished.clear();
    for (const std::string& id : m_order) {
      out += "\r\033[K" + line(m_tasks.at(id), now) + "\n";
    }
    const int leftover = std::max(0, m_drawn - written);
    for (int i = 0; i < leftover; ++i) {
      out += "\r\033[K\n";
    }
    if (leftover > 0) {
      out += "\033[" + std::to_string(leftover) + "A";
    }
    m_drawn = static_cast<int>(m_order.size());
    m_err << out;
    m_err.flush();
  }

  std::ostream& m_err;
  int m_width;
  Clock m_clock;
  std::mutex m_mutex;
  std::map<std::string, Task> m_tasks;
  std::vector<std::string> m_order;
  std::vector<std::string> m_finished;
  int m_drawn = 0;
  TimePoint m_last_draw{};
};

// JSON lines for programs: begin, progress (at most once a second per task), end.
class JsonProgress final : public Progress {
public:
  JsonProgress(std::ostream& err, Clock clock) : m_err(err), m_clock(std::move(clock)) {}

  void begin(std::string_view id, std::string_view label, std::uint64_t total) override {
    std::lock_guard lock(m_mutex);
    const TimePoint now = m_clock();
    m_tasks[std::string(id)] = Task{std::string(label), total, 0, now, now};
    emit({{"event", "begin"}, {"id", id}, {"label", label}, {"total", total}});
  }

  void advance(std::string_view id, std::uint64_t bytes) override {
    std::lock_guard lock(m_mutex);
    auto it = m_tasks.find(std::string(id));
    if (it == m_tasks.end()) {
      return;
    }
    Task& t = it->second;
    t.done += bytes;
    const TimePoint now = m_clock();
    if (now - t.last_report >= std::chrono::seconds(1)) {
      t.last_report = now;
      emit({{"event", "progress"}, {"id", id}, {"done", t.done}, {"total", t.total},
            {"bytes_per_second", static_cast<std::uint64_t>(static_cast<double>(t.done) / seconds_between(t.start, now))}});
    }
  }

  void end(std::string_view id, std::string_view status) override {
    std::lock_guard lock(m_mutex);
    auto it = m_tasks.find(std::string(id));
    if (it == m_tasks.end()) {
      return;
    }
    const double elapsed = seconds_between(it->second.start, m_clock());
    emit({{"event", "end"}, {"id", id}, {"status", status}, {"done", it->second.done},
          {"seconds", static_cast<double>(static_cast<long long>(elapsed * 1000)) / 1000.0}});
    m_tasks.erase(it);
  }

private:
  void emit(const nlohmann::json& event) {
    m_err << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    m_err.flush();
  }

  std::ostream& m_err;
  Clock m_clock;
  std::mutex m_mutex;
  std::map<std::string, Task> m_tasks;
};

int terminal_width() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return 80;
}

} // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1023.95 && unit + 1 < std::size(k_units)) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, k_units[unit]);
  return buffer;
}

std::string format_duration(std::chrono::seconds duration) {
  const long long total = std::max<long long>(0, duration.count());
  const long long h = total / 3600;
  const long long m = (total % 3600) / 60;
  const long long s = total % 60;
  char buffer[32];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", h, m);
  } else if (m > 0) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", m, s);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  }
  return buffer;
}

std::unique_ptr<Progress> make_bar_progress(std::ostream& err, int width, Clock clock) {
  return std::make_unique<BarProgress>(err, width, clock ? std::move(clock) : real_clock());
}

std::unique_ptr<Progress> make_json_progress(std::ostream& err, Clock clock) {
  return std::make_unique<JsonProgress>(err, clock ? std::move(clock) : real_clock());
}

std::unique_ptr<Progress> make_progress(const GlobalOptions& global, std::ostream& err) {
  if (global.quiet) {
    return std::make_unique<SilentProgress>();
  }
  if (global.output == OutputFormat::json) {
    return make_json_progress(err);
  }
  if (global.stderr_is_terminal && !global.dumb_terminal) {
    return make_bar_progress(err, terminal_width());
  }
  return std::make_unique<SilentProgress>();
}

} // namespace coco::cli
