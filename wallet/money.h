// Money: integer paise (1 rupee = 100 paise) in int64, never floating point.
//
// Example:
//   absl::StatusOr<int64_t> paise = ParseRupees("350.50");  // 35050
//   std::string text = FormatRupees(123456789);              // "Rs 12,34,567.89"
#ifndef WALLET_MONEY_H_
#define WALLET_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wallet {

// ParseRupees parses "350", "350.5" or "350.50" exactly into paise.
// Returns InvalidArgument for signs, more than two decimals, non-digits or
// values beyond int64.
absl::StatusOr<int64_t> ParseRupees(absl::string_view text);

// FormatRupees renders paise with Indian digit grouping: "Rs 1,23,456.78",
// "-Rs 5.00".
std::string FormatRupees(int64_t paise);

// PercentOfBps returns amount * bps / 10000 rounded down (towards zero), with
// no intermediate overflow for any int64 amount and bps in [0, 10000].
int64_t PercentOfBps(int64_t amount_paise, int32_t bps);

// AddOverflows reports whether a + b overflows int64.
bool AddOverflows(int64_t a, int64_t b);

}  // namespace wallet

#endif  // WALLET_MONEY_H_
