// Every walletctl command, in groups by role. Each group lives in a file of
// its own (meter_commands.cc for MeterCommands, ...); Commands() lists the
// groups in the order `walletctl help` shows them.
//
// Adding a command to a group: its function and one Command entry in the
// group's file. Adding a group: a file, its function declared here, its line
// in Commands() (commands.cc) and its file in CMakeLists.txt.
#ifndef WALLETCTL_COMMANDS_H_
#define WALLETCTL_COMMANDS_H_

#include <vector>

#include "walletctl/command.h"

namespace walletctl {

// Meters and consumers (admin): register, show, list, adjust, hold.
CommandGroup MeterCommands();
// Changes of consumers and meters (admin): update, move, the audit trail.
CommandGroup ChangeCommands();
// Retailers and floats: create, top up, recharge, float, statement.
CommandGroup RetailerCommands();
// Collection of dues: import dues, defaulter lists, payments toward dues.
CommandGroup CollectionCommands();
// Ledger: journals of accounts.
CommandGroup LedgerCommands();
// Tariffs and policy: the tariff book.
CommandGroup TariffCommands();
// Consumer (mobile app): balance, history, start a recharge.
CommandGroup ConsumerCommands();
// Payment gateway: confirm payments.
CommandGroup PaymentCommands();
// Meter gateway: readings, relay commands and outcomes, notifications.
CommandGroup GatewayCommands();
// Collection drives (admin): create, approve, pause, resume, cancel, show,
// watch, their meters.
CommandGroup DriveCommands();
// Operations: API keys, ledger check, the demo clock.
CommandGroup OpsCommands();
// API keys and consumer sign-ins (key_commands.cc).
CommandGroup KeyCommands();

// Commands returns every group, in help order.
const std::vector<CommandGroup>& Commands();

}  // namespace walletctl

#endif  // WALLETCTL_COMMANDS_H_
