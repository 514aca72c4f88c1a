#include "wallet/journal.h"

#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/money.h"
#include "wallet/record_io.h"

namespace wallet {

using store::v1::TransferRecord;

std::string EncodeBalance(int64_t balance) { return BigEndian64(static_cast<uint64_t>(balance)); }

int64_t DecodeBalance(absl::string_view bytes) {
  return static_cast<int64_t>(DecodeBigEndian64(bytes));
}

std::string AccountJournalKey(absl::string_view account, int64_t time_us, uint64_t seq) {
  // One StrCat: this key is written on the hot path (retailer recharges).
  return absl::StrCat(account, absl::string_view("\0", 1),
                      BigEndian64(static_cast<uint64_t>(time_us)), BigEndian64(seq));
}

std::string JournalKeyAt(absl::string_view account, absl::Time t) {
  return absl::StrCat(KeyPrefix(account),
                      BigEndian64(static_cast<uint64_t>(absl::ToUnixMicros(t))));
}

std::string SystemBalanceKey(absl::string_view account, uint64_t seq) {
  return absl::StrCat(KeyPrefix(account), BigEndian64(seq));
}

absl::Status Journal::Load(const Store& store) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> last_seq, store.LastKey(Table::kJournal));
  if (last_seq) next_seq_ = DecodeBigEndian64(*last_seq) + 1;
  return store.Scan(Table::kAccounts, "", "", false,
                    [&](absl::string_view key, absl::string_view value) {
                      balances_[key] = DecodeBalance(value);
                      return true;
                    });
}

int64_t Journal::Balance(absl::string_view account) const {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    const MeterEntry* m = meters_->Find(meter_id);
    return m == nullptr ? 0 : m->state.balance_paise();
  }
  auto it = balances_.find(account);
  return it == balances_.end() ? 0 : it->second;
}

absl::Status Journal::CheckRange(std::initializer_list<Move> moves) const {
  for (auto it = moves.begin(); it != moves.end(); ++it) {
    // Each account once, at its first move that moves anything.
    bool seen = it->delta == 0;
    for (auto before = moves.begin(); before != it && !seen; ++before) {
      seen = before->delta != 0 && before->account == it->account;
    }
    if (seen) continue;
    // Posted in any order, the balance stays between these two.
    const __int128 balance = Balance(it->account);
    __int128 lowest = balance;
    __int128 highest = balance;
    for (auto move = it; move != moves.end(); ++move) {
      if (move->account != it->account) continue;
      (move->delta < 0 ? lowest : highest) += move->delta;
    }
    if (lowest < std::numeric_limits<int64_t>::min() ||
        highest > std::numeric_limits<int64_t>::max()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the balance of ", it->account, " (", FormatRupees(Balance(it->account)),
                       ") would leave the range the ledger can hold; nothing was changed"));
    }
  }
  return absl::OkStatus();
}

TransferRecord Journal::NewTransfer(Txn& txn, v1::TransferType type, const std::string& debit,
                                    const std::string& credit, int64_t amount,
                                    const std::string& request_ref, const std::string& memo) {
  TransferRecord transfer;
  transfer.set_seq(next_seq_++);
  transfer.set_time_us(absl::ToUnixMicros(txn.now));
  transfer.set_type(type);
  transfer.set_debit_account(debit);
  transfer.set_credit_account(credit);
  transfer.set_amount_paise(amount);
  transfer.set_request_ref(request_ref);
  transfer.set_memo(memo);
  return transfer;
}

void Journal::PutTransfer(Txn& txn, const TransferRecord& transfer) {
  txn.batch->Put(Table::kJournal, BigEndian64(transfer.seq()), transfer.SerializeAsString());
}

TransferRecord Journal::Post(Txn& txn, v1::TransferType type, const std::string& debit,
                             const std::string& credit, int64_t amount,
                             const std::string& request_ref, const std::string& memo) {
  TransferRecord transfer = NewTransfer(txn, type, debit, credit, amount, request_ref, memo);
  ApplyToAccount(txn, transfer, debit, -amount);
  ApplyToAccount(txn, transfer, credit, amount);
  PutTransfer(txn, transfer);
  return transfer;
}

void Journal::PostCharge(Txn& txn, v1::TransferType type, MeterEntry& m, int64_t amount,
                         int64_t duty, const std::string& request_ref, const std::string& memo) {
  const std::string revenue(kRevenue);
  TransferRecord transfer =
      NewTransfer(txn, type, MeterAccount(m.meter.meter_id()), revenue, amount, request_ref, memo);
  transfer.set_duty_paise(duty);
  ApplyToWallet(m, transfer, -amount);
  ApplyToAccount(txn, transfer, revenue, amount);
  PutTransfer(txn, transfer);
  pending_duty_paise_ += duty;
}

void Journal::SweepDuty(Txn& txn, const std::string& request_ref) {
  if (pending_duty_paise_ == 0) return;
  Post(txn, v1::ELECTRICITY_DUTY, std::string(kRevenue), std::string(kDuty), pending_duty_paise_,
       request_ref, "electricity duty charged by this batch of readings");
  pending_duty_paise_ = 0;
}

void Journal::OpenAccount(Txn& txn, const std::string& account) {
  balances_[account] = 0;
  txn.batch->Put(Table::kAccounts, account, EncodeBalance(0));
}

void Journal::ApplyToAccount(Txn& txn, TransferRecord& transfer, const std::string& account,
                             int64_t delta) {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    MeterEntry* m = meters_->Find(meter_id);
    CHECK(m != nullptr) << "transfer on unregistered " << account;
    ApplyToWallet(*m, transfer, delta);
    return;
  }
  dirty_.insert(account);
  int64_t& balance = balances_[account];
  CHECK(!AddOverflows(balance, delta))
      << "transfer #" << transfer.seq() << " would overflow " << account << " (" << balance << " + "
      << delta << "): an operation posted without CheckRange";
  balance += delta;
  PutJournalEntry(txn, transfer, account, delta, balance);
}

void Journal::ApplyToWallet(MeterEntry& m, TransferRecord& transfer, int64_t delta) {
  store::v1::MeterState& st = m.state;
  CHECK(!AddOverflows(st.balance_paise(), delta))
      << "transfer #" << transfer.seq() << " would overflow meter:" << m.meter.meter_id()
      << ": an operation posted without CheckRange";
  st.set_balance_paise(st.balance_paise() + delta);
  transfer.set_wallet_prev_seq(st.last_seq());
  transfer.set_wallet_balance_after(st.balance_paise());
  st.set_last_seq(transfer.seq());
  meters_->Touch(m);
}

void Journal::PutJournalEntry(Txn& txn, const TransferRecord& transfer, const std::string& account,
                              int64_t delta, int64_t balance_after) {
  // System accounts move on nearly every request; their history is the
  // global journal filtered by account (wallet/journal_pager.h), not an index
  // that would double the hot path's writes. Meter wallets chain their
  // transfers instead (TransferRecord.wallet_prev_seq).
  if (IsSystemAccount(account)) return;
  // The entry refers to the transfer by seq instead of copying it: readers
  // join it back from the journal, and the hot path writes a third as much.
  store::v1::JournalEntryRecord entry;
  entry.mutable_transfer()->set_seq(transfer.seq());
  entry.set_delta_paise(delta);
  entry.set_balance_after_paise(balance_after);
  txn.batch->Put(Table::kAccountJournal,
                 AccountJournalKey(account, transfer.time_us(), transfer.seq()),
                 entry.SerializeAsString());
}

void Journal::FinishGroup(Txn& txn) {
  DCHECK_EQ(pending_duty_paise_, 0) << "duty charged outside IngestReadings";
  // A balance that moved many times in one group is written once. A system
  // account's is also written as of the group's last transfer: its history
  // pages, read out of the global journal, start from the nearest such mark
  // (SystemBalanceKey) instead of adding up the journal from the newest.
  for (const std::string& account : dirty_) {
    const std::string balance = EncodeBalance(balances_[account]);
    txn.batch->Put(Table::kAccounts, account, balance);
    if (IsSystemAccount(account)) {
      txn.batch->Put(Table::kSystemBalances, SystemBalanceKey(account, next_seq_ - 1), balance);
    }
  }
  dirty_.clear();
}

}  // namespace wallet
