// BulkHolds: relay_bench's bulk phase, which drive_bench runs too as the
// raw relay path it compares a drive with. Every meter of a list gets an
// admin hold at once (a fixed number of SetHold calls in flight), and the
// rate is the relay commands the gateway confirmed end to end (hold
// ordered, relay switched and read back, outcome reported to walletd) per
// second over the whole phase.
//
// Thread safety: call from one thread; it runs its own.
#ifndef BENCH_BULK_HOLDS_H_
#define BENCH_BULK_HOLDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/meter_fleet.h"
#include "wallet/v1/common.pb.h"

namespace wallet::testing {

struct BulkResult {
  double seconds = 0;          // first hold to last confirmation
  double holds_seconds = 0;    // first hold to last hold answered
  double confirmed_per_s = 0;  // meters / seconds
  // Cores each process used over the phase.
  double walletd_cores = 0;
  double gateway_cores = 0;
  double sim_cores = 0;
};

// BulkHolds sets `hold` on every meter of `meters`, `in_flight` calls at a
// time, and waits until the gateway has confirmed a command for each
// (gateway_relay_confirmed_total), at most `timeout`.
absl::StatusOr<BulkResult> BulkHolds(MeterFleet& fleet, const std::vector<std::string>& meters,
                                     v1::Hold hold, int in_flight,
                                     absl::Duration timeout = absl::Seconds(600));

}  // namespace wallet::testing

#endif  // BENCH_BULK_HOLDS_H_
