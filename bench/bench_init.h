// InitBench: the start of every benchmark's main.
#ifndef BENCH_BENCH_INIT_H_
#define BENCH_BENCH_INIT_H_

#include "absl/flags/parse.h"
#include "base/lock_checks.h"

namespace wallet::bench {

// InitBench parses the command line (exiting on a bad flag, as Abseil does)
// and turns off the lock-cycle detector, as walletd does, so that the client's
// CPU is spent on the load and not on Abseil's checks. Call it first in main,
// before any thread starts.
inline void InitBench(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  base::IgnoreLockCycles();
}

}  // namespace wallet::bench

#endif  // BENCH_BENCH_INIT_H_
