#include "walletctl/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace walletctl {
namespace {

// DisplayWidth counts code points, so that names in Indian scripts do not
// push the columns of a table apart as much as their UTF-8 byte counts would.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Pad(absl::string_view text, size_t width, Align align) {
  const std::string fill(width - std::min(width, DisplayWidth(text)), ' ');
  return align == Align::kRight ? absl::StrCat(fill, text) : absl::StrCat(text, fill);
}

std::string TextLine(const std::vector<std::string>& cells, const std::vector<Column>& columns,
                     const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += "  ";
    line += Pad(i < cells.size() ? cells[i] : "", widths[i], columns[i].align);
  }
  return absl::StrCat(absl::StripTrailingAsciiWhitespace(line), "\n");
}

std::string RenderFields(const std::vector<std::pair<std::string, Value>>& fields) {
  size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, DisplayWidth(name) + 1);
  std::string text;
  for (const auto& [name, value] : fields) {
    absl::StrAppend(&text, Pad(absl::StrCat(name, ":"), width, Align::kLeft), " ", value.text,
                    "\n");
  }
  return text;
}

std::string RenderTable(const Table& table) {
  const std::vector<Column>& columns = table.columns();
  std::vector<size_t> widths;
  std::vector<std::string> titles;
  for (const Column& column : columns) {
    widths.push_back(DisplayWidth(column.title));
    titles.push_back(column.title);
  }
  std::vector<std::vector<std::string>> rows;
  for (const std::vector<Value>& row : table.rows()) {
    std::vector<std::string>& cells = rows.emplace_back();
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i].text));
      cells.push_back(row[i].text);
    }
  }
  std::string text = TextLine(titles, columns, widths);
  for (const std::vector<std::string>& cells : rows) {
    absl::StrAppend(&text, TextLine(cells, columns, widths));
  }
  if (rows.empty()) absl::StrAppend(&text, "(none)\n");
  return text;
}

std::string CsvCell(absl::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(cell);
  return absl::StrCat("\"", absl::StrReplaceAll(cell, {{"\"", "\"\""}}), "\"");
}

std::string CsvName(absl::string_view title) {
  std::string name;
  for (char c : title) {
    if (absl::ascii_isalnum(c)) {
      name.push_back(absl::ascii_tolower(c));
    } else if (!name.empty() && name.back() != '_') {
      name.push_back('_');
    }
  }
  return std::string(absl::StripSuffix(name, "_"));
}

}  // namespace

Value PlainValue(absl::string_view text) { return Value{std::string(text), std::string(text)}; }

Report& Report::Add(absl::string_view name, Value value) {
  fields_.emplace_back(std::string(name), std::move(value));
  return *this;
}

Table& Report::SetTable(std::vector<Column> columns) {
  table_.emplace(std::move(columns));
  return *table_;
}

std::string RenderText(const Report& report) {
  std::string text = RenderFields(report.fields());
  if (report.table().has_value()) {
    if (!text.empty()) text += "\n";
    absl::StrAppend(&text, RenderTable(*report.table()));
  }
  return text;
}

std::string CsvHeader(const std::vector<Column>& columns) {
  std::vector<std::string> names;
  for (const Column& column : columns) names.push_back(CsvCell(CsvName(column.title)));
  return absl::StrCat(absl::StrJoin(names, ","), "\n");
}

std::string CsvRow(const std::vector<Value>& row) {
  std::vector<std::string> cells;
  for (const Value& value : row) cells.push_back(CsvCell(value.csv));
  return absl::StrCat(absl::StrJoin(cells, ","), "\n");
}

std::string RenderCsv(const Report& report) {
  if (report.table().has_value()) {
    const Table& table = *report.table();
    std::string text = CsvHeader(table.columns());
    for (std::vector<Value> row : table.rows()) {
      row.resize(table.columns().size());
      absl::StrAppend(&text, CsvRow(row));
    }
    return text;
  }
  std::string text = "field,value\n";
  for (const auto& [name, value] : report.fields()) {
    absl::StrAppend(&text, CsvRow({PlainValue(name), value}));
  }
  return text;
}

absl::StatusOr<std::string> RenderJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
      !status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print JSON: ", status.ToString()));
  }
  return json;
}

absl::Status Output::ShowJson(const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = RenderJson(message);
  if (!json.ok()) return json.status();
  return Write(absl::StrCat(*json, "\n"));
}

absl::Status Output::ShowReport(const Report& report) {
  return Write(format_ == OutputFormat::kCsv ? RenderCsv(report) : RenderText(report));
}

absl::Status Output::StartItems(const std::vector<Column>& columns) {
  if (format_ != OutputFormat::kCsv) return absl::OkStatus();
  return Write(CsvHeader(columns));
}

absl::Status Output::ShowItem(const google::protobuf::Message& item, absl::string_view line,
                              const std::vector<Value>& row) {
  switch (format_) {
    case OutputFormat::kJson:
      return ShowJson(item);
    case OutputFormat::kCsv:
      return Write(CsvRow(row));
    case OutputFormat::kText:
      break;
  }
  return Write(absl::StrCat(line, "\n"));
}

absl::Status Output::Write(absl::string_view text) {
  // Flushed at once: a stream acknowledges only what has left the process,
  // and a failed write (a closed pipe, a full disk) must fail the command.
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size() || std::fflush(out_) != 0) {
    return absl::UnavailableError("cannot write to standard output");
  }
  return absl::OkStatus();
}

}  // namespace walletctl
