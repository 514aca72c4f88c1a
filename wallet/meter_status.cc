#include "wallet/meter_status.h"

#include <algorithm>
#include <limits>
#include <string>

#include "wallet/wire.h"

namespace wallet {
namespace {

v1::SupplyState SupplyOf(v1::RelayState relay) {
  switch (relay) {
    case v1::RELAY_CONNECTED:
      return v1::SUPPLY_ON;
    case v1::RELAY_DISCONNECTED:
      return v1::SUPPLY_CUT;
    case v1::RELAY_ARMED:
      return v1::SUPPLY_ARMED;
    default:  // unknown, or the meter did not answer
      return v1::SUPPLY_STATE_UNSPECIFIED;
  }
}

// StatusOf follows the policy's decisions (wallet/prepaid_policy.h): a hold to
// keep the meter disconnected overrides everything; a disconnect ordered
// stands until a recharge restores supply; otherwise the balance decides.
v1::MeterStatus StatusOf(const store::v1::MeterState& state, bool exhausted) {
  if (state.hold() == v1::HOLD_KEEP_DISCONNECTED) return v1::DISCONNECTED_BY_UTILITY;
  if (state.last_action() == v1::DISCONNECT) return v1::DISCONNECTED;
  if (!exhausted) return state.balance_paise() > 0 ? v1::ACTIVE : v1::ON_EMERGENCY_CREDIT;
  return state.hold() == v1::HOLD_NEVER_DISCONNECT ? v1::PROTECTED : v1::NOTICE;
}

}  // namespace

v1::GetBalanceResponse MeterStatusOf(absl::string_view meter_id,
                                     const store::v1::MeterState& state,
                                     const v1::CategoryPolicy& policy,
                                     const CutoffCalendar& calendar, absl::Time now,
                                     bool postpaid) {
  v1::GetBalanceResponse out;
  out.set_meter_id(std::string(meter_id));
  const int64_t balance = state.balance_paise();
  out.set_balance_paise(balance);
  out.set_last_recharge_paise(state.last_recharge_paise());
  if (state.last_recharge_us() != 0) {
    SetTimestamp(state.last_recharge_us(), out.mutable_last_recharge_time());
  }
  out.set_billing_mode(postpaid ? v1::POSTPAID : v1::PREPAID);
  out.set_supply(SupplyOf(state.relay()));
  out.set_supply_command(state.pending_action());
  if (postpaid) {
    out.set_status(state.hold() == v1::HOLD_KEEP_DISCONNECTED ? v1::DISCONNECTED_BY_UTILITY
                   : state.last_action() == v1::DISCONNECT    ? v1::DISCONNECTED
                                                              : v1::POSTPAID_BILLED);
    return out;
  }
  // Policy amounts are bounded (kMaxPolicyPaise), balances far from int64's
  // ends: these sums cannot overflow.
  const int64_t allowance = policy.emergency_credit_paise();
  const int64_t credit_left = balance + allowance;  // until exhausted
  const bool exhausted = credit_left <= 0;
  out.set_emergency_credit_paise(allowance);
  out.set_emergency_credit_left_paise(std::clamp<int64_t>(credit_left, 0, allowance));
  out.set_emergency_credit_in_use(balance <= 0 && !exhausted);
  out.set_status(StatusOf(state, exhausted));
  out.set_notice_days(NoticeDays(policy));
  if (out.status() == v1::NOTICE) {
    const int64_t now_us = absl::ToUnixMicros(now);
    const bool evaluated = state.exhausted_us() != 0;
    out.set_notice_day(evaluated ? state.notices_sent() : 0);
    const int64_t eligible = std::max(
        CutoffEligibleUs(evaluated ? state.exhausted_us() : now_us, state.prepaid_since_us(),
                         policy),
        now_us);
    const absl::Time cut = calendar.NextCutoffAllowed(absl::FromUnixMicros(eligible));
    if (cut != absl::InfiniteFuture()) {
      SetTimestamp(absl::ToUnixMicros(cut), out.mutable_earliest_cut_time());
    }
  }
  if (state.daily_spend_paise() > 0) {
    const int64_t days = std::max<int64_t>(credit_left, 0) / state.daily_spend_paise();
    out.set_days_left(static_cast<int32_t>(
        std::min<int64_t>(days, std::numeric_limits<int32_t>::max())));
  }
  return out;
}

}  // namespace wallet
