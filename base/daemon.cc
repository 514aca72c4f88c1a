#include "base/daemon.h"

#include <pthread.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/daemon_files.h"
#include "base/lock_checks.h"
#include "glog/logging.h"

namespace base {

Daemon::Daemon(std::string name, const char* argv0) : name_(std::move(name)) {
  IgnoreLockCycles();
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv0);
  sigemptyset(&stop_signals_);
  sigaddset(&stop_signals_, SIGTERM);
  sigaddset(&stop_signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int Daemon::Fail(const absl::Status& status) const {
  LOG(ERROR) << name_ << ": " << status;
  std::fprintf(stderr, "%s: %s\n", name_.c_str(), status.ToString().c_str());
  return 1;
}

absl::Status Daemon::WriteReadyFile(const std::string& path,
                                    const std::vector<std::pair<std::string, int>>& entries) const {
  if (path.empty()) return absl::OkStatus();
  std::string text;
  for (const auto& [key, value] : entries) absl::StrAppend(&text, key, "=", value, "\n");
  return WriteFileAtomically(path, text, 0644);
}

int Daemon::WaitForStopSignal() const {
  int signal_number = 0;
  sigwait(&stop_signals_, &signal_number);
  LOG(INFO) << name_ << ": received " << strsignal(signal_number) << ", stopping";
  return signal_number;
}

}  // namespace base
