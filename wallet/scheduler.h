// DueScheduler: when the ledger must next look at each meter on its own, with
// no request about it (the end of a no-cutoff window, the next notice day, a
// relay command to order again), earliest first.
//
// Each scheduled id keeps its own due time (0: not scheduled) in the caller's
// record and passes it in: rescheduling a meter whose due time did not change
// costs one comparison, and no lookup.
//
// Thread safety: none; the ledger's writer thread owns it.
//
// Example:
//   scheduler.Schedule(meter_id, entry.due_us, NextPolicyDue(...));
//   while (std::optional<std::string> id = scheduler.PopDue(now_us)) { ... }
#ifndef WALLET_SCHEDULER_H_
#define WALLET_SCHEDULER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace wallet {

class DueScheduler final {
 public:
  // Schedule moves `id` from its due time `due_us` (0: none) to `next_us`
  // (0: none) and sets `due_us` to `next_us`.
  void Schedule(absl::string_view id, int64_t& due_us, int64_t next_us);

  // PopDue removes the earliest entry due at or before `now_us` and returns
  // its id, or nullopt when none is due. The caller sets its copy of the
  // id's due time to 0.
  std::optional<std::string> PopDue(int64_t now_us);

  size_t size() const { return due_.size(); }

 private:
  // (due time, id), earliest first.
  std::set<std::pair<int64_t, std::string>> due_;
};

}  // namespace wallet

#endif  // WALLET_SCHEDULER_H_
