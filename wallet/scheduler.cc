#include "wallet/scheduler.h"

namespace wallet {

void DueScheduler::Schedule(absl::string_view id, int64_t& due_us, int64_t next_us) {
  if (due_us == next_us) return;
  if (due_us != 0) due_.erase({due_us, std::string(id)});
  due_us = next_us;
  if (next_us != 0) due_.insert({next_us, std::string(id)});
}

std::optional<std::string> DueScheduler::PopDue(int64_t now_us) {
  if (due_.empty() || due_.begin()->first > now_us) return std::nullopt;
  return std::move(due_.extract(due_.begin()).value().second);
}

}  // namespace wallet
