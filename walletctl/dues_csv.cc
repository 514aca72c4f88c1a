#include "walletctl/dues_csv.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

constexpr int kDuesFields = 5;

// Field is a field's text without surrounding blanks.
std::string Field(const std::string& text) { return std::string(absl::StripAsciiWhitespace(text)); }

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field's quotes are closed
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
        was_quoted = true;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && absl::StripAsciiWhitespace(fields.back()).empty() && !was_quoted) {
      fields.back().clear();
      quoted = true;
    } else if (was_quoted && c != ' ' && c != '\t') {
      return absl::InvalidArgumentError("text after a closing quote");
    } else if (!was_quoted) {
      fields.back() += c;
    }
  }
  if (quoted) return absl::InvalidArgumentError("a quote is not closed");
  return fields;
}

absl::Status CheckDuesHeader(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
  if (fields.ok()) {
    for (std::string& field : *fields) field = absl::AsciiStrToLower(Field(field));
    if (absl::StrJoin(*fields, ",") == kDuesCsvHeader) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("the first line must be the header \"", kDuesCsvHeader, "\""));
}

DuesLine ParseDuesLine(int64_t line_number, absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  DuesLine out;
  if (absl::StripAsciiWhitespace(line).empty()) return out;
  RowProblem problem;
  problem.line = line_number;
  absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
  if (!fields.ok()) {
    problem.message = std::string(fields.status().message());
    out.problem = std::move(problem);
    return out;
  }
  for (std::string& field : *fields) field = Field(field);
  problem.meter_id = (*fields)[0];
  if (fields->size() != kDuesFields) {
    problem.message = absl::StrCat(kDuesFields, " fields expected (", kDuesCsvHeader, "), ",
                                   fields->size(), " found");
    out.problem = std::move(problem);
    return out;
  }
  wallet::v1::DuesRow row;
  row.set_line(line_number);
  row.set_meter_id((*fields)[0]);
  const absl::StatusOr<int64_t> principal = ParseRupeesText((*fields)[1], /*allow_zero=*/true);
  const absl::StatusOr<int64_t> surcharge = ParseRupeesText((*fields)[2], /*allow_zero=*/true);
  const absl::StatusOr<int64_t> bills = ParseIntText((*fields)[3], 0, 1'000'000);
  const absl::Status bad = !principal.ok()   ? principal.status()
                           : !surcharge.ok() ? surcharge.status()
                                             : bills.status();
  if (!bad.ok()) {
    const char* field = !principal.ok()   ? "principal"
                        : !surcharge.ok() ? "surcharge"
                                          : "unpaid_bills";
    problem.message = absl::StrCat(field, ": ", bad.message());
    out.problem = std::move(problem);
    return out;
  }
  row.set_principal_paise(*principal);
  row.set_surcharge_paise(*surcharge);
  row.set_unpaid_bills(static_cast<int32_t>(*bills));
  // walletd checks the date (and everything else) and says what is wrong.
  row.set_oldest_due_date((*fields)[4]);
  out.row = std::move(row);
  return out;
}

}  // namespace walletctl
