// walletctl's help, made from the commands' declarations so that it always
// says what the parser does: which flags each command takes, which of them
// are required, what values they accept and what leaving them out means.
//
//   walletctl --help | walletctl help        OverviewHelp
//   walletctl help recharge                  CommandHelp
//   (after a usage error)                    UsageHint, one line
#ifndef WALLETCTL_HELP_H_
#define WALLETCTL_HELP_H_

#include <string>
#include <vector>

#include "walletctl/command.h"

namespace walletctl {

// OverviewHelp lists the global flags, every command of `groups` with its
// flags ([optional] ones bracketed), the value formats, output formats and
// exit codes.
std::string OverviewHelp(const std::vector<CommandGroup>& groups);

// CommandHelp describes one command: what it does, the key it needs, its
// synopsis, and each flag with its values, and whether it is required or
// what its default is.
std::string CommandHelp(const Command& command);

// UsageHint is one line to print under a usage error: the command's
// synopsis, or the general form when `command` is null.
std::string UsageHint(const Command* command);

// FlagDescription is a flag's help as CommandHelp shows it: the help, the
// values it accepts, and "Required." or "Default: ...".
std::string FlagDescription(const FlagUse& use, const FlagSpec& spec);

}  // namespace walletctl

#endif  // WALLETCTL_HELP_H_
