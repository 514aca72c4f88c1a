#include "walletctl/drive_report.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "walletctl/format.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;

constexpr int kBarWidth = 20;

std::string StateText(const v1::Drive& drive) {
  std::string state = EnumText(*v1::DriveState_descriptor(), drive.state(), "DRIVE_");
  if (drive.state() == v1::DRIVE_RUNNING && !drive.waiting_for().empty()) {
    absl::StrAppend(&state, " (waiting: ", drive.waiting_for(), ")");
  }
  return state;
}

std::string RuleText(const v1::RestoreRule& rule) {
  std::string text = rule.paid_share_bps() >= 10'000
                         ? std::string("restore once all dues are paid")
                         : absl::StrCat("restore once ", FormatBps(rule.paid_share_bps()),
                                        " of the dues at the cut are paid");
  absl::StrAppend(&text, ", reconnection fee ", FormatPaise(rule.reconnection_fee_paise()));
  return text;
}

// DriveActionText is "2026-11-02 10:00:00 IST by c0ffee0000000001 (control room):
// reason".
std::string DriveActionText(const v1::DriveAction& action) {
  std::string text =
      absl::StrCat(FormatTimestamp(action.action_time()), " by ", OrDash(action.admin_key_id()));
  if (!action.admin_key_label().empty())
    absl::StrAppend(&text, " (", action.admin_key_label(), ")");
  if (!action.reason().empty()) absl::StrAppend(&text, ": ", action.reason());
  return text;
}

std::string PreviewText(const v1::DriveCounts& c) {
  return absl::StrCat(c.meters(), " meters: ", c.to_disconnect(), " to disconnect, ",
                      c.protected_hold(), " protected by a hold, ", c.protected_government(),
                      " government, ", c.no_relay(), " without relay (field work), ",
                      c.already_disconnected(), " already disconnected, ", c.nothing_due(),
                      " owing nothing, ", c.unknown(), " unknown");
}

std::string CountsText(const v1::DriveCounts& c) {
  return absl::StrCat(c.ordered(), " ordered, ", c.cut(), " cut, ", c.failed(), " failed, ",
                      c.offline(), " offline, ", c.armed(), " armed, ", c.paid_before_cut(),
                      " paid before the cut, ", c.skipped(), " skipped");
}

std::string FailuresText(const v1::DriveCounts& c) {
  if (c.failed_by_reason().empty()) return "none";
  std::vector<std::pair<std::string, int64_t>> failures(c.failed_by_reason().begin(),
                                                        c.failed_by_reason().end());
  std::sort(failures.begin(), failures.end());
  std::vector<std::string> parts;
  for (const auto& [kind, count] : failures) parts.push_back(absl::StrCat(count, " ", kind));
  return absl::StrJoin(parts, ", ");
}

Value CountValue(int64_t count) { return PlainValue(absl::StrCat(count)); }

}  // namespace

std::string SecondsText(double seconds) {
  if (seconds < 0.001) return "under 1 ms";
  if (seconds < 1) return absl::StrFormat("%.0f ms", seconds * 1000);
  if (seconds < 60) return absl::StrFormat("%.1f s", seconds);
  if (seconds < 3600) return absl::StrFormat("%.1f min", seconds / 60);
  return absl::StrFormat("%.1f h", seconds / 3600);
}

std::string RecoveryText(const v1::Drive& drive) {
  const v1::DriveCounts& c = drive.counts();
  const bool restored = c.restored() > 0;
  return absl::StrCat(c.cut(), " cut, ", c.paid(), " paid ", FormatPaise(c.collected_paise()), ", ",
                      c.restored(), " restored, restore p50 ",
                      restored ? SecondsText(drive.restore_p50_s()) : "-", ", p99 ",
                      restored ? SecondsText(drive.restore_p99_s()) : "-");
}

std::string ProgressText(const v1::Drive& drive) {
  const v1::DriveCounts& c = drive.counts();
  const int64_t total = c.to_disconnect();
  const int64_t dealt =
      std::min(total, c.cut() + c.failed() + c.offline() + c.paid_before_cut() + c.skipped());
  const int filled = total == 0 ? kBarWidth : static_cast<int>(dealt * kBarWidth / total);
  std::string text =
      absl::StrCat("[", std::string(filled, '#'), std::string(kBarWidth - filled, '-'), "] ", dealt,
                   "/", total, " ordered ", c.ordered(), ", cut ", c.cut(), ", failed ", c.failed(),
                   ", offline ", c.offline(), " | paid ", c.paid(), " ",
                   FormatPaise(c.collected_paise()), ", restored ", c.restored());
  if (drive.state() == v1::DRIVE_RUNNING) {
    if (!drive.waiting_for().empty()) absl::StrAppend(&text, " | ", drive.waiting_for());
  } else {
    absl::StrAppend(&text, " | ", EnumText(*v1::DriveState_descriptor(), drive.state(), "DRIVE_"));
  }
  return text;
}

Report DriveReport(const v1::Drive& drive) {
  Report report;
  report.Add("drive", PlainValue(drive.drive_id()))
      .Add("name", PlainValue(drive.name()))
      .Add("reason", PlainValue(drive.reason()))
      .Add("state", PlainValue(StateText(drive)));
  for (const v1::DriveAction& action : drive.actions()) {
    report.Add(action.action(), PlainValue(DriveActionText(action)));
  }
  report.Add("rate", PlainValue(absl::StrCat(drive.rate_per_minute(), " disconnects a minute")))
      .Add("rule", PlainValue(RuleText(drive.restore_rule())))
      .Add("government offices",
           PlainValue(drive.include_government() ? "cut too" : "left out (protected)"))
      .Add("preview", PlainValue(PreviewText(drive.counts())))
      .Add("dues at start", MoneyValue(drive.dues_at_start_paise()))
      .Add("progress", PlainValue(CountsText(drive.counts())))
      .Add("failures", PlainValue(FailuresText(drive.counts())))
      .Add("recovery", PlainValue(RecoveryText(drive)))
      .Add("started", TimeValue(drive.start_time()))
      .Add("ended", TimeValue(drive.end_time()));
  return report;
}

Report DrivesReport(const v1::ListDrivesResponse& response) {
  Report report;
  Table& table = report.SetTable({{"DRIVE"},
                                  {"NAME"},
                                  {"STATE"},
                                  {"METERS", Align::kRight},
                                  {"TO DISCONNECT", Align::kRight},
                                  {"CUT", Align::kRight},
                                  {"PAID", Align::kRight},
                                  {"COLLECTED", Align::kRight},
                                  {"RESTORED", Align::kRight},
                                  {"CREATED"}});
  for (const v1::Drive& drive : response.drives()) {
    const v1::DriveCounts& c = drive.counts();
    table.AddRow({PlainValue(drive.drive_id()), PlainValue(drive.name()),
                  PlainValue(EnumText(*v1::DriveState_descriptor(), drive.state(), "DRIVE_")),
                  CountValue(c.meters()), CountValue(c.to_disconnect()), CountValue(c.cut()),
                  CountValue(c.paid()), MoneyValue(c.collected_paise()), CountValue(c.restored()),
                  TimeValue(drive.create_time())});
  }
  return report;
}

Report DriveMetersReport(const v1::ListDriveMetersResponse& response) {
  Report report;
  Table& table = report.SetTable({{"METER"},
                                  {"CLASS"},
                                  {"OUTCOME"},
                                  {"CONSUMER"},
                                  {"ADDRESS"},
                                  {"DUES AT START", Align::kRight},
                                  {"PAID", Align::kRight},
                                  {"FAILURE"},
                                  {"ORDERED"},
                                  {"CUT"},
                                  {"PAID AT"},
                                  {"RESTORED"}});
  for (const v1::DriveMeter& m : response.meters()) {
    table.AddRow({PlainValue(m.meter_id()),
                  PlainValue(EnumText(*v1::DriveClass_descriptor(), m.drive_class())),
                  PlainValue(EnumText(*v1::DriveMeterOutcome_descriptor(), m.outcome())),
                  OrDashValue(m.consumer_name()), OrDashValue(m.address()),
                  MoneyValue(m.dues_at_start_paise()), MoneyValue(m.paid_paise()),
                  OrDashValue(m.failure()), TimeValue(m.order_time()), TimeValue(m.cut_time()),
                  TimeValue(m.pay_time()), TimeValue(m.restore_time())});
  }
  return report;
}

}  // namespace walletctl
