// How meter-sim names its meters and where each one answers.
//
// Meter i (0-based) is "<prefix><i + 1, six digits>" (SIM000001 ...) and
// answers DLMS on its own IPv4 loopback address:
//
//   127.(16 + i / 62500).(1 + (i / 250) % 250).(1 + i % 250)
//
// i.e. 250 x 250 meters per second octet, octets 1-250 only (never .0 or
// .255, which some tools treat as network or broadcast addresses), second
// octets 16-31 (clear of 127.0.0.1 and of the 127.0.x.x addresses other
// test tools like to use). Linux routes the whole of 127.0.0.0/8 to the
// loopback interface, so one listening socket on 0.0.0.0 (or 127.0.0.0/8
// routes) receives them all and getsockname() on an accepted socket tells
// which meter the client dialled. At most kMaxMeters meters (six digits).
//
// Example:
//   MeterAddress(0)      == "127.16.1.1"
//   MeterAddress(62500)  == "127.17.1.1"
//   MeterIndexFromAddress(0x7F100101) == 0
#ifndef METER_GATEWAY_SIM_ADDRESS_H_
#define METER_GATEWAY_SIM_ADDRESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meter_sim {

constexpr int kMaxMeters = 999'999;

// MeterId returns "<prefix><index + 1 as six digits>".
std::string MeterId(absl::string_view prefix, int index);

// MeterIndexFromId parses an id made by MeterId; nullopt for anything else
// (other prefix, not exactly six digits, 000000). The caller checks the
// index against the fleet size.
std::optional<int> MeterIndexFromId(absl::string_view prefix, absl::string_view meter_id);

// ParseMeterIdList splits a list of meter ids, as given on the command line
// or in a file: ids separated by commas, spaces, tabs or new lines; `#`
// starts a comment that runs to the end of its line; empty items are
// skipped. The ids are not checked.
//   ParseMeterIdList("SIM000003, SIM000010\n# shops\nSIM000042") ==
//       {"SIM000003", "SIM000010", "SIM000042"}
std::vector<std::string> ParseMeterIdList(absl::string_view text);

// MeterAddressHostOrder returns meter `index`'s IPv4 address in host byte
// order. `index` must be in [0, kMaxMeters).
uint32_t MeterAddressHostOrder(int index);

// MeterAddress returns the dotted form, e.g. "127.16.1.1".
std::string MeterAddress(int index);

// MeterIndexFromAddress inverts MeterAddressHostOrder; nullopt for an
// address outside the scheme. The caller checks the index against the fleet.
std::optional<int> MeterIndexFromAddress(uint32_t host_order_address);

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_ADDRESS_H_
