// BenchFleetOptions: the fleet that relay_bench and drive_bench start over
// walletd, meter-gatewayd and meter-sim as real processes (the paths come
// from the bench target's WALLETD_PATH, METER_SIM_PATH, METER_GATEWAYD_PATH).
#ifndef BENCH_BENCH_FLEET_H_
#define BENCH_BENCH_FLEET_H_

#include <string>

#include "tests/testing/meter_fleet.h"

namespace wallet::testing {

// BenchFleetOptions is a fleet of `meters` simulated meters that draw no load,
// under `policy`, with a gateway of `concurrency` DLMS sessions that reads
// no meter on its own, and walletd writing no notification log: only the
// relay commands the bench orders load the processes.
FleetOptions BenchFleetOptions(int meters, int concurrency, std::string policy);

}  // namespace wallet::testing

#endif  // BENCH_BENCH_FLEET_H_
