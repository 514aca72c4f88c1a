// Idempotency: every mutating request carries a client-chosen id, and a retry
// gets the first answer instead of a second effect.
//
// The first answer is stored, in the same batch as the request's effects,
// under a request key "<operation>/<scope>/<request id>" (Table::kRequests) as
// an IdempotencyRecord: the SHA-256 of the request's deterministic bytes and
// the response's. A retry with the same request gets the stored response; the
// same id with another payload is refused. Scopes keep callers apart, so that
// two retailers may both use receipt "1":
//   kAdminScope          requests of admins
//   kGatewayScope        the payment and meter gateways
//   RequestScope(who)    a consumer's (or an admin's) own calls
//   RetailerAccount(id)  a retailer's recharges (wallet/accounts.h)
// The stored bytes and keys are part of the store layout: operation names and
// scopes never change.
//
// Thread safety: writer thread only; reads and writes go through the group's
// Batch.
//
// Example:
//   return IdempotentRequest<v1::TopUpFloatResponse>(
//       txn, "TopUpFloat", kAdminScope, req,
//       [&]() -> absl::StatusOr<v1::TopUpFloatResponse> { ... });
#ifndef WALLET_IDEMPOTENCY_H_
#define WALLET_IDEMPOTENCY_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "wallet/message_bytes.h"
#include "wallet/principal.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/txn.h"
#include "wallet/validate.h"

namespace wallet {

inline constexpr absl::string_view kAdminScope = "admin";
inline constexpr absl::string_view kGatewayScope = "gateway";

// RequestScope is where the request ids of a consumer's (or an admin's) own
// calls live: two consumers may both use request id "1".
// A sign-in token's calls share the scope of its mobile.
inline std::string RequestScope(const Principal& who) {
  if (who.is_admin()) return std::string(kAdminScope);
  if (who.is_sign_in()) return absl::StrCat("mobile:", who.mobile);
  return absl::StrCat("consumer:", who.subject_id);
}

// RequestKey scopes a client request id to the operation and the caller.
std::string RequestKey(absl::string_view op, absl::string_view scope, absl::string_view request_id);

// Idempotent runs `apply` (a callable returning absl::StatusOr<Response>)
// unless `key` was seen, and stores its response under `key` when it
// succeeds. For a key seen before it returns the stored response without
// calling `apply`. Errors: AlreadyExists when the stored request differs
// from `req`; Internal for a corrupt stored record; the store's error if the
// key cannot be read; `apply`'s error, with nothing stored.
template <typename Response, typename Request, typename Apply>
absl::StatusOr<Response> Idempotent(Txn& txn, const std::string& key, const Request& req,
                                    Apply apply) {
  const std::string fingerprint = RequestFingerprint(req);
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> seen, txn.batch->Get(Table::kRequests, key));
  if (seen) {
    store::v1::IdempotencyRecord record;
    Response response;
    if (!record.ParseFromString(*seen) || !response.ParseFromString(record.response())) {
      return absl::InternalError(absl::StrCat("corrupt idempotency record ", key));
    }
    if (record.request() != fingerprint) {
      return absl::AlreadyExistsError(
          "request id was already used for a different request; use a new request id");
    }
    return response;
  }
  WALLET_ASSIGN_OR_RETURN(Response response, apply());
  store::v1::IdempotencyRecord record;
  record.set_request(fingerprint);
  record.set_response(DeterministicBytes(response));
  txn.batch->Put(Table::kRequests, key, record.SerializeAsString());
  return response;
}

// IdempotentRequest is Idempotent for a request keyed by its request_id
// field: InvalidArgument naming request_id for a malformed id, checked
// before anything else; then Idempotent under
// RequestKey(op, scope, req.request_id()).
template <typename Response, typename Request, typename Apply>
absl::StatusOr<Response> IdempotentRequest(Txn& txn, absl::string_view op, absl::string_view scope,
                                           const Request& req, Apply apply) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<Response>(txn, RequestKey(op, scope, req.request_id()), req, std::move(apply));
}

}  // namespace wallet

#endif  // WALLET_IDEMPOTENCY_H_
