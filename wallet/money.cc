#include "wallet/money.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wallet {

absl::StatusOr<int64_t> ParseRupees(absl::string_view text) {
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("amount '", text, "' is not rupees with at most two decimals"));
  if (text.empty()) return bad;
  const size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  if (whole.empty() || fraction.size() > 2 ||
      (dot != absl::string_view::npos && fraction.empty())) {
    return bad;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t paise = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad;
    if (paise > (kMax - (c - '0')) / 10) return bad;
    paise = paise * 10 + (c - '0');
  }
  if (paise > kMax / 100) return bad;
  paise *= 100;
  int64_t fraction_paise = 0;
  int64_t scale = 10;
  for (char c : fraction) {
    if (c < '0' || c > '9') return bad;
    fraction_paise += (c - '0') * scale;
    scale /= 10;
  }
  if (paise > kMax - fraction_paise) return bad;
  return paise + fraction_paise;
}

std::string FormatRupees(int64_t paise) {
  // Work in unsigned so that INT64_MIN has a magnitude.
  const bool negative = paise < 0;
  const uint64_t magnitude =
      negative ? ~static_cast<uint64_t>(paise) + 1 : static_cast<uint64_t>(paise);
  std::string digits = absl::StrCat(magnitude / 100);
  // Indian grouping: last three digits, then groups of two.
  std::string grouped;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    const int from_right = n - i;
    grouped.push_back(digits[i]);
    if (from_right > 1 && (from_right == 4 || (from_right > 4 && from_right % 2 == 0))) {
      grouped.push_back(',');
    }
  }
  const uint64_t rest = magnitude % 100;
  return absl::StrCat(negative ? "-" : "", "Rs ", grouped, ".", rest < 10 ? "0" : "", rest);
}

int64_t PercentOfBps(int64_t amount_paise, int32_t bps) {
  // Split so that the product never leaves int64: amount = q * 10000 + r.
  const int64_t q = amount_paise / 10000;
  const int64_t r = amount_paise % 10000;
  return q * bps + (r * bps) / 10000;
}

bool AddOverflows(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_add_overflow(a, b, &out);
}

}  // namespace wallet
