#include "wallet/store.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "rocksdb/cache.h"
#include "rocksdb/comparator.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "wallet/store_log.h"

namespace wallet {
namespace {

const char* const kTableNames[] = {
    "default",   "accounts",        "journal",        "account_journal", "meters",   "meter_state",
    "consumers", "consumer_meters", "retailers",      "orders",          "requests", "api_keys",
    "outbox",    "system_balances", "order_index",    "changes",         "dues",     "dues_imports",
    "drives",    "drive_meters",    "drive_progress", "sign_in",
};
static_assert(sizeof(kTableNames) / sizeof(kTableNames[0]) ==
              static_cast<size_t>(Table::kCount));

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

// WriteError classifies a failed write or open: the wallet stops taking
// writes on a full disk or an I/O error and recovers once the store can be
// written again; anything else is a broken invariant.
absl::Status WriteError(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsIOError()) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

// NoAutoRecovery turns off RocksDB's own recovery from a full disk. Once
// space is freed it would flush the memtables one column family at a time;
// stopped half way (the disk filling again, a crash), a restart would then
// replay a failed batch still in the write-ahead log into the tables not yet
// flushed and not into the others. Store::Reopen recovers instead.
class NoAutoRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

// How long Reopen waits for readers to let go of an instance it closes.
constexpr absl::Duration kReaderGrace = absl::Seconds(10);

// WaitForSoleOwner waits (bounded) until `instance` has no other holder, so
// that dropping it closes the database here rather than on a reader's thread.
template <typename T>
void WaitForSoleOwner(const std::shared_ptr<T>& instance) {
  const absl::Time give_up = absl::Now() + kReaderGrace;
  while (instance.use_count() > 1 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
}

rocksdb::ColumnFamilyOptions TableOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Most point lookups (request ids, API keys) miss: a bloom filter answers
  // those without touching data blocks.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kNoCompression;
  return cf;
}

// UpToNul keeps the part of a key up to and including its first NUL: the
// account name of an account_journal key ("meter:M1\0" time seq).
class UpToNul final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "wallet.UpToNul"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = memchr(key.data(), '\0', key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(nul) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

// The layout of the tables, recorded in meta when a store is created.
// 2: meter wallets live in meter_state and chain their transfers.
constexpr char kFormatKey[] = "store_format";
constexpr char kFormat[] = "2";

// Keys up to this long hash as a whole in the hashed memtables.
constexpr size_t kMaxHashedKey = 160;

// PrefixEnd returns the smallest key greater than every key with `prefix`,
// or "" when there is none (prefix empty or all 0xff).
std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) != 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeBigEndian64(absl::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

struct Store::Instance {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  bool read_only = false;

  ~Instance() {
    if (db == nullptr) return;  // the open failed
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    // After a failed write Close reports the error it saw; nothing is left
    // to do about it (the write-ahead log is replayed on the next open).
    db->Close().PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* handle(Table table) const {
    return handles[static_cast<int>(table)];
  }
};

// A column family named by id only. A write batch records nothing else of a
// handle, and ids do not change when the database is reopened.
class Store::TableHandle final : public rocksdb::ColumnFamilyHandle {
 public:
  TableHandle(std::string name, uint32_t id) : name_(std::move(name)), id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported("a table handle names a column family only");
  }
  const rocksdb::Comparator* GetComparator() const override {
    return rocksdb::BytewiseComparator();
  }

 private:
  const std::string name_;
  const uint32_t id_;
};

Store::Snapshot::Snapshot(std::shared_ptr<const Instance> instance)
    : instance_(std::move(instance)), snapshot_(instance_->db->GetSnapshot()) {}

Store::Snapshot::~Snapshot() { instance_->db->ReleaseSnapshot(snapshot_); }

std::unique_ptr<Store::Snapshot> Store::TakeSnapshot() const {
  return std::unique_ptr<Snapshot>(new Snapshot(Current()));
}

Store::Store(const StoreOptions& options)
    : options_(options),
      log_(StoreLog::Open(options.path)),
      cache_(rocksdb::NewLRUCache(options.block_cache_bytes)) {}

Store::~Store() {
  absl::MutexLock lock(&mu_);
  instance_.reset();
}

absl::StatusOr<std::shared_ptr<Store::Instance>> Store::OpenInstance(bool read_only,
                                                                     bool auto_compactions) const {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // One thread writes; without concurrent memtable writes RocksDB can use the
  // insert hints set below.
  db_options.allow_concurrent_memtable_write = false;
  db_options.info_log = log_;
  if (options_.env) db_options.env = options_.env.get();
  // The wallet recovers from write errors itself (Reopen), never RocksDB.
  db_options.listeners.push_back(std::make_shared<NoAutoRecovery>());
  db_options.max_bgerror_resume_count = 0;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kTableNames) {
    descriptors.emplace_back(name, TableOptions(cache_));
    descriptors.back().options.disable_auto_compactions = !auto_compactions;
  }
  // hint_inserts makes `table`'s memtable keep an insert hint per prefix
  // that `by` (owned by the options) extracts.
  const auto hint_inserts = [&descriptors](Table table, const rocksdb::SliceTransform* by) {
    descriptors[static_cast<int>(table)].options.memtable_insert_with_hint_prefix_extractor.reset(
        by);
  };
  // Journal keys only grow, and each account's journal keys grow: an insert
  // hint per prefix makes those memtable inserts nearly free instead of a
  // full skiplist search (the writer's largest cost under load).
  hint_inserts(Table::kJournal, rocksdb::NewFixedPrefixTransform(0));
  hint_inserts(Table::kAccountJournal, new UpToNul());
  hint_inserts(Table::kSystemBalances, new UpToNul());
  // Order ids begin with their creation time, and each consumer's and meter's
  // order index keys grow: hinted inserts, as for the journals.
  hint_inserts(Table::kOrders, rocksdb::NewFixedPrefixTransform(0));
  hint_inserts(Table::kOrderIndex, new UpToNul());
  // Meter states are written in key order at the end of each group
  // (Ledger::FinishGroup): with one hint, each insert starts from its
  // neighbour's position instead of searching from the top.
  hint_inserts(Table::kMeterState, rocksdb::NewFixedPrefixTransform(0));
  // Idempotency records are only read by key: a hashed memtable makes an
  // insert a bucket lookup. Not for meter_state, written on every reading: a
  // hashed memtable must be sorted whole at each flush, which cost more (on
  // the flush thread) than the skiplist inserts it saved.
  rocksdb::ColumnFamilyOptions& requests = descriptors[static_cast<int>(Table::kRequests)].options;
  requests.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kMaxHashedKey));
  requests.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 20));
  auto instance = std::make_shared<Instance>();
  instance->read_only = read_only;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, options_.path, descriptors,
                                               &instance->handles, &raw)
                : rocksdb::DB::Open(db_options, options_.path, descriptors, &instance->handles,
                                    &raw);
  if (!s.ok()) {
    const std::string what = absl::StrCat("opening store at ", options_.path,
                                          read_only ? " read-only" : "");
    if (s.IsNoSpace()) return absl::ResourceExhaustedError(absl::StrCat(what, ": ", s.ToString()));
    return FromRocks(s, what);
  }
  instance->db.reset(raw);
  return instance;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(options));
  absl::StatusOr<std::shared_ptr<Instance>> instance = store->OpenInstance(false, true);
  if (!instance.ok() && instance.status().code() == absl::StatusCode::kResourceExhausted) {
    // Serve reads of what is there rather than not at all.
    absl::StatusOr<std::shared_ptr<Instance>> read_only = store->OpenInstance(true, false);
    if (!read_only.ok()) return instance.status();
    LOG(ERROR) << "store at " << options.path << " opened READ-ONLY: " << instance.status();
    instance = std::move(read_only);
  }
  if (!instance.ok()) return instance.status();
  for (size_t i = 0; i < (*instance)->handles.size(); ++i) {
    store->tables_.push_back(
        std::make_unique<TableHandle>(kTableNames[i], (*instance)->handles[i]->GetID()));
  }
  store->Publish(*std::move(instance));
  WALLET_RETURN_IF_ERROR(store->CheckFormat());
  return store;
}

void Store::Publish(std::shared_ptr<Instance> instance) {
  absl::MutexLock lock(&mu_);
  active_.store(instance.get(), std::memory_order_release);
  instance_.swap(instance);
}

std::shared_ptr<Store::Instance> Store::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return instance_;
}

rocksdb::ColumnFamilyHandle* Store::Handle(Table table) const {
  return tables_[static_cast<int>(table)].get();
}

bool Store::writable() const { return !Current()->read_only; }

absl::Status Store::Reopen() {
  {
    std::shared_ptr<Instance> failed = Current();
    if (!failed->read_only) {
      // Readers move to a read-only instance of the same files while the
      // failed one is closed. Paused, the failed instance changes no file
      // (no flush, compaction or file deletion) under the read-only one.
      failed->db->PauseBackgroundWork().PermitUncheckedError();
      WALLET_ASSIGN_OR_RETURN(std::shared_ptr<Instance> bridge, OpenInstance(true, false));
      Publish(std::move(bridge));
      WaitForSoleOwner(failed);
    }
  }  // closes the failed instance, and so releases RocksDB's lock
  // Compactions would delete files the read-only instance may still read:
  // they start once it is closed.
  WALLET_ASSIGN_OR_RETURN(std::shared_ptr<Instance> fresh, OpenInstance(false, false));
  for (size_t i = 0; i < tables_.size(); ++i) {
    if (fresh->handles[i]->GetID() != tables_[i]->GetID()) {
      return absl::InternalError(absl::StrCat("column family ", kTableNames[i],
                                              " changed its id on reopen"));
    }
  }
  std::shared_ptr<Instance> bridge = Current();
  Publish(fresh);
  WaitForSoleOwner(bridge);
  bridge.reset();
  WALLET_RETURN_IF_ERROR(
      FromRocks(fresh->db->EnableAutoCompaction(fresh->handles), "enabling compactions"));
  // A store first opened read-only has its layout recorded now.
  return CheckFormat();
}

absl::StatusOr<uint64_t> Store::FreeBytes() const {
  rocksdb::Env* env = options_.env ? options_.env.get() : rocksdb::Env::Default();
  uint64_t free = 0;
  WALLET_RETURN_IF_ERROR(FromRocks(env->GetFreeSpace(options_.path, &free), "free space"));
  return free;
}

absl::Status Store::CheckFormat() {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> format, Get(Table::kMeta, kFormatKey));
  if (format) {
    if (*format == kFormat) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("store at ", options_.path, " has layout ",
                                                      *format, "; this walletd reads layout ",
                                                      kFormat));
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> journal, LastKey(Table::kJournal));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> meters, LastKey(Table::kMeters));
  if (journal || meters) {
    // Written before layouts were recorded: meter wallets were still rows of
    // the accounts table. Reading it as the current layout would open every
    // wallet at zero.
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", options_.path,
        " was written by an older walletd (layout 1); this walletd reads layout ", kFormat,
        " and does not migrate it"));
  }
  std::shared_ptr<Instance> db = Current();
  if (db->read_only) return absl::OkStatus();  // recorded once it is writable
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  return WriteError(db->db->Put(write_options, db->handle(Table::kMeta), kFormatKey, kFormat),
                    "recording the store layout");
}

absl::StatusOr<std::optional<std::string>> Store::Get(Table table, absl::string_view key,
                                                      const Snapshot* at) const {
  if (at != nullptr) return GetFrom(*at->instance_, table, key, at->get());
  return GetFrom(*Current(), table, key, nullptr);
}

absl::StatusOr<std::optional<std::string>> Store::GetFrom(const Instance& db, Table table,
                                                          absl::string_view key,
                                                          const rocksdb::Snapshot* at) const {
  std::string value;
  rocksdb::ReadOptions read_options;
  read_options.snapshot = at;
  rocksdb::Status s = db.db->Get(read_options, db.handle(table),
                                 rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "store read");
  return value;
}

absl::Status Store::Scan(Table table, absl::string_view prefix, absl::string_view start,
                         bool reverse, const Visitor& visit, const Snapshot* at) const {
  rocksdb::ReadOptions read_options;
  std::shared_ptr<const Instance> db = at != nullptr ? at->instance_ : Current();
  if (at != nullptr) read_options.snapshot = at->get();
  // Tables with a hashed memtable have a prefix extractor; a scan of one
  // (loading meter states at start) must still see every key.
  read_options.total_order_seek = true;
  const std::string end = PrefixEnd(prefix);
  rocksdb::Slice upper(end);
  rocksdb::Slice lower(prefix.data(), prefix.size());
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  read_options.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(read_options, db->handle(table)));
  if (reverse) {
    if (!start.empty()) {
      it->SeekForPrev(rocksdb::Slice(start.data(), start.size()));
    } else {
      it->SeekToLast();
    }
  } else {
    it->Seek(start.empty() ? lower : rocksdb::Slice(start.data(), start.size()));
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!visit(absl::string_view(k.data(), k.size()), absl::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "store scan");
}

absl::StatusOr<std::optional<std::string>> Store::LastKey(Table table) const {
  std::shared_ptr<const Instance> db = Current();
  std::unique_ptr<rocksdb::Iterator> it(
      db->db->NewIterator(rocksdb::ReadOptions(), db->handle(table)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "store seek");
  if (!it->Valid()) return std::nullopt;
  return it->key().ToString();
}

absl::Status Store::Commit(Batch& batch) {
  // Per-thread perf counters cost a thread-local lookup per key inserted; we
  // export our own figures instead.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  const Instance* db = active_.load(std::memory_order_acquire);
  if (db->read_only) return absl::UnavailableError("store commit: the store is open read-only");
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  return WriteError(db->db->Write(write_options, &batch.batch_), "store commit");
}

absl::Status Store::Flush() {
  std::shared_ptr<Instance> db = Current();
  if (db->read_only) return absl::FailedPreconditionError("the store is open read-only");
  return FromRocks(db->db->Flush(rocksdb::FlushOptions(), db->handles), "store flush");
}

bool Batch::Indexed(Table table) {
  // kOrderIndex for its gateway order keys, which a payment event looks up.
  return table == Table::kRequests || table == Table::kOrders || table == Table::kOrderIndex ||
         table == Table::kApiKeys || table == Table::kConsumers || table == Table::kMeta ||
         table == Table::kDuesImports || table == Table::kDriveProgress || table == Table::kSignIn;
}

std::string Batch::OverlayKey(Table table, absl::string_view key) {
  return absl::StrCat(absl::string_view(reinterpret_cast<const char*>(&table), 1), key);
}

void Batch::Put(Table table, absl::string_view key, absl::string_view value) {
  batch_.Put(store_->Handle(table), rocksdb::Slice(key.data(), key.size()),
             rocksdb::Slice(value.data(), value.size()));
  if (Indexed(table)) overlay_[OverlayKey(table, key)] = std::string(value);
}

void Batch::Delete(Table table, absl::string_view key) {
  CHECK(!Indexed(table)) << "Batch::Delete on an indexed table";
  batch_.Delete(store_->Handle(table), rocksdb::Slice(key.data(), key.size()));
}

absl::StatusOr<std::optional<std::string>> Batch::Get(Table table, absl::string_view key) {
  CHECK(Indexed(table)) << "Batch::Get on a table that is not indexed";
  const std::string overlay_key = OverlayKey(table, key);
  auto it = overlay_.find(overlay_key);
  if (it != overlay_.end()) return it->second;
  if (previous_) {
    auto before = previous_->overlay_.find(overlay_key);
    if (before != previous_->overlay_.end()) return before->second;
  }
  return store_->GetFrom(*store_->active_.load(std::memory_order_acquire), table, key, nullptr);
}

}  // namespace wallet
