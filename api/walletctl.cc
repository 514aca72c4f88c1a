// walletctl: command-line client for walletd's admin and retailer APIs, with
// the consumer, payment-gateway and meter-gateway calls an operator needs for
// demos and for checking a meter by hand.
//
// Each command sends one unary RPC (a paged list with --all sends several) and
// prints the response for a person, or as JSON with --json; the two stream
// commands print one line (or one JSON object) per item received. Amounts are
// typed in rupees and parsed exactly into int64 paise; they never pass through
// a floating-point value.
//
// Example:
//   walletctl --api_key_file=admin.key recharge --retailer=R1 --meter=MTR001 --amount=350.50
//
// Exit status: 0 on success, 1 when a call fails (or check-ledger finds a
// mismatch, or ingest's reading is rejected), 2 for a usage error.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "wallet/money.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

// Global flags: where and as whom to connect, and how to print.
ABSL_FLAG(std::string, server, "127.0.0.1:50051", "walletd address, host:port.");
ABSL_FLAG(std::string, api_key, "",
          "API key, sent as call metadata x-api-key. Prefer --api_key_file: a "
          "command line is visible to other users of the machine.");
ABSL_FLAG(std::string, api_key_file, "",
          "File holding the API key; trailing whitespace is ignored.");
ABSL_FLAG(bool, json, false,
          "Print the response as JSON (proto field names, zero values "
          "included; int64 values are strings).");
ABSL_FLAG(int32_t, timeout_ms, 10000, "Deadline of each RPC, in milliseconds.");

// Command flags. Each command reads the ones it uses; setting any other is a
// usage error, so that a flag meant for another command is never silently
// dropped.
ABSL_FLAG(std::string, request_id, "",
          "Idempotency key of a mutating call. Generated (and printed) when "
          "omitted; repeat it to retry safely.");
ABSL_FLAG(std::string, meter, "", "Meter id.");
ABSL_FLAG(std::string, consumer, "", "Consumer id.");
ABSL_FLAG(std::string, name, "", "Consumer or retailer name.");
ABSL_FLAG(std::string, phone, "", "Consumer phone, digits with optional leading +.");
ABSL_FLAG(std::string, category, "", "Meter category: domestic|commercial|government|industrial.");
ABSL_FLAG(std::string, circle, "", "Circle of the meter.");
ABSL_FLAG(std::string, division, "", "Division of the meter.");
ABSL_FLAG(std::string, subdivision, "", "Subdivision of the meter.");
ABSL_FLAG(int64_t, load_w, 0, "Sanctioned load in watts.");
ABSL_FLAG(std::string, tariff, "", "Tariff id.");
ABSL_FLAG(std::string, arrears, "", "Opening arrears in rupees (register-meter).");
ABSL_FLAG(std::string, min_arrears, "",
          "Only meters owing at least this many rupees (list-meters).");
ABSL_FLAG(std::string, amount, "", "Amount in rupees, at most 2 decimals: 350 or 350.50.");
ABSL_FLAG(std::string, amount_paise, "", "Amount in paise, instead of --amount.");
ABSL_FLAG(std::string, direction, "", "Adjustment direction: credit|debit.");
ABSL_FLAG(std::string, reason, "",
          "Reason for an adjustment (shown in the journal), a hold, or a relay "
          "outcome.");
ABSL_FLAG(std::string, retailer, "", "Retailer id.");
ABSL_FLAG(int32_t, commission_bps, -1,
          "Retailer commission in basis points (100 = 1 %); -1 uses the "
          "server's default.");
ABSL_FLAG(std::string, float_limit, "",
          "Credit a retailer float may use, in rupees: 5000 lets the float go "
          "down to Rs -5,000.00. Default: no credit.");
ABSL_FLAG(std::string, reference, "", "Reference of a float top-up, e.g. deposit slip no.");
ABSL_FLAG(std::string, account, "", "Ledger account, e.g. meter:MTR001 or retailer:R1.");
ABSL_FLAG(std::string, role, "",
          "API key role: admin|retailer|consumer|payment_gateway|meter_gateway.");
ABSL_FLAG(std::string, subject, "", "Retailer or consumer id an API key acts for.");
ABSL_FLAG(std::string, label, "", "Free-text label of an API key.");
ABSL_FLAG(std::string, date, "", "Statement date YYYY-MM-DD (IST). Default: today.");
ABSL_FLAG(std::string, payment_id, "", "Payment gateway's payment id.");
ABSL_FLAG(std::string, order_id, "", "Recharge order id.");
ABSL_FLAG(int32_t, page_size, 0, "Page size of a list (0: server default, at most 1000).");
ABSL_FLAG(std::string, page_token, "", "Continue a list from this token.");
ABSL_FLAG(bool, all, false, "Follow next_page_token and print every page.");
ABSL_FLAG(std::string, hold, "", "Admin hold: none|never_disconnect|keep_disconnected.");
ABSL_FLAG(int64_t, register_wh, -1, "Meter register reading in Wh (ingest).");
ABSL_FLAG(std::string, at, "", "Meter time of a reading, YYYY-MM-DDTHH:MM:SS (IST). Default: now.");
ABSL_FLAG(std::string, kind, "", "Reading kind: normal|reset|replaced. Default: normal.");
ABSL_FLAG(std::string, batch_id, "",
          "Idempotency key of a readings batch. Generated (and printed) when "
          "omitted; repeat it to retry safely.");
ABSL_FLAG(bool, follow, false,
          "Keep a stream open and print items as they come, until interrupted.");
ABSL_FLAG(bool, ack, false,
          "Acknowledge each streamed item after printing it, so that it is not "
          "delivered again.");
ABSL_FLAG(int32_t, max, 0, "Stop a stream after this many items (0: no limit).");
ABSL_FLAG(std::string, command_id, "", "Relay command id.");
ABSL_FLAG(std::string, result, "", "Relay outcome: confirmed|armed|failed|offline.");
ABSL_FLAG(std::string, state, "",
          "Relay state read back from the meter: "
          "connected|disconnected|armed|offline|unknown.");

namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;
using ConsumerStub = v1::ConsumerService::Stub;
using IngestStub = v1::MeterIngestService::Stub;
using MeterGatewayStub = v1::MeterGatewayService::Stub;
using NotificationStub = v1::NotificationService::Stub;
using PaymentStub = v1::PaymentGatewayService::Stub;
using RetailerStub = v1::RetailerService::Stub;
using google::protobuf::util::TimeUtil;

// CommandFlags lists every command flag, for Args::Finish's check that no
// flag was set that the command does not read. Add new command flags here.
const std::vector<const absl::CommandLineFlag*>& CommandFlags() {
  static const auto* const flags = new std::vector<const absl::CommandLineFlag*>{
      &absl::GetFlagReflectionHandle(FLAGS_request_id),
      &absl::GetFlagReflectionHandle(FLAGS_meter),
      &absl::GetFlagReflectionHandle(FLAGS_consumer),
      &absl::GetFlagReflectionHandle(FLAGS_name),
      &absl::GetFlagReflectionHandle(FLAGS_phone),
      &absl::GetFlagReflectionHandle(FLAGS_category),
      &absl::GetFlagReflectionHandle(FLAGS_circle),
      &absl::GetFlagReflectionHandle(FLAGS_division),
      &absl::GetFlagReflectionHandle(FLAGS_subdivision),
      &absl::GetFlagReflectionHandle(FLAGS_load_w),
      &absl::GetFlagReflectionHandle(FLAGS_tariff),
      &absl::GetFlagReflectionHandle(FLAGS_arrears),
      &absl::GetFlagReflectionHandle(FLAGS_min_arrears),
      &absl::GetFlagReflectionHandle(FLAGS_amount),
      &absl::GetFlagReflectionHandle(FLAGS_amount_paise),
      &absl::GetFlagReflectionHandle(FLAGS_direction),
      &absl::GetFlagReflectionHandle(FLAGS_reason),
      &absl::GetFlagReflectionHandle(FLAGS_retailer),
      &absl::GetFlagReflectionHandle(FLAGS_commission_bps),
      &absl::GetFlagReflectionHandle(FLAGS_float_limit),
      &absl::GetFlagReflectionHandle(FLAGS_reference),
      &absl::GetFlagReflectionHandle(FLAGS_account),
      &absl::GetFlagReflectionHandle(FLAGS_role),
      &absl::GetFlagReflectionHandle(FLAGS_subject),
      &absl::GetFlagReflectionHandle(FLAGS_label),
      &absl::GetFlagReflectionHandle(FLAGS_date),
      &absl::GetFlagReflectionHandle(FLAGS_payment_id),
      &absl::GetFlagReflectionHandle(FLAGS_order_id),
      &absl::GetFlagReflectionHandle(FLAGS_page_size),
      &absl::GetFlagReflectionHandle(FLAGS_page_token),
      &absl::GetFlagReflectionHandle(FLAGS_all),
      &absl::GetFlagReflectionHandle(FLAGS_hold),
      &absl::GetFlagReflectionHandle(FLAGS_register_wh),
      &absl::GetFlagReflectionHandle(FLAGS_at),
      &absl::GetFlagReflectionHandle(FLAGS_kind),
      &absl::GetFlagReflectionHandle(FLAGS_batch_id),
      &absl::GetFlagReflectionHandle(FLAGS_follow),
      &absl::GetFlagReflectionHandle(FLAGS_ack),
      &absl::GetFlagReflectionHandle(FLAGS_max),
      &absl::GetFlagReflectionHandle(FLAGS_command_id),
      &absl::GetFlagReflectionHandle(FLAGS_result),
      &absl::GetFlagReflectionHandle(FLAGS_state),
  };
  return *flags;
}

// ---------------------------------------------------------------------------
// Errors

// Usage errors carry this payload so that main can tell them (exit 2) from a
// server's INVALID_ARGUMENT (exit 1).
constexpr absl::string_view kUsagePayload = "type.walletctl/usage";

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

// gRPC and Abseil share the canonical code numbers, so the conversion keeps
// the code and StatusCodeToString prints gRPC's name for it.
absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// ---------------------------------------------------------------------------
// Parsing command-line values

const absl::TimeZone& Ist() {
  static const auto* const zone = new absl::TimeZone(absl::FixedTimeZone(19800));
  return *zone;
}

bool AllDigits(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// ParsePaise parses a non-negative integer number of paise.
absl::StatusOr<int64_t> ParsePaise(absl::string_view text) {
  int64_t paise = 0;
  // SimpleAtoi alone would accept a sign and surrounding spaces.
  if (text.empty() || !AllDigits(text) || !absl::SimpleAtoi(text, &paise)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a whole number of paise"));
  }
  return paise;
}

using wallet::ParseRupees;

// Unspecified is true of a proto3 enum's "not set" value: 0 named
// *_UNSPECIFIED. Other zeros (HOLD_NONE, RELAY_UNKNOWN) are real values.
bool Unspecified(const google::protobuf::EnumValueDescriptor& value) {
  return value.number() == 0 && absl::EndsWith(value.name(), "UNSPECIFIED");
}

// EnumText is an enum value's proto name in lower case without `prefix`, e.g.
// ROLE_PAYMENT_GATEWAY -> "payment_gateway"; unknown numbers print as numbers.
std::string EnumText(const google::protobuf::EnumDescriptor& type, int value,
                     absl::string_view prefix = "") {
  const google::protobuf::EnumValueDescriptor* found = type.FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  return absl::AsciiStrToLower(absl::StripPrefix(found->name(), prefix));
}

// ParseEnum is the inverse of EnumText, case-insensitive and with '-' for
// '_'. The unspecified value (see Unspecified) is never accepted.
absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor& type, absl::string_view text,
                              absl::string_view prefix = "") {
  const std::string name =
      absl::StrCat(prefix, absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  const google::protobuf::EnumValueDescriptor* found = type.FindValueByName(name);
  if (found != nullptr && !Unspecified(*found)) return found->number();
  std::vector<std::string> choices;
  for (int i = 0; i < type.value_count(); ++i) {
    if (!Unspecified(*type.value(i))) {
      choices.push_back(EnumText(type, type.value(i)->number(), prefix));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not one of ", absl::StrJoin(choices, "|")));
}

// ParseDate accepts a real calendar date written YYYY-MM-DD.
absl::Status ParseDate(absl::string_view text) {
  absl::Time time;
  std::string error;
  // The round trip rejects dates that ParseTime would normalise (02-30).
  if (text.size() != 10 || !absl::ParseTime("%Y-%m-%d", text, Ist(), &time, &error) ||
      absl::FormatTime("%Y-%m-%d", time, Ist()) != text) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a date YYYY-MM-DD"));
  }
  return absl::OkStatus();
}

// ReadingKinds names Reading.Kind values as people say them; the proto names
// (REGISTER_RESET, METER_REPLACED) share no prefix to strip.
const std::vector<std::pair<absl::string_view, v1::Reading::Kind>>& ReadingKinds() {
  static const auto* const kinds = new std::vector<std::pair<absl::string_view, v1::Reading::Kind>>{
      {"normal", v1::Reading::NORMAL},
      {"reset", v1::Reading::REGISTER_RESET},
      {"replaced", v1::Reading::METER_REPLACED},
  };
  return *kinds;
}

absl::StatusOr<v1::Reading::Kind> ParseReadingKind(absl::string_view text) {
  std::vector<absl::string_view> choices;
  for (const auto& [name, kind] : ReadingKinds()) {
    if (absl::EqualsIgnoreCase(text, name)) return kind;
    choices.push_back(name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not one of ", absl::StrJoin(choices, "|")));
}

// Format of --at, in IST.
constexpr absl::string_view kMeterTimeFormat = "%Y-%m-%dT%H:%M:%S";

// ParseMeterTime accepts a real IST time written YYYY-MM-DDTHH:MM:SS and
// returns it in microseconds since the Unix epoch.
absl::StatusOr<int64_t> ParseMeterTime(absl::string_view text) {
  absl::Time time;
  std::string error;
  // As in ParseDate, the round trip rejects what ParseTime would normalise.
  if (!absl::ParseTime(kMeterTimeFormat, text, Ist(), &time, &error) ||
      absl::FormatTime(kMeterTimeFormat, time, Ist()) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a time YYYY-MM-DDTHH:MM:SS"));
  }
  return absl::ToUnixMicros(time);
}

std::string NewRequestId() {
  std::random_device random;
  return absl::StrCat("ctl-", absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()),
                      "-", absl::Hex(random(), absl::kZeroPad8));
}

// Paging is what a list command asked for: one page, or every page with --all.
struct Paging {
  int32_t page_size = 0;
  std::string page_token;
  bool all = false;
};

// Streaming is what a stream command asked for: drain what is waiting, or
// --follow; acknowledge or not; at most `max` items (0: no limit).
struct Streaming {
  bool follow = false;
  bool ack = false;
  int32_t max = 0;
};

// Args reads one command's flags. It collects every problem instead of
// stopping at the first, so that one usage error names all of them, and it
// remembers which flags the command read, so that Finish can refuse flags the
// command would ignore.
class Args {
 public:
  explicit Args(absl::string_view command) : command_(command) {}

  // Get returns a flag's value as given (or its default).
  template <typename T>
  T Get(const absl::Flag<T>& flag) {
    used_.insert(&absl::GetFlagReflectionHandle(flag));
    return absl::GetFlag(flag);
  }

  // Required returns a string flag's value; empty records a problem.
  std::string Required(const absl::Flag<std::string>& flag) {
    std::string value = Get(flag);
    if (value.empty()) {
      problems_.push_back(absl::StrCat("--", Name(flag), " is required"));
    }
    return value;
  }

  // Rupees returns an optional rupee flag in paise; 0 when not given.
  int64_t Rupees(const absl::Flag<std::string>& flag) {
    const std::string text = Get(flag);
    if (text.empty()) return 0;
    return Check(Name(flag), ParseRupees(text), 0);
  }

  // Amount returns the required, positive amount given by exactly one of
  // --amount (rupees) and --amount_paise.
  int64_t Amount() {
    const std::string rupees = Get(FLAGS_amount);
    const std::string paise = Get(FLAGS_amount_paise);
    if (rupees.empty() == paise.empty()) {
      problems_.push_back("give exactly one of --amount=RUPEES and --amount_paise=N");
      return 0;
    }
    const int64_t amount = rupees.empty() ? Check(Name(FLAGS_amount_paise), ParsePaise(paise), -1)
                                          : Check(Name(FLAGS_amount), ParseRupees(rupees), -1);
    if (amount == 0) problems_.push_back("the amount must be more than zero");
    return amount;
  }

  // RequestId returns --request_id or a fresh one, which Finish announces.
  std::string RequestId() { return IdempotencyKey(FLAGS_request_id); }

  // BatchId returns --batch_id or a fresh one, which Finish announces.
  std::string BatchId() { return IdempotencyKey(FLAGS_batch_id); }

  // Category returns --category; absent is CATEGORY_UNSPECIFIED, which is a
  // problem only if `required`.
  v1::Category Category(bool required) {
    const std::string text = required ? Required(FLAGS_category) : Get(FLAGS_category);
    if (text.empty()) return v1::CATEGORY_UNSPECIFIED;
    return static_cast<v1::Category>(
        Check(Name(FLAGS_category), ParseEnum(*v1::Category_descriptor(), text), 0));
  }

  v1::Role Role() {
    const std::string text = Required(FLAGS_role);
    if (text.empty()) return v1::ROLE_UNSPECIFIED;
    return static_cast<v1::Role>(
        Check(Name(FLAGS_role), ParseEnum(*v1::Role_descriptor(), text, "ROLE_"), 0));
  }

  v1::AdjustBalanceRequest::Direction Direction() {
    const std::string text = Required(FLAGS_direction);
    if (text.empty()) return v1::AdjustBalanceRequest::DIRECTION_UNSPECIFIED;
    return static_cast<v1::AdjustBalanceRequest::Direction>(
        Check(Name(FLAGS_direction),
              ParseEnum(*v1::AdjustBalanceRequest::Direction_descriptor(), text), 0));
  }

  // Hold returns the required --hold; HOLD_NONE lifts a hold.
  v1::Hold Hold() {
    const std::string text = Required(FLAGS_hold);
    if (text.empty()) return v1::HOLD_NONE;
    return static_cast<v1::Hold>(
        Check(Name(FLAGS_hold), ParseEnum(*v1::Hold_descriptor(), text, "HOLD_"), 0));
  }

  v1::RelayOutcome::Result RelayResult() {
    const std::string text = Required(FLAGS_result);
    if (text.empty()) return v1::RelayOutcome::RESULT_UNSPECIFIED;
    return static_cast<v1::RelayOutcome::Result>(
        Check(Name(FLAGS_result), ParseEnum(*v1::RelayOutcome::Result_descriptor(), text), 0));
  }

  v1::RelayState RelayState() {
    const std::string text = Required(FLAGS_state);
    if (text.empty()) return v1::RELAY_UNKNOWN;
    return static_cast<v1::RelayState>(
        Check(Name(FLAGS_state), ParseEnum(*v1::RelayState_descriptor(), text, "RELAY_"), 0));
  }

  // ReadingKind returns --kind; absent is NORMAL.
  v1::Reading::Kind ReadingKind() {
    const std::string text = Get(FLAGS_kind);
    if (text.empty()) return v1::Reading::NORMAL;
    return Check(Name(FLAGS_kind), ParseReadingKind(text), v1::Reading::NORMAL);
  }

  // RegisterWh returns the required, non-negative --register_wh.
  int64_t RegisterWh() {
    const int64_t wh = Get(FLAGS_register_wh);
    if (wh < 0) problems_.push_back("--register_wh=WH is required, a whole number >= 0");
    return wh;
  }

  // MeterTimeUs returns --at in microseconds since the epoch, or the
  // current second, which Finish includes in its retry advice: a retried
  // batch must repeat the reading exactly.
  int64_t MeterTimeUs() {
    const std::string text = Get(FLAGS_at);
    if (!text.empty()) return Check(Name(FLAGS_at), ParseMeterTime(text), 0);
    const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
    defaulted_.push_back(
        absl::StrCat("--", Name(FLAGS_at), "=", absl::FormatTime(kMeterTimeFormat, now, Ist())));
    return absl::ToUnixMicros(now);
  }

  Streaming Stream() {
    Streaming streaming{Get(FLAGS_follow), Get(FLAGS_ack), Get(FLAGS_max)};
    if (streaming.max < 0) problems_.push_back("--max must not be negative");
    return streaming;
  }

  // Date returns --date, or today in IST.
  std::string Date() {
    const std::string text = Get(FLAGS_date);
    if (text.empty()) return absl::FormatTime("%Y-%m-%d", absl::Now(), Ist());
    if (absl::Status status = ParseDate(text); !status.ok()) {
      problems_.push_back(absl::StrCat("--", Name(FLAGS_date), ": ", status.message()));
    }
    return text;
  }

  Paging Pages() {
    Paging paging{Get(FLAGS_page_size), Get(FLAGS_page_token), Get(FLAGS_all)};
    if (paging.page_size < 0 || paging.page_size > 1000) {
      problems_.push_back("--page_size must be between 0 and 1000");
    }
    return paging;
  }

  // Finish returns a usage error naming every problem found so far and every
  // command flag that was set but not read. Call it after reading all flags
  // and before sending anything.
  absl::Status Finish() {
    if (!finished_) {
      finished_ = true;
      for (const absl::CommandLineFlag* flag : CommandFlags()) {
        if (used_.count(flag) == 0 && flag->CurrentValue() != flag->DefaultValue()) {
          problems_.push_back(absl::StrCat("--", flag->Name(), " does not apply to ", command_));
        }
      }
      // Announced only for a call that is really sent, and on stderr so that
      // --json output stays parseable.
      if (problems_.empty()) {
        for (const auto& [flag, id] : generated_ids_) {
          std::string retry = absl::StrCat("--", flag, "=", id);
          for (const std::string& setting : defaulted_) absl::StrAppend(&retry, " ", setting);
          absl::FPrintF(stderr, "%s: %s (pass %s to retry safely)\n",
                        absl::StrReplaceAll(flag, {{"_", " "}}), id, retry);
        }
      }
    }
    if (!problems_.empty()) return UsageError(absl::StrJoin(problems_, "; "));
    return absl::OkStatus();
  }

 private:
  template <typename T>
  static absl::string_view Name(const absl::Flag<T>& flag) {
    return absl::GetFlagReflectionHandle(flag).Name();
  }

  // IdempotencyKey returns `flag`'s value or a fresh id, which Finish
  // announces.
  std::string IdempotencyKey(const absl::Flag<std::string>& flag) {
    std::string id = Get(flag);
    if (id.empty()) {
      id = NewRequestId();
      generated_ids_.emplace_back(Name(flag), id);
    }
    return id;
  }

  // Check returns `value`'s value, or records its error against --`flag` and
  // returns `fallback` (whose type is not deduced, so literals fit).
  template <typename T>
  T Check(absl::string_view flag, const absl::StatusOr<T>& value,
          typename absl::StatusOr<T>::value_type fallback) {
    if (value.ok()) return *value;
    problems_.push_back(absl::StrCat("--", flag, ": ", value.status().message()));
    return fallback;
  }

  std::string command_;
  std::set<const absl::CommandLineFlag*> used_;
  std::vector<std::string> problems_;
  std::vector<std::pair<std::string, std::string>> generated_ids_;  // flag name, id
  std::vector<std::string> defaulted_;  // "--flag=value" for defaults a retry must repeat
  bool finished_ = false;
};

// ---------------------------------------------------------------------------
// Formatting for people

// FormatPaise renders paise as "Rs 1,23,456.78" or "-Rs 5.00"; `plus` marks
// positive amounts "+Rs", for journal deltas.
std::string FormatPaise(int64_t paise, bool plus = false) {
  return absl::StrCat(plus && paise > 0 ? "+" : "", wallet::FormatRupees(paise));
}

// FormatTime renders a time in IST; "-" when it is unset ("never").
std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S IST",
                          absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(time)), Ist());
}

std::string FormatBps(int32_t bps) {
  if (bps < 0) return absl::StrCat(bps, " bps");
  return absl::StrFormat("%d.%02d %% (%d bps)", bps / 100, bps % 100, bps);
}

std::string OrDash(absl::string_view text) { return text.empty() ? "-" : std::string(text); }

// DisplayWidth counts code points, so that names in Indian scripts do not
// push the columns of a table apart as much as their UTF-8 byte counts would.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Pad(absl::string_view text, size_t width, bool right) {
  const std::string fill(width - std::min(width, DisplayWidth(text)), ' ');
  return right ? absl::StrCat(fill, text) : absl::StrCat(text, fill);
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// PrintFields prints "key: value" lines with the values aligned.
void PrintFields(const Fields& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, key.size() + 1);
  for (const auto& [key, value] : fields) {
    absl::PrintF("%s %s\n", Pad(absl::StrCat(key, ":"), width, false), value);
  }
}

// Table prints rows under a header with aligned columns; amounts are
// right-aligned.
class Table {
 public:
  struct Column {
    std::string title;
    bool right = false;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void Print() const {
    std::vector<size_t> widths;
    for (const Column& column : columns_) widths.push_back(DisplayWidth(column.title));
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
        widths[i] = std::max(widths[i], DisplayWidth(row[i]));
      }
    }
    std::vector<std::string> titles;
    for (const Column& column : columns_) titles.push_back(column.title);
    PrintRow(titles, widths);
    for (const auto& row : rows_) PrintRow(row, widths);
    if (rows_.empty()) absl::PrintF("(none)\n");
  }

 private:
  void PrintRow(const std::vector<std::string>& row, const std::vector<size_t>& widths) const {
    std::string line;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) line += "  ";
      line += Pad(i < row.size() ? row[i] : "", widths[i], columns_[i].right);
    }
    absl::PrintF("%s\n", absl::StripTrailingAsciiWhitespace(line));
  }

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// MorePages tells the user how to continue a list that was not followed.
void MorePages(absl::string_view next_page_token) {
  if (next_page_token.empty()) return;
  absl::FPrintF(stderr, "more: --page_token=%s (or --all)\n", next_page_token);
}

// MemoOf is the transfer's memo with the duty it includes, if any.
std::string MemoOf(const v1::Transfer& transfer) {
  if (transfer.duty_paise() <= 0) return transfer.memo();
  return absl::StrCat(transfer.memo(), transfer.memo().empty() ? "" : ", ", "incl. duty ",
                      FormatPaise(transfer.duty_paise()));
}

std::string TransferSummary(const v1::Transfer& transfer) {
  std::string text = absl::StrFormat("#%d %s %s %s -> %s at %s", transfer.seq(),
                                     EnumText(*v1::TransferType_descriptor(), transfer.type()),
                                     FormatPaise(transfer.amount_paise()), transfer.debit_account(),
                                     transfer.credit_account(), FormatTime(transfer.create_time()));
  if (!transfer.request_ref().empty()) absl::StrAppend(&text, " ref ", transfer.request_ref());
  const std::string memo = MemoOf(transfer);
  if (!memo.empty()) absl::StrAppend(&text, " (", memo, ")");
  return text;
}

std::string LastRecharge(int64_t paise, const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::StrCat(FormatPaise(paise), " at ", FormatTime(time));
}

Fields MeterFields(const v1::Meter& meter, const v1::Consumer& consumer) {
  std::string who = OrDash(meter.consumer_id());
  if (!consumer.name().empty()) absl::StrAppend(&who, " ", consumer.name());
  if (!consumer.phone().empty()) absl::StrAppend(&who, " (", consumer.phone(), ")");
  return {
      {"meter", meter.meter_id()},
      {"consumer", who},
      {"category", EnumText(*v1::Category_descriptor(), meter.category())},
      {"location", absl::StrCat(OrDash(meter.circle()), " / ", OrDash(meter.division()), " / ",
                                OrDash(meter.subdivision()))},
      {"sanctioned load", absl::StrCat(meter.sanctioned_load_w(), " W")},
      {"tariff", OrDash(meter.tariff_id())},
      {"registered", FormatTime(meter.register_time())},
      {"last recharge", LastRecharge(meter.last_recharge_paise(), meter.last_recharge_time())},
  };
}

Fields RetailerFields(const v1::Retailer& retailer) {
  return {
      {"retailer", retailer.retailer_id()},
      {"name", retailer.name()},
      {"commission", FormatBps(retailer.commission_bps())},
      {"float limit", FormatPaise(retailer.float_limit_paise())},
      {"created", FormatTime(retailer.create_time())},
  };
}

Fields OrderFields(const v1::Order& order) {
  return {
      {"order", order.order_id()},
      {"meter", order.meter_id()},
      {"consumer", order.consumer_id()},
      {"amount", FormatPaise(order.amount_paise())},
      {"state", EnumText(*v1::OrderState_descriptor(), order.state(), "ORDER_")},
      {"created", FormatTime(order.create_time())},
      {"payment", OrDash(order.payment_id())},
      {"paid", FormatTime(order.pay_time())},
  };
}

// FormatKwh renders Wh as kWh with three decimals: 1234 -> "1.234 kWh".
std::string FormatKwh(int64_t wh) {
  const uint64_t magnitude = wh < 0 ? 0 - static_cast<uint64_t>(wh) : static_cast<uint64_t>(wh);
  return absl::StrFormat("%s%d.%03d kWh", wh < 0 ? "-" : "", magnitude / 1000, magnitude % 1000);
}

std::string RelayStateText(v1::RelayState state) {
  return EnumText(*v1::RelayState_descriptor(), state, "RELAY_");
}

// ActionText is "disconnect" or "reconnect"; "-" for no action.
std::string ActionText(v1::RelayAction action) {
  if (action == v1::RELAY_ACTION_UNSPECIFIED) return "-";
  return EnumText(*v1::RelayAction_descriptor(), action);
}

Fields MeterStateFields(const v1::MeterPolicyState& state) {
  std::string pending = "-";
  if (!state.pending_command_id().empty()) {
    pending =
        absl::StrCat(ActionText(state.pending_action()), " (", state.pending_command_id(), ")");
  }
  std::string month = FormatKwh(state.month_wh());
  if (state.month() != 0) {
    absl::StrAppend(&month,
                    absl::StrFormat(" in %04d-%02d", state.month() / 100, state.month() % 100));
  }
  return {
      {"relay", RelayStateText(state.relay())},
      {"pending command", pending},
      {"last action", ActionText(state.last_action())},
      {"hold", EnumText(*v1::Hold_descriptor(), state.hold(), "HOLD_")},
      {"register", state.has_reading() ? absl::StrCat(state.register_wh(), " Wh at meter time ",
                                                      FormatTime(state.read_time()))
                                       : std::string("- (no reading yet)")},
      {"month", month},
      {"exhausted since", FormatTime(state.exhaust_time())},
      {"notices sent", absl::StrCat(state.notices_sent())},
      {"prepaid since", FormatTime(state.prepaid_start_time())},
      {"quarantined", absl::StrCat(state.quarantined_readings(), " readings")},
      {"daily spend", absl::StrCat(FormatPaise(state.daily_spend_paise()), " (recent average)")},
  };
}

template <typename Entries>
void PrintJournal(const Entries& entries) {
  Table table({{"SEQ", true},
               {"TIME"},
               {"TYPE"},
               {"CHANGE", true},
               {"BALANCE", true},
               {"COUNTERPART"},
               {"REF"},
               {"MEMO"}});
  for (const v1::JournalEntry& entry : entries) {
    const v1::Transfer& transfer = entry.transfer();
    const std::string& counterpart = entry.account() == transfer.debit_account()
                                         ? transfer.credit_account()
                                         : transfer.debit_account();
    table.AddRow({absl::StrCat(transfer.seq()), FormatTime(transfer.create_time()),
                  EnumText(*v1::TransferType_descriptor(), transfer.type()),
                  FormatPaise(entry.delta_paise(), /*plus=*/true),
                  FormatPaise(entry.balance_after_paise()), counterpart, transfer.request_ref(),
                  MemoOf(transfer)});
  }
  table.Print();
}

// ---------------------------------------------------------------------------
// Printers, one per response type (used when --json is not given)

void PrintRegistered(const v1::RegisterMeterResponse& response) {
  PrintFields(MeterFields(response.meter(), response.consumer()));
}

void PrintMeterView(const v1::MeterView& view) {
  Fields fields = MeterFields(view.meter(), view.consumer());
  fields.emplace_back("balance", FormatPaise(view.balance_paise()));
  fields.emplace_back("arrears", FormatPaise(view.arrears_paise()));
  PrintFields(fields);
}

void PrintMeters(const v1::ListMetersResponse& response) {
  Table table({{"METER"},
               {"CONSUMER"},
               {"NAME"},
               {"CATEGORY"},
               {"CIRCLE/DIVISION/SUBDIVISION"},
               {"BALANCE", true},
               {"ARREARS", true}});
  for (const v1::MeterView& view : response.meters()) {
    const v1::Meter& meter = view.meter();
    table.AddRow({meter.meter_id(), meter.consumer_id(), view.consumer().name(),
                  EnumText(*v1::Category_descriptor(), meter.category()),
                  absl::StrCat(meter.circle(), "/", meter.division(), "/", meter.subdivision()),
                  FormatPaise(view.balance_paise()), FormatPaise(view.arrears_paise())});
  }
  table.Print();
  MorePages(response.next_page_token());
}

void PrintAdjusted(const v1::AdjustBalanceResponse& response) {
  PrintFields({{"transfer", TransferSummary(response.transfer())},
               {"balance", FormatPaise(response.balance_paise())}});
}

void PrintRetailerCreated(const v1::CreateRetailerResponse& response) {
  PrintFields(RetailerFields(response.retailer()));
}

void PrintToppedUp(const v1::TopUpFloatResponse& response) {
  PrintFields({{"transfer", TransferSummary(response.transfer())},
               {"float balance", FormatPaise(response.float_balance_paise())}});
}

void PrintAccountJournal(const v1::GetJournalResponse& response) {
  absl::PrintF("balance: %s\n\n", FormatPaise(response.balance_paise()));
  PrintJournal(response.entries());
  MorePages(response.next_page_token());
}

void PrintApiKey(const v1::IssueApiKeyResponse& response) {
  // The key alone goes to stdout so that `walletctl issue-key ... > key`
  // yields a file usable as --api_key_file.
  absl::FPrintF(stderr, "issued %s key%s; it is shown only once:\n",
                EnumText(*v1::Role_descriptor(), response.role(), "ROLE_"),
                response.subject_id().empty() ? "" : absl::StrCat(" for ", response.subject_id()));
  absl::PrintF("%s\n", response.api_key());
}

void PrintLedgerCheck(const v1::CheckLedgerResponse& response) {
  PrintFields({{"transfers", absl::StrCat(response.transfers())},
               {"accounts", absl::StrCat(response.accounts())},
               {"sum", FormatPaise(response.sum_paise())},
               {"result", response.ok() ? "OK" : "MISMATCH"}});
  for (const std::string& account : response.mismatched_accounts()) {
    absl::PrintF("mismatched: %s\n", account);
  }
}

void PrintRecharged(const v1::RetailerRechargeResponse& response) {
  PrintFields({{"recharge", TransferSummary(response.recharge())},
               {"commission", response.has_commission() ? TransferSummary(response.commission())
                                                        : std::string("-")},
               {"float balance", FormatPaise(response.float_balance_paise())},
               {"meter balance", FormatPaise(response.meter_balance_paise())}});
}

void PrintFloat(const v1::GetFloatResponse& response) {
  Fields fields = RetailerFields(response.retailer());
  fields.emplace_back("balance", FormatPaise(response.balance_paise()));
  fields.emplace_back("available", FormatPaise(response.available_paise()));
  PrintFields(fields);
}

void PrintStatement(const v1::GetStatementResponse& response) {
  PrintFields({{"retailer", response.retailer_id()},
               {"date", response.date()},
               {"opening balance", FormatPaise(response.opening_balance_paise())},
               {"recharges", absl::StrCat(response.recharges_count(), " for ",
                                          FormatPaise(response.recharges_paise()))},
               {"commission", FormatPaise(response.commission_paise())},
               {"top-ups", FormatPaise(response.topups_paise())},
               {"closing balance", FormatPaise(response.closing_balance_paise())}});
  absl::PrintF("\n");
  PrintJournal(response.entries());
}

// SupplyText says whether supply is on, cut or waiting for the button, and
// which relay command is on its way.
std::string SupplyText(const v1::GetBalanceResponse& balance) {
  std::string text;
  switch (balance.supply()) {
    case v1::SUPPLY_ON:
      text = "on";
      break;
    case v1::SUPPLY_CUT:
      text = "cut";
      break;
    case v1::SUPPLY_ARMED:
      text = "armed: press the button on the meter";
      break;
    default:
      text = "unknown (the meter did not answer)";
  }
  if (balance.supply_command() != v1::RELAY_ACTION_UNSPECIFIED) {
    absl::StrAppend(&text, ", ", ActionText(balance.supply_command()), " in progress");
  }
  return text;
}

std::string EmergencyCreditText(const v1::GetBalanceResponse& balance) {
  if (balance.emergency_credit_paise() == 0) return "none";
  return absl::StrCat(FormatPaise(balance.emergency_credit_left_paise()), " of ",
                      FormatPaise(balance.emergency_credit_paise()), " left",
                      balance.emergency_credit_in_use() ? ", in use" : "");
}

std::string NoticeText(const v1::GetBalanceResponse& balance) {
  if (balance.status() != v1::NOTICE) return "-";
  return absl::StrCat("day ", balance.notice_day(), " of ", balance.notice_days(),
                      "; supply may be cut from ",
                      balance.has_earliest_cut_time() ? FormatTime(balance.earliest_cut_time())
                                                      : std::string("no date found"));
}

Fields BalanceFields(const v1::GetBalanceResponse& balance) {
  return {
      {"meter", balance.meter_id()},
      {"balance", FormatPaise(balance.balance_paise())},
      {"status", EnumText(*v1::MeterStatus_descriptor(), balance.status())},
      {"emergency credit", EmergencyCreditText(balance)},
      {"supply", SupplyText(balance)},
      {"notice", NoticeText(balance)},
      {"days left", balance.has_days_left() ? absl::StrCat("about ", balance.days_left(),
                                                           " at recent use")
                                            : std::string("-")},
      {"last recharge",
       LastRecharge(balance.last_recharge_paise(), balance.last_recharge_time())},
      {"arrears", FormatPaise(balance.arrears_paise())}};
}

void PrintBalance(const v1::GetBalanceResponse& response) { PrintFields(BalanceFields(response)); }

void PrintMyMeters(const v1::ListMyMetersResponse& response) {
  Table table({{"METER"},
               {"BALANCE", true},
               {"STATUS"},
               {"SUPPLY"},
               {"LAST RECHARGE", true},
               {"AT"},
               {"ARREARS", true}});
  for (const v1::GetBalanceResponse& meter : response.meters()) {
    table.AddRow({meter.meter_id(), FormatPaise(meter.balance_paise()),
                  EnumText(*v1::MeterStatus_descriptor(), meter.status()),
                  meter.supply() == v1::SUPPLY_STATE_UNSPECIFIED
                      ? std::string("unknown")
                      : EnumText(*v1::SupplyState_descriptor(), meter.supply(), "SUPPLY_"),
                  meter.has_last_recharge_time() ? FormatPaise(meter.last_recharge_paise()) : "-",
                  FormatTime(meter.last_recharge_time()), FormatPaise(meter.arrears_paise())});
  }
  table.Print();
}

void PrintHistory(const v1::ListTransactionsResponse& response) {
  PrintJournal(response.entries());
  MorePages(response.next_page_token());
}

void PrintOrder(const v1::StartRechargeResponse& response) {
  PrintFields(OrderFields(response.order()));
}

void PrintPaymentConfirmed(const v1::ConfirmPaymentResponse& response) {
  Fields fields = OrderFields(response.order());
  fields.emplace_back("transfer", TransferSummary(response.transfer()));
  fields.emplace_back("balance", FormatPaise(response.balance_paise()));
  PrintFields(fields);
}

void PrintMeterState(const v1::MeterPolicyState& state) { PrintFields(MeterStateFields(state)); }

void PrintHoldSet(const v1::SetHoldResponse& response) {
  PrintFields(MeterStateFields(response.state()));
}

void PrintClockSet(const v1::SetClockResponse& response) {
  std::printf("walletd's clock is now %s IST\n",
              absl::FormatTime(
                  "%Y-%m-%d %H:%M:%S (%a)",
                  absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(response.time())), Ist())
                  .c_str());
}

void PrintIngested(const v1::IngestReadingsResponse& response) {
  for (const v1::ReadingResult& result : response.results()) {
    // Only a debited reading reports the balance.
    const bool debited = result.outcome() == v1::ReadingResult::DEBITED;
    PrintFields({{"outcome", EnumText(*v1::ReadingResult::Outcome_descriptor(), result.outcome())},
                 {"reason", OrDash(result.reason())},
                 {"energy", absl::StrCat(result.energy_wh(), " Wh")},
                 {"charged", FormatPaise(result.charged_paise())},
                 {"balance", debited ? FormatPaise(result.balance_paise()) : std::string("-")}});
  }
}

void PrintRelayReported(const v1::ReportRelayOutcomeResponse& response) {
  PrintFields({{"relay", RelayStateText(response.state())}});
}

// Stream items print one per line, as they arrive, so that a receiver can be
// watched or piped; there is no table to align them in.

void PrintNotification(const v1::Notification& notification) {
  absl::PrintF("%d %s %s %s %s\n", notification.seq(),
               EnumText(*v1::Notification::Kind_descriptor(), notification.kind()),
               OrDash(notification.meter_id()), OrDash(notification.phone()), notification.text());
}

void PrintRelayCommand(const v1::RelayCommand& command) {
  std::string line =
      absl::StrFormat("%d %s %s %s %s", command.seq(), command.command_id(), command.meter_id(),
                      ActionText(command.action()), OrDash(command.reason()));
  if (!command.supersedes_command_id().empty()) {
    absl::StrAppend(&line, " (supersedes ", command.supersedes_command_id(), ")");
  }
  absl::PrintF("%s\n", line);
}

// ---------------------------------------------------------------------------
// Calling walletd

template <typename Stub, typename Request, typename Response>
using RpcMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

template <typename Stub, typename Item>
using StreamMethod =
    std::unique_ptr<grpc::ClientReaderWriter<v1::StreamAck, Item>> (Stub::*)(grpc::ClientContext*);

template <typename Response>
using TextPrinter = void (*)(const Response&);

// How long a stream without --follow waits for another item before it
// counts as drained.
constexpr absl::Duration kDrainIdle = absl::Seconds(1);

// Inbox hands a stream's items from the thread that reads them to the thread
// that prints and acknowledges them, which can then stop waiting when the
// stream goes quiet. It holds a bounded number of items, so that a long
// backlog is not read into memory faster than it is printed.
template <typename Item>
class Inbox {
 public:
  enum class Next { kItem, kIdle, kClosed };

  // Push waits for room and adds `item`; after Discard it drops it.
  void Push(Item item) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Inbox::HasRoom));
    if (!discarding_) items_.push_back(std::move(item));
  }

  // Close marks the end of the stream: nothing more will be pushed.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // Discard drops every item held or pushed from now on.
  void Discard() {
    absl::MutexLock lock(&mu_);
    discarding_ = true;
    items_.clear();
  }

  // Take waits up to `timeout` for an item and moves it to `*item`. Items
  // pushed before Close are all taken before it reports kClosed.
  Next Take(absl::Duration timeout, Item* item) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &Inbox::Ready), timeout);
    if (!items_.empty()) {
      *item = std::move(items_.front());
      items_.pop_front();
      return Next::kItem;
    }
    return closed_ ? Next::kClosed : Next::kIdle;
  }

  // AwaitClosed waits up to `timeout` for Close; false if it did not come.
  bool AwaitClosed(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&closed_), timeout);
  }

 private:
  static constexpr size_t kCapacity = 256;

  bool HasRoom() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return discarding_ || items_.size() < kCapacity;
  }
  bool Ready() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !items_.empty(); }

  absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool discarding_ ABSL_GUARDED_BY(mu_) = false;
};

// Session is the connection to walletd plus how to authenticate and print.
// Every RPC goes through Call or RunStream, which validate the command line
// first, so a usage error never reaches the server.
class Session {
 public:
  Session(const std::shared_ptr<grpc::Channel>& channel, std::string api_key,
          absl::Duration timeout, bool json)
      : stubs_(v1::AdminService::NewStub(channel), v1::RetailerService::NewStub(channel),
               v1::ConsumerService::NewStub(channel), v1::PaymentGatewayService::NewStub(channel),
               v1::MeterIngestService::NewStub(channel), v1::MeterGatewayService::NewStub(channel),
               v1::NotificationService::NewStub(channel)),
        api_key_(std::move(api_key)),
        timeout_(timeout),
        json_(json) {}

  // Call returns `method`'s response, args' usage error, or the RPC's
  // failure with its gRPC code.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Args& args, RpcMethod<Stub, Request, Response> method,
                                const Request& request) const {
    if (absl::Status status = args.Finish(); !status.ok()) return status;
    grpc::ClientContext context;
    Authenticate(context);
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    Response response;
    Stub& stub = *std::get<std::unique_ptr<Stub>>(stubs_);
    if (grpc::Status status = (stub.*method)(&context, request, &response); !status.ok()) {
      return FromGrpc(status);
    }
    return response;
  }

  // List calls a paged `method` once or, for --all, until the last page,
  // appending each later page's `items` (a function returning the response's
  // mutable repeated field) to the first response.
  template <typename Stub, typename Request, typename Response, typename Items>
  absl::StatusOr<Response> List(Args& args, RpcMethod<Stub, Request, Response> method,
                                Request request, const Paging& paging, Items items) const {
    request.set_page_size(paging.page_size);
    request.set_page_token(paging.page_token);
    absl::StatusOr<Response> all = Call(args, method, request);
    while (all.ok() && paging.all && !all->next_page_token().empty()) {
      // A server handing back the token it was given would loop forever.
      if (all->next_page_token() == request.page_token()) {
        return absl::InternalError("server repeated the page token");
      }
      request.set_page_token(all->next_page_token());
      absl::StatusOr<Response> page = Call(args, method, request);
      if (!page.ok()) return page.status();
      for (auto& item : *items(*page)) *items(*all)->Add() = std::move(item);
      all->set_next_page_token(page->next_page_token());
    }
    return all;
  }

  // Print prints `response` as JSON for --json, else with `print_text`.
  template <typename Response>
  absl::Status Print(const Response& response, TextPrinter<Response> print_text) const {
    if (!json_) {
      print_text(response);
      return absl::OkStatus();
    }
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    std::string json;
    if (auto status = google::protobuf::util::MessageToJsonString(response, &json, options);
        !status.ok()) {
      return absl::InternalError(absl::StrCat("cannot print JSON: ", status.ToString()));
    }
    absl::PrintF("%s\n", json);
    return absl::OkStatus();
  }

  // Run is Call followed by Print: the whole of most commands.
  template <typename Stub, typename Request, typename Response>
  absl::Status Run(Args& args, RpcMethod<Stub, Request, Response> method, const Request& request,
                   TextPrinter<Response> print_text) const {
    absl::StatusOr<Response> response = Call(args, method, request);
    if (!response.ok()) return response.status();
    return Print(*response, print_text);
  }

  // RunList is List followed by Print.
  template <typename Stub, typename Request, typename Response, typename Items>
  absl::Status RunList(Args& args, RpcMethod<Stub, Request, Response> method, Request request,
                       const Paging& paging, Items items, TextPrinter<Response> print_text) const {
    absl::StatusOr<Response> response = List(args, method, std::move(request), paging, items);
    if (!response.ok()) return response.status();
    return Print(*response, print_text);
  }

  // RunStream opens an outbox stream (`method`) from the stored cursor and
  // prints its items as they arrive; with --ack it acknowledges each one
  // after it is printed and flushed. It stops after `streaming.max` items,
  // when no item comes within kDrainIdle (unless --follow), or when the
  // server ends the stream. Items received but not acknowledged are delivered
  // again to the next receiver. Returns args' usage error, a print failure,
  // or the stream's failure with its gRPC code. The stream has no deadline.
  template <typename Stub, typename Item>
  absl::Status RunStream(Args& args, StreamMethod<Stub, Item> method, const Streaming& streaming,
                         TextPrinter<Item> print_text) const {
    if (absl::Status status = args.Finish(); !status.ok()) return status;
    grpc::ClientContext context;
    Authenticate(context);
    Stub& stub = *std::get<std::unique_ptr<Stub>>(stubs_);
    std::unique_ptr<grpc::ClientReaderWriter<v1::StreamAck, Item>> stream =
        (stub.*method)(&context);
    Inbox<Item> inbox;
    // gRPC allows one thread reading while another writes acknowledgements.
    std::thread reader([&stream, &inbox] {
      Item item;
      while (stream->Read(&item)) inbox.Push(std::move(item));
      inbox.Close();
    });
    // An empty first message resumes after the stored cursor.
    bool open = stream->Write(v1::StreamAck());
    absl::Status printed;
    for (int32_t count = 0; open && (streaming.max == 0 || count < streaming.max); ++count) {
      Item item;
      if (inbox.Take(streaming.follow ? absl::InfiniteDuration() : kDrainIdle, &item) !=
          Inbox<Item>::Next::kItem) {
        break;  // drained, or the server ended the stream
      }
      printed = Print(item, print_text);
      // Acknowledge only what has left the process.
      if (printed.ok() && std::fflush(stdout) != 0) {
        printed = absl::UnavailableError("cannot write to standard output");
      }
      if (!printed.ok()) break;
      if (streaming.ack) {
        v1::StreamAck ack;
        ack.set_ack_seq(item.seq());
        open = stream->Write(ack);
      }
    }
    // Closing our side makes the server finish the call once its current
    // write is done; what it sends meanwhile is dropped unacknowledged.
    inbox.Discard();
    stream->WritesDone();
    bool cancelled = false;
    if (!inbox.AwaitClosed(timeout_)) {
      context.TryCancel();
      cancelled = true;
    }
    reader.join();
    const grpc::Status finished = stream->Finish();
    if (!printed.ok()) return printed;
    if (!finished.ok() && !cancelled) return FromGrpc(finished);
    return absl::OkStatus();
  }

 private:
  void Authenticate(grpc::ClientContext& context) const {
    if (!api_key_.empty()) context.AddMetadata("x-api-key", api_key_);
  }

  std::tuple<std::unique_ptr<AdminStub>, std::unique_ptr<RetailerStub>,
             std::unique_ptr<ConsumerStub>, std::unique_ptr<PaymentStub>,
             std::unique_ptr<IngestStub>, std::unique_ptr<MeterGatewayStub>,
             std::unique_ptr<NotificationStub>>
      stubs_;
  std::string api_key_;
  absl::Duration timeout_;
  bool json_;
};

// ---------------------------------------------------------------------------
// Commands: read the flags into a request, then Run it.

absl::Status RegisterMeter(Args& args, const Session& session) {
  v1::RegisterMeterRequest request;
  request.set_request_id(args.RequestId());
  v1::Meter& meter = *request.mutable_meter();
  meter.set_meter_id(args.Required(FLAGS_meter));
  meter.set_consumer_id(args.Required(FLAGS_consumer));
  meter.set_category(args.Category(/*required=*/true));
  meter.set_circle(args.Get(FLAGS_circle));
  meter.set_division(args.Get(FLAGS_division));
  meter.set_subdivision(args.Get(FLAGS_subdivision));
  meter.set_sanctioned_load_w(args.Get(FLAGS_load_w));
  meter.set_tariff_id(args.Get(FLAGS_tariff));
  v1::Consumer& consumer = *request.mutable_consumer();
  consumer.set_consumer_id(meter.consumer_id());
  consumer.set_name(args.Get(FLAGS_name));
  consumer.set_phone(args.Get(FLAGS_phone));
  request.set_arrears_paise(args.Rupees(FLAGS_arrears));
  return session.Run(args, &AdminStub::RegisterMeter, request, PrintRegistered);
}

absl::Status GetMeter(Args& args, const Session& session) {
  v1::GetMeterRequest request;
  request.set_meter_id(args.Required(FLAGS_meter));
  return session.Run(args, &AdminStub::GetMeter, request, PrintMeterView);
}

absl::Status ListMeters(Args& args, const Session& session) {
  v1::ListMetersRequest request;
  request.set_category(args.Category(/*required=*/false));
  request.set_circle(args.Get(FLAGS_circle));
  request.set_division(args.Get(FLAGS_division));
  request.set_subdivision(args.Get(FLAGS_subdivision));
  request.set_consumer_id(args.Get(FLAGS_consumer));
  request.set_min_arrears_paise(args.Rupees(FLAGS_min_arrears));
  return session.RunList(
      args, &AdminStub::ListMeters, request, args.Pages(),
      [](v1::ListMetersResponse& response) { return response.mutable_meters(); }, PrintMeters);
}

absl::Status Adjust(Args& args, const Session& session) {
  v1::AdjustBalanceRequest request;
  request.set_request_id(args.RequestId());
  request.set_meter_id(args.Required(FLAGS_meter));
  request.set_direction(args.Direction());
  request.set_amount_paise(args.Amount());
  request.set_reason(args.Required(FLAGS_reason));
  return session.Run(args, &AdminStub::AdjustBalance, request, PrintAdjusted);
}

absl::Status CreateRetailer(Args& args, const Session& session) {
  v1::CreateRetailerRequest request;
  request.set_request_id(args.RequestId());
  v1::Retailer& retailer = *request.mutable_retailer();
  retailer.set_retailer_id(args.Required(FLAGS_retailer));
  retailer.set_name(args.Required(FLAGS_name));
  retailer.set_commission_bps(args.Get(FLAGS_commission_bps));
  // The wire holds the lowest balance allowed (never positive); people think
  // of the credit granted.
  retailer.set_float_limit_paise(-args.Rupees(FLAGS_float_limit));
  return session.Run(args, &AdminStub::CreateRetailer, request, PrintRetailerCreated);
}

absl::Status TopUpFloat(Args& args, const Session& session) {
  v1::TopUpFloatRequest request;
  request.set_request_id(args.RequestId());
  request.set_retailer_id(args.Required(FLAGS_retailer));
  request.set_amount_paise(args.Amount());
  request.set_reference(args.Get(FLAGS_reference));
  return session.Run(args, &AdminStub::TopUpFloat, request, PrintToppedUp);
}

absl::Status Journal(Args& args, const Session& session) {
  v1::GetJournalRequest request;
  request.set_account(args.Required(FLAGS_account));
  return session.RunList(
      args, &AdminStub::GetJournal, request, args.Pages(),
      [](v1::GetJournalResponse& response) { return response.mutable_entries(); },
      PrintAccountJournal);
}

absl::Status IssueKey(Args& args, const Session& session) {
  v1::IssueApiKeyRequest request;
  request.set_request_id(args.RequestId());
  request.set_role(args.Role());
  request.set_subject_id(args.Get(FLAGS_subject));
  request.set_label(args.Get(FLAGS_label));
  return session.Run(args, &AdminStub::IssueApiKey, request, PrintApiKey);
}

absl::Status CheckLedger(Args& args, const Session& session) {
  absl::StatusOr<v1::CheckLedgerResponse> response =
      session.Call(args, &AdminStub::CheckLedger, v1::CheckLedgerRequest());
  if (!response.ok()) return response.status();
  if (absl::Status status = session.Print(*response, PrintLedgerCheck); !status.ok()) {
    return status;
  }
  // A non-zero exit lets a cron job or script notice a broken ledger.
  if (!response->ok()) {
    return absl::DataLossError(
        absl::StrCat("ledger check failed: ", response->mismatched_accounts_size(),
                     " mismatched accounts, sum ", FormatPaise(response->sum_paise())));
  }
  return absl::OkStatus();
}

absl::Status SetHold(Args& args, const Session& session) {
  v1::SetHoldRequest request;
  request.set_request_id(args.RequestId());
  request.set_meter_id(args.Required(FLAGS_meter));
  request.set_hold(args.Hold());
  request.set_reason(args.Required(FLAGS_reason));
  return session.Run(args, &AdminStub::SetHold, request, PrintHoldSet);
}

absl::Status GetMeterState(Args& args, const Session& session) {
  v1::GetMeterRequest request;
  request.set_meter_id(args.Required(FLAGS_meter));
  return session.Run(args, &AdminStub::GetMeterState, request, PrintMeterState);
}

absl::Status SetClock(Args& args, const Session& session) {
  v1::SetClockRequest request;
  *request.mutable_time() = TimeUtil::MicrosecondsToTimestamp(args.MeterTimeUs());
  return session.Run(args, &AdminStub::SetClock, request, PrintClockSet);
}

absl::Status Recharge(Args& args, const Session& session) {
  v1::RetailerRechargeRequest request;
  request.set_request_id(args.RequestId());
  request.set_meter_id(args.Required(FLAGS_meter));
  request.set_amount_paise(args.Amount());
  request.set_retailer_id(args.Get(FLAGS_retailer));
  return session.Run(args, &RetailerStub::Recharge, request, PrintRecharged);
}

absl::Status Float(Args& args, const Session& session) {
  v1::GetFloatRequest request;
  request.set_retailer_id(args.Get(FLAGS_retailer));
  return session.Run(args, &RetailerStub::GetFloat, request, PrintFloat);
}

absl::Status Statement(Args& args, const Session& session) {
  v1::GetStatementRequest request;
  request.set_retailer_id(args.Get(FLAGS_retailer));
  request.set_date(args.Date());
  return session.Run(args, &RetailerStub::GetStatement, request, PrintStatement);
}

absl::Status Balance(Args& args, const Session& session) {
  const std::string meter = args.Get(FLAGS_meter);
  if (meter.empty()) {
    return session.Run(args, &ConsumerStub::ListMyMeters, v1::ListMyMetersRequest(), PrintMyMeters);
  }
  v1::GetBalanceRequest request;
  request.set_meter_id(meter);
  return session.Run(args, &ConsumerStub::GetBalance, request, PrintBalance);
}

absl::Status History(Args& args, const Session& session) {
  v1::ListTransactionsRequest request;
  request.set_meter_id(args.Required(FLAGS_meter));
  return session.RunList(
      args, &ConsumerStub::ListTransactions, request, args.Pages(),
      [](v1::ListTransactionsResponse& response) { return response.mutable_entries(); },
      PrintHistory);
}

absl::Status StartRecharge(Args& args, const Session& session) {
  v1::StartRechargeRequest request;
  request.set_request_id(args.RequestId());
  request.set_meter_id(args.Required(FLAGS_meter));
  request.set_amount_paise(args.Amount());
  return session.Run(args, &ConsumerStub::StartRecharge, request, PrintOrder);
}

absl::Status ConfirmPayment(Args& args, const Session& session) {
  v1::ConfirmPaymentRequest request;
  request.set_payment_id(args.Required(FLAGS_payment_id));
  request.set_order_id(args.Required(FLAGS_order_id));
  request.set_amount_paise(args.Amount());
  return session.Run(args, &PaymentStub::ConfirmPayment, request, PrintPaymentConfirmed);
}

absl::Status Ingest(Args& args, const Session& session) {
  v1::IngestReadingsRequest request;
  request.set_batch_id(args.BatchId());
  v1::Reading& reading = *request.add_readings();
  reading.set_meter_id(args.Required(FLAGS_meter));
  reading.set_register_wh(args.RegisterWh());
  *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(args.MeterTimeUs());
  reading.set_kind(args.ReadingKind());
  absl::StatusOr<v1::IngestReadingsResponse> response =
      session.Call(args, &IngestStub::IngestReadings, request);
  if (!response.ok()) return response.status();
  if (absl::Status status = session.Print(*response, PrintIngested); !status.ok()) {
    return status;
  }
  // The call succeeds with a rejected reading in it; a script should still
  // notice, as with check-ledger's mismatch.
  for (const v1::ReadingResult& result : response->results()) {
    if (result.outcome() == v1::ReadingResult::REJECTED) {
      return absl::InvalidArgumentError(absl::StrCat("reading rejected: ", result.reason()));
    }
  }
  return absl::OkStatus();
}

absl::Status RelayCommands(Args& args, const Session& session) {
  return session.RunStream(args, &MeterGatewayStub::StreamRelayCommands, args.Stream(),
                           PrintRelayCommand);
}

absl::Status ReportRelay(Args& args, const Session& session) {
  v1::RelayOutcome request;
  request.set_command_id(args.Required(FLAGS_command_id));
  request.set_meter_id(args.Required(FLAGS_meter));
  request.set_result(args.RelayResult());
  request.set_state(args.RelayState());
  request.set_reason(args.Get(FLAGS_reason));
  return session.Run(args, &MeterGatewayStub::ReportRelayOutcome, request, PrintRelayReported);
}

absl::Status Notifications(Args& args, const Session& session) {
  return session.RunStream(args, &NotificationStub::StreamNotifications, args.Stream(),
                           PrintNotification);
}

struct Command {
  absl::string_view name;
  absl::string_view summary;
  absl::string_view synopsis;  // its flags, [optional] ones bracketed; '\n' wraps
  absl::Status (*run)(Args&, const Session&);
};

struct CommandGroup {
  absl::string_view title;
  std::vector<Command> commands;
};

const std::vector<CommandGroup>& Commands() {
  static const auto* const groups = new std::vector<CommandGroup>{
      {"Admin (admin key)",
       {
           {"register-meter", "Register a meter and, if new, its consumer.",
            "--meter=ID --consumer=ID --category=CAT [--name=TEXT] [--phone=NUM]\n"
            "[--circle=X] [--division=X] [--subdivision=X] [--load_w=W]\n"
            "[--tariff=ID] [--arrears=RUPEES] [--request_id=ID]",
            RegisterMeter},
           {"get-meter", "Show a meter, its consumer, balance and arrears.", "--meter=ID",
            GetMeter},
           {"list-meters", "List meters matching all the given filters.",
            "[--category=CAT] [--circle=X] [--division=X] [--subdivision=X]\n"
            "[--consumer=ID] [--min_arrears=RUPEES] [PAGING]",
            ListMeters},
           {"adjust", "Credit or debit a meter wallet.",
            "--meter=ID --direction=credit|debit AMOUNT --reason=TEXT [--request_id=ID]", Adjust},
           {"create-retailer", "Create a retailer with an empty float.",
            "--retailer=ID --name=TEXT [--commission_bps=N] [--float_limit=RUPEES]\n"
            "[--request_id=ID]",
            CreateRetailer},
           {"topup-float", "Credit a retailer's float with a deposit.",
            "--retailer=ID AMOUNT [--reference=TEXT] [--request_id=ID]", TopUpFloat},
           {"journal", "Show an account's journal, newest first.", "--account=NAME [PAGING]",
            Journal},
           {"issue-key", "Issue an API key; prints the key (shown once) to stdout.",
            "--role=ROLE [--subject=ID] [--label=TEXT] [--request_id=ID]", IssueKey},
           {"check-ledger", "Rebuild all balances from the journal and compare.", "", CheckLedger},
           {"set-hold", "Set or lift a hold that overrides the disconnection policy.",
            "--meter=ID --hold=HOLD --reason=TEXT [--request_id=ID]", SetHold},
           {"meter-state", "Show a meter's reading, rating, relay and policy state.", "--meter=ID",
            GetMeterState},
           {"set-clock", "Move walletd's clock forward (walletd --settable_clock only).",
            "--at=YYYY-MM-DDTHH:MM:SS (IST)", SetClock},
       }},
      {"Retailer (retailer key, or admin key with --retailer)",
       {
           {"recharge", "Recharge a meter from the retailer's float.",
            "--meter=ID AMOUNT [--retailer=ID] [--request_id=ID]", Recharge},
           {"float", "Show the float balance and what is available.", "[--retailer=ID]", Float},
           {"statement", "Show the float's movements on one day (IST).",
            "[--retailer=ID] [--date=YYYY-MM-DD]", Statement},
       }},
      {"Consumer (consumer key, or admin key)",
       {
           {"balance", "Show a meter's balance, or all of my meters without --meter.",
            "[--meter=ID]", Balance},
           {"history", "Show a meter wallet's transactions, newest first.", "--meter=ID [PAGING]",
            History},
           {"start-recharge", "Create a pending recharge order to pay online.",
            "--meter=ID AMOUNT [--request_id=ID]", StartRecharge},
       }},
      {"Payment gateway (payment_gateway key)",
       {
           {"confirm-payment", "Confirm a paid order and credit its meter.",
            "--payment_id=ID --order_id=ID AMOUNT", ConfirmPayment},
       }},
      {"Meter gateway (meter_gateway key)",
       {
           {"ingest", "Send one register reading; prints what it was charged.",
            "--meter=ID --register_wh=WH [--at=YYYY-MM-DDTHH:MM:SS] [--kind=KIND]\n"
            "[--batch_id=ID]",
            Ingest},
           {"relay-commands", "Print relay commands to execute, one a line.", "[STREAM]",
            RelayCommands},
           {"report-relay", "Report what a relay command did.",
            "--command_id=ID --meter=ID --result=RESULT --state=STATE [--reason=TEXT]",
            ReportRelay},
       }},
      {"Notifications (meter_gateway or admin key)",
       {
           {"notifications", "Print notifications to send, one a line.", "[STREAM]", Notifications},
       }},
  };
  return *groups;
}

const Command* FindCommand(absl::string_view name) {
  for (const CommandGroup& group : Commands()) {
    for (const Command& command : group.commands) {
      if (command.name == name) return &command;
    }
  }
  return nullptr;
}

std::string UsageText() {
  std::string text =
      // absl's --help prefixes "walletctl: ".
      "command-line client for walletd.\n"
      "\n"
      "Usage: walletctl [global flags] <command> [command flags]\n"
      "\n"
      "Global flags:\n"
      "  --server=HOST:PORT    walletd address (default 127.0.0.1:50051)\n"
      "  --api_key_file=PATH   file holding the API key (or --api_key=KEY)\n"
      "  --json                print the response as JSON\n"
      "  --timeout_ms=N        deadline of each call (default 10000)\n";
  for (const CommandGroup& group : Commands()) {
    absl::StrAppend(&text, "\n", group.title, ":\n");
    for (const Command& command : group.commands) {
      absl::StrAppend(&text, absl::StrFormat("  %-16s %s\n", command.name, command.summary));
      for (absl::string_view line : absl::StrSplit(command.synopsis, '\n', absl::SkipEmpty())) {
        absl::StrAppend(&text, absl::StrFormat("  %-16s %s\n", "", line));
      }
    }
  }
  absl::StrAppend(&text,
                  "\n"
                  "AMOUNT is --amount=RUPEES (at most 2 decimals: 350, 350.5, 350.50) or\n"
                  "--amount_paise=N. PAGING is [--page_size=N] [--page_token=T] [--all].\n"
                  "CAT is domestic|commercial|government|industrial; ROLE is\n"
                  "admin|retailer|consumer|payment_gateway|meter_gateway.\n"
                  "HOLD is none|never_disconnect|keep_disconnected; KIND is\n"
                  "normal|reset|replaced (default normal); --at is the meter's time in IST\n"
                  "(default now). RESULT is confirmed|armed|failed|offline; STATE is\n"
                  "connected|disconnected|armed|offline|unknown.\n"
                  "STREAM is [--follow] [--ack] [--max=N]: resume after the last acknowledged\n"
                  "item and print until nothing comes for 1 s (--follow: until interrupted)\n"
                  "or N items; --ack acknowledges each item once printed, so it is not sent\n"
                  "again.\n"
                  "Mutating calls without --request_id (ingest: --batch_id) get a generated\n"
                  "one, printed to stderr; pass it again to retry without applying the call\n"
                  "twice.\n"
                  "Amounts print in rupees with Indian digit grouping, times in IST.\n"
                  "\n"
                  "Exit status: 0 ok; 1 the call failed (or check-ledger found a mismatch,\n"
                  "or ingest's reading was rejected); 2 usage error.\n"
                  "\n"
                  "Example:\n"
                  "  walletctl --api_key_file=admin.key recharge --retailer=R1 --meter=MTR001 \\\n"
                  "      --amount=350.50");
  return text;
}

// ApiKey returns the key from --api_key or --api_key_file; empty if neither.
absl::StatusOr<std::string> ApiKey() {
  const std::string key = absl::GetFlag(FLAGS_api_key);
  const std::string path = absl::GetFlag(FLAGS_api_key_file);
  if (!key.empty() && !path.empty()) {
    return UsageError("give only one of --api_key and --api_key_file");
  }
  if (path.empty()) return key;
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read API key file ", path));
  std::string from_file(absl::StripTrailingAsciiWhitespace(contents.str()));
  if (from_file.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("API key file ", path, " is empty"));
  }
  return from_file;
}

absl::StatusOr<std::unique_ptr<Session>> OpenSession() {
  const int32_t timeout_ms = absl::GetFlag(FLAGS_timeout_ms);
  if (timeout_ms <= 0) return UsageError("--timeout_ms must be positive");
  absl::StatusOr<std::string> api_key = ApiKey();
  if (!api_key.ok()) return api_key.status();
  // walletd serves plain gRPC; TLS, when deployed, is terminated in front of it.
  return std::make_unique<Session>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()),
      *std::move(api_key), absl::Milliseconds(timeout_ms), absl::GetFlag(FLAGS_json));
}

// RunCommand runs the command named by the single positional argument.
absl::Status RunCommand(const std::vector<char*>& positional) {
  if (positional.size() < 2) return UsageError("no command given");
  if (positional.size() > 2) {
    return UsageError(absl::StrCat("unexpected argument \"", positional[2],
                                   "\"; values go in flags, e.g. --meter=ID"));
  }
  const Command* command = FindCommand(positional[1]);
  if (command == nullptr) {
    return UsageError(absl::StrCat("unknown command \"", positional[1], "\""));
  }
  absl::StatusOr<std::unique_ptr<Session>> session = OpenSession();
  if (!session.ok()) return session.status();
  Args args(command->name);
  return command->run(args, **session);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(UsageText());
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const absl::Status status = RunCommand(positional);
  if (status.ok()) return 0;
  if (IsUsageError(status)) {
    absl::FPrintF(stderr, "error: usage: %s\nRun 'walletctl --help' for usage.\n",
                  status.message());
    return 2;
  }
  absl::FPrintF(stderr, "error: %s: %s\n", absl::StatusCodeToString(status.code()),
                status.message());
  return 1;
}
