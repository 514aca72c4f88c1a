// StoreLog: RocksDB's informational log (<db>/LOG) for the Store.
//
// RocksDB's own file logger asserts on the first line it writes after a
// failed write, and Debian's librocksdb keeps its assertions: on a full disk
// any RocksDB log line would abort walletd. StoreLog writes each line with one
// unbuffered write(2) and drops the lines it cannot write, so a full disk
// costs log lines, never the process. Errors also go to walletd's own log
// (glog), where an operator looks first.
//
// Example:
//   rocksdb::DBOptions options;
//   options.info_log = StoreLog::Open(path);
#ifndef WALLET_STORE_LOG_H_
#define WALLET_STORE_LOG_H_

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <memory>
#include <string>

#include "rocksdb/env.h"

namespace wallet {

class StoreLog final : public rocksdb::Logger {
 public:
  // Open starts a new <dir>/LOG, renaming the previous one to
  // LOG.old.<microseconds> as RocksDB does (RocksDB deletes the oldest beyond
  // keep_log_file_num). Never fails: without a file, errors still reach
  // glog.
  static std::shared_ptr<StoreLog> Open(const std::string& dir);
  ~StoreLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

  // dropped_lines counts lines that could not be written to the file.
  uint64_t dropped_lines() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  explicit StoreLog(int fd) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), fd_(fd) {}
  void Write(rocksdb::InfoLogLevel level, const char* format, va_list ap);

  // Past this size of file, informational lines are dropped (warnings and
  // errors are still written).
  static constexpr uint64_t kMaxInfoBytes = uint64_t{64} << 20;
  const int fd_;  // -1 when the file could not be opened
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace wallet

#endif  // WALLET_STORE_LOG_H_
