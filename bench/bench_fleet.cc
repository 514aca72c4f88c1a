#include "bench/bench_fleet.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wallet::testing {

FleetOptions BenchFleetOptions(int meters, int concurrency, std::string policy) {
  FleetOptions options;
  options.walletd = WALLETD_PATH;
  options.meter_sim = METER_SIM_PATH;
  options.gatewayd = METER_GATEWAYD_PATH;
  options.meters = meters;
  options.policy = std::move(policy);
  options.sim_args = {"--load_w=0"};
  options.walletd_args = {"--notification_log=none"};
  options.gateway_args = {absl::StrCat("--concurrency=", concurrency), "--read_interval=0"};
  return options;
}

std::string BenchPolicy(absl::string_view utility, int64_t emergency_credit_paise) {
  return absl::StrFormat(R"(
utility: "%s"
defaults {
  emergency_credit_paise: %d
  notice_days: 0
  reconnection_fee_paise: 0
  restore_threshold_paise: 0
  grace_days: 0
}
)",
                         utility, emergency_credit_paise);
}

}  // namespace wallet::testing
