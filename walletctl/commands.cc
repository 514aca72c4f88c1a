#include "walletctl/commands.h"

namespace walletctl {

const std::vector<CommandGroup>& Commands() {
  // One line per group, in the order `walletctl help` shows them.
  static const auto* const groups = new std::vector<CommandGroup>{
      MeterCommands(),       // meters and consumers
      ChangeCommands(),      // changes of consumers and meters
      RetailerCommands(),    // retailers and floats
      CollectionCommands(),  // collection of dues
      LedgerCommands(),      // ledger and journals
      TariffCommands(),      // tariffs
      ConsumerCommands(),    // consumer
      PaymentCommands(),     // payment gateway
      GatewayCommands(),     // meter gateway and streams
      DriveCommands(),       // collection drives
      OpsCommands(),         // operations
      KeyCommands(),         // API keys and sign-ins
  };
  return *groups;
}

}  // namespace walletctl
