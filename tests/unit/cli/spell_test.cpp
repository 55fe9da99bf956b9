#include <catch2/catch.hpp>

#include "common/cli/spell.hpp"

using coco::cli::edit_distance;
using coco::cli::suggest;

TEST_CASE("edit distance counts insertions, deletions, substitutions and transpositions", "[cli]") {
  CHECK(edit_distance("secrets", "secrets") == 0);
  CHECK(edit_distance("secrts", "secrets") == 1);
  CHECK(edit_distance("secretss", "secrets") == 1);
  CHECK(edit_distance("sacrets", "secrets") == 1);
  CHECK(edit_distance("verison", "version") == 1);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("suggest picks the closest candidate", "[cli]") {
  const std::vector<std::string> words{"version", "verify", "encrypt"};
  CHECK(suggest("verison", words) == "version");
  CHECK(suggest("verfy", words) == "verify");
  CHECK(suggest("encrpyt", words) == "encrypt");
}

TEST_CASE("suggest stays silent when nothing is close", "[cli]") {
  const std::vector<std::string> words{"version", "verify", "encrypt"};
  CHECK_FALSE(suggest("kbs", words));
  CHECK_FALSE(suggest("", words));
  CHECK_FALSE(suggest("x", words));
}

TEST_CASE("suggest completes a prefix of three letters or more", "[cli]") {
  const std::vector<std::string> words{"completion", "copy"};
  CHECK(suggest("compl", words) == "completion");
}
