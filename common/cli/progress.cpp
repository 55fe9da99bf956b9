#include "common/cli/progress.hpp"

namespace coco::cli {
namespace {
class SilentProgress final : public Progress {
public:
  void begin(std::string_view, std::string_view, std::uint64_t) override {}
  void advance(std::string_view, std::uint64_t) override {}
  void end(std::string_view, std::string_view) override {}
};
} // namespace

std::unique_ptr<Progress> make_progress(const GlobalOptions& /*global*/, std::ostream& /*err*/) {
  return std::make_unique<SilentProgress>();
}

} // namespace coco::cli
