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
#include "rocksdb/utilities/write_batch_with_index.h"

namespace wallet {

// Table names one column family. Keys and values are documented in store.cc.
enum class Table : int {
  kMeta = 0,        // default column family: counters
  kAccounts,        // account name -> balance (fixed64)
  kJournal,         // big-endian seq -> Transfer
  kAccountJournal,  // account \0 be64(time_us) be64(seq) -> JournalEntry
  kMeters,          // meter id -> Meter
  kMeterState,      // meter id -> MeterState
  kConsumers,       // consumer id -> Consumer
  kConsumerMeters,  // consumer id \0 meter id -> ""
  kRetailers,       // retailer id -> Retailer
  kOrders,          // order id -> RechargeOrder
  kRequests,        // idempotency key -> IdempotencyRecord
  kApiKeys,         // hex sha256(key) -> ApiKeyRecord
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

  // Get returns the committed value, or nullopt. Thread-safe.
  absl::StatusOr<std::optional<std::string>> Get(Table table, absl::string_view key) const;

  // Scan visits committed keys that start with `prefix`, from `start` (or the
  // first/last key of the prefix when empty), forwards or backwards, until
  // `visit` returns false. Thread-safe.
  using Visitor = std::function<bool(absl::string_view key, absl::string_view value)>;
  absl::Status Scan(Table table, absl::string_view prefix, absl::string_view start,
                    bool reverse, const Visitor& visit) const;

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
// Not thread-safe: owned by the writer thread.
class Batch final {
 public:
  explicit Batch(const Store* store);

  void Put(Table table, absl::string_view key, absl::string_view value);
  // Get returns this batch's pending value for the key, else the committed one.
  absl::StatusOr<std::optional<std::string>> Get(Table table, absl::string_view key);
  bool empty() { return batch_.GetWriteBatch()->Count() == 0; }
  size_t size_bytes() { return batch_.GetWriteBatch()->GetDataSize(); }

 private:
  friend class Store;
  const Store* store_;
  rocksdb::WriteBatchWithIndex batch_;
};

// BigEndian64 encodes v so that byte order equals numeric order.
std::string BigEndian64(uint64_t v);
uint64_t DecodeBigEndian64(absl::string_view bytes);

}  // namespace wallet

#endif  // WALLET_STORE_H_
