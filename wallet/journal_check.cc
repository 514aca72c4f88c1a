#include "wallet/journal_check.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/journal.h"
#include "wallet/record_io.h"

namespace wallet {
namespace {

bool FitsInt64(__int128 v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

// FormatWide prints a 128-bit integer in decimal (absl::StrCat has no
// overload for the compiler's __int128).
std::string FormatWide(__int128 v) {
  if (FitsInt64(v)) return absl::StrCat(static_cast<int64_t>(v));
  const bool negative = v < 0;
  unsigned __int128 magnitude =
      negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  for (; magnitude != 0; magnitude /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
  }
  return negative ? "-" + digits : digits;
}

}  // namespace

absl::StatusOr<v1::CheckLedgerResponse> CheckJournal(const Store& store) {
  // Sums in 128 bits: no sum of int64 balances can wrap, so a balance that
  // left int64 (or a sum that is not zero) cannot hide behind a wrap-around.
  using Wide = __int128;
  absl::flat_hash_map<std::string, Wide> rebuilt;
  absl::flat_hash_map<std::string, uint64_t> wallet_heads;  // meter id -> newest seq
  Wide duty_in_charges = 0;
  v1::CheckLedgerResponse response;
  absl::Status status;
  uint64_t expected_seq = 1;
  // One snapshot for both scans: a commit between them is not a mismatch.
  const auto snapshot = store.TakeSnapshot();
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kJournal, "", "", false,
      [&](absl::string_view, absl::string_view value) {
        auto transfer = ParseRecord<store::v1::TransferRecord>(value, "transfer");
        if (!transfer.ok()) {
          status = transfer.status();
          return false;
        }
        if (transfer->seq() != expected_seq++ || transfer->amount_paise() <= 0 ||
            transfer->duty_paise() < 0 || transfer->duty_paise() > transfer->amount_paise()) {
          response.add_mismatched_accounts(absl::StrCat("transfer #", transfer->seq()));
        }
        duty_in_charges += transfer->duty_paise();
        const Wide debit_after = rebuilt[transfer->debit_account()] -= transfer->amount_paise();
        const Wide credit_after = rebuilt[transfer->credit_account()] += transfer->amount_paise();
        // A meter wallet's history chain must link every one of its transfers.
        absl::string_view meter_id;
        const bool debit_wallet = MeterOfAccount(transfer->debit_account(), &meter_id);
        if (debit_wallet || MeterOfAccount(transfer->credit_account(), &meter_id)) {
          uint64_t& head = wallet_heads[meter_id];
          if (transfer->wallet_prev_seq() != head ||
              transfer->wallet_balance_after() != (debit_wallet ? debit_after : credit_after)) {
            response.add_mismatched_accounts(absl::StrCat("chain at transfer #", transfer->seq()));
          }
          head = transfer->seq();
        }
        response.set_transfers(response.transfers() + 1);
        return true;
      },
      snapshot.get()));
  WALLET_RETURN_IF_ERROR(status);
  // Every paisa of duty inside a charge has been swept to the duty account.
  if (rebuilt[kDuty] != duty_in_charges) {
    response.add_mismatched_accounts(
        absl::StrCat(kDuty, " (", FormatWide(duty_in_charges), " paise of duty in charges)"));
  }
  Wide sum = 0;
  auto check = [&](absl::string_view account, int64_t stored) {
    sum += stored;
    auto it = rebuilt.find(account);
    const Wide expected = it == rebuilt.end() ? 0 : it->second;
    if (it != rebuilt.end()) rebuilt.erase(it);
    if (!FitsInt64(expected)) response.add_out_of_range_accounts(std::string(account));
    if (stored != expected) response.add_mismatched_accounts(std::string(account));
    response.set_accounts(response.accounts() + 1);
  };
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kAccounts, "", "", false,
      [&](absl::string_view key, absl::string_view value) {
        check(key, DecodeBalance(value));
        return true;
      },
      snapshot.get()));
  // Meter wallets keep their balance in the meter state.
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kMeterState, "", "", false,
      [&](absl::string_view key, absl::string_view value) {
        auto state = ParseRecord<store::v1::MeterState>(value, "meter state");
        if (!state.ok()) {
          status = state.status();
          return false;
        }
        check(MeterAccount(key), state->balance_paise());
        auto head = wallet_heads.find(key);
        if (state->last_seq() != (head == wallet_heads.end() ? 0 : head->second)) {
          response.add_mismatched_accounts(absl::StrCat("chain head of ", key));
        }
        return true;
      },
      snapshot.get()));
  WALLET_RETURN_IF_ERROR(status);
  // Accounts the journal moved money through but that have no stored balance.
  for (const auto& [account, balance] : rebuilt) {
    if (!FitsInt64(balance)) response.add_out_of_range_accounts(account);
    if (balance != 0) response.add_mismatched_accounts(account);
  }
  // The sum of int64 balances; one that does not fit is reported at the
  // nearest int64 (it is not zero either way).
  response.set_sum_paise(static_cast<int64_t>(std::clamp<Wide>(
      sum, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())));
  response.set_ok(sum == 0 && response.mismatched_accounts().empty() &&
                  response.out_of_range_accounts().empty());
  return response;
}

}  // namespace wallet
