// Collection drives, for the utility's control room (admin key): create one
// from a selection or a file of meter ids and see its preview, approve it
// with a second key, pause, resume or cancel it, watch its progress live,
// show what it recovered, and list its meters (the lineman's list of meters
// without relay, with their addresses).
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/validate.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/drive_report.h"
#include "walletctl/selection_flags.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using CollectionStub = v1::CollectionService::Stub;

constexpr FlagSpec kDrive = IdFlag("drive", "Drive id, e.g. drive-3.");
constexpr FlagSpec kMetersFile =
    TextFlag("meters_file", "PATH",
             "File of meter ids, one a line (a CSV's first column; a header \"meter\" or "
             "\"meter_id\" and lines starting '#' are skipped).");
constexpr FlagSpec kIncludeGovernment =
    BoolFlag("include_government", "Cut government offices too (left out unless given).");
constexpr FlagSpec kRatePerMinute =
    IntFlag("rate_per_minute", "N", "Disconnects ordered a minute at most: the head-end's pace.", 1,
            6'000'000);
constexpr FlagSpec kPaidShareBps =
    IntFlag("paid_share_bps", "BPS",
            "Share of the dues at the cut that a payment must bring in to restore supply, in "
            "basis points: 10000 all, 5000 half.",
            1, 10'000)
        .WithDefault("10000 (all dues paid)");
constexpr FlagSpec kReconnectionFee =
    RupeesFlag("reconnection_fee", "Fee added to the dues on restore, in rupees.",
               /*allow_zero=*/true)
        .WithDefault("0");
constexpr FlagSpec kClass =
    EnumFlag("class", "CLASS", "Only meters of this preview class.", &v1::DriveClass_descriptor)
        .WithDefault("all");

// ReadMeterIds reads a file of meter ids for `drive create`.
absl::StatusOr<std::vector<std::string>> ReadMeterIds(const std::string& path) {
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("--meters_file: cannot read ", path));
  std::vector<std::string> ids;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const absl::string_view first =
        absl::StripAsciiWhitespace(std::vector<absl::string_view>(absl::StrSplit(line, ','))[0]);
    if (first.empty() || first[0] == '#') continue;
    if (ids.empty() &&
        (absl::EqualsIgnoreCase(first, "meter") || absl::EqualsIgnoreCase(first, "meter_id"))) {
      continue;  // a CSV header
    }
    if (absl::Status valid = wallet::ValidateId("meter id", first); !valid.ok()) {
      return UsageError(
          absl::StrCat("--meters_file: ", path, " line ", number, ": ", valid.message()));
    }
    ids.emplace_back(first);
  }
  if (ids.empty()) return UsageError(absl::StrCat("--meters_file: ", path, " lists no meter"));
  return ids;
}

// DriveCreateFlags: the drive's name, reason and rate, its meters (a file or
// the selection flags), its restore rule.
std::vector<FlagUse> DriveCreateFlags() {
  std::vector<FlagUse> flags = {
      Required(kName, "The drive's name, e.g. \"Bilaspur commercial, Dec\"."),
      Required(kReason, "Why: recorded and shown to the approver."), Required(kRatePerMinute),
      Optional(kMetersFile)};
  for (FlagUse& flag : SelectionFlags()) flags.push_back(std::move(flag));
  flags.insert(flags.end(), {Optional(kIncludeGovernment), Optional(kPaidShareBps),
                             Optional(kReconnectionFee), Optional(kRequestId)});
  return flags;
}

absl::Status CreateDrive(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::CreateDriveRequest>(context);
  const bool selected = HasSelection(args);
  if (args.Has(kMetersFile) == selected) {
    return UsageError(
        "give the drive's meters: --meters_file or selection flags (--circle, "
        "--division, --subdivision, --categories, --billing_mode, --min_dues, "
        "--min_unpaid_bills, --balance_below), not both");
  }
  if (selected) {
    absl::StatusOr<v1::Selection> selection = SelectionOf(args);
    if (!selection.ok()) return selection.status();
    *request.mutable_selection() = *std::move(selection);
  } else {
    absl::StatusOr<std::vector<std::string>> ids = ReadMeterIds(args.Text(kMetersFile));
    if (!ids.ok()) return ids.status();
    for (std::string& id : *ids) request.mutable_meter_ids()->add_meter_ids(std::move(id));
  }
  request.set_name(args.Text(kName));
  request.set_reason(args.Text(kReason));
  request.set_include_government(args.Bool(kIncludeGovernment));
  request.set_rate_per_minute(static_cast<int32_t>(args.Int(kRatePerMinute)));
  request.mutable_restore_rule()->set_paid_share_bps(
      static_cast<int32_t>(args.Int(kPaidShareBps, 10'000)));
  request.mutable_restore_rule()->set_reconnection_fee_paise(args.Int(kReconnectionFee));
  return context.Run(&CollectionStub::CreateDrive, request, DriveReport);
}

v1::DriveActionRequest ActionRequest(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::DriveActionRequest>(context);
  request.set_drive_id(args.Text(kDrive));
  request.set_reason(args.Text(kReason));
  return request;
}

absl::Status ApproveDrive(const Args& args, Context& context) {
  return context.Run(&CollectionStub::ApproveDrive, ActionRequest(args, context), DriveReport);
}

absl::Status PauseDrive(const Args& args, Context& context) {
  return context.Run(&CollectionStub::PauseDrive, ActionRequest(args, context), DriveReport);
}

absl::Status ResumeDrive(const Args& args, Context& context) {
  return context.Run(&CollectionStub::ResumeDrive, ActionRequest(args, context), DriveReport);
}

absl::Status CancelDrive(const Args& args, Context& context) {
  return context.Run(&CollectionStub::CancelDrive, ActionRequest(args, context), DriveReport);
}

absl::Status ShowDrive(const Args& args, Context& context) {
  return context.Run(&CollectionStub::GetDrive,
                     IdRequest(&v1::GetDriveRequest::mutable_drive_id, args, kDrive), DriveReport);
}

absl::Status WatchDrive(const Args& args, Context& context) {
  const auto request = IdRequest(&v1::GetDriveRequest::mutable_drive_id, args, kDrive);
  v1::Drive last;
  const bool json = context.output().format() == OutputFormat::kJson;
  absl::Status watched = context.Follow(&CollectionStub::WatchDrive, request,
                                        [&](const v1::Drive& drive) -> absl::Status {
                                          last = drive;
                                          if (json) return context.output().ShowJson(drive);
                                          context.Progress(ProgressText(drive));
                                          return absl::OkStatus();
                                        });
  context.EndProgress();
  if (!watched.ok() || json) return watched;
  return context.Show(last, DriveReport);
}

absl::Status ListDriveMeters(const Args& args, Context& context) {
  auto request = IdRequest(&v1::ListDriveMetersRequest::mutable_drive_id, args, kDrive);
  request.set_drive_class(args.Enum(kClass, v1::DRIVE_CLASS_UNSPECIFIED));
  return context.RunList(&CollectionStub::ListDriveMeters, request,
                         &v1::ListDriveMetersResponse::mutable_meters, DriveMetersReport);
}

absl::Status ListDrives(const Args&, Context& context) {
  return context.RunList(&CollectionStub::ListDrives, v1::ListDrivesRequest(),
                         &v1::ListDrivesResponse::mutable_drives, DrivesReport);
}

}  // namespace

CommandGroup DriveCommands() {
  return {"Collection drives",
          {
              {"drive create",
               "Create a disconnection drive from a selection or a file of meter ids, and show "
               "its preview; nothing is cut before another admin approves it.",
               kAdminKey, DriveCreateFlags(), CreateDrive,
               "The preview splits the meters: to disconnect; protected by a hold or as "
               "government offices (unless --include_government); without relay (CT-operated: "
               "field work, see drive meters --class=no_relay); already disconnected; owing "
               "nothing; unknown. A selection lists the meters owing most first."},
              {"drive approve",
               "Approve a drive in preview, which starts it.",
               kSecondAdminKey,
               {Required(kDrive), Optional(kReason, "Why; recorded with the drive."),
                Optional(kRequestId)},
               ApproveDrive,
               "walletd refuses the key that created the drive (PERMISSION_DENIED): one-click "
               "mass disconnection needs two people. A running drive orders disconnects at its "
               "rate, never in the no-cutoff hours, on Sundays or holidays."},
              {"drive pause",
               "Stop a running drive ordering disconnects (answers still count).",
               kAdminKey,
               {Required(kDrive), Optional(kReason, "Why; recorded with the drive."),
                Optional(kRequestId)},
               PauseDrive},
              {"drive resume",
               "Continue a paused drive where it stopped.",
               kAdminKey,
               {Required(kDrive), Optional(kReason, "Why; recorded with the drive."),
                Optional(kRequestId)},
               ResumeDrive},
              {"drive cancel",
               "End a drive for good; meters it cut stay cut until their dues are paid.",
               kAdminKey,
               {Required(kDrive), Optional(kReason, "Why; recorded with the drive."),
                Optional(kRequestId)},
               CancelDrive},
              {"drive show",
               "Show a drive: preview, progress, failures and what it recovered.",
               kAdminKey,
               {Required(kDrive)},
               ShowDrive},
              {"drive watch",
               "Follow a drive's progress live (a bar on standard error) until it is done or "
               "cancelled, then show it.",
               kAdminKey,
               {Required(kDrive)},
               WatchDrive,
               "With --output=json each change is printed as it comes, one drive a line."},
              {"drive meters",
               "List a drive's meters with their class and outcome, in the drive's order.",
               kAdminKey, WithPaging({Required(kDrive), Optional(kClass)}), ListDriveMeters,
               "--class=no_relay --output=csv is the lineman's list: the meters without relay "
               "with their consumers and addresses."},
              {"drives", "List the drives, newest first.", kAdminKey, WithPaging({}), ListDrives},
          }};
}

}  // namespace walletctl
