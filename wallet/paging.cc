#include "wallet/paging.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "wallet/auth.h"
#include "wallet/message_bytes.h"
#include "base/status_macros.h"
#include "wallet/store/v1/page_token.pb.h"

namespace wallet {
namespace {

// 128 bits of HMAC-SHA256, as RFC 4868 truncates it: forging one takes
// 2^128 tries, and tokens stay short.
constexpr size_t kTagBytes = 16;

}  // namespace

std::string PageTokens::Tag(absl::string_view call, const google::protobuf::MessageLite& filter,
                            absl::string_view position) const {
  store::v1::PageToken token;
  token.set_call(std::string(call));
  token.set_filter_digest(RequestFingerprint(filter));
  token.set_position(std::string(position));
  return HmacSha256(key_, DeterministicBytes(token)).substr(0, kTagBytes);
}

std::string PageTokens::Issue(absl::string_view call, const google::protobuf::MessageLite& filter,
                              absl::string_view position) const {
  return absl::WebSafeBase64Escape(absl::StrCat(position, Tag(call, filter, position)));
}

absl::StatusOr<std::string> PageTokens::Open(absl::string_view call,
                                             const google::protobuf::MessageLite& filter,
                                             absl::string_view token) const {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < kTagBytes) {
    return absl::InvalidArgumentError("page_token is malformed");
  }
  const std::string position = raw.substr(0, raw.size() - kTagBytes);
  if (!EqualInConstantTime(absl::string_view(raw).substr(position.size()),
                           Tag(call, filter, position))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token was not issued by ", call,
        " for this request's filters: pass next_page_token back unchanged, with the same filters"));
  }
  return position;
}

int32_t PageSize(int32_t requested, int32_t fallback) {
  if (requested <= 0) return fallback;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

absl::StatusOr<std::string> ScanPage(const Store& store, Table table, absl::string_view prefix,
                                     absl::string_view after, bool reverse, int32_t page_size,
                                     int max_scanned, const PageRowFn& take,
                                     const Store::Snapshot* at) {
  std::string last_key;
  int kept = 0;
  int scanned = 0;
  bool more = false;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store.Scan(
      table, prefix, after, reverse,
      [&](absl::string_view key, absl::string_view value) {
        // The row the last page ended on.
        if (!after.empty() && (reverse ? key >= after : key <= after)) return true;
        if (kept >= page_size || scanned >= max_scanned) {
          more = true;
          return false;
        }
        ++scanned;
        last_key = std::string(key);
        absl::StatusOr<bool> taken = take(key, value);
        if (!taken.ok()) {
          status = taken.status();
          return false;
        }
        if (*taken) ++kept;
        return true;
      },
      at));
  WALLET_RETURN_IF_ERROR(status);
  return more ? last_key : std::string();
}

}  // namespace wallet
