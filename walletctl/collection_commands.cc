// Collection of post-paid dues: import the billing system's dues file,
// list defaulters (admin key), and take payments toward dues at a counter
// (admin key) or through a retailer (retailer key, or admin naming it).
#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/dues_csv.h"
#include "walletctl/format.h"
#include "walletctl/report_parts.h"
#include "walletctl/selection_flags.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using CollectionStub = v1::CollectionService::Stub;
using RetailerStub = v1::RetailerService::Stub;

// Rows walletd takes in one chunk at most.
constexpr int64_t kMaxChunkRows = 10'000;
// Rejected rows shown on standard error when they are not written to a file.
constexpr int kRejectionsShown = 20;

constexpr FlagSpec kDuesFile =
    TextFlag("file", "PATH",
             "The billing system's dues file: CSV with the header "
             "meter_id,principal,surcharge,unpaid_bills,oldest_due_date; amounts in rupees.");
constexpr FlagSpec kImportId = IdFlag(
    "import_id", "Id of this import; sending the same file again under it applies nothing twice.");
constexpr FlagSpec kAsOf =
    TypedFlag(ValueType::kTime, "as_of", "YYYY-MM-DDTHH:MM:SS",
              "When the billing system took the snapshot (IST); payments through the wallet "
              "after it are deducted.")
        .WithDefault("when walletd receives the import");
constexpr FlagSpec kSource =
    TextFlag("source", "TEXT", "Where the file came from, recorded with the import.")
        .WithDefault("the file's name");
constexpr FlagSpec kErrorsFile =
    TextFlag("errors", "PATH",
             "Write every rejected row (line, meter, code, reason) to this CSV file.")
        .WithDefault("the first rejections on standard error");
constexpr FlagSpec kChunkRows =
    IntFlag("chunk_rows", "N", "Rows sent per chunk; each is applied before the next.", 1,
            kMaxChunkRows)
        .WithDefault("10000");
constexpr FlagSpec kReceipt =
    TextFlag("receipt", "TEXT", "The counter's receipt number, recorded with the payment.");
constexpr FlagSpec kPayingRetailer =
    kRetailer.WithDefault("a retailer key's own; an admin key must name it");

// ---------------------------------------------------------------------------
// import-dues

// One rejected row, as the errors file lists it.
struct Rejection {
  int64_t line = 0;
  std::string meter_id;
  std::string code;
  std::string message;
};

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ProgressLine(const v1::ImportDuesProgress& totals) {
  return absl::StrCat("imported ", totals.rows_seen(), " rows: ", totals.rows_applied(),
                      " applied, ", totals.rows_unchanged(), " unchanged, ", totals.rows_rejected(),
                      " rejected");
}

// DuesImport sends one file: the header, then chunks, each answered before
// the next is sent.
class DuesImport {
 public:
  DuesImport(Context& context, int64_t chunk_rows) : context_(context), chunk_rows_(chunk_rows) {}

  // Run streams the rows of `in` (after its header). Returns the call's
  // failure, if any; what was answered before stays in totals().
  absl::Status Run(const v1::DuesImportHeader& header, std::istream& in) {
    grpc::ClientContext call;
    stream_ = context_.OpenStream(&CollectionStub::ImportDues, call);
    v1::ImportDuesRequest first;
    *first.mutable_header() = header;
    bool open = stream_->Write(first);
    std::string line;
    for (int64_t number = 2; open && std::getline(in, line); ++number) {
      DuesLine parsed = ParseDuesLine(number, line);
      if (parsed.problem) {
        rejected_.push_back({parsed.problem->line, parsed.problem->meter_id, "INVALID_ARGUMENT",
                             absl::StrCat("not sent: ", parsed.problem->message)});
        ++not_sent_;
      } else if (parsed.row) {
        chunk_.mutable_chunk()->add_rows()->Swap(&*parsed.row);
        if (chunk_.chunk().rows_size() >= chunk_rows_) open = SendChunk();
      }
    }
    if (open && chunk_.chunk().rows_size() > 0) open = SendChunk();
    if (open) stream_->WritesDone();
    const grpc::Status status = stream_->Finish();
    context_.EndProgress();
    return FromGrpc(status);
  }

  const v1::ImportDuesProgress& totals() const { return totals_; }
  int64_t not_sent() const { return not_sent_; }
  std::vector<Rejection>& rejected() { return rejected_; }

 private:
  // SendChunk sends the rows gathered and reads their answer; false once
  // the call has ended.
  bool SendChunk() {
    if (!stream_->Write(chunk_)) return false;
    chunk_.mutable_chunk()->clear_rows();
    v1::ImportDuesProgress progress;
    if (!stream_->Read(&progress)) return false;
    for (const v1::DuesRowError& error : progress.errors()) {
      rejected_.push_back({error.line(), error.meter_id(),
                           absl::StatusCodeToString(static_cast<absl::StatusCode>(error.code())),
                           error.message()});
    }
    progress.clear_errors();
    totals_ = std::move(progress);
    context_.Progress(ProgressLine(totals_));
    return true;
  }

  Context& context_;
  const int64_t chunk_rows_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ImportDuesRequest, v1::ImportDuesProgress>> stream_;
  v1::ImportDuesRequest chunk_;
  v1::ImportDuesProgress totals_;
  int64_t not_sent_ = 0;
  std::vector<Rejection> rejected_;
};

absl::Status WriteRejections(const std::string& path, std::vector<Rejection>& rejected) {
  std::sort(rejected.begin(), rejected.end(),
            [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
  std::ofstream out(path, std::ios::trunc);
  // CsvHeader and CsvRow end their lines.
  out << CsvHeader({{"LINE"}, {"METER ID"}, {"CODE"}, {"MESSAGE"}});
  for (const Rejection& r : rejected) {
    out << CsvRow({PlainValue(absl::StrCat(r.line)), PlainValue(r.meter_id), PlainValue(r.code),
                   PlainValue(r.message)});
  }
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write the rejected rows to ", path));
  return absl::OkStatus();
}

Report ImportSummary(const v1::ImportDuesProgress& totals, int64_t not_sent,
                     const std::string& errors_file) {
  Report report;
  report.Add("import", PlainValue(totals.import_id()))
      .Add("rows", PlainValue(absl::StrCat(totals.rows_seen() + not_sent)))
      .Add("applied", PlainValue(absl::StrCat(totals.rows_applied())))
      .Add("unchanged", PlainValue(absl::StrCat(totals.rows_unchanged())))
      .Add("rejected by walletd", PlainValue(absl::StrCat(totals.rows_rejected())))
      .Add("not sent (unreadable)", PlainValue(absl::StrCat(not_sent)))
      .Add("principal posted", MoneyValue(totals.principal_posted_paise(), /*plus=*/true))
      .Add("surcharge posted", MoneyValue(totals.surcharge_posted_paise(), /*plus=*/true))
      .Add("rejected rows", OrDashValue(errors_file));
  return report;
}

absl::Status ImportDues(const Args& args, Context& context) {
  const std::string path = args.Text(kDuesFile);
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("cannot read ", path));
  std::string header_line;
  std::getline(in, header_line);
  // A byte-order mark, as spreadsheets write one.
  if (absl::StartsWith(header_line, "\xEF\xBB\xBF")) header_line.erase(0, 3);
  if (absl::Status header = CheckDuesHeader(header_line); !header.ok()) {
    return UsageError(absl::StrCat(path, ": ", header.message()));
  }
  const std::string errors_file = args.Text(kErrorsFile);
  if (!errors_file.empty() && !std::ofstream(errors_file, std::ios::app)) {
    return UsageError(absl::StrCat("cannot write ", errors_file));
  }
  v1::DuesImportHeader header;
  header.set_import_id(args.Text(kImportId));
  header.set_source(args.Has(kSource) ? args.Text(kSource) : BaseName(path));
  if (std::optional<absl::Time> as_of = args.Time(kAsOf)) {
    const int64_t micros = absl::ToUnixMicros(*as_of);
    header.mutable_as_of_time()->set_seconds(micros / 1'000'000);
  }
  DuesImport import(context, args.Int(kChunkRows, kMaxChunkRows));
  const absl::Status sent = import.Run(header, in);
  std::vector<Rejection>& rejected = import.rejected();
  if (!errors_file.empty()) {
    if (absl::Status written = WriteRejections(errors_file, rejected); !written.ok()) {
      return written;
    }
  } else {
    for (size_t i = 0; i < rejected.size() && i < kRejectionsShown; ++i) {
      context.Note(absl::StrCat("line ", rejected[i].line, " (", OrDash(rejected[i].meter_id),
                                "): ", rejected[i].code, ": ", rejected[i].message));
    }
    if (rejected.size() > kRejectionsShown) {
      context.Note(absl::StrCat("... and ", rejected.size() - kRejectionsShown,
                                " more rejected rows (--errors=FILE lists them all)"));
    }
  }
  if (!sent.ok()) return sent;
  if (absl::Status shown = context.output().Show(
          import.totals(),
          [&] { return ImportSummary(import.totals(), import.not_sent(), errors_file); });
      !shown.ok()) {
    return shown;
  }
  if (!rejected.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(rejected.size(), " rows were rejected and changed nothing",
                     errors_file.empty() ? "" : absl::StrCat("; see ", errors_file)));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// defaulters

std::string PlaceText(const v1::Meter& meter) {
  return absl::StrCat(meter.circle(), "/", meter.division(), "/", meter.subdivision());
}

std::string HoldText(v1::Hold hold) {
  return hold == v1::HOLD_NONE ? "-" : EnumText(*v1::Hold_descriptor(), hold, "HOLD_");
}

Report DefaultersReport(const v1::ListDefaultersResponse& response) {
  Report report;
  Table& table = report.SetTable({{"METER"},
                                  {"NAME"},
                                  {"CATEGORY"},
                                  {"CIRCLE/DIVISION/SUBDIVISION"},
                                  {"MODE"},
                                  {"PRINCIPAL", Align::kRight},
                                  {"SURCHARGE", Align::kRight},
                                  {"DUES", Align::kRight},
                                  {"BILLS", Align::kRight},
                                  {"OLDEST DUE"},
                                  {"BALANCE", Align::kRight},
                                  {"RELAY"},
                                  {"HOLD"},
                                  {"CT"}});
  for (const v1::Defaulter& d : response.defaulters()) {
    const v1::Meter& meter = d.meter();
    table.AddRow({PlainValue(meter.meter_id()), PlainValue(d.consumer_name()),
                  PlainValue(EnumText(*v1::Category_descriptor(), meter.category())),
                  PlainValue(PlaceText(meter)),
                  PlainValue(EnumText(*v1::BillingMode_descriptor(), meter.billing_mode())),
                  MoneyValue(d.principal_paise()), MoneyValue(d.surcharge_paise()),
                  MoneyValue(d.dues_paise()), PlainValue(absl::StrCat(d.unpaid_bills())),
                  OrDashValue(d.oldest_due_date()), MoneyValue(d.balance_paise()),
                  PlainValue(RelayStateText(d.relay())), PlainValue(HoldText(d.hold())),
                  PlainValue(YesNo(meter.ct_operated()))});
  }
  return report;
}

absl::Status Defaulters(const Args& args, Context& context) {
  absl::StatusOr<v1::Selection> selection = SelectionOf(args);
  if (!selection.ok()) return selection.status();
  v1::ListDefaultersRequest request;
  *request.mutable_selection() = *std::move(selection);
  absl::StatusOr<v1::ListDefaultersResponse> response =
      context.List(&CollectionStub::ListDefaulters, request, PagingOf(args),
                   &v1::ListDefaultersResponse::mutable_defaulters);
  if (!response.ok()) return response.status();
  if (absl::Status shown = context.Show(*response, DefaultersReport); !shown.ok()) return shown;
  // The count and total of the whole selection, after the rows: on standard
  // output for people, on standard error beside CSV (JSON has them).
  const std::string totals =
      absl::StrCat("count: ", response->total_count(),
                   "  total dues: ", FormatPaise(response->total_dues_paise()));
  if (context.output().format() == OutputFormat::kText) {
    if (absl::Status shown = context.output().ShowText(absl::StrCat("\n", totals, "\n"));
        !shown.ok()) {
      return shown;
    }
  } else if (context.output().format() == OutputFormat::kCsv) {
    context.Note(totals);
  }
  if (!response->next_page_token().empty()) {
    context.Note(absl::StrCat("more: --page_token=", response->next_page_token(), " (or --all)"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// payments

Report DuesPaidReport(const v1::PayDuesResponse& response) {
  return ReportOf(AddDuesPaidFields, response);
}

absl::Status PayDues(const Args& args, Context& context) {
  auto request = MeterAmountRequest<v1::PayDuesRequest>(args, context);
  request.set_receipt(args.Text(kReceipt));
  return context.Run(&CollectionStub::PayDuesAtCounter, request, DuesPaidReport);
}

absl::Status RetailerPayDues(const Args& args, Context& context) {
  auto request = MeterAmountRequest<v1::RetailerPayDuesRequest>(args, context);
  request.set_retailer_id(args.Text(kPayingRetailer));
  return context.Run(&RetailerStub::PayDues, request, DuesPaidReport);
}

}  // namespace

CommandGroup CollectionCommands() {
  return {"Collection of dues",
          {
              {"import-dues",
               "Import the billing system's dues file: what each meter owes.",
               kAdminKey,
               {Required(kDuesFile), Required(kImportId), Optional(kAsOf), Optional(kSource),
                Optional(kErrorsFile), Optional(kChunkRows)},
               ImportDues,
               "Each row is what the meter owes as of the snapshot (not an increment): walletd "
               "posts the difference to what it holds, less what was paid through the wallet "
               "after --as_of. Rows go in chunks, each applied and durable before the next is "
               "sent; a live progress line shows on standard error. A rejected row (unknown "
               "meter, bad amount or date, a meter twice in the file, a line walletd cannot "
               "read) changes nothing: the summary counts them, --errors writes them to a CSV "
               "file, and walletctl exits 1. Sending the file again under the same --import_id "
               "applies nothing twice and reports the same rejections."},
              {"defaulters", "List meters owing dues that match a selection, largest dues first.",
               kAdminKey,
               WithPaging(SelectionFlags()),
               Defaulters,
               "Every flag given narrows the selection. The count and total dues of the whole "
               "selection follow the rows (on standard error with --output=csv)."},
              {"pay-dues",
               "Take a payment toward a meter's dues at the utility's cash counter.",
               kAdminKey,
               {Required(kMeter), AmountUse(), Optional(kReceipt), Optional(kRequestId)},
               PayDues,
               "The payment goes to the principal first, then to the surcharge; it may be "
               "partial, and may not exceed the dues owed (FAILED_PRECONDITION). The consumer "
               "gets an SMS receipt."},
              {"retailer-pay-dues",
               "Pay toward a meter's dues from a retailer's float (no commission).",
               kRetailerKey,
               {Required(kMeter), AmountUse(), Optional(kPayingRetailer), Optional(kRequestId)},
               RetailerPayDues,
               "As pay-dues, from the float: its limit applies (FAILED_PRECONDITION when it "
               "would be exceeded)."},
          }};
}

}  // namespace walletctl
