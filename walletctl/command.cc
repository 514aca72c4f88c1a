#include "walletctl/command.h"

#include <variant>

#include "absl/strings/cord.h"

namespace walletctl {
namespace {

// Marks usage errors, so that they are told from a server's INVALID_ARGUMENT.
constexpr absl::string_view kUsagePayload = "type.walletctl/usage";

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

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

const Command* FindCommand(const std::vector<CommandGroup>& groups, absl::string_view name) {
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) {
      if (command.name == name) return &command;
    }
  }
  return nullptr;
}

}  // namespace walletctl
