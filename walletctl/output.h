// walletctl's one output layer. A command turns a response into a Report
// (named fields, then at most one table) and Output prints it in the format
// asked for:
//
//   text  fields as aligned "name: value" lines, a table with aligned columns
//         and right-aligned amounts; for people.
//   csv   the table (header line, then one line per row; RFC 4180 quoting),
//         or, for a response without a table, "field,value" lines. Amounts
//         are plain rupees ("1234.50"), times RFC 3339 in IST.
//   json  the response message itself in protobuf's JSON mapping (proto field
//         names, zero values included, int64 as strings), one line.
//
// Stream items print one per line as they arrive: a line of text, a CSV row
// (under a header printed first) or a JSON object.
//
// Example:
//   Report report;
//   report.Add("balance", MoneyValue(12345));
//   Table& table = report.SetTable({{"METER"}, {"BALANCE", Align::kRight}});
//   table.AddRow({PlainValue("MTR001"), MoneyValue(500)});
//   RenderText(report);  // "balance: Rs 123.45\n\nMETER   BALANCE\nMTR001  Rs 5.00\n"
//
// Thread safety: Output is used from one thread.
#ifndef WALLETCTL_OUTPUT_H_
#define WALLETCTL_OUTPUT_H_

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace walletctl {

enum class OutputFormat { kText, kCsv, kJson };

// A value as a person reads it (`text`) and as a CSV cell (`csv`); for
// amounts "Rs 1,234.50" and "1234.50". Make them with format.h.
struct Value {
  std::string text;
  std::string csv;
};

// PlainValue is `text` in both forms.
Value PlainValue(absl::string_view text);

enum class Align { kLeft, kRight };

struct Column {
  std::string title;  // "LAST RECHARGE"; the CSV header is "last_recharge"
  Align align = Align::kLeft;
};

// Table is rows of values under column titles. A row shorter than the
// columns is padded with empty values.
class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<Value> row) { rows_.push_back(std::move(row)); }

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<Value>>& rows() const { return rows_; }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Value>> rows_;
};

// Report is what one response shows: named fields, then at most one table.
class Report {
 public:
  // Add appends a field; names may repeat ("mismatched").
  Report& Add(absl::string_view name, Value value);

  // SetTable gives the report its table and returns it for adding rows.
  Table& SetTable(std::vector<Column> columns);

  const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }
  const std::optional<Table>& table() const { return table_; }

 private:
  std::vector<std::pair<std::string, Value>> fields_;
  std::optional<Table> table_;
};

// ReportOf is the Report that `add` fills from `part` alone: how a response
// shown by one report part is shown, e.g. ReportOf(AddOrderFields, order).
template <typename Part>
Report ReportOf(void (*add)(const Part&, Report&), const Part& part) {
  Report report;
  add(part, report);
  return report;
}

// RenderText renders for people: fields with their values aligned, a blank
// line, the table with aligned columns ("(none)" under the titles when it
// has no rows). Widths count code points, so names in Indian scripts align.
std::string RenderText(const Report& report);

// RenderCsv renders the table, or the fields under a "field,value" header
// when there is no table.
std::string RenderCsv(const Report& report);

// CsvHeader is `columns`' titles as one CSV line: lower case, runs of other
// characters than letters and digits as '_' ("LAST RECHARGE" is
// "last_recharge").
std::string CsvHeader(const std::vector<Column>& columns);

// CsvRow is `row`'s CSV values as one line, quoted where RFC 4180 says so.
std::string CsvRow(const std::vector<Value>& row);

// RenderJson renders `message` in protobuf's JSON mapping on one line.
// Internal if the message cannot be rendered.
absl::StatusOr<std::string> RenderJson(const google::protobuf::Message& message);

// Output prints reports and stream items to one stream in one format.
class Output {
 public:
  // `out` is not owned and must outlive the Output.
  Output(OutputFormat format, std::FILE* out) : format_(format), out_(out) {}

  OutputFormat format() const { return format_; }

  // Show prints `response` as JSON, or `report` as text or CSV; `report` is
  // only called for text and CSV. Unavailable if standard output cannot be
  // written.
  template <typename MakeReport>
  absl::Status Show(const google::protobuf::Message& response, MakeReport report) {
    if (format_ == OutputFormat::kJson) return ShowJson(response);
    return ShowReport(report());
  }

  absl::Status ShowJson(const google::protobuf::Message& message);
  absl::Status ShowReport(const Report& report);

  // ShowText prints `text` as it is, for the rare text output that is not a
  // report (an API key alone on its line, so that it can go to a file).
  absl::Status ShowText(absl::string_view text) { return Write(text); }

  // StartItems prints the CSV header of a stream's items (nothing in the
  // other formats).
  absl::Status StartItems(const std::vector<Column>& columns);

  // ShowItem prints one stream item as `line`, a CSV `row` or JSON, and
  // flushes it, so that only what has left the process is acknowledged.
  absl::Status ShowItem(const google::protobuf::Message& item, absl::string_view line,
                        const std::vector<Value>& row);

 private:
  absl::Status Write(absl::string_view text);

  OutputFormat format_;
  std::FILE* out_;
};

}  // namespace walletctl

#endif  // WALLETCTL_OUTPUT_H_
