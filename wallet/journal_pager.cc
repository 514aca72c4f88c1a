#include "wallet/journal_pager.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "wallet/accounts.h"
#include "wallet/paging.h"
#include "wallet/record_io.h"
#include "base/status_macros.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::TransferRecord;
using Entries = google::protobuf::RepeatedPtrField<v1::JournalEntry>;

// A system account's page reads at most this many transfers of the global
// journal, so that one call never walks the whole journal for an account
// that rarely moves.
constexpr int kMaxTransfersScannedPerPage = 200'000;

absl::Status MalformedPosition() {
  return absl::InvalidArgumentError("page_token does not belong to this account's history");
}

absl::StatusOr<uint64_t> SeqOf(absl::string_view position) {
  if (position.size() != 8) return MalformedPosition();
  return DecodeBigEndian64(position);
}

int64_t DeltaFor(const TransferRecord& transfer, absl::string_view account) {
  return transfer.debit_account() == account ? -transfer.amount_paise() : transfer.amount_paise();
}

// ReadWalletPage follows a meter wallet's chain of transfers, newest first.
absl::Status ReadWalletPage(const Store& store, const Store::Snapshot* at,
                            absl::string_view account, absl::string_view meter_id,
                            int32_t page_size, absl::string_view position, Entries* entries,
                            std::string* next_position) {
  uint64_t seq = 0;
  if (!position.empty()) {
    WALLET_ASSIGN_OR_RETURN(seq, SeqOf(position));
  } else {
    WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::MeterState> state,
                            ReadMeterState(store, meter_id, at));
    if (!state) return absl::OkStatus();
    seq = state->last_seq();
  }
  for (bool first = true; seq != 0 && entries->size() < page_size; first = false) {
    WALLET_ASSIGN_OR_RETURN(
        std::optional<TransferRecord> transfer,
        ReadRecord<TransferRecord>(store, Table::kJournal, BigEndian64(seq), "transfer", at));
    if (!transfer ||
        (transfer->debit_account() != account && transfer->credit_account() != account)) {
      // Positions are authenticated, and a wallet's tokens are bound to it:
      // off the chain means a broken store.
      if (first && !position.empty()) return MalformedPosition();
      return absl::InternalError(absl::StrCat("broken transfer chain of ", account, " at ", seq));
    }
    v1::JournalEntry& entry = *entries->Add();
    entry.set_account(std::string(account));
    entry.set_delta_paise(DeltaFor(*transfer, account));
    entry.set_balance_after_paise(transfer->wallet_balance_after());
    seq = transfer->wallet_prev_seq();
    *entry.mutable_transfer() = ToWire(*std::move(transfer));
  }
  if (seq != 0) *next_position = BigEndian64(seq);
  return absl::OkStatus();
}

// ReadIndexedPage pages an account with an account_journal index.
absl::Status ReadIndexedPage(const Store& store, const Store::Snapshot* at,
                             absl::string_view account, int32_t page_size,
                             absl::string_view position, Entries* entries,
                             std::string* next_position) {
  const std::string prefix = KeyPrefix(account);
  if (!position.empty() && !absl::StartsWith(position, prefix)) return MalformedPosition();
  WALLET_ASSIGN_OR_RETURN(
      *next_position,
      ScanPage(store, Table::kAccountJournal, prefix, position, /*reverse=*/true, page_size,
               page_size, [&](absl::string_view, absl::string_view value) -> absl::StatusOr<bool> {
                 WALLET_ASSIGN_OR_RETURN(*entries->Add(), ReadEntry(store, account, value, at));
                 return true;
               },
               at));
  return absl::OkStatus();
}

// SystemBalanceAfter returns a system account's balance right after its
// transfer `seq`: the ledger's nearest mark at or after `seq` (or, with none,
// `balance`, the balance now) less the account's transfers since `seq`. A
// mark is written per commit group, so that is at most one group's journal.
absl::StatusOr<int64_t> SystemBalanceAfter(const Store& store, const Store::Snapshot* at,
                                           absl::string_view account, uint64_t seq,
                                           int64_t balance) {
  std::optional<uint64_t> mark_seq;
  int64_t mark = balance;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kSystemBalances, KeyPrefix(account), SystemBalanceKey(account, seq), false,
      [&](absl::string_view key, absl::string_view value) {
        mark_seq = DecodeBigEndian64(key.substr(key.size() - 8));
        mark = DecodeBalance(value);
        return false;
      },
      at));
  // Taken back in 128 bits: in range at both ends, but a sum in between
  // need not be.
  __int128 after = mark;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kJournal, "", BigEndian64(seq + 1), false,
      [&](absl::string_view key, absl::string_view value) {
        if (mark_seq && DecodeBigEndian64(key) > *mark_seq) return false;
        auto transfer = ParseRecord<TransferRecord>(value, "transfer");
        if (!transfer.ok()) {
          status = transfer.status();
          return false;
        }
        if (transfer->debit_account() == account || transfer->credit_account() == account) {
          after -= DeltaFor(*transfer, account);
        }
        return true;
      },
      at));
  WALLET_RETURN_IF_ERROR(status);
  return static_cast<int64_t>(after);
}

// ReadSystemPage pages a system account's transfers out of the global
// journal, newest first, below the position's seq.
absl::Status ReadSystemPage(const Store& store, const Store::Snapshot* at,
                            absl::string_view account, int64_t balance, int32_t page_size,
                            absl::string_view position, Entries* entries,
                            std::string* next_position) {
  uint64_t below = 0;  // 0: from the newest
  if (!position.empty()) {
    WALLET_ASSIGN_OR_RETURN(below, SeqOf(position));
    if (below <= 1) return MalformedPosition();
  }
  int scanned = 0;
  uint64_t last_seq = 0;
  bool more = false;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kJournal, "", below == 0 ? "" : BigEndian64(below - 1), /*reverse=*/true,
      [&](absl::string_view key, absl::string_view value) {
        if (entries->size() >= page_size || ++scanned > kMaxTransfersScannedPerPage) {
          more = true;
          return false;
        }
        last_seq = DecodeBigEndian64(key);
        auto transfer = ParseRecord<TransferRecord>(value, "transfer");
        if (!transfer.ok()) {
          status = transfer.status();
          return false;
        }
        if (transfer->debit_account() != account && transfer->credit_account() != account) {
          return true;
        }
        v1::JournalEntry* entry = entries->Add();
        entry->set_account(std::string(account));
        entry->set_delta_paise(DeltaFor(*transfer, account));
        *entry->mutable_transfer() = ToWire(*std::move(transfer));
        return true;
      },
      at));
  WALLET_RETURN_IF_ERROR(status);
  if (!entries->empty()) {
    // The newest transfer of the first page is the account's newest: its
    // balance after is the balance now.
    int64_t running = balance;
    if (below != 0) {
      WALLET_ASSIGN_OR_RETURN(running, SystemBalanceAfter(store, at, account,
                                                          entries->Get(0).transfer().seq(),
                                                          balance));
    }
    for (v1::JournalEntry& entry : *entries) {
      entry.set_balance_after_paise(running);
      running -= entry.delta_paise();
    }
  }
  if (more && last_seq > 1) *next_position = BigEndian64(last_seq);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JournalEntry> ReadEntry(const Store& store, absl::string_view account,
                                           absl::string_view value, const Store::Snapshot* at) {
  WALLET_ASSIGN_OR_RETURN(store::v1::JournalEntryRecord stored,
                          ParseRecord<store::v1::JournalEntryRecord>(value, "journal entry"));
  WALLET_ASSIGN_OR_RETURN(std::optional<TransferRecord> transfer,
                          ReadRecord<TransferRecord>(store, Table::kJournal,
                                                     BigEndian64(stored.transfer().seq()),
                                                     "transfer", at));
  if (!transfer) return absl::InternalError("journal entry without its transfer");
  v1::JournalEntry entry;
  *entry.mutable_transfer() = ToWire(*std::move(transfer));
  entry.set_account(std::string(account));
  entry.set_delta_paise(stored.delta_paise());
  entry.set_balance_after_paise(stored.balance_after_paise());
  return entry;
}

absl::Status ReadAccountPage(const Store& store, const Store::Snapshot* at,
                             absl::string_view account, int64_t balance, int32_t page_size,
                             absl::string_view position, Entries* entries,
                             std::string* next_position) {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    return ReadWalletPage(store, at, account, meter_id, page_size, position, entries,
                          next_position);
  }
  if (IsSystemAccount(account)) {
    return ReadSystemPage(store, at, account, balance, page_size, position, entries,
                          next_position);
  }
  return ReadIndexedPage(store, at, account, page_size, position, entries, next_position);
}

}  // namespace wallet
