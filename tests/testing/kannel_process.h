// KannelProcess: Kannel's bearerbox and smsbox with Kannel's fake SMSC
// (fakesmsc, Debian's kannel-extras) as real child processes on free
// loopback ports, for the notifier's tests and benchmarks. It writes a
// kannel.conf of its own in `dir`:
//
//   bearerbox   core group (admin, smsbox ports), a file store, internal
//               DLR storage, resends after 1 s, an access log;
//   smsc        type fake, id FAKE, on a port fakesmsc connects to; it
//               reports every message delivered as it hands it over;
//   smsbox      sendsms on `sendsms_port`, one sendsms-user
//               (kUser / kPassword).
//
// What the fake SMSC received is read from fakesmsc's log (Received), with
// UCS-2 messages decoded to UTF-8; what bearerbox sent, with its meta-data
// (the DLT TLVs), from the access log (AccessLog).
//
// Stopping bearerbox (Stop) takes smsbox and fakesmsc down with it, as in
// production; Start brings all three up again on the same ports and store.
//
// Thread safety: drive it from one thread, the one that outlives the
// children (ChildProcess's rule).
//
// Example:
//   absl::StatusOr<std::unique_ptr<KannelProcess>> kannel = KannelProcess::Create(dir);
//   ASSERT_THAT((*kannel)->Start(), IsOk());
//   std::string url = (*kannel)->sendsms_url();
//   ASSERT_TRUE(WaitUntil([&] { return (*kannel)->Received().size() == 1; }, "the SMS"));
#ifndef WALLET_TESTS_TESTING_KANNEL_PROCESS_H_
#define WALLET_TESTS_TESTING_KANNEL_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/testing/child_process.h"

namespace wallet::testing {

// One message as the fake SMSC got it.
struct FakeSms {
  std::string from;
  std::string to;
  std::string text;  // UTF-8 (decoded from UCS-2 when Kannel sent it so)
  bool ucs2 = false;
};

class KannelProcess final {
 public:
  static constexpr char kUser[] = "notifier";
  static constexpr char kPassword[] = "kannel-test-secret";

  // Create picks four free ports and writes `dir`/kannel.conf. Starts
  // nothing. FailedPrecondition if Kannel is not installed (deploy/install.sh
  // installs kannel and kannel-extras); Internal if the file cannot be
  // written.
  static absl::StatusOr<std::unique_ptr<KannelProcess>> Create(const std::string& dir);

  ~KannelProcess();

  // Start starts bearerbox, then fakesmsc, then smsbox, each once ready.
  // Errors as ChildProcess::Start.
  absl::Status Start();
  // Stop stops bearerbox (SIGTERM) and waits for smsbox and fakesmsc to
  // follow it. OK if it was not running.
  absl::Status Stop();

  // "http://127.0.0.1:<sendsms port>/cgi-bin/sendsms".
  std::string sendsms_url() const;

  // Received is every message the fake SMSC got, across restarts, in order.
  std::vector<FakeSms> Received() const;
  // AccessLog is bearerbox's access log, across restarts.
  std::string AccessLog() const;
  // Logs returns the tails of the three logs, for failure messages.
  std::string Logs() const;

 private:
  explicit KannelProcess(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
  int admin_port_ = 0;
  int smsbox_port_ = 0;
  int smsc_port_ = 0;
  int sendsms_port_ = 0;
  std::unique_ptr<ChildProcess> bearerbox_;
  std::unique_ptr<ChildProcess> fakesmsc_;
  std::unique_ptr<ChildProcess> smsbox_;
};

// DecodeFakeSmscUcs2 turns fakesmsc's printing of a UCS-2 message (Kannel's
// URL encoding of the big-endian bytes, '+' for 0x20) into UTF-8.
std::string DecodeFakeSmscUcs2(const std::string& printed);

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_KANNEL_PROCESS_H_
