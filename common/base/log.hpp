// The logger: the one mutable global. Messages go to stderr, as text or JSON lines, filtered by level.
// Never log secrets: Secret has no formatting, and callers log names and digests, not values.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace coco::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };
enum class Format { text, json };

void set_level(Level level);
Level level();
void set_format(Format format);
void set_program(std::string_view name);
// Tests capture output by installing a sink; nullptr restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

void write(Level level, std::string_view message);
inline bool enabled(Level l) { return static_cast<int>(l) <= static_cast<int>(level()); }

inline void error(std::string_view m) { write(Level::error, m); }
inline void warn(std::string_view m) { write(Level::warn, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void debug(std::string_view m) { write(Level::debug, m); }
inline void trace(std::string_view m) { write(Level::trace, m); }

} // namespace coco::log
