// The billing system's dues file, as `walletctl import-dues` reads it: CSV
// with the header line
//
//   meter_id,principal,surcharge,unpaid_bills,oldest_due_date
//
// then one row per meter: amounts in rupees with at most two decimals
// (exactly into paise), the number of unpaid bills, and the oldest unpaid
// bill's due date (YYYY-MM-DD, or empty when nothing is due). Fields may be
// quoted as RFC 4180 says (no line breaks inside); blank lines are skipped;
// a trailing CR (Windows line ends) is ignored.
//
// A row whose fields cannot even be sent (a missing field, an amount that is
// not rupees, a bill count that is not a whole number) is a RowProblem, with
// its line, and is not sent; walletd judges the rest (unknown meters,
// amounts beyond its ceiling, dates that do not exist, duplicates).
//
// Example:
//   if (absl::Status header = CheckDuesHeader(first_line); !header.ok()) return ...;
//   DuesLine parsed = ParseDuesLine(line_number, line);
//   if (parsed.problem) ... else if (parsed.row) chunk.add_rows()->Swap(&*parsed.row);
//
// Thread safety: pure functions; call from any thread.
#ifndef WALLETCTL_DUES_CSV_H_
#define WALLETCTL_DUES_CSV_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wallet/v1/collection.pb.h"

namespace walletctl {

// The header line a dues file starts with.
inline constexpr absl::string_view kDuesCsvHeader =
    "meter_id,principal,surcharge,unpaid_bills,oldest_due_date";

// A line that was not sent, and why.
struct RowProblem {
  int64_t line = 0;
  std::string meter_id;  // as far as it could be read
  std::string message;
};

// What one line of the file is: a row to send, a problem, or nothing (a
// blank line).
struct DuesLine {
  std::optional<wallet::v1::DuesRow> row;
  std::optional<RowProblem> problem;
};

// SplitCsvLine splits one line into its fields: commas separate them, a
// field in double quotes may hold commas and "" for a quote. InvalidArgument
// for an unterminated quote or text after a closing quote.
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line);

// CheckDuesHeader accepts the header line (kDuesCsvHeader, fields trimmed,
// any case); InvalidArgument saying what was expected otherwise.
absl::Status CheckDuesHeader(absl::string_view line);

// ParseDuesLine reads line `line_number` of the file (after the header).
DuesLine ParseDuesLine(int64_t line_number, absl::string_view line);

}  // namespace walletctl

#endif  // WALLETCTL_DUES_CSV_H_
