// "Did you mean": the edit distance and when a candidate is close enough.
#include "walletctl/suggest.h"

#include "gtest/gtest.h"

namespace walletctl {
namespace {

TEST(EditDistance, CountsEditsAndSwapsOfNeighbours) {
  EXPECT_EQ(EditDistance("meter", "meter"), 0);
  EXPECT_EQ(EditDistance("metr", "meter"), 1);    // deletion
  EXPECT_EQ(EditDistance("meterr", "meter"), 1);  // insertion
  EXPECT_EQ(EditDistance("mater", "meter"), 1);   // substitution
  EXPECT_EQ(EditDistance("mteer", "meter"), 1);   // neighbours swapped
  EXPECT_EQ(EditDistance("", "meter"), 5);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

TEST(EditDistance, IgnoresCaseAndDashVersusUnderscore) {
  EXPECT_EQ(EditDistance("Request-Id", "request_id"), 0);
}

TEST(Suggest, PicksTheClosestCloseCandidate) {
  const std::vector<std::string> commands = {"recharge", "start-recharge", "register-meter",
                                             "history"};
  EXPECT_EQ(Suggest("rechage", commands), "recharge");
  EXPECT_EQ(Suggest("regster-meter", commands), "register-meter");
  EXPECT_EQ(Suggest("histroy", commands), "history");
  EXPECT_EQ(Suggest("transfer", commands), "");
}

TEST(Suggest, AllowsFewerEditsForShortWords) {
  const std::vector<std::string> flags = {"all", "at", "max", "meter"};
  EXPECT_EQ(Suggest("mex", flags), "max");  // 1 edit in 3 characters
  EXPECT_EQ(Suggest("xyz", flags), "");     // 3 edits: nothing
  EXPECT_EQ(Suggest("mtr", flags), "");     // 2 edits in 3 characters: too many
  EXPECT_EQ(Suggest("metre", flags), "meter");
}

TEST(Suggest, TiesGoToTheEarlierCandidate) { EXPECT_EQ(Suggest("ab", {"ac", "ad"}), "ac"); }

}  // namespace
}  // namespace walletctl
