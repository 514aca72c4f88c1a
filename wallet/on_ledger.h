// OnLedger: the writer's part of a Wallet call that hands its arguments to
// one Ledger method.
//
// A Wallet call queues its work for the writer (wallet/pipeline.h); the work
// runs on the ledger as it is when its group is applied, and a recovery
// (Wallet::Rebuild) may have replaced the ledger since the call. So the work
// holds the wallet's owning pointer by reference, never the Ledger itself.
//
// Thread safety: build the work on any thread; run it on the writer only.
//
// Example:
//   Mutate<v1::SetHoldResponse>(OnLedger<&Ledger::SetHold>(ledger_, std::move(req)),
//                               std::move(done));
#ifndef WALLET_ON_LEDGER_H_
#define WALLET_ON_LEDGER_H_

#include <memory>
#include <tuple>
#include <utility>

#include "wallet/ledger.h"
#include "wallet/txn.h"

namespace wallet {

// OnLedger returns a callable taking the group's Txn& that calls
// `(ledger->*op)(txn, args...)` and returns what it returns. It owns `args`;
// `ledger` is not owned and must outlive it.
template <auto op, typename... Args>
auto OnLedger(const std::unique_ptr<Ledger>& ledger, Args... args) {
  return [&ledger, args = std::make_tuple(std::move(args)...)](Txn& txn) {
    return std::apply([&](const auto&... arg) { return ((*ledger).*op)(txn, arg...); }, args);
  };
}

}  // namespace wallet

#endif  // WALLET_ON_LEDGER_H_
