// Flags as walletctl's commands declare them: a FlagSpec says what a flag is
// called, what value it takes and how that value is parsed; a FlagUse says
// how one command uses it (required or not, with what help).
//
// Specs are constexpr values, so that a command file can declare its own
// flags next to its commands and share the common ones (common_flags.h):
//
//   constexpr FlagSpec kLoad = IntFlag("load_w", "W", "Sanctioned load in watts.", 1, 1'000'000);
//   Command{"register-meter", ..., {Required(kMeter), Required(kLoad), Optional(kTariff)}, ...}
//
// A flag name means the same thing in every command that uses it (the flag
// tests check that no two specs share a name with different types), so that
// the command line can be read before the command is known.
#ifndef WALLETCTL_FLAG_H_
#define WALLETCTL_FLAG_H_

#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "walletctl/values.h"

namespace walletctl {

// What a flag's value is, and so how it is parsed (values.h).
enum class ValueType {
  kBool,    // --flag, --noflag, --flag=true|false
  kText,    // free text, as typed
  kId,      // walletd id: 1-64 of [A-Za-z0-9._:-]
  kPhone,   // 10-15 digits, optional leading +
  kInt,     // whole number in [min, max]
  kRupees,  // rupees with at most 2 decimals, stored as paise
  kPaise,   // whole paise
  kEnum,    // a proto enum value by its lower-case name
  kChoice,  // one of a fixed list of names
  kDate,    // YYYY-MM-DD (IST), stored as typed
  kTime,    // YYYY-MM-DDTHH:MM:SS (IST)
};

// A parsed value: bool for kBool; int64_t for kInt, kRupees and kPaise
// (paise), and for kEnum and kChoice (the enum number); absl::Time for kTime;
// the text for the rest.
using FlagValue = std::variant<bool, int64_t, std::string, absl::Time>;

// FlagSpec is one flag: name (without dashes), value type and help. Make it
// with the constexpr factories below rather than field by field.
struct FlagSpec {
  absl::string_view name;
  ValueType type = ValueType::kText;
  absl::string_view value_name;  // "ID" in --meter=ID; empty for kBool
  absl::string_view help;        // one sentence or two
  // What leaving the flag out means, for help; empty: nothing to say.
  absl::string_view default_text;
  // kInt: the range; kRupees and kPaise: min 0 allows zero, min 1 does not.
  int64_t min = 0;
  int64_t max = std::numeric_limits<int64_t>::max();
  // kEnum: the enum and the prefix its value names drop ("ROLE_").
  const google::protobuf::EnumDescriptor* (*enum_type)() = nullptr;
  absl::string_view enum_prefix;
  // kChoice: the names accepted.
  absl::Span<const Choice> choices;

  // WithDefault returns a copy whose help says what leaving it out means.
  constexpr FlagSpec WithDefault(absl::string_view text) const {
    FlagSpec spec = *this;
    spec.default_text = text;
    return spec;
  }
};

constexpr FlagSpec BoolFlag(absl::string_view name, absl::string_view help) {
  FlagSpec spec;
  spec.name = name;
  spec.type = ValueType::kBool;
  spec.help = help;
  return spec;
}

constexpr FlagSpec TypedFlag(ValueType type, absl::string_view name, absl::string_view value_name,
                             absl::string_view help) {
  FlagSpec spec;
  spec.name = name;
  spec.type = type;
  spec.value_name = value_name;
  spec.help = help;
  return spec;
}

constexpr FlagSpec TextFlag(absl::string_view name, absl::string_view value_name,
                            absl::string_view help) {
  return TypedFlag(ValueType::kText, name, value_name, help);
}

constexpr FlagSpec IdFlag(absl::string_view name, absl::string_view help) {
  return TypedFlag(ValueType::kId, name, "ID", help);
}

constexpr FlagSpec IntFlag(absl::string_view name, absl::string_view value_name,
                           absl::string_view help, int64_t min, int64_t max) {
  FlagSpec spec = TypedFlag(ValueType::kInt, name, value_name, help);
  spec.min = min;
  spec.max = max;
  return spec;
}

// RupeesFlag takes rupees; `allow_zero` false makes zero an error.
constexpr FlagSpec RupeesFlag(absl::string_view name, absl::string_view help, bool allow_zero) {
  FlagSpec spec = TypedFlag(ValueType::kRupees, name, "RUPEES", help);
  spec.min = allow_zero ? 0 : 1;
  return spec;
}

constexpr FlagSpec PaiseFlag(absl::string_view name, absl::string_view help, bool allow_zero) {
  FlagSpec spec = TypedFlag(ValueType::kPaise, name, "PAISE", help);
  spec.min = allow_zero ? 0 : 1;
  return spec;
}

constexpr FlagSpec EnumFlag(absl::string_view name, absl::string_view value_name,
                            absl::string_view help,
                            const google::protobuf::EnumDescriptor* (*enum_type)(),
                            absl::string_view prefix = "") {
  FlagSpec spec = TypedFlag(ValueType::kEnum, name, value_name, help);
  spec.enum_type = enum_type;
  spec.enum_prefix = prefix;
  return spec;
}

constexpr FlagSpec ChoiceFlag(absl::string_view name, absl::string_view value_name,
                              absl::string_view help, absl::Span<const Choice> choices) {
  FlagSpec spec = TypedFlag(ValueType::kChoice, name, value_name, help);
  spec.choices = choices;
  return spec;
}

// ParseFlagValue parses `text` as `spec`'s value. InvalidArgument says what
// was expected, without the flag's name.
absl::StatusOr<FlagValue> ParseFlagValue(const FlagSpec& spec, absl::string_view text);

// ValueChoices lists the names a kEnum or kChoice flag accepts; empty for
// other types.
std::vector<std::string> ValueChoices(const FlagSpec& spec);

// FlagUse is how a command uses a flag: required or optional, with help of
// its own when the spec's would mislead (--reason of an adjustment and of a
// hold). A use with several alternatives (--amount or --amount_paise) takes
// at most one of them, and exactly one if required.
struct FlagUse {
  std::vector<const FlagSpec*> alternatives;
  bool required = false;
  std::string help;  // empty: the spec's
};

FlagUse Required(const FlagSpec& spec, absl::string_view help = "");
FlagUse Optional(const FlagSpec& spec, absl::string_view help = "");
FlagUse RequiredOneOf(std::vector<const FlagSpec*> alternatives, absl::string_view help = "");
// OptionalOneOf takes at most one of `alternatives`.
FlagUse OptionalOneOf(std::vector<const FlagSpec*> alternatives);

// FlagSyntax is "--name=VALUE", or "--name" for a bool flag.
std::string FlagSyntax(const FlagSpec& spec);

// UseSyntax is a use as the synopsis shows it: "--meter=ID" if required,
// "[--tariff=ID]" if not, "(--amount=RUPEES | --amount_paise=PAISE)" for
// alternatives.
std::string UseSyntax(const FlagUse& use);

}  // namespace walletctl

#endif  // WALLETCTL_FLAG_H_
