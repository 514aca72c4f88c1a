#include "base/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace base {
namespace {

// Exchange is one request in progress: created when its first line arrives
// (the URI callback) and deleted when its connection is done with it.
struct Exchange {
  HttpRequest request;
  // Whether the handler has been called once (headers known).
  bool announced = false;
  // Whether the body outgrew the limit; the rest of it is discarded.
  bool too_large = false;
};

HttpResponse Text(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
}

HttpResponse TooLarge(size_t limit) {
  return Text(413, absl::StrCat("request body larger than ", limit, " bytes\n"));
}

// The URI callback sees the request line's target before it is decoded: the
// only place the raw query is available.
void* BeginExchange(void* /*cls*/, const char* uri, MHD_Connection* /*connection*/) {
  auto* exchange = new Exchange();
  const char* question = std::strchr(uri, '?');
  if (question != nullptr) exchange->request.query = question + 1;
  return exchange;
}

void EndExchange(void* /*cls*/, MHD_Connection* /*connection*/, void** state,
                 MHD_RequestTerminationCode /*code*/) {
  delete static_cast<Exchange*>(*state);
  *state = nullptr;
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(cls);
  (*headers)[absl::AsciiStrToLower(key)] = value == nullptr ? "" : value;
  return MHD_YES;
}

MHD_Result CollectParam(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  auto* params = static_cast<std::map<std::string, std::string>*>(cls);
  (*params)[key] = value == nullptr ? "" : value;
  return MHD_YES;
}

MHD_Result Send(MHD_Connection* connection, const HttpResponse& answer) {
  MHD_Response* response = MHD_create_response_from_buffer(
      answer.body.size(), const_cast<char*>(answer.body.data()), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type", answer.content_type.c_str());
  for (const auto& [name, value] : answer.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  MHD_Result result = MHD_queue_response(connection, answer.status, response);
  MHD_destroy_response(response);
  return result;
}

// Announce fills in what the headers tell; a declared body above the limit
// is refused at once, before the client sends it.
MHD_Result Announce(const HttpServer& server, MHD_Connection* connection, const char* url,
                    const char* method, Exchange* exchange) {
  exchange->announced = true;
  HttpRequest& request = exchange->request;
  request.method = method;
  request.path = url;
  MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader, &request.headers);
  MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &CollectParam, &request.params);
  uint64_t length = 0;
  auto declared = request.headers.find("content-length");
  if (declared != request.headers.end() && absl::SimpleAtoi(declared->second, &length) &&
      length > server.max_body_bytes()) {
    return Send(connection, TooLarge(server.max_body_bytes()));
  }
  return MHD_YES;
}

// Answer is called first with the headers, then once per piece of the body,
// then once more with no data: the request is complete.
MHD_Result Answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* upload_data, size_t* upload_size,
                  void** state) {
  const auto* server = static_cast<const HttpServer*>(cls);
  auto* exchange = static_cast<Exchange*>(*state);
  if (!exchange->announced) return Announce(*server, connection, url, method, exchange);
  if (*upload_size != 0) {
    std::string& body = exchange->request.body;
    if (!exchange->too_large && body.size() + *upload_size > server->max_body_bytes()) {
      // Chunked bodies declare no length: count, and drop what came.
      exchange->too_large = true;
      std::string().swap(body);
    }
    if (!exchange->too_large) body.append(upload_data, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (exchange->too_large) return Send(connection, TooLarge(server->max_body_bytes()));
  return Send(connection, server->Route(exchange->request));
}

absl::StatusOr<sockaddr_in> ParseAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535 ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP address '", address, "' is not IPv4 host:port"));
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

std::string HttpRequest::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                              std::vector<HttpRoute> routes,
                                                              HttpServerOptions options) {
  absl::StatusOr<sockaddr_in> addr = ParseAddress(address);
  if (!addr.ok()) return addr.status();
  for (const HttpRoute& route : routes) {
    if (!route.handler) {
      return absl::InvalidArgumentError(absl::StrCat("HTTP route ", route.path, " has no handler"));
    }
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->routes_ = std::move(routes);
  server->options_ = options;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (options.thread_per_connection) flags |= MHD_USE_THREAD_PER_CONNECTION;
  const auto idle_seconds =
      static_cast<unsigned>(std::max<int64_t>(1, absl::ToInt64Seconds(options.idle_timeout)));
  // The certificate and key stay in server->options_ while the daemon runs.
  std::vector<MHD_OptionItem> tls;
  if (!server->options_.tls.empty()) {
    flags |= MHD_USE_TLS;
    tls.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0,
                   const_cast<char*>(server->options_.tls.cert_pem.c_str())});
    tls.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0,
                   const_cast<char*>(server->options_.tls.key_pem.c_str())});
  }
  tls.push_back({MHD_OPTION_END, 0, nullptr});
  server->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Answer, server.get(), MHD_OPTION_SOCK_ADDR, &*addr,
      MHD_OPTION_CONNECTION_LIMIT, options.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
      idle_seconds, MHD_OPTION_URI_LOG_CALLBACK, &BeginExchange, nullptr,
      MHD_OPTION_NOTIFY_COMPLETED, &EndExchange, nullptr, MHD_OPTION_ARRAY, tls.data(),
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for HTTP", server->options_.tls.empty() ? "" : "S", " on ", address,
        server->options_.tls.empty() ? "" : " (or the certificate and key do not fit together)"));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info == nullptr ? 0 : info->port;
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

std::vector<const HttpRoute*> HttpServer::Matching(const std::string& path) const {
  std::vector<const HttpRoute*> exact;
  std::vector<const HttpRoute*> prefixed;
  size_t longest = 0;
  for (const HttpRoute& route : routes_) {
    if (route.path == path) {
      exact.push_back(&route);
    } else if (absl::EndsWith(route.path, "/") && absl::StartsWith(path, route.path) &&
               route.path.size() >= longest) {
      if (route.path.size() > longest) prefixed.clear();
      longest = route.path.size();
      prefixed.push_back(&route);
    }
  }
  return exact.empty() ? prefixed : exact;
}

HttpResponse HttpServer::Route(const HttpRequest& request) const {
  const std::vector<const HttpRoute*> matching = Matching(request.path);
  if (matching.empty()) return Text(404, "not found\n");
  std::vector<std::string> allowed;
  for (const HttpRoute* route : matching) {
    for (const std::string& method : route->methods) {
      if (method == request.method) return route->handler(request);
      allowed.push_back(method);
    }
  }
  HttpResponse refusal = Text(405, "method not allowed\n");
  refusal.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
  return refusal;
}

}  // namespace base
