// Meter status: what a consumer app shows for one meter (the balance, how
// much emergency credit is left, whether supply is on, cut or waiting for the
// button, which notice day it is and the earliest time supply may be cut,
// how many days the credit lasts).
//
// A pure function of a meter's stored state, its category's policy, the
// cutoff calendar and the time now: readers call it on committed state,
// apart from the ledger's writer. The earliest cut follows the policy's own
// rule (CutoffEligibleUs in wallet/prepaid_policy.h).
//
// Example:
//   const v1::CategoryPolicy& policy = PolicyFor(config, meter.category());
//   v1::GetBalanceResponse status =
//       MeterStatusOf(meter.meter_id(), state, policy, calendar, clock->Now());
#ifndef WALLET_METER_STATUS_H_
#define WALLET_METER_STATUS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/policy_config.h"
#include "wallet/prepaid_policy.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/policy.pb.h"

namespace wallet {

// MeterStatusOf returns the consumer's view of a meter: every field of
// GetBalanceResponse but the dues (other accounts; the caller adds them).
// `policy` is the meter's category policy, `now` the wallet's time. A meter
// whose credit is exhausted but that the policy has not yet looked at (no
// exhausted time stored) counts as exhausted from `now`. A `postpaid` meter
// is POSTPAID_BILLED (or cut, by a hold or a drive) with no emergency credit,
// notice or days left: the prepaid policy does not apply to it.
v1::GetBalanceResponse MeterStatusOf(absl::string_view meter_id,
                                     const store::v1::MeterState& state,
                                     const v1::CategoryPolicy& policy,
                                     const CutoffCalendar& calendar, absl::Time now,
                                     bool postpaid = false);

}  // namespace wallet

#endif  // WALLET_METER_STATUS_H_
