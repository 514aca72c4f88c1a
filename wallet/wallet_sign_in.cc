// The wallet's consumer sign-in and API key management: OTPs drawn and
// sealed, tokens made, credentials forgotten once revoked, and the OTP opened
// for the notification stream. The ledger's side is ledger_sign_in.cc and
// ledger_api_keys.cc.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/aead.h"
#include "base/status_macros.h"
#include "wallet/api_keys.h"
#include "wallet/auth.h"
#include "wallet/ledger.h"
#include "wallet/notification_text.h"
#include "wallet/on_ledger.h"
#include "wallet/otp.h"
#include "wallet/wallet.h"
#include "wallet/wallet_mutate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

absl::Status SignInOff() { return absl::FailedPreconditionError("sign-in needs --seal_key_file"); }

// Refused turns a durable Attempt into its answer: the refusal, if any.
template <typename Response>
Callback<Attempt<Response>> Refused(Callback<Response> done) {
  return [done = std::move(done)](absl::StatusOr<Attempt<Response>> attempt) {
    if (!attempt.ok()) return done(attempt.status());
    if (!attempt->refusal.ok()) return done(attempt->refusal);
    done(std::move(attempt->response));
  };
}

}  // namespace

void Wallet::ForgetCredentials() {
  absl::MutexLock lock(&keys_mu_);
  ++credentials_epoch_;
  key_cache_.clear();
  token_cache_.clear();
}

template <typename Response, typename ApplyFn>
void Wallet::MutateSignIn(ApplyFn apply, Callback<Response> done) {
  Mutate<Response>(std::move(apply), [this, done = std::move(done)](absl::StatusOr<Response> r) {
    if (r.ok()) ForgetCredentials();
    done(std::move(r));
  });
}

absl::StatusOr<Principal> Wallet::AuthenticateToken(absl::string_view token) {
  if (token.empty()) return absl::UnauthenticatedError("missing sign-in token");
  const std::string token_id = TokenId(token);
  const absl::Time now = clock_->Now();
  uint64_t epoch = 0;
  {
    absl::MutexLock lock(&keys_mu_);
    auto it = token_cache_.find(token_id);
    if (it != token_cache_.end() && now < it->second.refuse_time) return it->second.principal;
    epoch = credentials_epoch_;
  }
  absl::Time expire;
  WALLET_ASSIGN_OR_RETURN(Principal principal, ReadSignIn(*store_, token, now, &expire));
  absl::MutexLock lock(&keys_mu_);
  if (epoch == credentials_epoch_) token_cache_[token_id] = Cached{principal, expire};
  return principal;
}

absl::StatusOr<NewOtp> Wallet::DrawOtp() {
  if (options_.seal_key.empty()) return SignInOff();
  WALLET_ASSIGN_OR_RETURN(std::string digits, random_->Bytes(kOtpRandomBytes));
  WALLET_ASSIGN_OR_RETURN(std::string salt, random_->Bytes(kOtpSaltBytes));
  NewOtp otp;
  otp.otp = OtpDigits(digits);
  otp.salt = std::move(salt);
  otp.seal = [key = options_.seal_key, plain = otp.otp](absl::string_view notification_id) {
    return base::Seal(key, plain, notification_id);
  };
  return otp;
}

void Wallet::RequestSignInOtp(v1::RequestSignInOtpRequest req, Callback<v1::OtpSent> done) {
  absl::StatusOr<NewOtp> otp = DrawOtp();
  if (!otp.ok()) return done(otp.status());
  Mutate(OnLedger<&Ledger::RequestSignInOtp>(ledger_, std::move(req), *std::move(otp)),
         std::move(done));
}

void Wallet::SignIn(v1::SignInRequest req, Callback<v1::SignInResponse> done) {
  if (options_.seal_key.empty()) return done(SignInOff());
  absl::StatusOr<std::string> bytes = random_->Bytes(32);
  if (!bytes.ok()) return done(bytes.status());
  std::string token = absl::StrCat(kTokenPrefix, absl::WebSafeBase64Escape(*bytes));
  const std::string token_id = TokenId(token);
  Callback<v1::SignInResponse> with_token =
      [done = std::move(done), token = std::move(token)](absl::StatusOr<v1::SignInResponse> r) {
        if (r.ok()) r->set_token(token);
        done(std::move(r));
      };
  MutateSignIn(OnLedger<&Ledger::SignIn>(ledger_, std::move(req), token_id),
               Refused<v1::SignInResponse>(std::move(with_token)));
}

void Wallet::RequestLinkOtp(Principal who, v1::RequestLinkOtpRequest req,
                            Callback<v1::OtpSent> done) {
  absl::StatusOr<NewOtp> otp = DrawOtp();
  if (!otp.ok()) return done(otp.status());
  Mutate(
      OnLedger<&Ledger::RequestLinkOtp>(ledger_, std::move(who), std::move(req), *std::move(otp)),
      std::move(done));
}

void Wallet::LinkConsumer(Principal who, v1::LinkConsumerRequest req,
                          Callback<v1::LinkConsumerResponse> done) {
  if (options_.seal_key.empty()) return done(SignInOff());
  MutateSignIn(OnLedger<&Ledger::LinkConsumer>(ledger_, std::move(who), std::move(req)),
               Refused<v1::LinkConsumerResponse>(std::move(done)));
}

void Wallet::SignOut(Principal who, Callback<v1::SignOutResponse> done) {
  if (options_.seal_key.empty()) return done(SignInOff());
  MutateSignIn(OnLedger<&Ledger::SignOut>(ledger_, std::move(who)), std::move(done));
}

void Wallet::RevokeSignIns(v1::RevokeSignInsRequest req, Callback<v1::RevokeSignInsResponse> done) {
  MutateSignIn(OnLedger<&Ledger::RevokeSignIns>(ledger_, std::move(req)), std::move(done));
}

absl::StatusOr<v1::Notification> Wallet::NotificationToWire(
    store::v1::NotificationRecord record) const {
  const std::string sealed = record.sealed_otp();
  v1::Notification out = ToWire(std::move(record));
  if (sealed.empty()) return out;
  if (options_.seal_key.empty()) return SignInOff();
  WALLET_ASSIGN_OR_RETURN(std::string otp,
                          base::Open(options_.seal_key, sealed, out.notification_id()));
  out.set_text(absl::StrReplaceAll(out.text(), {{kOtpMask, otp}}));
  out.set_otp(std::move(otp));
  return out;
}

absl::StatusOr<v1::ListApiKeysResponse> Wallet::ListApiKeys(
    const v1::ListApiKeysRequest& req) const {
  return wallet::ListApiKeys(*store_, tokens_, req, clock_->Now());
}

void Wallet::RevokeApiKey(v1::RevokeApiKeyRequest req, Callback<v1::RevokeApiKeyResponse> done) {
  MutateSignIn(OnLedger<&Ledger::RevokeApiKey>(ledger_, std::move(req)), std::move(done));
}

void Wallet::RotateApiKey(v1::RotateApiKeyRequest req, std::string new_key,
                          Callback<v1::RotateApiKeyResponse> done) {
  const std::string hash = HashApiKey(new_key);
  MutateSignIn<v1::RotateApiKeyResponse>(
      [this, req = std::move(req), hash,
       new_key = std::move(new_key)](Txn& txn) -> absl::StatusOr<v1::RotateApiKeyResponse> {
        bool issued = false;
        WALLET_ASSIGN_OR_RETURN(v1::RotateApiKeyResponse response,
                                ledger_->RotateApiKey(txn, req, hash, &issued));
        // Only the call that stored this key's hash may show the key.
        if (issued) response.set_api_key(new_key);
        return response;
      },
      std::move(done));
}

}  // namespace wallet
