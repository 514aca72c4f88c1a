#include "meter-gateway/gateway/directory.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meter_gateway {
namespace {

bool ParsePort(absl::string_view text, uint16_t* out) {
  uint32_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v > 0xFFFF) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

absl::StatusOr<MeterDirectory> ParseMeterDirectory(absl::string_view text) {
  MeterDirectory directory;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, ',');
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("meter directory line ", line_number, ": ", why));
    };
    if (f.size() != 6) return bad("want meter_id,host,port,server_wport,client_wport,password");
    dlms::MeterEndpoint endpoint;
    endpoint.host = std::string(f[1]);
    endpoint.password = std::string(f[5]);
    if (f[0].empty() || endpoint.host.empty()) return bad("empty meter id or host");
    if (!ParsePort(f[2], &endpoint.port) || endpoint.port == 0) return bad("bad port");
    if (!ParsePort(f[3], &endpoint.server_wport)) return bad("bad server wPort");
    if (!ParsePort(f[4], &endpoint.client_wport)) return bad("bad client wPort");
    if (!directory.emplace(std::string(f[0]), std::move(endpoint)).second) {
      return bad(absl::StrCat("meter ", f[0], " listed twice"));
    }
  }
  return directory;
}

absl::StatusOr<MeterDirectory> LoadMeterDirectory(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read meter directory ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseMeterDirectory(text.str());
}

}  // namespace meter_gateway
