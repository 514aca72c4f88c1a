// Consumer sign-in on the writer's side: OTPs sent and checked, tokens made
// and revoked, consumers linked to a mobile. The rules of OTPs are
// wallet/otp.h; the records and keys wallet/sign_in.h.
#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/notification_text.h"
#include "wallet/otp.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::MobileSignInsRecord;
using store::v1::OtpChallenge;
using store::v1::OtpStateRecord;
using store::v1::SignInTokenRecord;

absl::Status NeedsSignIn(const Principal& who) {
  if (who.is_sign_in()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "this call needs a sign-in token (metadata authorization: Bearer <token>)");
}

absl::Status ValidateOtp(absl::string_view otp) {
  if (WellFormedOtp(otp)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("otp must be ", kOtpDigits, " digits"));
}

int64_t Minutes(absl::Duration d) { return absl::ToInt64Minutes(d); }

// Link adds `consumer_id` to the mobile's linked consumers (kept sorted);
// false if it was there.
bool Link(MobileSignInsRecord& signed_in, const std::string& consumer_id) {
  auto* ids = signed_in.mutable_consumer_ids();
  if (std::find(ids->begin(), ids->end(), consumer_id) != ids->end()) return false;
  *ids->Add() = consumer_id;
  std::sort(ids->begin(), ids->end());
  return true;
}

bool Live(const SignInTokenRecord& token, absl::Time now) {
  return token.revoked_us() == 0 && absl::ToUnixMicros(now) < token.expire_us();
}

}  // namespace

absl::StatusOr<OtpStateRecord> Ledger::ReadOtpState(Txn& txn, absl::string_view mobile) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kSignIn, OtpStateKey(mobile)));
  if (!stored) return OtpStateRecord();
  return ParseRecord<OtpStateRecord>(*stored, "OTP state");
}

absl::StatusOr<MobileSignInsRecord> Ledger::ReadMobile(Txn& txn, absl::string_view mobile) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kSignIn, MobileSignInsKey(mobile)));
  if (!stored) return MobileSignInsRecord();
  return ParseRecord<MobileSignInsRecord>(*stored, "mobile sign-ins");
}

absl::StatusOr<std::optional<SignInTokenRecord>> Ledger::ReadToken(Txn& txn,
                                                                   absl::string_view token_id) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kSignIn, TokenKey(token_id)));
  if (!stored) return std::nullopt;
  return ParseRecord<SignInTokenRecord>(*stored, "sign-in token");
}

absl::StatusOr<v1::OtpSent> Ledger::SendOtp(Txn& txn, const std::string& mobile,
                                            OtpChallenge challenge, const NewOtp& otp,
                                            const std::string& consumer_id, std::string text) {
  WALLET_ASSIGN_OR_RETURN(OtpStateRecord state, ReadOtpState(txn, mobile));
  const int64_t expire_us = challenge.expire_us();
  WALLET_RETURN_IF_ERROR(IssueOtp(state, std::move(challenge), txn.now, options_.otp));
  // Sealed before anything is written, so that a failure changes nothing.
  WALLET_ASSIGN_OR_RETURN(std::string sealed, otp.seal(outbox_.NextNotificationId()));
  txn.batch->Put(Table::kSignIn, OtpStateKey(mobile), state.SerializeAsString());
  store::v1::OutboxItem item;
  store::v1::NotificationRecord& n = *item.mutable_notification();
  n.set_kind(v1::Notification::OTP);
  n.set_consumer_id(consumer_id);
  n.set_phone(mobile);
  n.set_language(consumer_id.empty() ? v1::ENGLISH : meters_.Consumer(consumer_id).language);
  n.set_time_us(absl::ToUnixMicros(txn.now));
  n.set_text(std::move(text));
  n.set_sealed_otp(std::move(sealed));
  n.set_expire_us(expire_us);
  outbox_.Add(*txn.batch, item);
  v1::OtpSent sent;
  SetTimestamp(expire_us, sent.mutable_expire_time());
  sent.set_masked_mobile(MaskMobile(mobile));
  return sent;
}

absl::StatusOr<v1::OtpSent> Ledger::RequestSignInOtp(Txn& txn,
                                                     const v1::RequestSignInOtpRequest& req,
                                                     const NewOtp& otp) {
  WALLET_RETURN_IF_ERROR(ValidatePhone("mobile", req.mobile()));
  // The SMS is in the language of a consumer registered with the mobile,
  // if any; an unknown mobile gets one too, so that answers do not tell
  // registered mobiles apart.
  const std::vector<std::string> consumers = meters_.ConsumersWithPhone(req.mobile());
  return SendOtp(txn, req.mobile(),
                 NewOtpChallenge(OtpChallenge::SIGN_IN, otp.salt, otp.otp, txn.now, options_.otp),
                 otp, consumers.empty() ? std::string() : consumers.front(),
                 SignInOtpText(kOtpMask, Minutes(options_.otp.lifetime)));
}

absl::StatusOr<Attempt<v1::SignInResponse>> Ledger::SignIn(Txn& txn, const v1::SignInRequest& req,
                                                           const std::string& token_id) {
  WALLET_RETURN_IF_ERROR(ValidatePhone("mobile", req.mobile()));
  WALLET_RETURN_IF_ERROR(ValidateOtp(req.otp()));
  WALLET_ASSIGN_OR_RETURN(OtpStateRecord state, ReadOtpState(txn, req.mobile()));
  OtpChallenge wanted;
  wanted.set_purpose(OtpChallenge::SIGN_IN);
  Attempt<v1::SignInResponse> attempt;
  attempt.refusal = CheckOtp(state, wanted, req.otp(), txn.now, options_.otp);
  // A locked mobile's attempt is not counted: nothing to write.
  if (absl::IsResourceExhausted(attempt.refusal)) return attempt.refusal;
  WALLET_ASSIGN_OR_RETURN(MobileSignInsRecord signed_in, ReadMobile(txn, req.mobile()));
  txn.batch->Put(Table::kSignIn, OtpStateKey(req.mobile()), state.SerializeAsString());
  if (!attempt.refusal.ok()) return attempt;
  for (const std::string& consumer_id : meters_.ConsumersWithPhone(req.mobile())) {
    Link(signed_in, consumer_id);
  }
  WALLET_RETURN_IF_ERROR(AddToken(txn, MobileKey(req.mobile()), token_id, signed_in));
  SetTimestamp(absl::ToUnixMicros(txn.now + options_.sign_in_token_lifetime),
               attempt.response.mutable_expire_time());
  attempt.response.mutable_consumer_ids()->CopyFrom(signed_in.consumer_ids());
  return attempt;
}

absl::Status Ledger::AddToken(Txn& txn, const std::string& mobile, const std::string& token_id,
                              MobileSignInsRecord& signed_in) {
  google::protobuf::RepeatedPtrField<std::string> live;
  for (const std::string& id : signed_in.token_ids()) {
    WALLET_ASSIGN_OR_RETURN(std::optional<SignInTokenRecord> token, ReadToken(txn, id));
    if (token && Live(*token, txn.now)) *live.Add() = id;
  }
  *live.Add() = token_id;
  signed_in.mutable_token_ids()->Swap(&live);
  SignInTokenRecord token;
  token.set_mobile(mobile);
  token.set_created_us(absl::ToUnixMicros(txn.now));
  token.set_expire_us(absl::ToUnixMicros(txn.now + options_.sign_in_token_lifetime));
  txn.batch->Put(Table::kSignIn, TokenKey(token_id), token.SerializeAsString());
  txn.batch->Put(Table::kSignIn, MobileSignInsKey(mobile), signed_in.SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<v1::OtpSent> Ledger::RequestLinkOtp(Txn& txn, const Principal& who,
                                                   const v1::RequestLinkOtpRequest& req,
                                                   const NewOtp& otp) {
  WALLET_RETURN_IF_ERROR(NeedsSignIn(who));
  WALLET_RETURN_IF_ERROR(ValidateId("consumer_id", req.consumer_id()));
  if (!meters_.HasConsumer(req.consumer_id())) {
    return absl::NotFoundError(absl::StrCat("consumer ", req.consumer_id(), " not found"));
  }
  const std::string phone = meters_.Consumer(req.consumer_id()).phone;
  OtpChallenge challenge =
      NewOtpChallenge(OtpChallenge::LINK, otp.salt, otp.otp, txn.now, options_.otp);
  challenge.set_link_mobile(MobileKey(who.mobile));
  challenge.set_consumer_id(req.consumer_id());
  return SendOtp(txn, phone, std::move(challenge), otp, req.consumer_id(),
                 LinkOtpText(kOtpMask, req.consumer_id(), MaskMobile(who.mobile),
                             Minutes(options_.otp.lifetime)));
}

absl::StatusOr<Attempt<v1::LinkConsumerResponse>> Ledger::LinkConsumer(
    Txn& txn, const Principal& who, const v1::LinkConsumerRequest& req) {
  WALLET_RETURN_IF_ERROR(NeedsSignIn(who));
  WALLET_RETURN_IF_ERROR(ValidateId("consumer_id", req.consumer_id()));
  WALLET_RETURN_IF_ERROR(ValidateOtp(req.otp()));
  if (!meters_.HasConsumer(req.consumer_id())) {
    return absl::NotFoundError(absl::StrCat("consumer ", req.consumer_id(), " not found"));
  }
  const std::string phone = meters_.Consumer(req.consumer_id()).phone;
  WALLET_ASSIGN_OR_RETURN(OtpStateRecord state, ReadOtpState(txn, phone));
  OtpChallenge wanted;
  wanted.set_purpose(OtpChallenge::LINK);
  wanted.set_link_mobile(MobileKey(who.mobile));
  wanted.set_consumer_id(req.consumer_id());
  Attempt<v1::LinkConsumerResponse> attempt;
  attempt.refusal = CheckOtp(state, wanted, req.otp(), txn.now, options_.otp);
  if (absl::IsResourceExhausted(attempt.refusal)) return attempt.refusal;
  WALLET_ASSIGN_OR_RETURN(MobileSignInsRecord signed_in, ReadMobile(txn, who.mobile));
  txn.batch->Put(Table::kSignIn, OtpStateKey(phone), state.SerializeAsString());
  if (!attempt.refusal.ok()) return attempt;
  if (Link(signed_in, req.consumer_id())) {
    txn.batch->Put(Table::kSignIn, MobileSignInsKey(who.mobile), signed_in.SerializeAsString());
  }
  attempt.response.mutable_consumer_ids()->CopyFrom(signed_in.consumer_ids());
  return attempt;
}

absl::StatusOr<v1::SignOutResponse> Ledger::SignOut(Txn& txn, const Principal& who) {
  WALLET_RETURN_IF_ERROR(NeedsSignIn(who));
  WALLET_ASSIGN_OR_RETURN(std::optional<SignInTokenRecord> token, ReadToken(txn, who.token_id));
  if (token && token->revoked_us() == 0) {
    token->set_revoked_us(absl::ToUnixMicros(txn.now));
    txn.batch->Put(Table::kSignIn, TokenKey(who.token_id), token->SerializeAsString());
  }
  return v1::SignOutResponse();
}

absl::StatusOr<v1::RevokeSignInsResponse> Ledger::RevokeSignIns(
    Txn& txn, const v1::RevokeSignInsRequest& req) {
  return IdempotentRequest<v1::RevokeSignInsResponse>(
      txn, "RevokeSignIns", kAdminScope, req, [&]() -> absl::StatusOr<v1::RevokeSignInsResponse> {
        WALLET_RETURN_IF_ERROR(ValidatePhone("mobile", req.mobile()));
        WALLET_ASSIGN_OR_RETURN(MobileSignInsRecord signed_in, ReadMobile(txn, req.mobile()));
        v1::RevokeSignInsResponse response;
        for (const std::string& id : signed_in.token_ids()) {
          WALLET_ASSIGN_OR_RETURN(std::optional<SignInTokenRecord> token, ReadToken(txn, id));
          if (!token || !Live(*token, txn.now)) continue;
          token->set_revoked_us(absl::ToUnixMicros(txn.now));
          txn.batch->Put(Table::kSignIn, TokenKey(id), token->SerializeAsString());
          response.set_revoked_tokens(response.revoked_tokens() + 1);
        }
        if (signed_in.token_ids_size() > 0) {
          signed_in.clear_token_ids();
          txn.batch->Put(Table::kSignIn, MobileSignInsKey(req.mobile()),
                         signed_in.SerializeAsString());
        }
        return response;
      });
}

}  // namespace wallet
