#include "wallet/store_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace wallet {

std::shared_ptr<StoreLog> StoreLog::Open(const std::string& dir) {
  mkdir(dir.c_str(), 0755);
  const std::string path = absl::StrCat(dir, "/LOG");
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    const std::string old = absl::StrCat(path, ".old.", absl::ToUnixMicros(absl::Now()));
    if (rename(path.c_str(), old.c_str()) != 0) PLOG(WARNING) << "cannot rotate " << path;
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) PLOG(WARNING) << "cannot open " << path << "; RocksDB warnings go to this log only";
  return std::shared_ptr<StoreLog>(new StoreLog(fd));
}

StoreLog::~StoreLog() {
  if (fd_ >= 0) close(fd_);
}

void StoreLog::Logv(const char* format, va_list ap) {
  Write(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void StoreLog::Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < GetInfoLogLevel()) return;
  Write(level, format, ap);
}

void StoreLog::Write(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  char message[1024];
  va_list copy;
  va_copy(copy, ap);
  const int length = vsnprintf(message, sizeof(message), format, copy);
  va_end(copy);
  if (length < 0) return;
  const absl::string_view text(message, std::min<size_t>(length, sizeof(message) - 1));
  // RocksDB's warnings repeat what walletd logs about the same event (a
  // failed write, a failed reopen); its errors are rare and worth a look.
  if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
    LOG(WARNING) << "rocksdb: " << text;
  }
  if (fd_ < 0) return;
  // Every open writes a few hundred lines of options; a store that fails to
  // reopen for days must not fill the disk with them.
  if (level < rocksdb::InfoLogLevel::WARN_LEVEL &&
      written_.load(std::memory_order_relaxed) > kMaxInfoBytes) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  static constexpr const char* kLevels[] = {"", "", "[WARN] ", "[ERROR] ", "[FATAL] ", ""};
  const std::string line =
      absl::StrCat(absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::LocalTimeZone()),
                   kLevels[static_cast<int>(level) % 6], text, "\n");
  // One write per line: a failed or short write loses at most this line, and
  // nothing is retried on a file that failed (which is what aborts RocksDB's
  // own logger).
  const ssize_t written = write(fd_, line.data(), line.size());
  if (written > 0) written_.fetch_add(static_cast<uint64_t>(written), std::memory_order_relaxed);
  if (written != static_cast<ssize_t>(line.size())) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace wallet
