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

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
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
  kOrderIndex,      // 'c' consumer id or 'm' meter id, \0 be64(order seq) -> order id
  kChanges,         // 'c' consumer id or 'm' meter id, \0 be64(change seq) -> ChangeRecord
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
};

class Batch;

class Store final {
 public:
  // Open opens or creates the database. Returns Internal on RocksDB errors
  // (corruption, lock held by another process, ...).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Snapshot pins one committed state for several reads. Release it before
  // the Store goes away.
  class Snapshot final {
   public:
    ~Snapshot() { db_->ReleaseSnapshot(snapshot_); }
    const rocksdb::Snapshot* get() const { return snapshot_; }

   private:
    friend class Store;
    Snapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
    rocksdb::DB* db_;
    const rocksdb::Snapshot* snapshot_;
  };
  std::unique_ptr<Snapshot> TakeSnapshot() const {
    return std::unique_ptr<Snapshot>(new Snapshot(db_.get()));
  }

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
  absl::Status Commit(Batch& batch);

  // Flush writes memtables to SST files (used on clean shutdown so that
  // restart replays little WAL).
  absl::Status Flush();

 private:
  friend class Batch;
  // CheckFormat refuses a store of another layout and records the layout
  // in a new one.
  absl::Status CheckFormat(absl::string_view path);
  Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
        bool sync);

  rocksdb::ColumnFamilyHandle* Handle(Table table) const {
    return handles_[static_cast<int>(table)];
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  bool sync_;
};

// Batch collects writes for one commit and answers reads through them.
// Only tables the ledger reads back during a group (requests, orders, API
// keys, consumers, meta) are indexed; the rest, which the ledger mirrors in
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
