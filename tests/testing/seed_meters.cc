#include "tests/testing/seed_meters.h"

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace wallet::testing {

absl::Status SeedMeters(const WalletOptions& options, int64_t count,
                        const std::function<v1::RegisterMeterRequest(int64_t)>& make,
                        int in_flight) {
  base::SystemClock clock;
  WalletOptions seeding = options;
  seeding.tick_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Wallet>> wallet = Wallet::Open(seeding, &clock);
  if (!wallet.ok()) return wallet.status();
  struct Progress {
    int pending = 0;
    int limit = 0;
    absl::Status first_error;
  };
  absl::Mutex mu;
  Progress progress;
  progress.limit = in_flight;
  auto has_room = +[](Progress* p) { return p->pending < p->limit; };
  auto all_done = +[](Progress* p) { return p->pending == 0; };
  for (int64_t i = 0; i < count; ++i) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(has_room, &progress));
      if (!progress.first_error.ok()) break;
      ++progress.pending;
    }
    (*wallet)->RegisterMeter(make(i), [&](absl::StatusOr<v1::RegisterMeterResponse> done) {
      absl::MutexLock lock(&mu);
      --progress.pending;
      if (!done.ok() && progress.first_error.ok()) progress.first_error = done.status();
    });
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(all_done, &progress));
  return progress.first_error;
}

}  // namespace wallet::testing
