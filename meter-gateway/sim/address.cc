#include "meter-gateway/sim/address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace meter_sim {
namespace {

constexpr int kPerOctet = 250;
constexpr int kPerSecondOctet = kPerOctet * kPerOctet;  // 62500
constexpr int kFirstSecondOctet = 16;

}  // namespace

std::string MeterId(absl::string_view prefix, int index) {
  return absl::StrFormat("%s%06d", prefix, index + 1);
}

std::vector<std::string> ParseMeterIdList(absl::string_view text) {
  std::vector<std::string> ids;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = line.substr(0, line.find('#'));
    for (absl::string_view id : absl::StrSplit(line, absl::ByAnyChar(", \t\r"), absl::SkipEmpty())) {
      ids.emplace_back(id);
    }
  }
  return ids;
}

std::optional<int> MeterIndexFromId(absl::string_view prefix, absl::string_view meter_id) {
  if (!absl::StartsWith(meter_id, prefix)) return std::nullopt;
  absl::string_view digits = meter_id.substr(prefix.size());
  if (digits.size() != 6) return std::nullopt;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int number = 0;
  if (!absl::SimpleAtoi(digits, &number) || number < 1) return std::nullopt;
  return number - 1;
}

uint32_t MeterAddressHostOrder(int index) {
  const uint32_t b = static_cast<uint32_t>(kFirstSecondOctet + index / kPerSecondOctet);
  const uint32_t c = static_cast<uint32_t>(1 + (index / kPerOctet) % kPerOctet);
  const uint32_t d = static_cast<uint32_t>(1 + index % kPerOctet);
  return (127u << 24) | (b << 16) | (c << 8) | d;
}

std::string MeterAddress(int index) {
  const uint32_t a = MeterAddressHostOrder(index);
  return absl::StrFormat("%d.%d.%d.%d", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

std::optional<int> MeterIndexFromAddress(uint32_t host_order_address) {
  const int a = static_cast<int>(host_order_address >> 24);
  const int b = static_cast<int>((host_order_address >> 16) & 0xFF) - kFirstSecondOctet;
  const int c = static_cast<int>((host_order_address >> 8) & 0xFF) - 1;
  const int d = static_cast<int>(host_order_address & 0xFF) - 1;
  if (a != 127 || b < 0 || c < 0 || c >= kPerOctet || d < 0 || d >= kPerOctet) {
    return std::nullopt;
  }
  const int index = b * kPerSecondOctet + c * kPerOctet + d;
  if (index >= kMaxMeters) return std::nullopt;
  return index;
}

}  // namespace meter_sim
