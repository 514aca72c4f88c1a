// Account histories, newest first, one page at a time, read from the store
// (as of one snapshot when given). Each kind of account keeps its history
// its own way, chosen for the write path:
//   * a meter wallet is a chain through the journal: each transfer names the
//     wallet's previous one and its balance after (TransferRecord);
//   * retailer floats and arrears have an index, account_journal, whose
//     entries carry the balance after;
//   * system accounts move on nearly every request and have no index: their
//     history is the global journal filtered by account, and balance_after
//     is worked out from the balance the ledger marks for each system
//     account once per commit group (system_balances), never from a client.
// The keys and the balance encoding are the journal's (wallet/journal.h).
//
// A page starts at a position (a seq or an index key) that an earlier page
// handed out; callers wrap positions in authenticated page tokens
// (wallet/paging.h) and check them before they get here.
#ifndef WALLET_JOURNAL_PAGES_H_
#define WALLET_JOURNAL_PAGES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "wallet/journal.h"
#include "wallet/store.h"
#include "wallet/v1/common.pb.h"

namespace wallet {

// ReadEntry parses a stored account_journal entry of `account` and joins its
// transfer back in from the journal. Internal if either is corrupt or missing.
absl::StatusOr<v1::JournalEntry> ReadEntry(const Store& store, absl::string_view account,
                                           absl::string_view value,
                                           const Store::Snapshot* at = nullptr);

// ReadAccountPage appends up to `page_size` entries of `account` to
// `entries`, newest first, from `position` (empty: the newest), and sets
// `*next_position` to where the next page starts, or "" after the oldest.
// `balance` is the account's balance as of `at`. A system account's page
// reads at most 200,000 transfers of the global journal and may then end
// early, with fewer entries (or none) and a next position.
// Errors: InvalidArgument for a position that is not on the account's
// history; Internal for a corrupt store.
absl::Status ReadAccountPage(const Store& store, const Store::Snapshot* at,
                             absl::string_view account, int64_t balance, int32_t page_size,
                             absl::string_view position,
                             google::protobuf::RepeatedPtrField<v1::JournalEntry>* entries,
                             std::string* next_position);

}  // namespace wallet

#endif  // WALLET_JOURNAL_PAGES_H_
