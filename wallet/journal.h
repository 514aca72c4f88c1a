// Journal: the double-entry ledger's accounts, transfers and balances, and
// the invariants that hold them together.
//
// Every movement of money is a transfer from one account to another
// (wallet/accounts.h names them), so all balances sum to zero and each can be
// rebuilt from the journal (wallet/journal_check.h does, for check-ledger).
// Transfers are numbered from 1 without gaps (seq). Every balance stays
// within int64: an operation asks CheckRange, with every move it may make,
// before its first Post, so that a refused operation changes nothing and
// Post itself never fails.
//
// Where balances and histories are kept, chosen for the write path:
//   * a meter wallet's balance lives in its meter's state (MeterRegistry),
//     so that a reading writes one record; its history is a chain through
//     the journal (TransferRecord.wallet_prev_seq, wallet_balance_after);
//   * retailer floats and arrears live in Table::kAccounts, with an entry in
//     the account journal index (Table::kAccountJournal) per transfer;
//   * system accounts ("system:*") live in Table::kAccounts too; their
//     history is the global journal filtered by account, and their balance
//     is also marked once per group (Table::kSystemBalances) for the pager.
//
// Store layout (part of the store's format):
//   Table::kJournal         be64(seq) -> store::v1::TransferRecord
//   Table::kAccounts        account -> be64(balance)
//   Table::kAccountJournal  AccountJournalKey -> store::v1::JournalEntryRecord
//   Table::kSystemBalances  SystemBalanceKey  -> be64(balance after seq)
//
// Thread safety: none; the ledger's writer thread owns a Journal. The key
// and balance encodings below are plain functions, used by the readers too.
//
// Example:
//   WALLET_RETURN_IF_ERROR(journal.CheckRange({{kFloatDeposits, -amount}, {account, amount}}));
//   store::v1::TransferRecord t =
//       journal.Post(txn, v1::FLOAT_TOPUP, std::string(kFloatDeposits), account, amount,
//                    request_id, reference);
//   ...
//   journal.FinishGroup(txn);  // once per group, before its commit
#ifndef WALLET_JOURNAL_H_
#define WALLET_JOURNAL_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/meters.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/txn.h"
#include "wallet/v1/common.pb.h"

namespace wallet {

// EncodeBalance and DecodeBalance convert a stored balance (Table::kAccounts,
// kSystemBalances): big-endian two's complement.
std::string EncodeBalance(int64_t balance);
int64_t DecodeBalance(absl::string_view bytes);

// AccountJournalKey is the key of an account's entry for transfer `seq` made
// at `time_us`: "<account>\0" be64(time_us) be64(seq). JournalKeyAt is the
// first such key of `account` at time `t`.
std::string AccountJournalKey(absl::string_view account, int64_t time_us, uint64_t seq);
std::string JournalKeyAt(absl::string_view account, absl::Time t);

// SystemBalanceKey is the key of a system account's balance right after
// transfer `seq` (Table::kSystemBalances): "<account>\0" be64(seq).
std::string SystemBalanceKey(absl::string_view account, uint64_t seq);

class Journal final {
 public:
  // The journal reaches meter wallets through `meters` (not owned), which
  // must outlive it.
  explicit Journal(MeterRegistry* meters) : meters_(meters) {}

  // Load reads the next transfer seq and every balance kept in
  // Table::kAccounts. Errors: the store's.
  absl::Status Load(const Store& store);

  // Balance returns an account's balance in memory, the group's uncommitted
  // transfers included; 0 for an account that does not exist.
  int64_t Balance(absl::string_view account) const;

  // Move is one change an operation may make to an account's balance.
  struct Move {
    absl::string_view account;
    int64_t delta;
  };
  // CheckRange is FailedPrecondition, naming the account, when the moves
  // could take a balance out of int64 in whatever order they are posted:
  // each account's credits and its debits are added up apart, in 128 bits.
  // Moves of 0 are ignored.
  absl::Status CheckRange(std::initializer_list<Move> moves) const;

  // Post records a transfer of `amount` (> 0) from `debit` to `credit` at
  // txn.now and updates both balances. Callers have validated everything,
  // balances included (CheckRange): Post cannot fail and CHECK-fails if a
  // balance would overflow or a meter wallet is not registered.
  store::v1::TransferRecord Post(Txn& txn, v1::TransferType type, const std::string& debit,
                                 const std::string& credit, int64_t amount,
                                 const std::string& request_ref, const std::string& memo);

  // PostCharge debits meter `m`'s wallet for a charge to system:revenue that
  // includes `duty` paise of electricity duty. The duty stays in
  // system:revenue until SweepDuty moves what a batch of readings charged to
  // system:duty in one transfer (per batch, not per commit group, so that
  // seqs depend only on requests). Cannot fail, as Post.
  void PostCharge(Txn& txn, v1::TransferType type, MeterEntry& m, int64_t amount, int64_t duty,
                  const std::string& request_ref, const std::string& memo);
  // PendingDuty is the duty charged since the last SweepDuty.
  int64_t PendingDuty() const { return pending_duty_paise_; }
  void SweepDuty(Txn& txn, const std::string& request_ref);

  // OpenAccount creates `account` (not a meter wallet) with balance 0.
  void OpenAccount(Txn& txn, const std::string& account);

  // FinishGroup writes the balances the group changed (each once), and a
  // system account's balance as of the group's last transfer; call once per
  // group, after its last operation and before the commit. Meter wallets
  // are written with their meter's state (MeterRegistry::WriteChanged).
  void FinishGroup(Txn& txn);

 private:
  // NewTransfer takes the next seq; PutTransfer writes the finished transfer.
  store::v1::TransferRecord NewTransfer(Txn& txn, v1::TransferType type, const std::string& debit,
                                        const std::string& credit, int64_t amount,
                                        const std::string& request_ref, const std::string& memo);
  void PutTransfer(Txn& txn, const store::v1::TransferRecord& transfer);
  // ApplyToAccount adds `delta` to an account's balance for `transfer`. A
  // meter wallet links the transfer into its chain; other non-system
  // accounts get an account journal entry.
  void ApplyToAccount(Txn& txn, store::v1::TransferRecord& transfer, const std::string& account,
                      int64_t delta);
  void ApplyToWallet(MeterEntry& m, store::v1::TransferRecord& transfer, int64_t delta);
  void PutJournalEntry(Txn& txn, const store::v1::TransferRecord& transfer,
                       const std::string& account, int64_t delta, int64_t balance_after);

  MeterRegistry* const meters_;
  uint64_t next_seq_ = 1;
  // Balances of every account but the meter wallets.
  absl::flat_hash_map<std::string, int64_t> balances_;
  // Accounts of balances_ whose balance changed in the current group.
  absl::flat_hash_set<std::string> dirty_;
  // Duty charged by the current ingest batch, still in system:revenue.
  int64_t pending_duty_paise_ = 0;
};

}  // namespace wallet

#endif  // WALLET_JOURNAL_H_
