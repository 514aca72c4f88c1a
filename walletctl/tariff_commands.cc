// Tariffs, for the utility (admin key): the tariff book walletd rates
// readings by, and new tariff versions.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "wallet/textproto.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/tariff.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;

constexpr FlagSpec kFile =
    TextFlag("file", "PATH",
             "One tariff version in protobuf text format: the fields of one `tariffs` entry of "
             "deploy/config/tariffs.textproto, or such an entry itself.");

// ---------------------------------------------------------------------------
// Reports

// PerKwh renders a rate of paise per kWh: "Rs 3.90".
std::string PerKwh(int64_t paise_per_kwh) { return FormatPaise(paise_per_kwh); }

// KwhText renders a slab bound: "100 kWh", or "100.500 kWh" when not whole.
std::string KwhText(int64_t wh) {
  return wh % 1000 == 0 ? absl::StrCat(wh / 1000, " kWh") : FormatKwh(wh);
}

// SlabsText is the energy ladder: "Rs 3.90 to 100 kWh, Rs 5.20 to 200 kWh,
// Rs 7.60 above".
std::string SlabsText(const v1::Tariff& tariff) {
  std::vector<std::string> slabs;
  for (const v1::Slab& slab : tariff.slabs()) {
    slabs.push_back(
        slab.up_to_wh() == 0
            ? absl::StrCat(PerKwh(slab.paise_per_kwh()),
                           tariff.slabs_size() == 1 ? " flat" : " above")
            : absl::StrCat(PerKwh(slab.paise_per_kwh()), " to ", KwhText(slab.up_to_wh())));
  }
  return slabs.empty() ? "-" : absl::StrJoin(slabs, ", ");
}

std::string Minute(int32_t minute) {
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

// TimeOfDayText lists the windows: "18:00-22:00 +10.00 %, 22:00-06:00 -10.00 %".
std::string TimeOfDayText(const v1::Tariff& tariff) {
  std::vector<std::string> windows;
  for (const v1::TimeOfDayWindow& window : tariff.time_of_day()) {
    const int32_t bps = window.adjust_bps();
    const int32_t magnitude = bps < 0 ? -bps : bps;
    windows.push_back(absl::StrFormat("%s-%s %s%d.%02d %%", Minute(window.start_minute()),
                                      Minute(window.end_minute()), bps < 0 ? "-" : "+",
                                      magnitude / 100, magnitude % 100));
  }
  return windows.empty() ? "-" : absl::StrJoin(windows, ", ");
}

std::string CategoryText(const v1::Tariff& tariff) {
  return EnumText(*v1::Category_descriptor(), tariff.category());
}

Report TariffReport(const v1::PutTariffResponse& response) {
  const v1::Tariff& tariff = response.tariff();
  Report report;
  report.Add("tariff", PlainValue(tariff.tariff_id()))
      .Add("version", PlainValue(absl::StrCat(tariff.version())))
      .Add("effective from", PlainValue(tariff.effective_from()))
      .Add("category", PlainValue(CategoryText(tariff)))
      .Add("energy", PlainValue(SlabsText(tariff)))
      .Add("time of day", PlainValue(TimeOfDayText(tariff)))
      .Add("fixed charge", PlainValue(absl::StrCat(FormatPaise(tariff.fixed_paise_per_kw_day()),
                                                   " per kW per day")))
      .Add("meter rent",
           PlainValue(absl::StrCat(FormatPaise(tariff.meter_rent_paise_per_day()), " per day")))
      .Add("duty", PlainValue(FormatBps(tariff.duty_bps())));
  return report;
}

Report TariffBookReport(const v1::TariffBook& book) {
  Report report;
  Table& table = report.SetTable({{"TARIFF"},
                                  {"VERSION", Align::kRight},
                                  {"FROM"},
                                  {"CATEGORY"},
                                  {"ENERGY PER KWH"},
                                  {"TIME OF DAY"},
                                  {"FIXED PER KW DAY", Align::kRight},
                                  {"RENT PER DAY", Align::kRight},
                                  {"DUTY BPS", Align::kRight}});
  for (const v1::Tariff& tariff : book.tariffs()) {
    table.AddRow({PlainValue(tariff.tariff_id()), PlainValue(absl::StrCat(tariff.version())),
                  PlainValue(tariff.effective_from()), PlainValue(CategoryText(tariff)),
                  PlainValue(SlabsText(tariff)), PlainValue(TimeOfDayText(tariff)),
                  MoneyValue(tariff.fixed_paise_per_kw_day()),
                  MoneyValue(tariff.meter_rent_paise_per_day()),
                  PlainValue(absl::StrCat(tariff.duty_bps()))});
  }
  return report;
}

// ---------------------------------------------------------------------------
// Commands

// ReadTariffFile parses the tariff in `path`, as walletd reads its tariff
// file: a Tariff's fields, or a TariffBook holding exactly one tariff. A
// usage error, naming the line, if it cannot be read or parsed.
absl::StatusOr<v1::Tariff> ReadTariffFile(const std::string& path) {
  v1::Tariff tariff;
  const absl::Status as_tariff = wallet::ReadTextProtoFile(path, &tariff);
  if (as_tariff.ok()) return tariff;
  v1::TariffBook book;
  if (as_tariff.code() == absl::StatusCode::kInvalidArgument &&
      wallet::ReadTextProtoFile(path, &book).ok() && book.tariffs_size() == 1) {
    return book.tariffs(0);
  }
  return UsageError(absl::StrCat("--file: ", as_tariff.message()));
}

absl::Status ListTariffs(const Args& args, Context& context) {
  return context.Run(&AdminStub::ListTariffs, v1::ListTariffsRequest(), TariffBookReport);
}

absl::Status PutTariff(const Args& args, Context& context) {
  absl::StatusOr<v1::Tariff> tariff = ReadTariffFile(args.Text(kFile));
  if (!tariff.ok()) return tariff.status();
  auto request = KeyedRequest<v1::PutTariffRequest>(context);
  *request.mutable_tariff() = *std::move(tariff);
  return context.Run(&AdminStub::PutTariff, request, TariffReport);
}

}  // namespace

CommandGroup TariffCommands() {
  return {"Tariffs",
          {
              {"tariffs",
               "List every tariff version: the tariff file's and those added since.",
               kAdminKey,
               {},
               ListTariffs},
              {"put-tariff",
               "Add a tariff version (effective-dated; versions in the book never change).",
               kAdminKey,
               {Required(kFile), Optional(kRequestId)},
               PutTariff,
               "Rates are paise per kWh, energy Wh, times of day minutes after midnight IST, "
               "percentages basis points: see deploy/config/tariffs.textproto."},
          }};
}

}  // namespace walletctl
