// Wallet::Mutate, the queueing of a mutation on the writer, for the files
// that define the wallet's mutations (wallet.cc, wallet_sign_in.cc). Not for
// other includes: it is part of Wallet's implementation.
#ifndef WALLET_WALLET_MUTATE_H_
#define WALLET_WALLET_MUTATE_H_

#include <memory>
#include <utility>

#include "wallet/wallet.h"

namespace wallet {

template <typename Response, typename ApplyFn>
void Wallet::Mutate(ApplyFn apply, Callback<Response> done) {
  if (!gate_.writable()) {
    done(gate_.Refusal());
    return;
  }
  const bool queued = pipeline_->Submit(
      [apply = std::move(apply), done](Txn* txn) mutable -> CommitPipeline::Completion {
        if (txn == nullptr) {
          return [done = std::move(done)](const absl::Status& refused) { done(refused); };
        }
        auto result = std::make_shared<absl::StatusOr<Response>>(apply(*txn));
        return [result, done = std::move(done)](const absl::Status& committed) {
          if (!committed.ok()) {
            done(committed);
          } else {
            done(std::move(*result));
          }
        };
      });
  if (!queued) done(absl::UnavailableError("the wallet is shutting down"));
}

}  // namespace wallet

#endif  // WALLET_WALLET_MUTATE_H_
