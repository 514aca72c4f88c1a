#include "wallet/idempotency.h"

namespace wallet {

std::string RequestKey(absl::string_view op, absl::string_view scope,
                       absl::string_view request_id) {
  return absl::StrCat(op, "/", scope, "/", request_id);
}

}  // namespace wallet
