#include "wallet/sign_in.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/auth.h"
#include "wallet/record_io.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {
namespace {

// The answer for every token that does not sign in, whatever the reason:
// the caller learns nothing about tokens it does not hold.
absl::Status NotSignedIn() {
  return absl::UnauthenticatedError("sign-in token unknown, expired or revoked: sign in again");
}

}  // namespace

std::string MobileKey(absl::string_view mobile) {
  if (absl::StartsWith(mobile, "+")) mobile.remove_prefix(1);
  return std::string(mobile);
}

std::string MaskMobile(absl::string_view mobile) {
  const std::string key = MobileKey(mobile);
  const size_t shown = key.size() < 4 ? key.size() : 4;
  return absl::StrCat(std::string(6, '*'), key.substr(key.size() - shown));
}

std::string OtpStateKey(absl::string_view mobile) { return absl::StrCat("o", MobileKey(mobile)); }

std::string MobileSignInsKey(absl::string_view mobile) {
  return absl::StrCat("m", MobileKey(mobile));
}

std::string TokenKey(absl::string_view token_id) { return absl::StrCat("t", token_id); }

std::string TokenId(absl::string_view token) { return HashApiKey(token); }

absl::StatusOr<Principal> ReadSignIn(const Store& store, absl::string_view token, absl::Time now,
                                     absl::Time* expire) {
  if (!absl::StartsWith(token, kTokenPrefix)) return NotSignedIn();
  const std::string token_id = TokenId(token);
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::SignInTokenRecord> record,
                          ReadRecord<store::v1::SignInTokenRecord>(
                              store, Table::kSignIn, TokenKey(token_id), "sign-in token"));
  if (!record || record->revoked_us() != 0 || absl::ToUnixMicros(now) >= record->expire_us()) {
    return NotSignedIn();
  }
  WALLET_ASSIGN_OR_RETURN(
      std::optional<store::v1::MobileSignInsRecord> mobile,
      ReadRecord<store::v1::MobileSignInsRecord>(
          store, Table::kSignIn, MobileSignInsKey(record->mobile()), "mobile sign-ins"));
  Principal principal{v1::ROLE_CONSUMER};
  principal.mobile = record->mobile();
  principal.token_id = token_id;
  if (mobile) {
    principal.consumer_ids.assign(mobile->consumer_ids().begin(), mobile->consumer_ids().end());
  }
  *expire = absl::FromUnixMicros(record->expire_us());
  return principal;
}

}  // namespace wallet
