#include "tests/testing/kannel_process.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/write_file.h"

namespace wallet::testing {
namespace {

constexpr char kBearerbox[] = "/usr/sbin/bearerbox";
constexpr char kSmsbox[] = "/usr/sbin/smsbox";
constexpr char kFakeSmsc[] = "/usr/lib/kannel/test/fakesmsc";

// FreePort is a port of 127.0.0.1 free when asked. Kannel takes no port 0,
// so the port is closed again before Kannel binds it: another process
// could take it in between, which on a test machine it practically never
// does.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::InternalError("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace

std::string DecodeFakeSmscUcs2(const std::string& printed) {
  std::string bytes;
  for (size_t i = 0; i < printed.size(); ++i) {
    if (printed[i] == '+') {
      bytes.push_back(' ');
    } else if (printed[i] == '%' && i + 2 < printed.size() && HexDigit(printed[i + 1]) >= 0 &&
               HexDigit(printed[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>(HexDigit(printed[i + 1]) * 16 + HexDigit(printed[i + 2])));
      i += 2;
    } else {
      bytes.push_back(printed[i]);
    }
  }
  // Big-endian 16-bit units; SMS texts here stay in the basic plane.
  std::string text;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    AppendUtf8(
        (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]),
        &text);
  }
  return text;
}

absl::StatusOr<std::unique_ptr<KannelProcess>> KannelProcess::Create(const std::string& dir) {
  for (const char* binary : {kBearerbox, kSmsbox, kFakeSmsc}) {
    if (access(binary, X_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          binary, " is missing: install kannel and kannel-extras (deploy/install.sh)"));
    }
  }
  std::unique_ptr<KannelProcess> kannel(new KannelProcess(dir));
  for (int* port :
       {&kannel->admin_port_, &kannel->smsbox_port_, &kannel->smsc_port_, &kannel->sendsms_port_}) {
    absl::StatusOr<int> free = FreePort();
    if (!free.ok()) return free.status();
    *port = *free;
  }
  WriteFile(dir + "/kannel.conf", absl::StrCat("group = core\n"
                                               "admin-port = ",
                                               kannel->admin_port_,
                                               "\n"
                                               "admin-password = kannel-admin\n"
                                               "smsbox-port = ",
                                               kannel->smsbox_port_,
                                               "\n"
                                               "log-level = 0\n"
                                               "log-file = \"",
                                               dir,
                                               "/bearerbox.file.log\"\n"
                                               "access-log = \"",
                                               dir,
                                               "/access.log\"\n"
                                               "store-type = file\n"
                                               "store-location = \"",
                                               dir,
                                               "/kannel.store\"\n"
                                               "dlr-storage = internal\n"
                                               "sms-resend-freq = 1\n"
                                               "\n"
                                               "group = smsc\n"
                                               "smsc = fake\n"
                                               "smsc-id = FAKE\n"
                                               "port = ",
                                               kannel->smsc_port_,
                                               "\n"
                                               "connect-allow-ip = 127.0.0.1\n"
                                               "\n"
                                               "group = smsbox\n"
                                               "bearerbox-host = 127.0.0.1\n"
                                               "bearerbox-port = ",
                                               kannel->smsbox_port_,
                                               "\n"
                                               "sendsms-port = ",
                                               kannel->sendsms_port_,
                                               "\n"
                                               "log-level = 0\n"
                                               "log-file = \"",
                                               dir,
                                               "/smsbox.file.log\"\n"
                                               "\n"
                                               "group = sendsms-user\n"
                                               "username = ",
                                               kUser,
                                               "\n"
                                               "password = ",
                                               kPassword, "\n"));
  return kannel;
}

KannelProcess::~KannelProcess() { Stop().IgnoreError(); }

absl::Status KannelProcess::Start() {
  const std::string conf = dir_ + "/kannel.conf";
  ChildOptions bearerbox;
  bearerbox.binary = kBearerbox;
  bearerbox.args = {"-v", "1", conf};
  bearerbox.log_path = dir_ + "/bearerbox.log";
  bearerbox.ready_line = "MAIN: Start-up done";
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(bearerbox);
  if (!started.ok()) return started.status();
  bearerbox_ = *std::move(started);

  // -m 0: the fake SMSC sends no message of its own; it only receives.
  ChildOptions fakesmsc;
  fakesmsc.binary = kFakeSmsc;
  fakesmsc.args = {"-H", "127.0.0.1", "-r", absl::StrCat(smsc_port_), "-m", "0", "1 2 text x"};
  fakesmsc.log_path = dir_ + "/fakesmsc.log";
  fakesmsc.ready_line = "fakesmsc starting";
  started = ChildProcess::Start(fakesmsc);
  if (!started.ok()) return started.status();
  fakesmsc_ = *std::move(started);

  ChildOptions smsbox;
  smsbox.binary = kSmsbox;
  smsbox.args = {"-v", "1", conf};
  smsbox.log_path = dir_ + "/smsbox.log";
  smsbox.ready_line = "Connected to bearerbox";
  started = ChildProcess::Start(smsbox);
  if (!started.ok()) return started.status();
  smsbox_ = *std::move(started);
  return absl::OkStatus();
}

absl::Status KannelProcess::Stop() {
  if (bearerbox_ == nullptr) return absl::OkStatus();
  absl::StatusOr<int> code = bearerbox_->Terminate();
  bearerbox_.reset();
  // Both follow bearerbox down; the destructors kill what lingers.
  for (std::unique_ptr<ChildProcess>* child : {&smsbox_, &fakesmsc_}) {
    if (*child != nullptr) (*child)->Wait(absl::Seconds(20)).IgnoreError();
    child->reset();
  }
  return code.status();
}

std::string KannelProcess::sendsms_url() const {
  return absl::StrCat("http://127.0.0.1:", sendsms_port_, "/cgi-bin/sendsms");
}

std::vector<FakeSms> KannelProcess::Received() const {
  // fakesmsc prints "Got message N: <from to type data>" for each.
  std::vector<FakeSms> received;
  for (absl::string_view line : absl::StrSplit(ReadAll(dir_ + "/fakesmsc.log"), '\n')) {
    const size_t open = line.find("Got message ");
    if (open == absl::string_view::npos) continue;
    const size_t start = line.find('<', open);
    const size_t end = line.rfind('>');
    if (start == absl::string_view::npos || end == absl::string_view::npos || end < start) {
      continue;
    }
    std::vector<std::string> fields =
        absl::StrSplit(line.substr(start + 1, end - start - 1), absl::MaxSplits(' ', 3));
    if (fields.size() < 4) continue;
    FakeSms sms;
    sms.from = fields[0];
    sms.to = fields[1];
    sms.ucs2 = fields[2] == "ucs-2";
    sms.text = sms.ucs2 ? DecodeFakeSmscUcs2(fields[3]) : fields[3];
    received.push_back(std::move(sms));
  }
  return received;
}

std::string KannelProcess::AccessLog() const { return ReadAll(dir_ + "/access.log"); }

std::string KannelProcess::Logs() const {
  std::string logs;
  for (const char* name : {"bearerbox.log", "smsbox.log", "fakesmsc.log"}) {
    const std::string text = ReadAll(absl::StrCat(dir_, "/", name));
    absl::StrAppend(&logs, "\n--- ", name, " (tail)\n",
                    text.substr(text.size() > 3000 ? text.size() - 3000 : 0));
  }
  return logs;
}

}  // namespace wallet::testing
