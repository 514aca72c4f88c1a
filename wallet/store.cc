#include "wallet/store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"

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
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kTableNames) {
    descriptors.emplace_back(name, TableOptions(cache));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening store at ", options.path));
  return std::unique_ptr<Store>(
      new Store(std::unique_ptr<rocksdb::DB>(raw), std::move(handles), options.sync));
}

Store::Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             bool sync)
    : db_(std::move(db)), handles_(std::move(handles)), sync_(sync) {}

Store::~Store() {
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

absl::StatusOr<std::optional<std::string>> Store::Get(Table table, absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), Handle(table), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "store read");
  return value;
}

absl::Status Store::Scan(Table table, absl::string_view prefix, absl::string_view start,
                         bool reverse, const Visitor& visit) const {
  rocksdb::ReadOptions read_options;
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
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  return FromRocks(db_->Write(write_options, batch.batch_.GetWriteBatch()), "store commit");
}

absl::Status Store::Flush() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "store flush");
}

Batch::Batch(const Store* store)
    : store_(store), batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

void Batch::Put(Table table, absl::string_view key, absl::string_view value) {
  batch_.Put(store_->Handle(table), rocksdb::Slice(key.data(), key.size()),
             rocksdb::Slice(value.data(), value.size()));
}

absl::StatusOr<std::optional<std::string>> Batch::Get(Table table, absl::string_view key) {
  std::string value;
  rocksdb::Status s = batch_.GetFromBatchAndDB(store_->db_.get(), rocksdb::ReadOptions(),
                                               store_->Handle(table),
                                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "batch read");
  return value;
}

}  // namespace wallet
