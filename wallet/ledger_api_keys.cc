// API key management on the writer's side: revocation and rotation. Keys
// are stored under their hex SHA-256 (Table::kApiKeys); clients name a key by
// the first 16 hex digits of that hash, as ListApiKeys shows it.
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/api_keys.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/record_io.h"

namespace wallet {
namespace {

using store::v1::ApiKeyRecord;

// The longest grace period a rotation may give the old key.
constexpr int32_t kMaxGraceSeconds = 24 * 60 * 60;

}  // namespace

absl::StatusOr<std::pair<std::string, ApiKeyRecord>> Ledger::ReadApiKey(Txn& txn,
                                                                        const std::string& key_id) {
  WALLET_RETURN_IF_ERROR(ValidateKeyId(key_id));
  std::string hash;
  WALLET_RETURN_IF_ERROR(store_->Scan(Table::kApiKeys, key_id, "", false,
                                      [&](absl::string_view key, absl::string_view) {
                                        hash = std::string(key);
                                        return false;
                                      }));
  if (hash.empty()) return absl::NotFoundError(absl::StrCat("API key ", key_id, " not found"));
  // Read through the batch: this group may have changed the key already.
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, txn.batch->Get(Table::kApiKeys, hash));
  if (!stored) return absl::InternalError("an API key vanished from the store");
  WALLET_ASSIGN_OR_RETURN(ApiKeyRecord record, ParseRecord<ApiKeyRecord>(*stored, "API key"));
  return std::make_pair(std::move(hash), std::move(record));
}

absl::StatusOr<v1::RevokeApiKeyResponse> Ledger::RevokeApiKey(Txn& txn,
                                                              const v1::RevokeApiKeyRequest& req) {
  return IdempotentRequest<v1::RevokeApiKeyResponse>(
      txn, "RevokeApiKey", kAdminScope, req, [&]() -> absl::StatusOr<v1::RevokeApiKeyResponse> {
        WALLET_ASSIGN_OR_RETURN(auto key, ReadApiKey(txn, req.key_id()));
        auto& [hash, record] = key;
        v1::RevokeApiKeyResponse response;
        if (KeyRefusedAt(record, txn.now)) {
          response.set_unchanged(true);
        } else {
          record.set_revoke_us(absl::ToUnixMicros(txn.now));
          txn.batch->Put(Table::kApiKeys, hash, record.SerializeAsString());
        }
        *response.mutable_key() = ApiKeyInfoOf(hash, record, txn.now);
        return response;
      });
}

absl::StatusOr<v1::RotateApiKeyResponse> Ledger::RotateApiKey(Txn& txn,
                                                              const v1::RotateApiKeyRequest& req,
                                                              const std::string& key_hash,
                                                              bool* issued) {
  return IdempotentRequest<v1::RotateApiKeyResponse>(
      txn, "RotateApiKey", kAdminScope, req, [&]() -> absl::StatusOr<v1::RotateApiKeyResponse> {
        if (req.grace_seconds() < 0 || req.grace_seconds() > kMaxGraceSeconds) {
          return absl::InvalidArgumentError(
              absl::StrCat("grace_seconds must be 0 to ", kMaxGraceSeconds));
        }
        WALLET_ASSIGN_OR_RETURN(auto key, ReadApiKey(txn, req.key_id()));
        auto& [old_hash, old_record] = key;
        if (old_record.revoke_us() != 0) {
          return absl::FailedPreconditionError(
              absl::StrCat("API key ", req.key_id(), " is revoked or already rotated"));
        }
        ApiKeyRecord fresh;
        fresh.set_role(old_record.role());
        fresh.set_subject_id(old_record.subject_id());
        fresh.set_label(old_record.label());
        fresh.set_created_us(absl::ToUnixMicros(txn.now));
        old_record.set_rotated_us(absl::ToUnixMicros(txn.now));
        old_record.set_replaced_by_key_id(KeyIdOf(key_hash));
        old_record.set_revoke_us(absl::ToUnixMicros(txn.now + absl::Seconds(req.grace_seconds())));
        txn.batch->Put(Table::kApiKeys, key_hash, fresh.SerializeAsString());
        txn.batch->Put(Table::kApiKeys, old_hash, old_record.SerializeAsString());
        *issued = true;
        v1::RotateApiKeyResponse response;
        *response.mutable_new_key() = ApiKeyInfoOf(key_hash, fresh, txn.now);
        *response.mutable_old_key() = ApiKeyInfoOf(old_hash, old_record, txn.now);
        return response;
      });
}

}  // namespace wallet
