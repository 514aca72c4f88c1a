#include "meter-gateway/dlms/xdlms_services.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "meter-gateway/dlms/apdu_fields.h"

namespace dlms::internal {
namespace {

// Choice tags inside GET/SET/ACTION APDUs: only -Normal is supported.
constexpr uint8_t kNormal = 0x01;

// Exception-Response service-error invocation-counter-error carries the
// expected counter as Unsigned32.
constexpr uint8_t kInvocationCounterError = 6;

// ------------------------------------------------------------------ encode

// ServiceHeader starts a -Normal service APDU: tag, choice, invoke id.
std::string ServiceHeader(uint8_t tag, uint8_t invoke_id_and_priority) {
  return {static_cast<char>(tag), static_cast<char>(kNormal),
          static_cast<char>(invoke_id_and_priority)};
}

// AppendDescriptor appends a cosem-attribute-descriptor or
// cosem-method-descriptor: class, logical name, attribute or method id.
void AppendDescriptor(uint16_t class_id, const ObisCode& instance, int8_t id, std::string* out) {
  AppendU16(class_id, out);
  out->append(reinterpret_cast<const char*>(instance.bytes.data()), instance.bytes.size());
  out->push_back(static_cast<char>(id));
}

void AppendAttributeAccess(const AttributeDescriptor& attribute, bool has_access_selection,
                           std::string* out) {
  AppendDescriptor(attribute.class_id, attribute.instance, attribute.attribute_id, out);
  if (has_access_selection) {
    // The decoder keeps only the fact that selective access was asked for
    // (so that a server can refuse it); re-encoding such a request writes
    // selector 1 with null-data parameters.
    out->append({0x01, 0x01, 0x00});
  } else {
    out->push_back(0x00);
  }
}

// AppendGetDataResult appends a Get-Data-Result CHOICE: 00 and the data, or
// 01 and the data-access-result.
void AppendGetDataResult(const std::optional<Data>& data, AccessResult result, std::string* out) {
  if (data.has_value()) {
    out->push_back(0x00);
    EncodeData(*data, out);
  } else {
    out->push_back(0x01);
    out->push_back(static_cast<char>(result));
  }
}

// ------------------------------------------------------------------ decode

bool ReadDescriptor(Reader& reader, uint16_t* class_id, ObisCode* obis, int8_t* id) {
  absl::string_view name;
  uint8_t raw_id;
  if (!reader.ReadU16(class_id) || !reader.ReadBytes(6, &name) || !reader.ReadU8(&raw_id)) {
    return false;
  }
  for (size_t i = 0; i < 6; ++i) obis->bytes[i] = static_cast<uint8_t>(name[i]);
  *id = static_cast<int8_t>(raw_id);
  return true;
}

absl::StatusOr<Data> ReadData(Reader& reader, absl::string_view what) {
  absl::StatusOr<Data> data = DecodeData(reader);
  if (!data.ok()) return Malformed(what, data.status().message());
  return data;
}

// ReadPresence reads the 00/01 flag in front of an OPTIONAL `field`.
absl::StatusOr<bool> ReadPresence(Reader& reader, absl::string_view what, absl::string_view field) {
  uint8_t present;
  if (!reader.ReadU8(&present)) return Malformed(what, absl::StrCat("truncated ", field));
  if (present > 1) return Malformed(what, absl::StrCat("bad ", field, " presence flag"));
  return present == 1;
}

absl::StatusOr<AccessResult> ReadAccessResult(Reader& reader, absl::string_view what) {
  uint8_t result;
  if (!reader.ReadU8(&result)) return Malformed(what, "truncated data-access-result");
  return static_cast<AccessResult>(result);
}

// ReadGetDataResult reads a Get-Data-Result CHOICE into `data` or `result`.
absl::Status ReadGetDataResult(Reader& reader, absl::string_view what, std::optional<Data>* data,
                               AccessResult* result) {
  uint8_t choice;
  if (!reader.ReadU8(&choice)) return Malformed(what, "truncated, no result");
  if (choice == 0) {
    WALLET_ASSIGN_OR_RETURN(*data, ReadData(reader, what));
  } else if (choice == 1) {
    WALLET_ASSIGN_OR_RETURN(*result, ReadAccessResult(reader, what));
  } else {
    return Malformed(what, absl::StrCat("bad Get-Data-Result choice ", choice));
  }
  return absl::OkStatus();
}

// ReadAttributeAccess reads a cosem-attribute-descriptor and its optional
// access-selection (whose selector and parameters are skipped), as GET and
// SET requests carry them.
absl::Status ReadAttributeAccess(Reader& reader, absl::string_view what,
                                 AttributeDescriptor* attribute, bool* has_access_selection) {
  if (!ReadDescriptor(reader, &attribute->class_id, &attribute->instance,
                      &attribute->attribute_id)) {
    return Malformed(what, "truncated attribute descriptor");
  }
  WALLET_ASSIGN_OR_RETURN(*has_access_selection, ReadPresence(reader, what, "access-selection"));
  if (*has_access_selection) {
    uint8_t selector;
    if (!reader.ReadU8(&selector)) return Malformed(what, "truncated access selector");
    WALLET_RETURN_IF_ERROR(ReadData(reader, absl::StrCat(what, " access parameters")).status());
  }
  return absl::OkStatus();
}

// ReadServiceHeader reads the service tag's choice byte and the
// invoke-id-and-priority; only -Normal is supported.
absl::Status ReadServiceHeader(Reader& reader, absl::string_view service, uint8_t* invoke_id) {
  uint8_t choice;
  if (!reader.ReadU8(&choice)) return Malformed(service, "truncated, no choice");
  if (choice != kNormal) {
    if (choice >= 2 && choice <= 7) {
      return absl::UnimplementedError(
          absl::StrCat(service, " choice ", choice, " (next, with-list or block) not supported"));
    }
    return Malformed(service, absl::StrCat("unknown choice ", choice));
  }
  if (!reader.ReadU8(invoke_id)) return Malformed(service, "truncated, no invoke-id");
  return absl::OkStatus();
}

// DecodeService reads a -Normal service APDU of type T: the header, the body
// with `read_body(T&)`, and nothing after it.
template <typename T, typename ReadBody>
absl::StatusOr<Apdu> DecodeService(Reader& reader, absl::string_view what, ReadBody read_body) {
  T apdu;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, what, &apdu.invoke_id_and_priority));
  WALLET_RETURN_IF_ERROR(read_body(apdu));
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, what));
  return apdu;
}

}  // namespace

// --------------------------------------------------------------------- GET

std::string Encode(const GetRequest& request) {
  std::string out = ServiceHeader(kGetRequestTag, request.invoke_id_and_priority);
  AppendAttributeAccess(request.attribute, request.has_access_selection, &out);
  return out;
}

std::string Encode(const GetResponse& response) {
  std::string out = ServiceHeader(kGetResponseTag, response.invoke_id_and_priority);
  AppendGetDataResult(response.data, response.result, &out);
  return out;
}

absl::StatusOr<Apdu> DecodeGetRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "GET-Request";
  return DecodeService<GetRequest>(reader, kWhat, [&](GetRequest& request) {
    return ReadAttributeAccess(reader, kWhat, &request.attribute, &request.has_access_selection);
  });
}

absl::StatusOr<Apdu> DecodeGetResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "GET-Response";
  return DecodeService<GetResponse>(reader, kWhat, [&](GetResponse& response) {
    return ReadGetDataResult(reader, kWhat, &response.data, &response.result);
  });
}

// --------------------------------------------------------------------- SET

std::string Encode(const SetRequest& request) {
  std::string out = ServiceHeader(kSetRequestTag, request.invoke_id_and_priority);
  AppendAttributeAccess(request.attribute, request.has_access_selection, &out);
  EncodeData(request.value, &out);
  return out;
}

std::string Encode(const SetResponse& response) {
  std::string out = ServiceHeader(kSetResponseTag, response.invoke_id_and_priority);
  out.push_back(static_cast<char>(response.result));
  return out;
}

absl::StatusOr<Apdu> DecodeSetRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "SET-Request";
  return DecodeService<SetRequest>(reader, kWhat, [&](SetRequest& request) -> absl::Status {
    WALLET_RETURN_IF_ERROR(
        ReadAttributeAccess(reader, kWhat, &request.attribute, &request.has_access_selection));
    WALLET_ASSIGN_OR_RETURN(request.value, ReadData(reader, kWhat));
    return absl::OkStatus();
  });
}

absl::StatusOr<Apdu> DecodeSetResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "SET-Response";
  return DecodeService<SetResponse>(reader, kWhat, [&](SetResponse& response) -> absl::Status {
    WALLET_ASSIGN_OR_RETURN(response.result, ReadAccessResult(reader, kWhat));
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------ ACTION

std::string Encode(const ActionRequest& request) {
  std::string out = ServiceHeader(kActionRequestTag, request.invoke_id_and_priority);
  AppendDescriptor(request.method.class_id, request.method.instance, request.method.method_id,
                   &out);
  if (request.parameters.has_value()) {
    out.push_back(0x01);
    EncodeData(*request.parameters, &out);
  } else {
    out.push_back(0x00);
  }
  return out;
}

std::string Encode(const ActionResponse& response) {
  std::string out = ServiceHeader(kActionResponseTag, response.invoke_id_and_priority);
  out.push_back(static_cast<char>(response.result));
  if (response.return_data.has_value()) {
    out.push_back(0x01);  // return-parameters present
    AppendGetDataResult(response.return_data, response.result, &out);
  } else {
    out.push_back(0x00);
  }
  return out;
}

absl::StatusOr<Apdu> DecodeActionRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "ACTION-Request";
  return DecodeService<ActionRequest>(reader, kWhat, [&](ActionRequest& request) -> absl::Status {
    if (!ReadDescriptor(reader, &request.method.class_id, &request.method.instance,
                        &request.method.method_id)) {
      return Malformed(kWhat, "truncated method descriptor");
    }
    WALLET_ASSIGN_OR_RETURN(const bool present, ReadPresence(reader, kWhat, "parameters"));
    if (present) {
      WALLET_ASSIGN_OR_RETURN(request.parameters, ReadData(reader, kWhat));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Apdu> DecodeActionResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "ACTION-Response";
  return DecodeService<ActionResponse>(
      reader, kWhat, [&](ActionResponse& response) -> absl::Status {
        WALLET_ASSIGN_OR_RETURN(response.result, ReadAccessResult(reader, kWhat));
        WALLET_ASSIGN_OR_RETURN(const bool present,
                                ReadPresence(reader, kWhat, "return-parameters"));
        if (!present) return absl::OkStatus();
        // A data-access-result in place of return data only repeats what
        // the action-result says; ActionResponse has nowhere to keep it.
        AccessResult repeated;
        return ReadGetDataResult(reader, kWhat, &response.return_data, &repeated);
      });
}

// --------------------------------------------------------------- exception

std::string Encode(const ExceptionResponse& response) {
  std::string out = {static_cast<char>(kExceptionResponseTag),
                     static_cast<char>(response.state_error),
                     static_cast<char>(response.service_error)};
  // invocation-counter-error must carry a counter; ExceptionResponse does
  // not keep the one received, so zero keeps the encoding decodable.
  if (response.service_error == kInvocationCounterError) AppendU32(0, &out);
  return out;
}

absl::StatusOr<Apdu> DecodeExceptionResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "Exception-Response";
  ExceptionResponse response;
  if (!reader.ReadU8(&response.state_error) || !reader.ReadU8(&response.service_error)) {
    return Malformed(kWhat, "truncated");
  }
  if (response.service_error == kInvocationCounterError) {
    uint32_t ignored;
    if (!reader.ReadU32(&ignored)) return Malformed(kWhat, "truncated invocation counter");
  }
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return response;
}

}  // namespace dlms::internal
