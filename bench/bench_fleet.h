// BenchFleetOptions: the fleet that relay_bench and drive_bench start over
// walletd, meter-gatewayd and meter-sim as real processes (the paths come
// from the bench target's WALLETD_PATH, METER_SIM_PATH, METER_GATEWAYD_PATH).
#ifndef BENCH_BENCH_FLEET_H_
#define BENCH_BENCH_FLEET_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "tests/testing/meter_fleet.h"

namespace wallet::testing {

// BenchFleetOptions is a fleet of `meters` simulated meters that draw no load,
// under `policy`, with a gateway of `concurrency` DLMS sessions that reads
// no meter on its own, and walletd writing no notification log: only the
// relay commands the bench orders load the processes.
FleetOptions BenchFleetOptions(int meters, int concurrency, std::string policy);

// BenchPolicy is the text of a policy for `utility` with no protected hours,
// notice, reconnection fee, restore threshold or grace, and
// `emergency_credit_paise` of emergency credit: the meters' relays move only
// when the bench says so.
std::string BenchPolicy(absl::string_view utility, int64_t emergency_credit_paise);

}  // namespace wallet::testing

#endif  // BENCH_BENCH_FLEET_H_
