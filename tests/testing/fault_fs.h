// FaultFs: a RocksDB file system that fails writes on demand, as a full disk
// does, and reports the free space a test sets.
//
// Example:
//   std::shared_ptr<FaultFs> fs = FaultFs::Create();
//   WalletOptions options;
//   options.env = fs->NewEnv();
//   ...
//   fs->SetFault(FaultFs::Fault::kAppend);  // every write now fails: No space left
//   fs->SetFault(FaultFs::Fault::kNone);    // space freed
//
// Thread-safe: RocksDB calls it from its own threads while the test changes
// the fault.
#ifndef TESTS_TESTING_FAULT_FS_H_
#define TESTS_TESTING_FAULT_FS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace wallet::testing {

class FaultFs final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault {
    kNone,
    // Appends fail before writing anything, and so do syncs.
    kAppend,
    // Appends write half of their data, then fail; syncs fail.
    kPartialAppend,
    // Appends succeed (the data is in the file), syncs fail.
    kSync,
  };

  // Create returns a file system that injects nothing until told to.
  static std::shared_ptr<FaultFs> Create() {
    std::shared_ptr<FaultFs> fs(new FaultFs());
    fs->self_ = fs;
    return fs;
  }

  const char* Name() const override { return "wallet.FaultFs"; }

  // NewEnv returns an environment that works through this file system; it
  // keeps the file system alive.
  std::shared_ptr<rocksdb::Env> NewEnv() {
    return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(self_.lock()).release());
  }

  void SetFault(Fault fault) { fault_.store(fault); }
  Fault fault() const { return fault_.load(); }
  // SetFreeBytes makes GetFreeSpace report `bytes` (nullopt: the real figure).
  void SetFreeBytes(std::optional<uint64_t> bytes) {
    absl::MutexLock lock(&mu_);
    free_bytes_ = bytes;
  }
  // HoldSyncs makes syncs wait until ReleaseSyncs; syncs_waiting counts them.
  void HoldSyncs() {
    absl::MutexLock lock(&mu_);
    hold_syncs_ = true;
  }
  void ReleaseSyncs() {
    absl::MutexLock lock(&mu_);
    hold_syncs_ = false;
  }
  int syncs_waiting() const {
    absl::MutexLock lock(&mu_);
    return syncs_waiting_;
  }
  // errors counts the errors injected so far.
  uint64_t errors() const { return errors_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(this, std::move(*file));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(this, std::move(*file));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReuseWritableFile(name, old_name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(this, std::move(*file));
    return s;
  }
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free, rocksdb::IODebugContext* dbg) override {
    {
      absl::MutexLock lock(&mu_);
      if (free_bytes_) {
        *free = *free_bytes_;
        return rocksdb::IOStatus::OK();
      }
    }
    return target()->GetFreeSpace(path, options, free, dbg);
  }

 private:
  // File injects the file system's fault into one writable file.
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(FaultFs* fs, std::unique_ptr<rocksdb::FSWritableFile> file)
        : rocksdb::FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      return fs_->Append(target(), data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo&,
                             rocksdb::IODebugContext* dbg) override {
      return fs_->Append(target(), data, options, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_->fault() != Fault::kNone && fs_->fault() != Fault::kSync) return fs_->NoSpace();
      return target()->PositionedAppend(data, offset, options, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       const rocksdb::DataVerificationInfo&,
                                       rocksdb::IODebugContext* dbg) override {
      return PositionedAppend(data, offset, options, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (!fs_->BeforeSync()) return fs_->NoSpace();
      return target()->Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (!fs_->BeforeSync()) return fs_->NoSpace();
      return target()->Fsync(options, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                                const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      if (!fs_->BeforeSync()) return fs_->NoSpace();
      return target()->RangeSync(offset, nbytes, options, dbg);
    }

   private:
    FaultFs* fs_;
  };

  FaultFs() : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  rocksdb::IOStatus NoSpace() {
    errors_.fetch_add(1);
    return rocksdb::IOStatus::NoSpace("No space left on device (injected)");
  }
  rocksdb::IOStatus Append(rocksdb::FSWritableFile* file, const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
    switch (fault()) {
      case Fault::kNone:
      case Fault::kSync:
        return file->Append(data, options, dbg);
      case Fault::kPartialAppend:
        file->Append(rocksdb::Slice(data.data(), data.size() / 2), options, dbg)
            .PermitUncheckedError();
        return NoSpace();
      case Fault::kAppend:
        break;
    }
    return NoSpace();
  }
  // BeforeSync waits while syncs are held; false if the sync is to fail.
  // The fault is read after the wait, so a test can fail a held sync.
  bool BeforeSync() {
    absl::MutexLock lock(&mu_);
    ++syncs_waiting_;
    mu_.Await(absl::Condition(+[](bool* held) { return !*held; }, &hold_syncs_));
    --syncs_waiting_;
    return fault() == Fault::kNone;
  }

  std::weak_ptr<FaultFs> self_;
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<uint64_t> errors_{0};
  mutable absl::Mutex mu_;
  std::optional<uint64_t> free_bytes_ ABSL_GUARDED_BY(mu_);
  bool hold_syncs_ ABSL_GUARDED_BY(mu_) = false;
  int syncs_waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wallet::testing

#endif  // TESTS_TESTING_FAULT_FS_H_
