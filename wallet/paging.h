// Paging of the listing calls (ListMeters, GetJournal, ListTransactions,
// ListOrders, ListChanges): page sizes, page scans and page tokens. Tokens
// are opaque to clients, authenticated, bound to the call and its filters,
// and never trusted for a figure.
//
// A token is the position where the next page starts (a key or a seq) and a
// 128-bit HMAC-SHA256 tag over the position, the call's name and the digest
// of the request's filters (wallet/store/v1/page_token.proto), under a key
// the store keeps. So a client cannot make or alter a token, and a token from
// another call, another account or another filter does not open: each is
// INVALID_ARGUMENT, as are "abc", "-1" and any other malformed token. Balances
// shown on a page are read from the store, never from a token.
//
// Example:
//   PageTokens tokens(key);
//   WALLET_ASSIGN_OR_RETURN(std::string after,
//                           tokens.Open("ListMeters", PageFilter(req), req.page_token()));
//   ...
//   response.set_next_page_token(tokens.Issue("ListMeters", PageFilter(req), last_id));
//
// Thread safety: const methods may be called concurrently.
#ifndef WALLET_PAGING_H_
#define WALLET_PAGING_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "wallet/store.h"

namespace wallet {

class PageTokens final {
 public:
  // Length of the secret key, in bytes.
  static constexpr size_t kKeyBytes = 32;

  // `key`: kKeyBytes of secret randomness, kept by the store.
  explicit PageTokens(std::string key) : key_(std::move(key)) {}

  // Issue returns the token that continues listing `call` with `filter` (the
  // request with its paging fields cleared, see PageFilter) at `position`.
  std::string Issue(absl::string_view call, const google::protobuf::MessageLite& filter,
                    absl::string_view position) const;

  // Open returns the position of `token`, issued for the same call and
  // filter. InvalidArgument if the token is malformed, altered, made up, or
  // issued for another call or filter.
  absl::StatusOr<std::string> Open(absl::string_view call,
                                   const google::protobuf::MessageLite& filter,
                                   absl::string_view token) const;

 private:
  std::string Tag(absl::string_view call, const google::protobuf::MessageLite& filter,
                  absl::string_view position) const;

  const std::string key_;
};

// PageFilter returns `request` without its paging fields (page_token,
// page_size): what a listing's tokens are bound to. A client may change the
// page size between pages, nothing else.
template <typename Request>
Request PageFilter(Request request) {
  request.clear_page_token();
  request.clear_page_size();
  return request;
}

// Largest page any listing returns.
inline constexpr int32_t kMaxPageSize = 1000;

// PageSize is the page size a listing uses: `requested`, at most
// kMaxPageSize, or `fallback` when not positive.
int32_t PageSize(int32_t requested, int32_t fallback);

// ScanPage visits the rows of `table` under `prefix` that follow `after` (a
// key an earlier page ended on; empty: from the start), forwards or
// backwards, and hands each to `take`, which returns whether it kept the row
// for the page (or an error, which ends the scan and is returned). It stops
// once `page_size` rows were kept or `max_scanned` rows visited, and then
// returns the last key visited, where the next page follows; "" when the
// rows ran out.
using PageRowFn = std::function<absl::StatusOr<bool>(absl::string_view key,
                                                     absl::string_view value)>;
absl::StatusOr<std::string> ScanPage(const Store& store, Table table, absl::string_view prefix,
                                     absl::string_view after, bool reverse, int32_t page_size,
                                     int max_scanned, const PageRowFn& take,
                                     const Store::Snapshot* at = nullptr);

}  // namespace wallet

#endif  // WALLET_PAGING_H_
