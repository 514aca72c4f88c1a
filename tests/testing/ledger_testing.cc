// The ledger's test-only calls (wallet/ledger.h), linked by the tests alone:
// walletd has no way to post a transfer of any type between any accounts.
#include "base/status_macros.h"
#include "wallet/ledger.h"

namespace wallet {

absl::Status Ledger::PostForTesting(Txn& txn, v1::TransferType type, const std::string& debit,
                                    const std::string& credit, int64_t amount) {
  WALLET_RETURN_IF_ERROR(journal_.CheckRange({{debit, -amount}, {credit, amount}}));
  journal_.Post(txn, type, debit, credit, amount, "test", "posted by a test");
  return absl::OkStatus();
}

MeterEntry* Ledger::MeterForTesting(absl::string_view meter_id) { return meters_.Find(meter_id); }

}  // namespace wallet
