#include "api/lock_checks.h"

#include "absl/synchronization/mutex.h"

namespace api {

void IgnoreLockCycles() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace api
