// Principal: who is calling, as established from an API key.
#ifndef WALLET_PRINCIPAL_H_
#define WALLET_PRINCIPAL_H_

#include <string>

#include "wallet/v1/common.pb.h"

namespace wallet {

struct Principal {
  wallet::v1::Role role = wallet::v1::ROLE_UNSPECIFIED;
  // Consumer id or retailer id; empty for admin and gateways.
  std::string subject_id;

  bool is_admin() const { return role == wallet::v1::ROLE_ADMIN; }
};

}  // namespace wallet

#endif  // WALLET_PRINCIPAL_H_
