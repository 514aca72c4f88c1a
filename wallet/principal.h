// Principal: who is calling, as established from an API key or a consumer's
// sign-in token (SignInService).
#ifndef WALLET_PRINCIPAL_H_
#define WALLET_PRINCIPAL_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "wallet/v1/common.pb.h"

namespace wallet {

struct Principal {
  Principal(wallet::v1::Role role = wallet::v1::ROLE_UNSPECIFIED, std::string subject_id = "",
            std::string key_id = "", std::string key_label = "")
      : role(role),
        subject_id(std::move(subject_id)),
        key_id(std::move(key_id)),
        key_label(std::move(key_label)) {}

  wallet::v1::Role role;
  // Consumer id or retailer id; empty for admin and gateways.
  std::string subject_id;
  // Which admin key: the first 16 hex digits of its SHA-256 (never the key),
  // and the label it was issued with, recorded with the changes an admin
  // makes. Empty for the other roles.
  std::string key_id;
  std::string key_label;

  // A sign-in token (role ROLE_CONSUMER, subject_id empty): the signed-in
  // mobile, the token's id (hex SHA-256, never the token) and the consumers
  // linked to the mobile when the token was last looked up. Empty for keys.
  std::string mobile;
  std::string token_id;
  std::vector<std::string> consumer_ids;

  bool is_admin() const { return role == wallet::v1::ROLE_ADMIN; }
  bool is_sign_in() const { return !token_id.empty(); }

  // OwnsConsumer says whether a consumer key or a sign-in token may see
  // consumer `consumer_id`'s meters and orders. False for every other role
  // (an admin's reach is checked with is_admin).
  bool OwnsConsumer(absl::string_view consumer_id) const {
    if (role != wallet::v1::ROLE_CONSUMER || consumer_id.empty()) return false;
    if (!is_sign_in()) return consumer_id == subject_id;
    return std::find(consumer_ids.begin(), consumer_ids.end(), consumer_id) != consumer_ids.end();
  }

  // Consumers lists the consumers a consumer key or token may see.
  std::vector<std::string> Consumers() const {
    if (role != wallet::v1::ROLE_CONSUMER) return {};
    if (is_sign_in()) return consumer_ids;
    return {subject_id};
  }
};

// NotYourMeter is the answer to a consumer asking about a meter that is not
// theirs, registered to someone else or not registered at all: the same
// NotFound for both, so that meter ids cannot be probed.
inline absl::Status NotYourMeter(absl::string_view meter_id) {
  return absl::NotFoundError(absl::StrCat("meter ", meter_id, " not found"));
}

}  // namespace wallet

#endif  // WALLET_PRINCIPAL_H_
