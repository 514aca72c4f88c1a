#include "walletctl/values.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "wallet/money.h"
#include "wallet/validate.h"

namespace walletctl {
namespace {

bool AllDigits(absl::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

absl::Status Invalid(absl::string_view text, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not ", expected));
}

// WellFormedRupees is true of digits with at most two decimals: what
// wallet::ParseRupees accepts unless the value is too large.
bool WellFormedRupees(absl::string_view text) {
  const size_t dot = text.find('.');
  if (dot == absl::string_view::npos) return AllDigits(text);
  const absl::string_view fraction = text.substr(dot + 1);
  return AllDigits(text.substr(0, dot)) && AllDigits(fraction) && fraction.size() <= 2;
}

// The round trip rejects what absl::ParseTime would normalise (02-30 becomes
// 03-02), so that a typo is never silently moved to another day.
absl::StatusOr<absl::Time> ParseExactIst(absl::string_view format, absl::string_view text) {
  absl::Time time;
  std::string ignored;
  if (!absl::ParseTime(format, text, Ist(), &time, &ignored) ||
      absl::FormatTime(format, time, Ist()) != text) {
    return absl::InvalidArgumentError("no such time");
  }
  return time;
}

bool IsUnspecified(const google::protobuf::EnumValueDescriptor& value) {
  return value.number() == 0 && absl::EndsWith(value.name(), "UNSPECIFIED");
}

constexpr absl::string_view kDateFormat = "%Y-%m-%d";
constexpr absl::string_view kTimeFormat = "%Y-%m-%dT%H:%M:%S";

}  // namespace

const absl::TimeZone& Ist() {
  static const auto* const zone = new absl::TimeZone(absl::FixedTimeZone(5 * 3600 + 30 * 60));
  return *zone;
}

absl::StatusOr<int64_t> ParseRupeesText(absl::string_view text, bool allow_zero) {
  absl::StatusOr<int64_t> paise = wallet::ParseRupees(text);
  if (!paise.ok()) {
    if (WellFormedRupees(text)) {
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" rupees is too large"));
    }
    return Invalid(text, "rupees with at most 2 decimals, e.g. 350 or 350.50");
  }
  if (*paise == 0 && !allow_zero) {
    return absl::InvalidArgumentError("the amount must be more than zero");
  }
  return *paise;
}

absl::StatusOr<int64_t> ParsePaiseText(absl::string_view text, bool allow_zero) {
  int64_t paise = 0;
  // SimpleAtoi alone would accept a sign and surrounding spaces.
  if (!AllDigits(text)) return Invalid(text, "a whole number of paise");
  if (!absl::SimpleAtoi(text, &paise)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" paise is too large"));
  }
  if (paise == 0 && !allow_zero) {
    return absl::InvalidArgumentError("the amount must be more than zero");
  }
  return paise;
}

absl::StatusOr<int64_t> ParseIntText(absl::string_view text, int64_t min, int64_t max) {
  const absl::string_view digits = absl::StripPrefix(text, "-");
  int64_t value = 0;
  if (!AllDigits(digits) || !absl::SimpleAtoi(text, &value) || value < min || value > max) {
    if (max == std::numeric_limits<int64_t>::max()) {
      return Invalid(text, absl::StrCat("a whole number from ", min));
    }
    return Invalid(text, absl::StrCat("a whole number from ", min, " to ", max));
  }
  return value;
}

absl::StatusOr<bool> ParseBoolText(absl::string_view text) {
  for (absl::string_view yes : {"true", "yes", "1"}) {
    if (absl::EqualsIgnoreCase(text, yes)) return true;
  }
  for (absl::string_view no : {"false", "no", "0"}) {
    if (absl::EqualsIgnoreCase(text, no)) return false;
  }
  return Invalid(text, "true or false");
}

absl::StatusOr<std::string> ParseIdText(absl::string_view text) {
  if (absl::Status status = wallet::ValidateId("an id", text); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": ", status.message()));
  }
  return std::string(text);
}

absl::StatusOr<std::string> ParsePhoneText(absl::string_view text) {
  if (absl::Status status = wallet::ValidatePhone("a phone number", text); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": ", status.message()));
  }
  return std::string(text);
}

absl::StatusOr<std::string> ParseIstDate(absl::string_view text) {
  if (text.size() != 10 || !ParseExactIst(kDateFormat, text).ok()) {
    return Invalid(text, "a date YYYY-MM-DD");
  }
  return std::string(text);
}

absl::StatusOr<absl::Time> ParseIstTime(absl::string_view text) {
  absl::StatusOr<absl::Time> time = ParseExactIst(kTimeFormat, text);
  if (!time.ok()) return Invalid(text, "a time YYYY-MM-DDTHH:MM:SS (IST)");
  return *time;
}

std::string FormatIstTime(absl::Time time) { return absl::FormatTime(kTimeFormat, time, Ist()); }

std::string EnumText(const google::protobuf::EnumDescriptor& type, int value,
                     absl::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* found = type.FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  return absl::AsciiStrToLower(absl::StripPrefix(found->name(), prefix));
}

std::vector<std::string> EnumChoices(const google::protobuf::EnumDescriptor& type,
                                     absl::string_view prefix) {
  std::vector<std::string> choices;
  for (int i = 0; i < type.value_count(); ++i) {
    if (!IsUnspecified(*type.value(i))) {
      choices.push_back(EnumText(type, type.value(i)->number(), prefix));
    }
  }
  return choices;
}

absl::StatusOr<int> ParseEnumText(const google::protobuf::EnumDescriptor& type,
                                  absl::string_view prefix, absl::string_view text) {
  const std::string name =
      absl::StrCat(prefix, absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  const google::protobuf::EnumValueDescriptor* found = type.FindValueByName(name);
  if (found != nullptr && !IsUnspecified(*found)) return found->number();
  return Invalid(text, absl::StrCat("one of ", absl::StrJoin(EnumChoices(type, prefix), "|")));
}

absl::StatusOr<int> ParseChoiceText(absl::Span<const Choice> choices, absl::string_view text) {
  std::vector<absl::string_view> names;
  for (const Choice& choice : choices) {
    if (absl::EqualsIgnoreCase(text, choice.name)) return choice.value;
    names.push_back(choice.name);
  }
  return Invalid(text, absl::StrCat("one of ", absl::StrJoin(names, "|")));
}

}  // namespace walletctl
