// SeedMeters: fills a wallet store with many registered meters quickly, for
// benchmarks that start walletd on a utility-sized fleet (a million meters)
// without a million RegisterMeter calls over gRPC.
//
// It opens the store in process (walletd must not be running on it) and
// registers the meters through the wallet's own RegisterMeter, many per
// group commit, so the store holds exactly what walletd would have written;
// walletd started on `options.data_dir` afterwards serves them.
//
// Example:
//   WalletOptions options;
//   options.data_dir = dir + "/db";
//   options.ledger.tariffs = ...;  // the tariff book walletd will start with
//   WALLET_RETURN_IF_ERROR(SeedMeters(options, 1'000'000, [](int64_t i) {
//     v1::RegisterMeterRequest req;  // request_id, meter, consumer of meter i
//     ...
//     return req;
//   }));
//
// Thread safety: call from one thread; `make` runs on it.
#ifndef TESTS_TESTING_SEED_METERS_H_
#define TESTS_TESTING_SEED_METERS_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/wallet.h"

namespace wallet::testing {

// SeedMeters registers meters 0 .. count-1 as `make` describes them, at
// most `in_flight` at a time. Returns the first refusal (a registration
// RegisterMeter refuses, e.g. a tariff not in `options.ledger.tariffs`) or
// the store's error; the meters registered before it stay registered.
absl::Status SeedMeters(const WalletOptions& options, int64_t count,
                        const std::function<v1::RegisterMeterRequest(int64_t)>& make,
                        int in_flight = 8192);

}  // namespace wallet::testing

#endif  // TESTS_TESTING_SEED_METERS_H_
