#include "base/lock_checks.h"

#include "absl/synchronization/mutex.h"

namespace base {

void IgnoreLockCycles() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace base
