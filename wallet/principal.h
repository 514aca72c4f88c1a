// Principal: who is calling, as established from an API key.
#ifndef WALLET_PRINCIPAL_H_
#define WALLET_PRINCIPAL_H_

#include <string>
#include <utility>

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

  bool is_admin() const { return role == wallet::v1::ROLE_ADMIN; }
};

// NotYourMeter is the answer to a consumer asking about a meter that is not
// theirs, registered to someone else or not registered at all: the same
// NotFound for both, so that meter ids cannot be probed.
inline absl::Status NotYourMeter(absl::string_view meter_id) {
  return absl::NotFoundError(absl::StrCat("meter ", meter_id, " not found"));
}

}  // namespace wallet

#endif  // WALLET_PRINCIPAL_H_
