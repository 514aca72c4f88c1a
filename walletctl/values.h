// Values typed on walletctl's command line, parsed and validated in one
// place: amounts in rupees or paise (exact int64 paise, never through a
// floating-point value), whole numbers in a range, proto enum values by their
// lower-case names, ids, phone numbers, and dates and times in Indian
// Standard Time.
//
// Every parser returns InvalidArgument with a message that quotes the text
// and says what was expected; the caller prefixes the flag's name.
//
// Example:
//   absl::StatusOr<int64_t> paise = ParseRupeesText("350.50", /*allow_zero=*/false);  // 35050
//   absl::StatusOr<int> category =
//       ParseEnumText(*wallet::v1::Category_descriptor(), "", "domestic");   // DOMESTIC
//   absl::StatusOr<absl::Time> at = ParseIstTime("2025-04-01T08:00:00");
#ifndef WALLETCTL_VALUES_H_
#define WALLETCTL_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"

namespace walletctl {

// Ist is Indian Standard Time (UTC+05:30, no daylight saving), in which
// walletctl reads and prints every date and time.
const absl::TimeZone& Ist();

// ParseRupeesText parses rupees with at most two decimals ("350", "350.5",
// "350.50") exactly into paise. Zero is refused unless `allow_zero`; signs,
// spaces, more decimals and values beyond int64 paise are refused.
absl::StatusOr<int64_t> ParseRupeesText(absl::string_view text, bool allow_zero);

// ParsePaiseText parses a whole number of paise (digits only). Zero is
// refused unless `allow_zero`; values beyond int64 are refused.
absl::StatusOr<int64_t> ParsePaiseText(absl::string_view text, bool allow_zero);

// ParseIntText parses a whole number, optionally negative, within [min, max].
absl::StatusOr<int64_t> ParseIntText(absl::string_view text, int64_t min, int64_t max);

// ParseBoolText parses true|false|yes|no|1|0 (any case).
absl::StatusOr<bool> ParseBoolText(absl::string_view text);

// ParseIdText accepts what walletd accepts as an id: 1 to 64 characters from
// [A-Za-z0-9._:-].
absl::StatusOr<std::string> ParseIdText(absl::string_view text);

// ParsePhoneText accepts 10 to 15 digits with an optional leading '+'.
absl::StatusOr<std::string> ParsePhoneText(absl::string_view text);

// ParseIstDate accepts a real calendar date written YYYY-MM-DD ("2025-02-30"
// is refused) and returns it as written.
absl::StatusOr<std::string> ParseIstDate(absl::string_view text);

// ParseIstTime accepts a real IST time written YYYY-MM-DDTHH:MM:SS.
absl::StatusOr<absl::Time> ParseIstTime(absl::string_view text);

// FormatIstTime writes `time` as ParseIstTime reads it.
std::string FormatIstTime(absl::Time time);

// EnumText is an enum value's proto name in lower case without `prefix`, e.g.
// ROLE_PAYMENT_GATEWAY with prefix "ROLE_" is "payment_gateway"; an unknown
// number prints as the number.
std::string EnumText(const google::protobuf::EnumDescriptor& type, int value,
                     absl::string_view prefix = "");

// EnumChoices lists the names ParseEnumText accepts for `type`, in proto
// order: every value but the "not set" one (0 named *_UNSPECIFIED).
std::vector<std::string> EnumChoices(const google::protobuf::EnumDescriptor& type,
                                     absl::string_view prefix);

// ParseEnumText is the inverse of EnumText: case-insensitive, '-' for '_'.
// The "not set" value is never accepted.
absl::StatusOr<int> ParseEnumText(const google::protobuf::EnumDescriptor& type,
                                  absl::string_view prefix, absl::string_view text);

// A name people type for an enum value whose proto name says it differently
// (Reading.Kind REGISTER_RESET is "reset").
struct Choice {
  absl::string_view name;
  int value;
};

// ParseChoiceText returns the value of the choice named `text` (any case).
absl::StatusOr<int> ParseChoiceText(absl::Span<const Choice> choices, absl::string_view text);

}  // namespace walletctl

#endif  // WALLETCTL_VALUES_H_
