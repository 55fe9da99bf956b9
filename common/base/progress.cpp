#include "common/base/progress.hpp"

namespace coco {
namespace {
class NoProgress final : public Progress {
public:
  void begin(std::string_view, std::string_view, std::uint64_t) override {}
  void advance(std::string_view, std::uint64_t) override {}
  void end(std::string_view, std::string_view) override {}
};
} // namespace

Progress& Progress::none() {
  static NoProgress instance;
  return instance;
}

} // namespace coco
