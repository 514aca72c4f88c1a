// Args: the flag values of one command line, as the parser checked them
// (command_line.h) and the commands read them.
//
// Example:
//   request.set_meter_id(args.Text(kMeter));
//   request.set_amount_paise(args.Int(kAmount));
//   request.set_category(args.Enum(kCategory, v1::CATEGORY_UNSPECIFIED));
#ifndef WALLETCTL_ARGS_H_
#define WALLETCTL_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "walletctl/flag.h"

namespace walletctl {

// Args holds a command line's parsed flag values, global and command flags
// alike. A flag left out has no value; the getters then return the stated
// fallback. Asking for a value of another type than the flag's is a bug and
// aborts.
class Args {
 public:
  bool Has(const FlagSpec& spec) const { return values_.contains(spec.name); }

  // Text of a kText, kId, kPhone or kDate flag; "" when absent.
  std::string Text(const FlagSpec& spec) const;
  // Number of a kInt, kRupees or kPaise (paise), kEnum or kChoice flag.
  int64_t Int(const FlagSpec& spec, int64_t absent = 0) const;
  // A kBool flag; false when absent.
  bool Bool(const FlagSpec& spec) const;
  // A kTime flag.
  std::optional<absl::Time> Time(const FlagSpec& spec) const;

  // Enum is Int cast to the proto enum type of a kEnum or kChoice flag.
  template <typename E>
  E Enum(const FlagSpec& spec, E absent) const {
    return static_cast<E>(Int(spec, static_cast<int64_t>(absent)));
  }

  void Set(absl::string_view name, FlagValue value) {
    values_.insert_or_assign(name, std::move(value));
  }

 private:
  const FlagValue* Find(const FlagSpec& spec) const;

  absl::flat_hash_map<std::string, FlagValue> values_;
};

}  // namespace walletctl

#endif  // WALLETCTL_ARGS_H_
