// Security suite 0 for the simulated meters: each meter's keys and system
// title, derived from one master secret, and its invocation counter.
//
// Meter i with id ID (e.g. SIM000001) has
//   encryption key      = first 16 bytes of HMAC-SHA256(master, "EK:" ID)
//   authentication key  = first 16 bytes of HMAC-SHA256(master, "AK:" ID)
//   system title        = "SIM" followed by i + 1 in 5 bytes, big-endian
// so a test or the gateway's directory can hold the same keys without the
// simulator publishing them.
//
// Threads: every member may be called from any thread.
#ifndef METER_GATEWAY_SIM_METER_SECURITY_H_
#define METER_GATEWAY_SIM_METER_SECURITY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/security.h"

namespace meter_sim {

struct MeterKeys {
  dlms::SecurityKeys keys;
  std::string system_title;  // 8 bytes
};

// DeriveMeterKeys returns the keys and system title of meter `index` (0-based)
// with id `meter_id`.
MeterKeys DeriveMeterKeys(absl::string_view master_secret, absl::string_view meter_id, int index);

// Invocation counters per association: each HLS association of meter i
// takes a fresh block of kCountersPerAssociation counter values, so that no
// value repeats under the meter's keys while the simulator runs.
constexpr uint32_t kCountersPerAssociation = 1u << 16;

class MeterSecurity {
 public:
  // `master_secret` must not be empty; `meters` is the fleet size.
  MeterSecurity(std::string master_secret, int meters);

  MeterKeys KeysOf(absl::string_view meter_id, int index) const {
    return DeriveMeterKeys(master_secret_, meter_id, index);
  }

  // FirstCounterOfNextAssociation reserves meter `index`'s next block.
  uint32_t FirstCounterOfNextAssociation(int index);

 private:
  const std::string master_secret_;
  std::unique_ptr<std::atomic<uint32_t>[]> next_counter_;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_METER_SECURITY_H_
