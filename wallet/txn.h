// Txn: one group of operations that the writer applies together and that is
// committed in one batch (wallet/pipeline.h).
//
// Every part of the ledger that changes state takes the Txn of the group it
// works in: writes go into `batch`, reads of the group's own writes come back
// through it, and `now` is the group's time (never earlier than the previous
// group's), the only time the ledger knows.
//
// Thread safety: a Txn belongs to the writer thread for the length of one
// group. It owns nothing.
#ifndef WALLET_TXN_H_
#define WALLET_TXN_H_

#include "absl/time/time.h"
#include "wallet/store.h"

namespace wallet {

struct Txn {
  Batch* batch;
  absl::Time now;
};

}  // namespace wallet

#endif  // WALLET_TXN_H_
