#include "walletctl/context.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "walletctl/common_flags.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

std::string NewIdempotencyKey() {
  std::random_device random;
  return absl::StrCat("ctl-", absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()),
                      "-", absl::Hex(random(), absl::kZeroPad8));
}

}  // namespace

std::string Context::IdempotencyKey(const FlagSpec& flag) {
  if (args_.Has(flag)) return args_.Text(flag);
  std::string id = NewIdempotencyKey();
  generated_.emplace_back(flag.name, id);
  return id;
}

absl::Time Context::TimeOrNow(const FlagSpec& flag) {
  if (std::optional<absl::Time> time = args_.Time(flag)) return *time;
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  defaulted_.push_back(absl::StrCat("--", flag.name, "=", FormatIstTime(now)));
  return now;
}

void Context::AnnounceGeneratedKeys() {
  // On standard error, so that --output=json stays parseable, and only for a
  // call really sent.
  for (const auto& [flag, id] : generated_) {
    std::string retry = absl::StrCat("--", flag, "=", id);
    for (const std::string& setting : defaulted_) absl::StrAppend(&retry, " ", setting);
    Note(absl::StrFormat("%s: %s (pass %s to retry safely)",
                         absl::StrReplaceAll(flag, {{"_", " "}}), id, retry));
  }
  generated_.clear();
}

Paging Context::PagingFlags() const { return PagingOf(args_); }

void Context::MorePages(absl::string_view next_page_token) {
  if (next_page_token.empty()) return;
  Note(absl::StrCat("more: --page_token=", next_page_token, " (or --all)"));
}

void Context::Note(absl::string_view line) {
  EndProgress();
  absl::FPrintF(err_, "%s\n", line);
}

void Context::Progress(absl::string_view line) {
  if (!isatty(fileno(err_))) {
    absl::FPrintF(err_, "%s\n", line);
    return;
  }
  // Back to the line's start, the new text, and the rest of the old one
  // cleared.
  absl::FPrintF(err_, "\r%s\x1b[K", line);
  std::fflush(err_);
  progress_shown_ = true;
}

void Context::EndProgress() {
  if (!progress_shown_) return;
  absl::FPrintF(err_, "\n");
  progress_shown_ = false;
}


}  // namespace walletctl
