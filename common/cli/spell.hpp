// "did you mean 'secrets'?": suggestions for mistyped commands and options (ninja's SpellcheckString).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace coco::cli {

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a distance that grows with the word's length (1 for short words, at most 3);
// ties go to the earlier candidate. A candidate that starts with `word` (3+ characters) also matches.
std::optional<std::string> suggest(std::string_view word, std::span<const std::string> candidates);

} // namespace coco::cli
