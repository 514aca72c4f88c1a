#include "wallet/api_keys.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/record_io.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int32_t kDefaultKeyPage = 100;
// Rows a page may skip for the role filter before it ends early.
constexpr int kMaxKeysScannedPerPage = 10'000;

}  // namespace

std::string KeyIdOf(absl::string_view key_hash) {
  return std::string(key_hash.substr(0, kKeyIdDigits));
}

absl::Status ValidateKeyId(absl::string_view key_id) {
  bool ok = key_id.size() == kKeyIdDigits;
  for (char c : key_id) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return absl::InvalidArgumentError(
        "key_id must be 16 lower-case hex digits, as ListApiKeys shows them");
  }
  return absl::OkStatus();
}

bool KeyRefusedAt(const store::v1::ApiKeyRecord& record, absl::Time now) {
  return record.revoke_us() != 0 && absl::ToUnixMicros(now) >= record.revoke_us();
}

v1::ApiKeyInfo ApiKeyInfoOf(absl::string_view key_hash, const store::v1::ApiKeyRecord& record,
                            absl::Time now) {
  v1::ApiKeyInfo info;
  info.set_key_id(KeyIdOf(key_hash));
  info.set_role(record.role());
  info.set_subject_id(record.subject_id());
  info.set_label(record.label());
  if (record.created_us() != 0) SetTimestamp(record.created_us(), info.mutable_create_time());
  if (record.rotated_us() != 0) SetTimestamp(record.rotated_us(), info.mutable_rotate_time());
  info.set_replaced_by_key_id(record.replaced_by_key_id());
  info.set_revoked(KeyRefusedAt(record, now));
  if (record.revoke_us() != 0) SetTimestamp(record.revoke_us(), info.mutable_revoke_time());
  return info;
}

absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(const Store& store, const PageTokens& tokens,
                                                    const v1::ListApiKeysRequest& req,
                                                    absl::Time now) {
  if (!v1::Role_IsValid(req.role())) return absl::InvalidArgumentError("unknown role");
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  const v1::ListApiKeysRequest filter = PageFilter(req);
  std::string after;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(after, tokens.Open("ListApiKeys", filter, req.page_token()));
  }
  v1::ListApiKeysResponse response;
  WALLET_ASSIGN_OR_RETURN(
      std::string next,
      ScanPage(store, Table::kApiKeys, "", after, /*reverse=*/false,
               PageSize(req.page_size(), kDefaultKeyPage), kMaxKeysScannedPerPage,
               [&](absl::string_view hash, absl::string_view value) -> absl::StatusOr<bool> {
                 WALLET_ASSIGN_OR_RETURN(store::v1::ApiKeyRecord record,
                                         ParseRecord<store::v1::ApiKeyRecord>(value, "API key"));
                 if (req.role() != v1::ROLE_UNSPECIFIED && record.role() != req.role()) {
                   return false;
                 }
                 *response.add_keys() = ApiKeyInfoOf(hash, record, now);
                 return true;
               }));
  if (!next.empty()) response.set_next_page_token(tokens.Issue("ListApiKeys", filter, next));
  return response;
}

}  // namespace wallet
