#include "walletctl/command.h"

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

const Command* FindCommand(const std::vector<CommandGroup>& groups, absl::string_view name) {
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) {
      if (command.name == name) return &command;
    }
  }
  return nullptr;
}

}  // namespace walletctl
