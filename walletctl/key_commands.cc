// API keys and consumer sign-ins, for the utility (admin key): list, revoke
// and rotate keys; end every sign-in of a mobile.
#include "absl/strings/str_cat.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;

constexpr FlagSpec kKeyId =
    IdFlag("key_id", "The key's id: 16 hex digits, as `keys list` shows them.");
constexpr FlagSpec kKeyRole =
    EnumFlag("role", "ROLE", "List only keys of this role.", &v1::Role_descriptor, "ROLE_");
constexpr FlagSpec kGraceSeconds =
    IntFlag("grace_seconds", "N",
            "How long the old key keeps working, so that the new one can be deployed first.", 0,
            86'400)
        .WithDefault("0: the old key is refused at once");
constexpr FlagSpec kMobile = TypedFlag(ValueType::kPhone, "mobile", "NUM",
                                       "The signed-in mobile: 10 to 15 digits, optional +.");

std::string RoleText(v1::Role role) { return EnumText(*v1::Role_descriptor(), role, "ROLE_"); }

std::string KeyState(const v1::ApiKeyInfo& key) {
  if (key.revoked()) return "revoked";
  if (key.has_revoke_time()) return "rotated (grace)";
  return "active";
}

// ---------------------------------------------------------------------------
// Reports

Report KeysReport(const v1::ListApiKeysResponse& response) {
  Report report;
  Table& table = report.SetTable({{"KEY ID"},
                                  {"ROLE"},
                                  {"SUBJECT"},
                                  {"LABEL"},
                                  {"CREATED"},
                                  {"STATE"},
                                  {"UNTIL"},
                                  {"REPLACED BY"}});
  for (const v1::ApiKeyInfo& key : response.keys()) {
    table.AddRow({PlainValue(key.key_id()), PlainValue(RoleText(key.role())),
                  OrDashValue(key.subject_id()), OrDashValue(key.label()),
                  TimeValue(key.create_time()), PlainValue(KeyState(key)),
                  TimeValue(key.revoke_time()), OrDashValue(key.replaced_by_key_id())});
  }
  return report;
}

// AddKeyFields adds one key's fields under `prefix` ("" or "old ").
void AddKeyFields(Report& report, const v1::ApiKeyInfo& key, absl::string_view prefix) {
  report.Add(absl::StrCat(prefix, "key id"), PlainValue(key.key_id()))
      .Add(absl::StrCat(prefix, "role"), PlainValue(RoleText(key.role())))
      .Add(absl::StrCat(prefix, "subject"), OrDashValue(key.subject_id()))
      .Add(absl::StrCat(prefix, "state"), PlainValue(KeyState(key)))
      .Add(absl::StrCat(prefix, "refused from"), TimeValue(key.revoke_time()));
}

Report RevokedReport(const v1::RevokeApiKeyResponse& response) {
  Report report;
  AddKeyFields(report, response.key(), "");
  report.Add("unchanged", PlainValue(response.unchanged() ? "yes: already revoked" : "no"));
  return report;
}

Report RotatedReport(const v1::RotateApiKeyResponse& response) {
  Report report;
  report.Add("api key", OrDashValue(response.api_key()));
  AddKeyFields(report, response.new_key(), "");
  AddKeyFields(report, response.old_key(), "old ");
  return report;
}

Report SignInsRevokedReport(const v1::RevokeSignInsResponse& response) {
  Report report;
  report.Add("tokens revoked", PlainValue(absl::StrCat(response.revoked_tokens())));
  return report;
}

// ---------------------------------------------------------------------------
// Commands

absl::Status ListKeys(const Args& args, Context& context) {
  v1::ListApiKeysRequest request;
  request.set_role(args.Enum(kKeyRole, v1::ROLE_UNSPECIFIED));
  return context.RunList(&AdminStub::ListApiKeys, request, &v1::ListApiKeysResponse::mutable_keys,
                         KeysReport);
}

absl::Status RevokeKey(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::RevokeApiKeyRequest>(context);
  request.set_key_id(args.Text(kKeyId));
  return context.Run(&AdminStub::RevokeApiKey, request, RevokedReport);
}

absl::Status RotateKey(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::RotateApiKeyRequest>(context);
  request.set_key_id(args.Text(kKeyId));
  request.set_grace_seconds(static_cast<int32_t>(args.Int(kGraceSeconds, 0)));
  absl::StatusOr<v1::RotateApiKeyResponse> response =
      context.Call(&AdminStub::RotateApiKey, request);
  if (!response.ok()) return response.status();
  if (context.output().format() != OutputFormat::kText || response->api_key().empty()) {
    return context.Show(*response, RotatedReport);
  }
  // As issue-key: the key alone on standard output, usable as --api_key_file.
  context.Note(absl::StrCat("key ", response->old_key().key_id(), " rotated to ",
                            response->new_key().key_id(), "; the new key is shown only once:"));
  return context.output().ShowText(absl::StrCat(response->api_key(), "\n"));
}

absl::Status RevokeSignIns(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::RevokeSignInsRequest>(context);
  request.set_mobile(args.Text(kMobile));
  return context.Run(&AdminStub::RevokeSignIns, request, SignInsRevokedReport);
}

}  // namespace

CommandGroup KeyCommands() {
  return {"API keys and sign-ins",
          {
              {"keys list", "List the API keys: id, role, subject, label, state; never the key.",
               kAdminKey, WithPaging({Optional(kKeyRole)}), ListKeys,
               "A key's id is the first 16 hex digits of its SHA-256; walletd keeps no key. "
               "STATE is active, revoked, or rotated (grace) while a rotated key still works "
               "UNTIL its grace period ends."},
              {"keys revoke",
               "Revoke an API key: walletd refuses it from the answer on.",
               kAdminKey,
               {Required(kKeyId), Optional(kRequestId)},
               RevokeKey,
               "Revoking a revoked key answers `unchanged`."},
              {"keys rotate",
               "Issue a new key for a key's role and subject and revoke the old one; prints the "
               "new key (shown once) alone on standard output.",
               kAdminKey,
               {Required(kKeyId), Optional(kGraceSeconds), Optional(kRequestId)},
               RotateKey,
               "A retry with the same --request_id answers without the key."},
              {"sign-ins revoke",
               "End every sign-in token of a consumer's mobile at once (e.g. a lost phone).",
               kAdminKey,
               {Required(kMobile), Optional(kRequestId)},
               RevokeSignIns,
               "The consumers linked to the mobile stay linked for its next sign-in."},
          }};
}

}  // namespace walletctl
