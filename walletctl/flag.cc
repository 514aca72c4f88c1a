#include "walletctl/flag.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace walletctl {
namespace {

// Widen gives a parser's result the FlagValue alternative of its type.
template <typename T>
absl::StatusOr<FlagValue> Widen(absl::StatusOr<T> value) {
  if (!value.ok()) return value.status();
  if constexpr (std::is_same_v<T, int>) {
    return FlagValue(static_cast<int64_t>(*value));
  } else {
    return FlagValue(*std::move(value));
  }
}

}  // namespace

absl::StatusOr<FlagValue> ParseFlagValue(const FlagSpec& spec, absl::string_view text) {
  switch (spec.type) {
    case ValueType::kBool:
      return Widen(ParseBoolText(text));
    case ValueType::kText:
      return FlagValue(std::string(text));
    case ValueType::kId:
      return Widen(ParseIdText(text));
    case ValueType::kPhone:
      return Widen(ParsePhoneText(text));
    case ValueType::kInt:
      return Widen(ParseIntText(text, spec.min, spec.max));
    case ValueType::kRupees:
      return Widen(ParseRupeesText(text, /*allow_zero=*/spec.min <= 0));
    case ValueType::kPaise:
      return Widen(ParsePaiseText(text, /*allow_zero=*/spec.min <= 0));
    case ValueType::kEnum:
      return Widen(ParseEnumText(*spec.enum_type(), spec.enum_prefix, text));
    case ValueType::kChoice:
      return Widen(ParseChoiceText(spec.choices, text));
    case ValueType::kDate:
      return Widen(ParseIstDate(text));
    case ValueType::kTime:
      return Widen(ParseIstTime(text));
  }
  return absl::InternalError(absl::StrCat("flag --", spec.name, " has no value type"));
}

std::vector<std::string> ValueChoices(const FlagSpec& spec) {
  if (spec.type == ValueType::kEnum) return EnumChoices(*spec.enum_type(), spec.enum_prefix);
  std::vector<std::string> names;
  if (spec.type == ValueType::kChoice) {
    for (const Choice& choice : spec.choices) names.emplace_back(choice.name);
  }
  return names;
}

FlagUse Required(const FlagSpec& spec, absl::string_view help) {
  return FlagUse{{&spec}, /*required=*/true, std::string(help)};
}

FlagUse Optional(const FlagSpec& spec, absl::string_view help) {
  return FlagUse{{&spec}, /*required=*/false, std::string(help)};
}

FlagUse RequiredOneOf(std::vector<const FlagSpec*> alternatives, absl::string_view help) {
  return FlagUse{std::move(alternatives), /*required=*/true, std::string(help)};
}

FlagUse OptionalOneOf(std::vector<const FlagSpec*> alternatives) {
  return FlagUse{std::move(alternatives), /*required=*/false, ""};
}

std::string FlagSyntax(const FlagSpec& spec) {
  if (spec.type == ValueType::kBool) return absl::StrCat("--", spec.name);
  return absl::StrCat("--", spec.name, "=", spec.value_name);
}

std::string UseSyntax(const FlagUse& use) {
  std::vector<std::string> each;
  for (const FlagSpec* spec : use.alternatives) each.push_back(FlagSyntax(*spec));
  std::string syntax = absl::StrJoin(each, " | ");
  if (!use.required) return absl::StrCat("[", syntax, "]");
  if (each.size() > 1) return absl::StrCat("(", syntax, ")");
  return syntax;
}

}  // namespace walletctl
