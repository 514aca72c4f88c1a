#include "wallet/store.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "wallet/status_macros.h"

namespace wallet {
namespace {

const char* const kTableNames[] = {
    "default",
    "accounts",
    "journal",
    "account_journal",
    "meters",
    "meter_state",
    "consumers",
    "consumer_meters",
    "retailers",
    "orders",
    "requests",
    "api_keys",
    "outbox",
    "system_balances",
    "order_index",
    "changes",
};
static_assert(sizeof(kTableNames) / sizeof(kTableNames[0]) ==
              static_cast<size_t>(Table::kCount));

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
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

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // One thread writes; without concurrent memtable writes RocksDB can use the
  // insert hints set below.
  db_options.allow_concurrent_memtable_write = false;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kTableNames) {
    descriptors.emplace_back(name, TableOptions(cache));
  }
  // Journal keys only grow, and each account's journal keys grow: an insert
  // hint per prefix makes those memtable inserts nearly free instead of a
  // full skiplist search (the writer's largest cost under load).
  descriptors[static_cast<int>(Table::kJournal)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(0));
  descriptors[static_cast<int>(Table::kAccountJournal)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(new UpToNul());
  descriptors[static_cast<int>(Table::kSystemBalances)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(new UpToNul());
  // Order ids begin with their creation time, and each consumer's and meter's
  // order index keys grow: hinted inserts, as for the journals.
  descriptors[static_cast<int>(Table::kOrders)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(0));
  descriptors[static_cast<int>(Table::kOrderIndex)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(new UpToNul());
  // Meter states are written in key order at the end of each group
  // (Ledger::FinishGroup): with one hint, each insert starts from its
  // neighbour's position instead of searching from the top.
  descriptors[static_cast<int>(Table::kMeterState)]
      .options.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(0));
  // Idempotency records are only read by key: a hashed memtable makes an
  // insert a bucket lookup. Not for meter_state, written on every reading: a
  // hashed memtable must be sorted whole at each flush, which cost more (on
  // the flush thread) than the skiplist inserts it saved.
  rocksdb::ColumnFamilyOptions& requests = descriptors[static_cast<int>(Table::kRequests)].options;
  requests.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kMaxHashedKey));
  requests.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 20));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening store at ", options.path));
  auto store = std::unique_ptr<Store>(
      new Store(std::unique_ptr<rocksdb::DB>(raw), std::move(handles), options.sync));
  WALLET_RETURN_IF_ERROR(store->CheckFormat(options.path));
  return store;
}

absl::Status Store::CheckFormat(absl::string_view path) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> format, Get(Table::kMeta, kFormatKey));
  if (format) {
    if (*format == kFormat) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", path, " has layout ", *format, "; this walletd reads layout ", kFormat));
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> journal, LastKey(Table::kJournal));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> meters, LastKey(Table::kMeters));
  if (journal || meters) {
    // Written before layouts were recorded: meter wallets were still rows of
    // the accounts table. Reading it as the current layout would open every
    // wallet at zero.
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", path, " was written by an older walletd (layout 1); this walletd reads layout ",
        kFormat, " and does not migrate it"));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  return FromRocks(db_->Put(write_options, Handle(Table::kMeta), kFormatKey, kFormat),
                   "recording the store layout");
}

Store::Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             bool sync)
    : db_(std::move(db)), handles_(std::move(handles)), sync_(sync) {}

Store::~Store() {
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

absl::StatusOr<std::optional<std::string>> Store::Get(Table table, absl::string_view key,
                                                      const Snapshot* at) const {
  std::string value;
  rocksdb::ReadOptions read_options;
  if (at != nullptr) read_options.snapshot = at->get();
  rocksdb::Status s =
      db_->Get(read_options, Handle(table), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "store read");
  return value;
}

absl::Status Store::Scan(Table table, absl::string_view prefix, absl::string_view start,
                         bool reverse, const Visitor& visit, const Snapshot* at) const {
  rocksdb::ReadOptions read_options;
  if (at != nullptr) read_options.snapshot = at->get();
  // Tables with a hashed memtable have a prefix extractor; a scan of one
  // (loading meter states at start) must still see every key.
  read_options.total_order_seek = true;
  const std::string end = PrefixEnd(prefix);
  rocksdb::Slice upper(end);
  rocksdb::Slice lower(prefix.data(), prefix.size());
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  read_options.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, Handle(table)));
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
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(table)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "store seek");
  if (!it->Valid()) return std::nullopt;
  return it->key().ToString();
}

absl::Status Store::Commit(Batch& batch) {
  // Per-thread perf counters cost a thread-local lookup per key inserted; we
  // export our own figures instead.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  return FromRocks(db_->Write(write_options, &batch.batch_), "store commit");
}

absl::Status Store::Flush() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "store flush");
}

bool Batch::Indexed(Table table) {
  return table == Table::kRequests || table == Table::kOrders || table == Table::kApiKeys ||
         table == Table::kConsumers || table == Table::kMeta;
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
  return store_->Get(table, key);
}

}  // namespace wallet
