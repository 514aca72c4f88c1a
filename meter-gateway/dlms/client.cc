#include "meter-gateway/dlms/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/hmac.h"
#include "base/status_macros.h"

namespace dlms {
namespace {

// Socket deadlines use the monotonic clock: a wall-clock step (NTP) must not
// stretch or cut a timeout. This is I/O plumbing, not domain time, so it is
// not injected.
using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

// How long Release waits for the RLRE at most: the meter has nothing left to
// do for us, so a slow answer is not worth holding a worker for.
constexpr absl::Duration kReleaseTimeout = absl::Milliseconds(500);

Deadline DeadlineAfter(absl::Duration timeout) {
  return SteadyClock::now() + absl::ToChronoNanoseconds(std::max(timeout, absl::ZeroDuration()));
}

// PollTimeoutMs is what remains until `deadline`, rounded up so that we never
// spin with a zero timeout just before it.
int PollTimeoutMs(Deadline deadline) {
  const auto left = deadline - SteadyClock::now();
  if (left <= SteadyClock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

std::string ErrnoText(int error) { return std::strerror(error); }

std::string AccessResultName(AccessResult result) {
  switch (result) {
    case AccessResult::kSuccess: return "success";
    case AccessResult::kHardwareFault: return "hardware-fault";
    case AccessResult::kTemporaryFailure: return "temporary-failure";
    case AccessResult::kReadWriteDenied: return "read-write-denied";
    case AccessResult::kObjectUndefined: return "object-undefined";
    case AccessResult::kObjectClassInconsistent: return "object-class-inconsistent";
    case AccessResult::kObjectUnavailable: return "object-unavailable";
    case AccessResult::kTypeUnmatched: return "type-unmatched";
    case AccessResult::kScopeOfAccessViolated: return "scope-of-access-violated";
    case AccessResult::kOtherReason: return "other-reason";
  }
  return absl::StrCat("result ", static_cast<int>(result));
}

std::string DiagnosticName(AcseDiagnostic diagnostic) {
  switch (diagnostic) {
    case AcseDiagnostic::kNull: return "no diagnostic";
    case AcseDiagnostic::kNoReasonGiven: return "no reason given";
    case AcseDiagnostic::kApplicationContextNameNotSupported:
      return "application context name not supported";
    case AcseDiagnostic::kMechanismNameNotRecognised: return "mechanism name not recognised";
    case AcseDiagnostic::kMechanismNameRequired: return "mechanism name required";
    case AcseDiagnostic::kAuthenticationFailure: return "authentication failure";
    case AcseDiagnostic::kAuthenticationRequired: return "authentication required";
  }
  return absl::StrCat("diagnostic ", static_cast<int>(diagnostic));
}

std::string ExceptionText(const ExceptionResponse& exception) {
  std::string state;
  switch (exception.state_error) {
    case ExceptionResponse::kServiceNotAllowed: state = "service-not-allowed"; break;
    case ExceptionResponse::kServiceUnknown: state = "service-unknown"; break;
    default: state = absl::StrCat("state-error ", exception.state_error); break;
  }
  std::string service;
  switch (exception.service_error) {
    case ExceptionResponse::kOperationNotPossible: service = "operation-not-possible"; break;
    case ExceptionResponse::kServiceNotSupported: service = "service-not-supported"; break;
    case ExceptionResponse::kOtherReason: service = "other-reason"; break;
    default: service = absl::StrCat("service-error ", exception.service_error); break;
  }
  return absl::StrCat("Exception-Response ", state, ", ", service);
}

// AccessStatus maps a Data-Access-Result or Action-Result to the codes
// client.h documents.
absl::Status AccessStatus(AccessResult result, absl::string_view context) {
  const std::string message = absl::StrCat(context, ": ", AccessResultName(result));
  switch (result) {
    case AccessResult::kSuccess:
      return absl::OkStatus();
    case AccessResult::kReadWriteDenied:
    case AccessResult::kScopeOfAccessViolated:
      return absl::PermissionDeniedError(message);
    case AccessResult::kObjectUndefined:
      return absl::NotFoundError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

// WithContext puts `context` in front of `status`'s message and keeps its
// code and payloads (the SecurityFailure of a refusal).
absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  absl::Status out(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

// IsDataServiceResponse is true for the replies that an HLS association
// must receive protected.
bool IsDataServiceResponse(const Apdu& apdu) {
  return std::holds_alternative<GetResponse>(apdu) || std::holds_alternative<SetResponse>(apdu) ||
         std::holds_alternative<ActionResponse>(apdu);
}

std::string EndpointName(const MeterEndpoint& meter) {
  // IPv6 literals need brackets to keep the port readable.
  if (absl::StrContains(meter.host, ':')) return absl::StrCat("[", meter.host, "]:", meter.port);
  return absl::StrCat(meter.host, ":", meter.port);
}

// Fd closes a socket on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// ConnectOne tries one resolved address until `deadline`.
absl::StatusOr<Fd> ConnectOne(const addrinfo& address, Deadline deadline,
                              absl::string_view name) {
  Fd fd(::socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 address.ai_protocol));
  if (!fd.valid()) {
    return absl::UnavailableError(absl::StrCat("meter ", name, ": socket: ", ErrnoText(errno)));
  }
  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(
          absl::StrCat("meter ", name, ": connect: ", ErrnoText(errno)));
    }
    while (true) {
      pollfd p{fd.get(), POLLOUT, 0};
      const int ready = ::poll(&p, 1, PollTimeoutMs(deadline));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) {
        return absl::UnavailableError(absl::StrCat("meter ", name, ": poll: ", ErrnoText(errno)));
      }
      if (ready == 0) {
        return absl::DeadlineExceededError(absl::StrCat("meter ", name, ": connect timed out"));
      }
      break;
    }
    int error = 0;
    socklen_t error_size = sizeof(error);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_size) != 0) error = errno;
    if (error != 0) {
      return absl::UnavailableError(absl::StrCat("meter ", name, ": connect: ", ErrnoText(error)));
    }
  }
  // Requests are single small frames answered one at a time: Nagle would
  // only add a delayed-ACK round trip to each.
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

absl::StatusOr<Fd> ConnectTcp(const MeterEndpoint& meter, Deadline deadline,
                              absl::string_view name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port = absl::StrCat(meter.port);
  // Name resolution has no deadline of its own; meters are configured by IP
  // address in practice, for which getaddrinfo returns at once.
  const int rc = ::getaddrinfo(meter.host.c_str(), port.c_str(), &hints, &addresses);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("meter ", name, ": cannot resolve host: ", gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError(absl::StrCat("meter ", name, ": no address"));
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    absl::StatusOr<Fd> fd = ConnectOne(*a, deadline, name);
    if (fd.ok()) {
      ::freeaddrinfo(addresses);
      return fd;
    }
    last = fd.status();
    if (absl::IsDeadlineExceeded(last)) break;
  }
  ::freeaddrinfo(addresses);
  return last;
}

class ClientImpl final : public Client {
 public:
  ClientImpl(Fd fd, const MeterEndpoint& meter, const ClientOptions& options)
      : fd_(std::move(fd)),
        meter_(meter),
        options_(options),
        name_(EndpointName(meter)),
        frames_(options.max_apdu_size) {}

  // Associate sends the AARQ and checks the AARE; with HLS it also runs the
  // third and fourth passes.
  absl::Status Associate() {
    if (meter_.hls.has_value()) return AssociateHls(*meter_.hls);
    AssociationRequest aarq;
    if (!meter_.password.empty()) {
      aarq.authentication = Authentication::kLowLevel;
      aarq.password = meter_.password;
    }
    aarq.max_receive_pdu_size =
        static_cast<uint16_t>(std::min<size_t>(options_.max_apdu_size, 0xFFFF));
    WALLET_ASSIGN_OR_RETURN(Apdu reply, Exchange(aarq, DeadlineAfter(options_.response_timeout),
                                                 "association"));
    const auto* aare = std::get_if<AssociationResponse>(&reply);
    if (aare == nullptr) {
      return Fail(absl::DataLossError(absl::StrCat("meter ", name_, ": association: expected AARE, got ",
                                                   ApduName(reply))));
    }
    if (aare->result != AssociationResult::kAccepted) {
      return Fail(absl::PermissionDeniedError(
          absl::StrCat("meter ", name_, ": association rejected: ", DiagnosticName(aare->diagnostic))));
    }
    return absl::OkStatus();
  }

  uint32_t next_invocation_counter() const override {
    return ciphering_.has_value() ? ciphering_->next_invocation_counter() : 0;
  }

  absl::StatusOr<Data> Get(const AttributeDescriptor& attribute) override {
    const std::string what = Describe("GET", attribute.class_id, attribute.instance,
                                      attribute.attribute_id);
    GetRequest request;
    request.attribute = attribute;
    WALLET_ASSIGN_OR_RETURN(GetResponse response, Call<GetResponse>(request, what));
    if (response.data.has_value()) return *std::move(response.data);
    if (response.result == AccessResult::kSuccess) {
      return absl::DataLossError(
          absl::StrCat("meter ", name_, ": ", what, ": success without data"));
    }
    return AccessStatus(response.result, absl::StrCat("meter ", name_, ": ", what));
  }

  absl::Status Set(const AttributeDescriptor& attribute, const Data& value) override {
    const std::string what = Describe("SET", attribute.class_id, attribute.instance,
                                      attribute.attribute_id);
    SetRequest request;
    request.attribute = attribute;
    request.value = value;
    WALLET_ASSIGN_OR_RETURN(SetResponse response, Call<SetResponse>(request, what));
    return AccessStatus(response.result, absl::StrCat("meter ", name_, ": ", what));
  }

  absl::StatusOr<std::optional<Data>> Action(const MethodDescriptor& method,
                                             const Data& parameters) override {
    const std::string what =
        Describe("ACTION", method.class_id, method.instance, method.method_id);
    ActionRequest request;
    request.method = method;
    request.parameters = parameters;
    WALLET_ASSIGN_OR_RETURN(ActionResponse response, Call<ActionResponse>(request, what));
    WALLET_RETURN_IF_ERROR(
        AccessStatus(response.result, absl::StrCat("meter ", name_, ": ", what)));
    return std::move(response.return_data);
  }

  absl::Status Release() override {
    if (!fd_.valid()) return Closed();
    const absl::StatusOr<Apdu> reply = Exchange(
        ReleaseRequest{}, DeadlineAfter(std::min(options_.response_timeout, kReleaseTimeout)),
        "release");
    fd_.Reset();
    if (!reply.ok()) return reply.status();
    if (!std::holds_alternative<ReleaseResponse>(*reply)) return Unexpected("release", *reply);
    return absl::OkStatus();
  }

 private:
  // AssociateHls runs the four HLS-GMAC passes: AARQ with the client's
  // system title, challenge CtoS and a glo-ciphered InitiateRequest; AARE
  // with the meter's system title and challenge StoC; then, ciphered, the
  // ACTION reply_to_HLS_authentication with f(StoC), whose return data is
  // the meter's f(CtoS).
  absl::Status AssociateHls(const MeterEndpoint::Hls& hls) {
    ciphering_.emplace(CipheringContext::Options{hls.keys, hls.client_system_title,
                                                 hls.invocation_counter, hls.security_control});
    if (absl::Status valid = ciphering_->Validate(); !valid.ok()) {
      return Fail(WithContext(valid, absl::StrCat("meter ", name_, ": HLS settings")));
    }
    const std::string context = absl::StrCat("meter ", name_, ": HLS association");
    const std::string ctos = absl::HexStringToBytes(base::RandomHex(kMinChallengeSize));
    AssociationRequest aarq;
    aarq.authentication = Authentication::kHighLevelGmac;
    aarq.challenge = ctos;
    aarq.ciphered_context = true;
    aarq.calling_ap_title = hls.client_system_title;
    aarq.max_receive_pdu_size =
        static_cast<uint16_t>(std::min<size_t>(options_.max_apdu_size, 0xFFFF));
    absl::StatusOr<CipheredApdu> initiate =
        ciphering_->ProtectBytes(kGloInitiateRequestTag, EncodeInitiateRequest(aarq));
    if (!initiate.ok()) return Fail(WithContext(initiate.status(), context));
    aarq.ciphered_initiate = *std::move(initiate);
    WALLET_ASSIGN_OR_RETURN(
        Apdu reply, Exchange(aarq, DeadlineAfter(options_.response_timeout), "association"));
    const auto* aare = std::get_if<AssociationResponse>(&reply);
    if (aare == nullptr) return Unexpected("association", reply);
    if (aare->result != AssociationResult::kAccepted) {
      return Fail(absl::PermissionDeniedError(
          absl::StrCat(context, " rejected: ", DiagnosticName(aare->diagnostic))));
    }
    if (absl::Status checked = CheckAare(*aare, hls); !checked.ok()) {
      return Fail(WithContext(checked, context));
    }
    // Pass 3 and 4, through the ciphered path like any other request.
    WALLET_ASSIGN_OR_RETURN(std::string answer, ciphering_->AnswerChallenge(aare->challenge));
    WALLET_ASSIGN_OR_RETURN(
        std::optional<Data> returned,
        Action({kAssociationLnClass, kCurrentAssociationObis, kReplyToHlsAuthentication},
               Data::OctetString(std::move(answer))));
    if (!returned.has_value() || returned->type() != DataType::kOctetString) {
      return Fail(SecurityRefusal(SecurityFailure::kMalformedContent,
                                  absl::StrCat(context, ": no f(CtoS) in the reply")));
    }
    if (absl::Status proven = ciphering_->CheckAnswer(ctos, returned->bytes()); !proven.ok()) {
      return Fail(WithContext(proven, absl::StrCat(context, ": meter's f(CtoS)")));
    }
    return absl::OkStatus();
  }

  // CheckAare checks an accepted HLS AARE: the meter's system title, its
  // challenge, and its glo-ciphered InitiateResponse.
  absl::Status CheckAare(const AssociationResponse& aare, const MeterEndpoint::Hls& hls) {
    if (!aare.ciphered_context || aare.responding_ap_title.size() != kSystemTitleSize) {
      return SecurityRefusal(SecurityFailure::kUnexpectedSystemTitle,
                             "AARE without the meter's system title");
    }
    if (!hls.meter_system_title.empty() && aare.responding_ap_title != hls.meter_system_title) {
      return SecurityRefusal(SecurityFailure::kUnexpectedSystemTitle,
                             "AARE from another system title");
    }
    ciphering_->set_peer_system_title(aare.responding_ap_title);
    if (aare.authentication != Authentication::kHighLevelGmac ||
        aare.challenge.size() < kMinChallengeSize || aare.challenge.size() > kMaxChallengeSize) {
      return absl::DataLossError("AARE without an HLS-GMAC challenge of 8 to 64 bytes");
    }
    if (!aare.ciphered_initiate.has_value() ||
        aare.ciphered_initiate->tag != kGloInitiateResponseTag) {
      return SecurityRefusal(SecurityFailure::kUnprotected,
                             "AARE without a glo-ciphered InitiateResponse");
    }
    WALLET_ASSIGN_OR_RETURN(std::string initiate,
                            ciphering_->UnprotectBytes(*aare.ciphered_initiate));
    AssociationResponse inner;
    if (absl::Status decoded = DecodeInitiateResponse(initiate, &inner); !decoded.ok()) {
      return SecurityRefusal(SecurityFailure::kMalformedContent, decoded.message());
    }
    return absl::OkStatus();
  }

  // Protect returns the bytes to send for `request`: glo-ciphered when the
  // association is and the kind has a glo- form.
  absl::StatusOr<std::string> Protect(const Apdu& request) {
    if (!ciphering_.has_value() || !GloTagFor(request).has_value()) return EncodeApdu(request);
    WALLET_ASSIGN_OR_RETURN(CipheredApdu protected_request, ciphering_->Protect(request));
    return EncodeApdu(protected_request);
  }

  // Open returns the content of a protected reply, refuses a data-service
  // reply in clear, and passes the rest (AARE, RLRE, Exception-Response) on.
  absl::StatusOr<Apdu> Open(Apdu reply, absl::string_view what) {
    if (!ciphering_.has_value()) return reply;
    const std::string context = absl::StrCat("meter ", name_, ": ", what);
    if (const auto* ciphered = std::get_if<CipheredApdu>(&reply)) {
      absl::StatusOr<Apdu> opened = ciphering_->Unprotect(*ciphered);
      if (!opened.ok()) return Fail(WithContext(opened.status(), context));
      return opened;
    }
    if (IsDataServiceResponse(reply)) {
      return Fail(SecurityRefusal(SecurityFailure::kUnprotected,
                                  absl::StrCat(context, ": ", ApduName(reply), " in clear")));
    }
    return reply;
  }

  // Invoke ids cycle through 1..15 (0 is avoided for readability of traces)
  // with priority high and service class confirmed, so that a late answer to
  // an earlier request is never taken for the current one.
  uint8_t NextInvokeId() {
    const uint8_t id = invoke_counter_;
    invoke_counter_ = invoke_counter_ == 15 ? 1 : invoke_counter_ + 1;
    return static_cast<uint8_t>(0xC0 | id);
  }

  // Describe names a request in errors: "GET 3/1.0.1.8.0.255/2".
  static std::string Describe(absl::string_view service, uint16_t class_id,
                              const ObisCode& instance, int8_t id) {
    return absl::StrFormat("%s %d/%s/%d", service, class_id, instance.ToString(), id);
  }

  // Call sends `request` with the next invoke id and returns the reply if it
  // is a `Response` to it; any other reply is an error.
  template <typename Response, typename Request>
  absl::StatusOr<Response> Call(Request request, absl::string_view what) {
    request.invoke_id_and_priority = NextInvokeId();
    WALLET_ASSIGN_OR_RETURN(Apdu reply,
                            Exchange(request, DeadlineAfter(options_.response_timeout), what));
    auto* response = std::get_if<Response>(&reply);
    if (response == nullptr) return Unexpected(what, reply);
    WALLET_RETURN_IF_ERROR(CheckInvokeId(what, request.invoke_id_and_priority,
                                         response->invoke_id_and_priority));
    return std::move(*response);
  }

  absl::Status CheckInvokeId(absl::string_view what, uint8_t sent, uint8_t received) {
    if ((sent & 0x0F) == (received & 0x0F)) return absl::OkStatus();
    return Fail(absl::DataLossError(absl::StrFormat(
        "meter %s: %s: reply for invoke id %d, expected %d", name_, what, received & 0x0F,
        sent & 0x0F)));
  }

  // Unexpected reports a well-formed reply of the wrong kind (Exchange has
  // already turned Exception-Responses into errors).
  absl::Status Unexpected(absl::string_view what, const Apdu& reply) {
    return Fail(absl::DataLossError(
        absl::StrCat("meter ", name_, ": ", what, ": unexpected ", ApduName(reply))));
  }

  absl::Status Closed() const {
    return absl::UnavailableError(
        absl::StrCat("meter ", name_, ": connection already closed after an earlier error"));
  }

  // Fail closes the connection: after a timeout or a reply we cannot make
  // sense of, the byte stream may still hold a late or partial answer, and
  // any later request could be matched with it.
  absl::Status Fail(absl::Status status) {
    fd_.Reset();
    return status;
  }

  // Exchange sends one APDU and waits for one reply frame until `deadline`.
  absl::StatusOr<Apdu> Exchange(const Apdu& request, Deadline deadline, absl::string_view what) {
    if (!fd_.valid()) return Closed();
    absl::StatusOr<std::string> bytes = Protect(request);
    if (!bytes.ok()) {
      return Fail(WithContext(bytes.status(), absl::StrCat("meter ", name_, ": ", what)));
    }
    WALLET_RETURN_IF_ERROR(
        Send(EncodeWrapper(meter_.client_wport, meter_.server_wport, *bytes), deadline, what));
    WALLET_ASSIGN_OR_RETURN(WrapperFrame frame, Receive(deadline, what));
    if (frame.source_wport != meter_.server_wport ||
        frame.destination_wport != meter_.client_wport) {
      return Fail(absl::DataLossError(absl::StrFormat(
          "meter %s: %s: reply from wPort %d to %d, expected %d to %d", name_, what,
          frame.source_wport, frame.destination_wport, meter_.server_wport,
          meter_.client_wport)));
    }
    absl::StatusOr<Apdu> decoded = DecodeApdu(frame.apdu);
    if (!decoded.ok()) {
      return Fail(absl::DataLossError(
          absl::StrCat("meter ", name_, ": ", what, ": bad reply: ", decoded.status().message())));
    }
    WALLET_ASSIGN_OR_RETURN(Apdu reply, Open(*std::move(decoded), what));
    if (const auto* exception = std::get_if<ExceptionResponse>(&reply)) {
      // The meter understood the framing and refused the service: the
      // association stays usable, so the connection is kept.
      return absl::DataLossError(
          absl::StrCat("meter ", name_, ": ", what, ": ", ExceptionText(*exception)));
    }
    return reply;
  }

  absl::Status Send(const std::string& bytes, Deadline deadline, absl::string_view what) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        WALLET_RETURN_IF_ERROR(Wait(POLLOUT, deadline, what, "sending"));
        continue;
      }
      return Fail(absl::UnavailableError(
          absl::StrCat("meter ", name_, ": ", what, ": send: ", ErrnoText(errno))));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<WrapperFrame> Receive(Deadline deadline, absl::string_view what) {
    while (true) {
      absl::StatusOr<std::optional<WrapperFrame>> frame = frames_.Next();
      if (!frame.ok()) {
        return Fail(absl::DataLossError(
            absl::StrCat("meter ", name_, ": ", what, ": ", frame.status().message())));
      }
      if (frame->has_value()) return std::move(**frame);
      WALLET_RETURN_IF_ERROR(Wait(POLLIN, deadline, what, "waiting for the reply"));
      char buffer[4096];
      const ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
      if (n > 0) {
        frames_.Append(absl::string_view(buffer, static_cast<size_t>(n)));
        continue;
      }
      if (n == 0) {
        return Fail(absl::UnavailableError(
            absl::StrCat("meter ", name_, ": ", what, ": connection closed by the meter")));
      }
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Fail(absl::UnavailableError(
          absl::StrCat("meter ", name_, ": ", what, ": recv: ", ErrnoText(errno))));
    }
  }

  // Wait polls for `events` until `deadline`; a timeout fails the connection.
  absl::Status Wait(short events, Deadline deadline, absl::string_view what,
                    absl::string_view doing) {
    while (true) {
      pollfd p{fd_.get(), events, 0};
      const int ready = ::poll(&p, 1, PollTimeoutMs(deadline));
      if (ready > 0) return absl::OkStatus();  // errors surface in send/recv
      if (ready == 0) {
        return Fail(absl::DeadlineExceededError(
            absl::StrCat("meter ", name_, ": ", what, ": timed out ", doing)));
      }
      if (errno != EINTR) {
        return Fail(absl::UnavailableError(
            absl::StrCat("meter ", name_, ": ", what, ": poll: ", ErrnoText(errno))));
      }
    }
  }

  Fd fd_;
  const MeterEndpoint meter_;
  const ClientOptions options_;
  const std::string name_;
  FrameReader frames_;
  uint8_t invoke_counter_ = 1;
  // Set for an HLS association.
  std::optional<CipheringContext> ciphering_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const MeterEndpoint& meter,
                                                        const ClientOptions& options) {
  const std::string name = EndpointName(meter);
  WALLET_ASSIGN_OR_RETURN(Fd fd,
                          ConnectTcp(meter, DeadlineAfter(options.connect_timeout), name));
  auto client = std::make_unique<ClientImpl>(std::move(fd), meter, options);
  WALLET_RETURN_IF_ERROR(client->Associate());
  return client;
}

}  // namespace dlms
