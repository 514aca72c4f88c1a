// Meter readings: rating the energy between two register values, fixed daily
// charges, duplicates, resets and implausible jumps. Ledger member functions;
// see ledger.h. Runs on the writer thread only.
#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/money.h"
#include "wallet/notification_text.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int kMaxReadingsPerBatch = 10'000;
// Fixed charges owed for more days than this are left for later readings, so
// that one reading never does unbounded work.
constexpr int64_t kMaxFixedDaysPerReading = 62;
constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;
constexpr int64_t kMaxClockAheadUs = 15 * 60 * int64_t{1'000'000};

int32_t MonthKey(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, IstTimeZone());
  return static_cast<int32_t>(day.year() * 100 + day.month());
}

// One IST day of fixed charges and meter rent.
struct DayCharge {
  int64_t day;  // IST day number
  DailyCharge charge;
};

// What one reading costs, rated before anything is posted.
struct ReadingCharges {
  // Fixed charges of the days since the last one charged (usually none or
  // one), and the last day charged after them.
  absl::InlinedVector<DayCharge, 2> days;
  int64_t charged_day = 0;
  EnergyCharge energy;
  // The month's consumption before this reading, and the month it counts in.
  int32_t month_key = 0;
  int64_t month_wh_before = 0;
  RatingCarry carry;  // after the reading
  int64_t total = 0;  // everything debited, duty included
  int64_t duty = 0;   // the duty in `total`
};

// RateReading prices a reading of `delta_wh` over [interval_start,
// reading_time] under `tariff` (in force at interval_start), with the fixed
// charges owed for the days before it, from copies of the meter's carry.
// Every amount is bounded by validation (tariff rates, sanctioned load,
// kMaxFixedDaysPerReading, plausible readings) far below int64's range.
ReadingCharges RateReading(const TariffBook& tariffs, const store::v1::MeterRecord& meter,
                           const store::v1::MeterState& st, const v1::Tariff& tariff,
                           int64_t delta_wh, absl::Time interval_start, absl::Time reading_time,
                           absl::Time now) {
  ReadingCharges out;
  out.carry = RatingCarry{st.carry_energy(), st.carry_duty(), st.carry_fixed()};
  const int64_t today = std::min(IstDayNumber(reading_time), IstDayNumber(now));
  out.charged_day = st.charged_day();
  for (int64_t n = 0; out.charged_day < today && n < kMaxFixedDaysPerReading; ++n) {
    const int64_t day = ++out.charged_day;
    const absl::Time day_start = absl::FromCivil(absl::CivilDay(1970, 1, 1) + day, IstTimeZone());
    const v1::Tariff* in_force = tariffs.InForce(meter.tariff_id(), day_start);
    if (in_force == nullptr) continue;
    const DailyCharge fixed = RateDay(*in_force, meter.sanctioned_load_w(), &out.carry);
    if (fixed.total_paise() == 0) continue;
    out.days.push_back({day, fixed});
    out.total += fixed.total_paise();
    out.duty += fixed.duty_paise;
  }
  out.month_key = MonthKey(interval_start);
  out.month_wh_before = st.month_key() == out.month_key ? st.month_wh() : 0;
  out.energy = RateEnergy(tariff, out.month_wh_before, delta_wh, interval_start, &out.carry);
  out.total += out.energy.total_paise();
  out.duty += out.energy.duty_paise;
  return out;
}

v1::ReadingResult Result(v1::ReadingResult::Outcome outcome, const std::string& reason = "") {
  v1::ReadingResult result;
  result.set_outcome(outcome);
  result.set_reason(reason);
  return result;
}

}  // namespace

absl::StatusOr<v1::IngestReadingsResponse> Ledger::IngestReadings(
    Txn& txn, const v1::IngestReadingsRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("batch_id", req.batch_id()));
  if (req.readings_size() > kMaxReadingsPerBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch holds at most ", kMaxReadingsPerBatch, " readings"));
  }
  return Idempotent<v1::IngestReadingsResponse>(
      txn, RequestKey("Ingest", kGatewayScope, req.batch_id()), req,
      [&]() -> absl::StatusOr<v1::IngestReadingsResponse> {
        v1::IngestReadingsResponse response;
        response.mutable_results()->Reserve(req.readings_size());
        for (const v1::Reading& reading : req.readings()) {
          v1::ReadingResult& result = *response.add_results();
          result = IngestOne(txn, reading);
          switch (result.outcome()) {
            case v1::ReadingResult::DEBITED:
              response.set_debited(response.debited() + 1);
              break;
            case v1::ReadingResult::REJECTED:
              response.set_rejected(response.rejected() + 1);
              break;
            case v1::ReadingResult::QUARANTINED:
              response.set_quarantined(response.quarantined() + 1);
              break;
            default:
              break;
          }
        }
        journal_.SweepDuty(txn, req.batch_id());
        return response;
      });
}

v1::ReadingResult Ledger::IngestOne(Txn& txn, const v1::Reading& reading) {
  if (!ValidateId("meter_id", reading.meter_id()).ok()) {
    return Result(v1::ReadingResult::REJECTED, "meter_id is malformed");
  }
  MeterEntry* found = meters_.Find(reading.meter_id());
  if (found == nullptr) {
    return Result(v1::ReadingResult::REJECTED,
                  absl::StrCat("meter ", reading.meter_id(), " is not registered"));
  }
  // An invalid Timestamp counts as none.
  const int64_t meter_time_us = UnixMicros(reading.meter_time()).value_or(0);
  if (reading.register_wh() < 0 || meter_time_us <= 0 ||
      !v1::Reading::Kind_IsValid(reading.kind())) {
    return Result(v1::ReadingResult::REJECTED, "register_wh, meter_time or kind out of range");
  }
  // A meter whose clock runs ahead would otherwise be charged for days not
  // yet lived and block its correct readings as out of order.
  if (meter_time_us > absl::ToUnixMicros(txn.now) + kMaxClockAheadUs) {
    return Result(v1::ReadingResult::REJECTED, "meter_time is in the future (meter clock ahead)");
  }
  MeterEntry& m = *found;
  store::v1::MeterState& st = m.state;
  if (reading.kind() != v1::Reading::NORMAL || !st.has_reading()) {
    // A new base: the first reading, a register reset or a replaced meter.
    if (st.has_reading() && meter_time_us <= st.register_us()) {
      return Result(v1::ReadingResult::OUT_OF_ORDER, "reset older than the last reading");
    }
    st.set_has_reading(true);
    st.set_register_wh(reading.register_wh());
    st.set_register_us(meter_time_us);
    meters_.Touch(m);
    v1::ReadingResult result = Result(v1::ReadingResult::RESET,
                                      reading.kind() == v1::Reading::NORMAL ? "first reading" : "");
    result.set_balance_paise(st.balance_paise());
    return result;
  }
  if (meter_time_us == st.register_us()) {
    return Result(v1::ReadingResult::DUPLICATE);
  }
  if (meter_time_us < st.register_us()) {
    return Result(v1::ReadingResult::OUT_OF_ORDER, "older than the last reading");
  }
  const int64_t delta_wh = reading.register_wh() - st.register_wh();
  const absl::Time interval_start = absl::FromUnixMicros(st.register_us());
  const absl::Time reading_time = absl::FromUnixMicros(meter_time_us);
  const int64_t elapsed_us = meter_time_us - st.register_us();
  // Sanctioned load (W) x hours x margin, plus 1 Wh of rounding slack.
  const int64_t plausible_wh =
      1 + static_cast<int64_t>(static_cast<__int128>(m.meter.sanctioned_load_w()) * elapsed_us *
                               options_.plausible_load_percent / (100 * kHourUs));
  if (delta_wh < 0 || delta_wh > plausible_wh) {
    // Not debited. The base moves on so that the next readings rate normally;
    // the jump is reported for the utility to investigate.
    st.set_register_wh(reading.register_wh());
    st.set_register_us(meter_time_us);
    st.set_quarantined(st.quarantined() + 1);
    meters_.Touch(m);
    const std::string reason =
        delta_wh < 0 ? "register went backwards without a reset event"
                     : absl::StrCat(delta_wh, " Wh in ", elapsed_us / 1'000'000,
                                    " s exceeds the sanctioned load (", plausible_wh, " Wh)");
    Notify(txn, m, v1::Notification::QUARANTINED_READING, 0,
           QuarantinedText(m.meter.meter_id(), reason));
    v1::ReadingResult result = Result(v1::ReadingResult::QUARANTINED, reason);
    result.set_energy_wh(delta_wh);
    return result;
  }
  if (m.meter.billing_mode() == v1::POSTPAID) {
    return RecordUnbilled(txn, m, delta_wh, meter_time_us);
  }
  const v1::Tariff* tariff = tariffs_.InForce(m.meter.tariff_id(), interval_start);
  if (tariff == nullptr) {
    return Result(v1::ReadingResult::REJECTED,
                  absl::StrCat("no tariff ", m.meter.tariff_id(), " in force"));
  }
  const ReadingCharges charges =
      RateReading(tariffs_, m.meter, st, *tariff, delta_wh, interval_start, reading_time, txn.now);
  // Rated on copies: nothing has changed yet, so a charge that would take a
  // balance out of range rejects this reading alone.
  absl::Status in_range =
      AddOverflows(st.balance_paise(), -charges.total)
          ? absl::FailedPreconditionError(
                absl::StrCat("the balance of meter ", m.meter.meter_id(),
                             " would leave the range the ledger can hold"))
          : journal_.CheckRange(
                {{kRevenue, charges.total}, {kDuty, journal_.PendingDuty() + charges.duty}});
  if (!in_range.ok()) {
    return Result(v1::ReadingResult::REJECTED, absl::StrCat("not charged: ", in_range.message()));
  }
  for (const DayCharge& day : charges.days) {
    // The day number makes the reference unique: a day is charged once.
    journal_.PostCharge(txn, v1::FIXED_CHARGE, m, day.charge.total_paise(), day.charge.duty_paise,
                        absl::StrCat("day-", day.day), "fixed charge and meter rent");
  }
  st.set_charged_day(charges.charged_day);
  st.set_month_key(charges.month_key);
  st.set_month_wh(charges.month_wh_before + delta_wh);
  st.set_carry_energy(charges.carry.energy);
  st.set_carry_duty(charges.carry.duty);
  st.set_carry_fixed(charges.carry.fixed);
  meters_.Touch(m);
  const EnergyCharge& energy = charges.energy;
  if (energy.total_paise() > 0) {
    journal_.PostCharge(txn, v1::ENERGY_CHARGE, m, energy.total_paise(), energy.duty_paise,
                        absl::StrCat("reading-", meter_time_us), absl::StrCat(delta_wh, " Wh"));
  }
  CheckSupplyWhileCut(txn, m, delta_wh);
  // Recent spend per day, a moving average over about a week of readings.
  const int64_t per_day = static_cast<int64_t>(static_cast<__int128>(energy.total_paise()) * 24 *
                                               kHourUs / std::max<int64_t>(elapsed_us, 1));
  st.set_daily_spend_paise(
      st.daily_spend_paise() == 0 ? per_day : (st.daily_spend_paise() * 7 + per_day) / 8);
  st.set_register_wh(reading.register_wh());
  st.set_register_us(meter_time_us);
  Evaluate(txn, m);
  v1::ReadingResult result = Result(v1::ReadingResult::DEBITED);
  result.set_energy_wh(delta_wh);
  result.set_charged_paise(charges.total);
  result.set_balance_paise(st.balance_paise());
  return result;
}

v1::ReadingResult Ledger::RecordUnbilled(Txn& txn, MeterEntry& m, int64_t delta_wh,
                                         int64_t meter_time_us) {
  store::v1::MeterState& st = m.state;
  // The billing system bills this energy; the wallet keeps the register and
  // the month's consumption for the utility and the consumer to see.
  const int32_t month_key = MonthKey(absl::FromUnixMicros(st.register_us()));
  st.set_month_wh((st.month_key() == month_key ? st.month_wh() : 0) + delta_wh);
  st.set_month_key(month_key);
  CheckSupplyWhileCut(txn, m, delta_wh);
  st.set_register_wh(st.register_wh() + delta_wh);
  st.set_register_us(meter_time_us);
  meters_.Touch(m);
  v1::ReadingResult result = Result(v1::ReadingResult::RECORDED);
  result.set_energy_wh(delta_wh);
  result.set_balance_paise(st.balance_paise());
  return result;
}

void Ledger::CheckSupplyWhileCut(Txn& txn, MeterEntry& m, int64_t delta_wh) {
  store::v1::MeterState& st = m.state;
  // Supply flowing while the relay is held open: bypass or forced
  // reconnection. Only energy over an interval that began after the relay
  // was read open counts: a reading taken before the cut may arrive after
  // its report.
  if (st.last_action() == v1::DISCONNECT && st.relay() == v1::RELAY_DISCONNECTED && delta_wh > 0 &&
      st.register_us() >= st.relay_observed_us() && !st.tamper_alerted()) {
    st.set_tamper_alerted(true);
    Notify(txn, m, v1::Notification::TAMPER_ALERT, 0, BypassText(m.meter.meter_id(), delta_wh));
  }
}

}  // namespace wallet
