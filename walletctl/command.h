// A walletctl command: its name, what it does, which API key it needs, the
// flags it takes, and the function that runs it. Commands live in files by
// role (meter_commands.cc, retailer_commands.cc, ...), each of which returns
// its CommandGroup; commands.cc lists the groups.
//
// Adding a command: write its function in the file of its role and add a
// Command to that file's group; a new group also gets a line in commands.cc.
//
// Example:
//   absl::Status GetMeter(const Args& args, Context& context) {
//     return context.Run(&AdminStub::GetMeter, MeterRequest<v1::GetMeterRequest>(args),
//                        MeterViewReport);
//   }
//   ...
//   {"get-meter", "Show a meter, its consumer, balance and arrears.", kAdminKey,
//    {Required(kMeter)}, GetMeter},
#ifndef WALLETCTL_COMMAND_H_
#define WALLETCTL_COMMAND_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "walletctl/args.h"
#include "walletctl/flag.h"

namespace walletctl {

class Context;

// RunFunction sends the command's calls and prints what they return; the
// flags it reads were checked before it runs (required ones present, values
// parsed). Returns the call's failure with its gRPC code, or OK.
using RunFunction = absl::Status (*)(const Args& args, Context& context);

struct Command {
  Command(std::string name, std::string summary, std::string key, std::vector<FlagUse> flags,
          RunFunction run, std::string details = "")
      : name(std::move(name)),
        summary(std::move(summary)),
        key(std::move(key)),
        flags(std::move(flags)),
        run(run),
        details(std::move(details)) {}

  std::string name;     // "register-meter"
  std::string summary;  // one line: what it does
  std::string key;      // whose API key it needs, e.g. "admin"
  std::vector<FlagUse> flags;
  RunFunction run;
  // More help, printed by `walletctl help <command>`; may be empty.
  std::string details;
};

struct CommandGroup {
  std::string title;  // "Meters and consumers"
  std::vector<Command> commands;
};

// UsageError is an error in what was typed that only the command can see
// (a file that does not parse): walletctl exits 2, as for a bad flag.
absl::Status UsageError(absl::string_view message);

// IsUsageError is true of UsageError's statuses.
bool IsUsageError(const absl::Status& status);

// FindCommand returns the command called `name` in `groups`, or null.
const Command* FindCommand(const std::vector<CommandGroup>& groups, absl::string_view name);

}  // namespace walletctl

#endif  // WALLETCTL_COMMAND_H_
