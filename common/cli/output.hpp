// Output: what a command prints on stdout. In text mode, whatever the command writes; in json mode (-o json)
// exactly one JSON document, so `coco-X ... -o json | jq` always parses.
#pragma once

#include <functional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/cli/options.hpp"

namespace coco::cli {

class Output {
public:
  Output(std::ostream& out, OutputFormat format) : m_out(out), m_format(format) {}

  [[nodiscard]] bool json() const { return m_format == OutputFormat::json; }
  [[nodiscard]] OutputFormat format() const { return m_format; }
  // The command's result: in json mode `document` (pretty-printed, one per command: a second call is a bug
  // and throws), in text mode whatever `text` writes. Fails with Kind::io when stdout cannot be written.
  Status emit(const nlohmann::json& document, const std::function<void(std::ostream&)>& text);
  [[nodiscard]] bool emitted() const { return m_emitted; }

private:
  std::ostream& m_out;
  OutputFormat m_format;
  bool m_emitted = false;
};

} // namespace coco::cli
