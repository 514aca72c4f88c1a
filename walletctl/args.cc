#include "walletctl/args.h"

#include <variant>

namespace walletctl {

const FlagValue* Args::Find(const FlagSpec& spec) const {
  auto it = values_.find(spec.name);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Args::Text(const FlagSpec& spec) const {
  const FlagValue* value = Find(spec);
  return value == nullptr ? std::string() : std::get<std::string>(*value);
}

int64_t Args::Int(const FlagSpec& spec, int64_t absent) const {
  const FlagValue* value = Find(spec);
  return value == nullptr ? absent : std::get<int64_t>(*value);
}

bool Args::Bool(const FlagSpec& spec) const {
  const FlagValue* value = Find(spec);
  return value != nullptr && std::get<bool>(*value);
}

std::optional<absl::Time> Args::Time(const FlagSpec& spec) const {
  const FlagValue* value = Find(spec);
  if (value == nullptr) return std::nullopt;
  return std::get<absl::Time>(*value);
}

}  // namespace walletctl
