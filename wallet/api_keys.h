// API keys as the admins manage them: a key's id, whether it is refused at a
// given time, its description for ListApiKeys, and the listing itself. Keys
// are stored only as their hex SHA-256 (Table::kApiKeys -> ApiKeyRecord); a
// key's id is the first 16 hex digits of that hash, never the key.
//
// A key is refused from its record's revoke_us on: RevokeApiKey sets it to
// the time of the call, RotateApiKey to the end of the grace period it gives.
//
// Thread safety: pure functions; ListApiKeys is as thread-safe as Store.
#ifndef WALLET_API_KEYS_H_
#define WALLET_API_KEYS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/paging.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/admin.pb.h"

namespace wallet {

// kKeyIdDigits is the length of a key id in hex digits.
inline constexpr size_t kKeyIdDigits = 16;

// KeyIdOf is the id of the key whose hex SHA-256 is `key_hash`.
std::string KeyIdOf(absl::string_view key_hash);

// ValidateKeyId accepts 16 lower-case hex digits; InvalidArgument otherwise.
absl::Status ValidateKeyId(absl::string_view key_id);

// KeyRefusedAt says whether the key is refused at `now` (revoked, or its
// rotation's grace period is over).
bool KeyRefusedAt(const store::v1::ApiKeyRecord& record, absl::Time now);

// ApiKeyInfoOf describes a key for the admin API as of `now`.
v1::ApiKeyInfo ApiKeyInfoOf(absl::string_view key_hash, const store::v1::ApiKeyRecord& record,
                            absl::Time now);

// ListApiKeys lists the stored keys in key id order, one page, as of `now`.
// InvalidArgument for a page token `tokens` did not issue for this filter.
absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(const Store& store, const PageTokens& tokens,
                                                    const v1::ListApiKeysRequest& req,
                                                    absl::Time now);

}  // namespace wallet

#endif  // WALLET_API_KEYS_H_
