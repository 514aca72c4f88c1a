// Process-wide setting shared by walletd, meter-gatewayd, meter-sim and the
// benchmark programs.
#ifndef API_LOCK_CHECKS_H_
#define API_LOCK_CHECKS_H_

namespace api {

// IgnoreLockCycles turns off Abseil's lock-order cycle detector, which
// Debian's build of Abseil runs on every Mutex acquisition. It cost ~1 % of
// walletd's writer and ~6 % of the recharge benchmark client's CPU (which the
// client shares with walletd), and it only guards against lock-order bugs
// that the tests would show. Call at the start of main, before any thread.
void IgnoreLockCycles();

}  // namespace api

#endif  // API_LOCK_CHECKS_H_
