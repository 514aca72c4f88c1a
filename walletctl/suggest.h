// "Did you mean" suggestions for misspelt commands and flags.
//
// Example:
//   Suggest("rechage", {"recharge", "history"});  // "recharge"
//   Suggest("xyz", {"recharge", "history"});      // "" (nothing close)
#ifndef WALLETCTL_SUGGEST_H_
#define WALLETCTL_SUGGEST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace walletctl {

// EditDistance is the number of single-character insertions, deletions,
// substitutions and swaps of neighbours that turn `a` into `b` (optimal
// string alignment distance), ignoring case and counting '-' and '_' as
// equal.
int EditDistance(absl::string_view a, absl::string_view b);

// Suggest returns the candidate closest to `typed`, or "" when none is close
// enough to be what was meant: at most 1 edit for up to 4 characters, 2 up to
// 8, 3 beyond. Ties go to the earlier candidate.
std::string Suggest(absl::string_view typed, const std::vector<std::string>& candidates);

}  // namespace walletctl

#endif  // WALLETCTL_SUGGEST_H_
