// How walletctl shows collection drives: a drive field by field (`drive
// create`, `drive show`, `drive approve`, ...), the one-line recovery
// summary, the live progress line of `drive watch`, the drive list and the
// per-meter table (`drive meters`, the lineman's list with addresses).
#ifndef WALLETCTL_DRIVE_REPORT_H_
#define WALLETCTL_DRIVE_REPORT_H_

#include <string>

#include "wallet/v1/collection.pb.h"
#include "walletctl/output.h"

namespace walletctl {

// RecoveryText is what a drive recovered, in one line: "796 cut, 260 paid
// Rs 28,00,000.00, 260 restored, restore p50 42.0 s, p99 3.5 min"
// ("restore p50 -, p99 -" before the first restore).
std::string RecoveryText(const wallet::v1::Drive& drive);

// ProgressText is one line of `drive watch`: a bar of the meters to
// disconnect that are dealt with (cut, failed, offline, paid before the cut
// or skipped), the counts, and what the drive waits for.
// "[#########-----------] 412/796 ordered 420, cut 400, failed 3, offline 9 |
// paid 120 Rs 12,40,000.00, restored 118 | rate"
std::string ProgressText(const wallet::v1::Drive& drive);

// DriveReport shows one drive: its state and rule, who created and approved
// it, the preview's classes, progress, failures by kind, and the recovery.
Report DriveReport(const wallet::v1::Drive& drive);

// DrivesReport lists drives, one row each: DRIVE, NAME, STATE, METERS, TO
// DISCONNECT, CUT, PAID, COLLECTED, RESTORED, CREATED.
Report DrivesReport(const wallet::v1::ListDrivesResponse& response);

// DriveMetersReport lists a drive's meters, one row each: METER, CLASS,
// OUTCOME, CONSUMER, ADDRESS, DUES AT START, PAID, FAILURE, CUT, PAID AT,
// RESTORED.
Report DriveMetersReport(const wallet::v1::ListDriveMetersResponse& response);

// SecondsText is a duration for people: "under 1 ms", "420 ms", "42.0 s",
// "3.5 min", "2.0 h".
std::string SecondsText(double seconds);

}  // namespace walletctl

#endif  // WALLETCTL_DRIVE_REPORT_H_
