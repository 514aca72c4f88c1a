// Meter readings: rating the energy between two register values, fixed daily
// charges, duplicates, resets and implausible jumps. Ledger member functions;
// see ledger.h. Runs on the writer thread only.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/ledger.h"
#include "wallet/money.h"
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
      txn, RequestKey("Ingest", "gateway", req.batch_id()), req,
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
        SweepDuty(txn, req.batch_id());
        return response;
      });
}

v1::ReadingResult Ledger::IngestOne(Txn& txn, const v1::Reading& reading) {
  if (!ValidateId("meter_id", reading.meter_id()).ok()) {
    return Result(v1::ReadingResult::REJECTED, "meter_id is malformed");
  }
  MeterEntry* found = FindMeter(reading.meter_id());
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
    Touch(m);
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
      static_cast<int64_t>(static_cast<__int128>(m.meter.sanctioned_load_w()) * elapsed_us *
                           options_.plausible_load_percent / (100 * kHourUs)) + 1;
  if (delta_wh < 0 || delta_wh > plausible_wh) {
    // Not debited. The base moves on so that the next readings rate normally;
    // the jump is reported for the utility to investigate.
    st.set_register_wh(reading.register_wh());
    st.set_register_us(meter_time_us);
    st.set_quarantined(st.quarantined() + 1);
    Touch(m);
    const std::string reason =
        delta_wh < 0 ? "register went backwards without a reset event"
                     : absl::StrCat(delta_wh, " Wh in ", elapsed_us / 1'000'000,
                                    " s exceeds the sanctioned load (", plausible_wh, " Wh)");
    Notify(txn, m, v1::Notification::QUARANTINED_READING, 0,
           absl::StrCat("Meter ", m.meter.meter_id(), ": reading quarantined: ", reason));
    v1::ReadingResult result = Result(v1::ReadingResult::QUARANTINED, reason);
    result.set_energy_wh(delta_wh);
    return result;
  }
  const v1::Tariff* tariff = tariffs_.InForce(m.meter.tariff_id(), interval_start);
  if (tariff == nullptr) {
    return Result(v1::ReadingResult::REJECTED,
                  absl::StrCat("no tariff ", m.meter.tariff_id(), " in force"));
  }
  int64_t charged = ChargeFixedDays(txn, m, reading_time);
  const int32_t month = MonthKey(interval_start);
  if (st.month_key() != month) {
    st.set_month_key(month);
    st.set_month_wh(0);
  }
  RatingCarry carry{st.carry_energy(), st.carry_duty(), st.carry_fixed()};
  const EnergyCharge energy = RateEnergy(*tariff, st.month_wh(), delta_wh, interval_start, &carry);
  st.set_carry_energy(carry.energy);
  st.set_carry_duty(carry.duty);
  st.set_month_wh(st.month_wh() + delta_wh);
  if (energy.total_paise() > 0) {
    PostCharge(txn, v1::ENERGY_CHARGE, m, energy.total_paise(), energy.duty_paise,
               absl::StrCat("reading-", meter_time_us), absl::StrCat(delta_wh, " Wh"));
  }
  charged += energy.total_paise();
  // Supply flowing while the policy has the relay open: bypass or forced
  // reconnection.
  // Only energy over an interval that began after the relay was read open
  // counts: a reading taken before the cut may arrive after its report.
  if (st.last_action() == v1::DISCONNECT && st.relay() == v1::RELAY_DISCONNECTED &&
      delta_wh > 0 && st.register_us() >= st.relay_observed_us() && !st.tamper_alerted()) {
    st.set_tamper_alerted(true);
    Notify(txn, m, v1::Notification::TAMPER_ALERT, 0,
           absl::StrCat("Meter ", m.meter.meter_id(), ": ", delta_wh,
                        " Wh consumed while disconnected: possible bypass."));
  }
  // Recent spend per day, a moving average over about a week of readings.
  const int64_t per_day = static_cast<int64_t>(static_cast<__int128>(energy.total_paise()) *
                                               24 * kHourUs / std::max<int64_t>(elapsed_us, 1));
  st.set_daily_spend_paise(st.daily_spend_paise() == 0
                               ? per_day
                               : (st.daily_spend_paise() * 7 + per_day) / 8);
  st.set_register_wh(reading.register_wh());
  st.set_register_us(meter_time_us);
  Evaluate(txn, m);
  v1::ReadingResult result = Result(v1::ReadingResult::DEBITED);
  result.set_energy_wh(delta_wh);
  result.set_charged_paise(charged);
  result.set_balance_paise(st.balance_paise());
  return result;
}

int64_t Ledger::ChargeFixedDays(Txn& txn, MeterEntry& m, absl::Time reading_time) {
  store::v1::MeterState& st = m.state;
  const int64_t today = std::min(IstDayNumber(reading_time), IstDayNumber(txn.now));
  int64_t charged = 0;
  for (int64_t n = 0; st.charged_day() < today && n < kMaxFixedDaysPerReading; ++n) {
    const int64_t day = st.charged_day() + 1;
    const absl::Time day_start = absl::FromCivil(
        absl::CivilDay(1970, 1, 1) + day, IstTimeZone());
    const v1::Tariff* tariff = tariffs_.InForce(m.meter.tariff_id(), day_start);
    st.set_charged_day(day);
    if (tariff == nullptr) continue;
    RatingCarry carry{st.carry_energy(), st.carry_duty(), st.carry_fixed()};
    const DailyCharge fixed = RateDay(*tariff, m.meter.sanctioned_load_w(), &carry);
    st.set_carry_duty(carry.duty);
    st.set_carry_fixed(carry.fixed);
    // The day number makes the reference unique: a day is charged once.
    if (fixed.total_paise() > 0) {
      PostCharge(txn, v1::FIXED_CHARGE, m, fixed.total_paise(), fixed.duty_paise,
                 absl::StrCat("day-", day), "fixed charge and meter rent");
    }
    charged += fixed.total_paise();
  }
  Touch(m);
  return charged;
}

}  // namespace wallet
