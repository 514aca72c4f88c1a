// MeterDirectory: how the gateway reaches each meter (address, logical
// device, client SAP and password), loaded from a CSV file that the utility's
// head-end exports (meter-sim writes one for its fleet):
//
//   # meter_id,host,port,server_wport,client_wport,password
//   SIM000001,127.16.1.1,4059,1,32,12345678
//
// Lines starting with '#' and blank lines are skipped. An empty password
// means lowest-level security (public client).
#ifndef METER_GATEWAY_GATEWAY_DIRECTORY_H_
#define METER_GATEWAY_GATEWAY_DIRECTORY_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/client.h"

namespace meter_gateway {

using MeterDirectory = absl::flat_hash_map<std::string, dlms::MeterEndpoint>;

// ParseMeterDirectory parses the CSV text. InvalidArgument naming the line for
// a wrong field count, a bad number, an empty id or a duplicate meter id.
absl::StatusOr<MeterDirectory> ParseMeterDirectory(absl::string_view text);

// LoadMeterDirectory reads and parses a file; NotFound if it cannot be read.
absl::StatusOr<MeterDirectory> LoadMeterDirectory(const std::string& path);

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_DIRECTORY_H_
