#include "base/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace base {
namespace {

// A thread's easy handle keeps its connection cache between calls, so a
// worker that posts to the same host again reuses the connection.
struct ThreadHandle {
  CURL* curl = curl_easy_init();
  ~ThreadHandle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

CURL* ThisThreadsHandle() {
  thread_local ThreadHandle handle;
  if (handle.curl != nullptr) curl_easy_reset(handle.curl);
  return handle.curl;
}

// curl_slist owned for the length of one call.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

size_t KeepBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t KeepHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  const absl::string_view line(data, size * count);
  // A status line starts a new answer (after a 100 Continue, say): only the
  // last answer's headers count.
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    (*headers)[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

bool IsToken(absl::string_view method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
    return absl::ascii_isupper(static_cast<unsigned char>(c));
  });
}

absl::Status CallError(const HttpCall& call, CURLcode code, const char* detail) {
  const std::string message = absl::StrCat(call.method, " ", call.url, ": ",
                                           detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

// SetRequest sets the method and the body: curl picks GET, POST or HEAD from
// its own options and sends any other method's name as given.
void SetRequest(CURL* curl, const HttpCall& call) {
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    return;
  }
  if (call.method == "GET" && call.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    return;
  }
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
  if (call.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
}

}  // namespace

HttpClient::HttpClient() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

absl::StatusOr<HttpReply> HttpClient::Send(const HttpCall& call) const {
  if (!IsToken(call.method)) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP method '", call.method, "' is malformed"));
  }
  CURL* curl = ThisThreadsHandle();
  if (curl == nullptr) return absl::InternalError("libcurl could not make a handle");
  HttpReply reply;
  char detail[CURL_ERROR_SIZE] = "";
  HeaderList headers;
  for (const auto& [name, value] : call.headers) headers.Add(absl::StrCat(name, ": ", value));
  // Without this curl waits for a 100 Continue before sending a large body.
  headers.Add("Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: threads
  curl_easy_setopt(
      curl, CURLOPT_TIMEOUT_MS,
      static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(call.timeout))));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &KeepBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &KeepHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  if (!call.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, call.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, call.password.c_str());
  }
  if (!call.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
  SetRequest(curl, call);

  const CURLcode code = curl_easy_perform(curl);
  // The handle outlives this call: drop pointers into this frame at once.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) return CallError(call, code, detail);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

}  // namespace base
