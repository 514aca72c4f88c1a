// Process-wide settings of Abseil's synchronization that every program here
// (servers and benchmark clients) wants.
#ifndef BASE_LOCK_CHECKS_H_
#define BASE_LOCK_CHECKS_H_

namespace base {

// IgnoreLockCycles turns off Abseil's lock-order cycle detector, which
// Debian's build of Abseil runs on every Mutex acquisition. It cost ~1 % of
// walletd's writer and ~6 % of the recharge benchmark client's CPU (which the
// client shares with walletd), and it only guards against lock-order bugs
// that the tests would show. Call at the start of main, before any thread;
// not thread-safe with respect to threads already taking locks.
void IgnoreLockCycles();

}  // namespace base

#endif  // BASE_LOCK_CHECKS_H_
