#include "meter-gateway/sim/meter_security.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/hmac.h"

namespace meter_sim {
namespace {

std::string DeriveKey(absl::string_view master_secret, absl::string_view label,
                      absl::string_view meter_id) {
  return absl::HexStringToBytes(base::HmacSha256Hex(master_secret, absl::StrCat(label, meter_id)))
      .substr(0, dlms::kSecurityKeySize);
}

}  // namespace

MeterKeys DeriveMeterKeys(absl::string_view master_secret, absl::string_view meter_id, int index) {
  MeterKeys keys;
  keys.keys.encryption_key = DeriveKey(master_secret, "EK:", meter_id);
  keys.keys.authentication_key = DeriveKey(master_secret, "AK:", meter_id);
  keys.system_title = "SIM";
  const uint64_t serial = static_cast<uint64_t>(index) + 1;
  for (int shift = 32; shift >= 0; shift -= 8) {
    keys.system_title.push_back(static_cast<char>((serial >> shift) & 0xFF));
  }
  return keys;
}

MeterSecurity::MeterSecurity(std::string master_secret, int meters)
    : master_secret_(std::move(master_secret)),
      next_counter_(new std::atomic<uint32_t>[static_cast<size_t>(meters)]) {
  for (int i = 0; i < meters; ++i) next_counter_[i].store(1, std::memory_order_relaxed);
}

uint32_t MeterSecurity::FirstCounterOfNextAssociation(int index) {
  return next_counter_[index].fetch_add(kCountersPerAssociation, std::memory_order_relaxed);
}

}  // namespace meter_sim
