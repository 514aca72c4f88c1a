// Store: the wallet's RocksDB database, one column family per table.
//
// Reads see only committed (durable) data. Writes go through a Batch, which
// also answers reads of its own uncommitted writes, so that a group of
// operations applied together sees each other's effects before the single
// commit.
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open({.path = dir}));
//   Batch batch(store.get());
//   batch.Put(Table::kMeters, "M1", meter.SerializeAsString());
//   WALLET_RETURN_IF_ERROR(store->Commit(batch));
#ifndef WALLET_STORE_H_
#define WALLET_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "absl/container/flat_hash_map.h"
#include "rocksdb/write_batch.h"

namespace wallet {

// Table names one column family. Keys and values are documented in store.cc.
enum class Table : int {
  kMeta = 0,        // default column family: counters, stream cursors, tariffs
  kAccounts,        // account name -> be64 balance (meter wallets: in kMeterState)
  kJournal,         // big-endian seq -> Transfer
  kAccountJournal,  // account \0 be64(time_us) be64(seq) -> JournalEntry (not wallets)
  kMeters,          // meter id -> Meter
  kMeterState,      // meter id -> MeterState (wallet, readings and policy)
  kConsumers,       // consumer id -> Consumer
  kConsumerMeters,  // consumer id \0 meter id -> ""
  kRetailers,       // retailer id -> Retailer
  kOrders,          // order id -> RechargeOrder
  kRequests,        // idempotency key -> IdempotencyRecord
  kApiKeys,         // hex sha256(key) -> ApiKeyRecord
  kOutbox,          // stream byte ('r' relay, 'n' notification) be64(seq) -> OutboxItem
  kSystemBalances,  // system account \0 be64(seq) -> be64 balance after seq (one per group)
  kOrderIndex,      // 'c' consumer id or 'm' meter id, \0 be64(order seq) -> order id;
                    // 'g' gateway order id \0 -> order id
  kChanges,         // 'c' consumer id or 'm' meter id, \0 be64(change seq) -> ChangeRecord
  kDues,            // meter id -> DuesRecord (what billing last said; recent payments)
  kDuesImports,     // import id -> DuesImportRecord; import id \0 meter id -> DuesRowRecord
  kDrives,          // be64(drive seq) -> DriveRecord
  kDriveMeters,     // be64(drive seq) be64(position) -> DriveMeterRecord (as listed)
  kDriveProgress,   // be64(drive seq) be64(position) -> DriveProgressRecord (what happened)
  kSignIn,          // consumer sign-in (wallet/sign_in.h): 'o' mobile -> OtpStateRecord,
                    // 'm' mobile -> MobileSignInsRecord, 't' hex sha256(token) -> SignInTokenRecord
  kCount,
};

struct StoreOptions {
  // Directory of the RocksDB database; created if missing.
  std::string path;
  // Whether Commit fsyncs the write-ahead log before returning.
  // Default: true. Only benchmarks of the non-durable ceiling turn it off.
  bool sync = true;
  // Block cache for reads.
  // Default: 256 MiB.
  size_t block_cache_bytes = 256 << 20;
  // The environment (file system) RocksDB works through; tests inject write
  // errors with it.
  // Default: null, the operating system's.
  std::shared_ptr<rocksdb::Env> env = nullptr;
};

class Batch;

class Store final {
 private:
  struct Instance;  // one open RocksDB database, shared by its readers

 public:
  // Open opens or creates the database. If RocksDB cannot write what opening
  // needs because the disk is full, it opens the existing database read-only
  // instead: reads work, writable() is false and Commit fails until Reopen
  // succeeds. Errors: ResourceExhausted when the disk is full and there is no
  // database to read; FailedPrecondition for a store of another layout;
  // Internal on other RocksDB errors (corruption, lock held by another
  // process, ...).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Snapshot pins one committed state for several reads (of the database
  // instance open when it was taken). Release it before the Store goes away.
  class Snapshot final {
   public:
    ~Snapshot();
    const rocksdb::Snapshot* get() const { return snapshot_; }

   private:
    friend class Store;
    explicit Snapshot(std::shared_ptr<const Instance> instance);
    std::shared_ptr<const Instance> instance_;  // keeps the database open
    const rocksdb::Snapshot* snapshot_;
  };
  std::unique_ptr<Snapshot> TakeSnapshot() const;

  // Get returns the committed value (as of `at`, if given), or nullopt.
  // Thread-safe.
  absl::StatusOr<std::optional<std::string>> Get(Table table, absl::string_view key,
                                                 const Snapshot* at = nullptr) const;

  // Scan visits committed keys that start with `prefix`, from `start` (or the
  // first/last key of the prefix when empty), forwards or backwards, until
  // `visit` returns false. Thread-safe.
  using Visitor = std::function<bool(absl::string_view key, absl::string_view value)>;
  absl::Status Scan(Table table, absl::string_view prefix, absl::string_view start,
                    bool reverse, const Visitor& visit, const Snapshot* at = nullptr) const;

  // LastKey returns the greatest key of `table`, or nullopt when empty.
  absl::StatusOr<std::optional<std::string>> LastKey(Table table) const;

  // Commit writes the batch atomically; with options.sync it returns only
  // after the write-ahead log is on disk. Call from one thread at a time.
  // Errors: ResourceExhausted when the disk is full, Unavailable on other I/O
  // errors and while the store is read-only, Internal otherwise. After a
  // failed Commit RocksDB refuses every write until Reopen: the failed batch
  // may be partly or wholly in the write-ahead log, and only a reopen (which
  // replays the log as a restart would) tells which.
  absl::Status Commit(Batch& batch);

  // Reopen closes the database and opens it read-write again, as a restart
  // would: RocksDB replays its write-ahead log, so what the store holds
  // afterwards is exactly what a restart would recover. Readers keep working
  // throughout (on a read-only instance while the read-write one is closed).
  // Call only while no Commit runs and no Batch is in use. Errors as Commit's;
  // also Unavailable while readers still hold the old instance. The store is
  // then read-only and Reopen may be called again.
  absl::Status Reopen();

  // writable is false while the store is open read-only. Thread-safe.
  bool writable() const;

  // FreeBytes returns the space left on the file system of the database (for
  // the user walletd runs as). Thread-safe.
  absl::StatusOr<uint64_t> FreeBytes() const;

  // Flush writes memtables to SST files (used on clean shutdown so that
  // restart replays little WAL). FailedPrecondition while read-only.
  absl::Status Flush();

  const std::string& path() const { return options_.path; }

 private:
  friend class Batch;
  class TableHandle;

  explicit Store(const StoreOptions& options);
  // OpenInstance opens the database read-write or read-only.
  absl::StatusOr<std::shared_ptr<Instance>> OpenInstance(bool read_only,
                                                         bool auto_compactions) const;
  // Publish makes `instance` the one readers and Commit use.
  void Publish(std::shared_ptr<Instance> instance);
  // Current is the instance for a reader, held for the length of its read.
  std::shared_ptr<Instance> Current() const;
  // GetFrom reads one key from `db`.
  absl::StatusOr<std::optional<std::string>> GetFrom(const Instance& db, Table table,
                                                     absl::string_view key,
                                                     const rocksdb::Snapshot* at) const;
  // CheckFormat refuses a store of another layout and records the layout
  // in a new one.
  absl::Status CheckFormat();

  // Write batches name column families through these: their ids stay the
  // same across reopens, the real handles do not.
  rocksdb::ColumnFamilyHandle* Handle(Table table) const;

  const StoreOptions options_;
  std::shared_ptr<rocksdb::Logger> log_;
  // Shared by the instances a reopen goes through.
  std::shared_ptr<rocksdb::Cache> cache_;
  std::vector<std::unique_ptr<TableHandle>> tables_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Instance> instance_ ABSL_GUARDED_BY(mu_);
  // The same instance for Commit and Batch reads, on the writer's hot path:
  // Reopen never runs while they do, so they need no reference.
  std::atomic<const Instance*> active_{nullptr};
};

// Batch collects writes for one commit and answers reads through them.
// Only tables the ledger reads back during a group (requests, orders, API
// keys, consumers, meta, dues imports, drive progress) are indexed; the rest, which the ledger
// mirrors in
// memory, go straight into the write batch. Not thread-safe: owned by the
// writer thread.
class Batch final {
 public:
  // `previous` is the batch still being committed, if any: its writes are
  // visible to Get until they are on disk.
  explicit Batch(const Store* store, std::shared_ptr<const Batch> previous = nullptr)
      : store_(store), previous_(std::move(previous)) {}

  void Put(Table table, absl::string_view key, absl::string_view value);
  // Delete removes a key. Only for tables that are not indexed (checked):
  // their reads within a group come from the ledger's memory, not the batch.
  void Delete(Table table, absl::string_view key);
  // Get returns this batch's pending value for the key, else the committed one.
  // Only for the indexed tables (checked).
  absl::StatusOr<std::optional<std::string>> Get(Table table, absl::string_view key);
  // PreviousCommitted says the previous batch is on disk: reads no longer
  // need it, and dropping it keeps batches from chaining each other alive.
  void PreviousCommitted() { previous_.reset(); }
  bool empty() const { return batch_.Count() == 0; }

 private:
  friend class Store;
  static bool Indexed(Table table);
  static std::string OverlayKey(Table table, absl::string_view key);

  const Store* store_;
  std::shared_ptr<const Batch> previous_;
  rocksdb::WriteBatch batch_;
  absl::flat_hash_map<std::string, std::string> overlay_;
};

// BigEndian64 encodes v so that byte order equals numeric order.
std::string BigEndian64(uint64_t v);
uint64_t DecodeBigEndian64(absl::string_view bytes);

}  // namespace wallet

#endif  // WALLET_STORE_H_
