// The ingest batcher with a fake walletd connection: full batches under
// unique ids, a batch sent once full or once its oldest reading has waited,
// refused batches and readings beyond the limit dropped and counted, and
// everything left sent on stop.
#include "meter-gateway/gateway/ingest_batcher.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/wait.h"

namespace meter_gateway::testing {
namespace {

using ::testing::ElementsAre;
using wallet::testing::WaitUntil;

v1::Reading Reading(int64_t wh) {
  v1::Reading reading;
  reading.set_meter_id("M1");
  reading.set_register_wh(wh);
  return reading;
}

IngestBatcherOptions Options(int batch_size, absl::Duration flush_interval = absl::Hours(1)) {
  IngestBatcherOptions options;
  options.batch_size = batch_size;
  options.flush_interval = flush_interval;
  options.instance = "gw-test";
  return options;
}

std::vector<std::string> Ids(const std::vector<v1::IngestReadingsRequest>& batches) {
  std::vector<std::string> ids;
  for (const v1::IngestReadingsRequest& b : batches) {
    ids.push_back(absl::StrCat(b.batch_id(), ":", b.readings_size()));
  }
  return ids;
}

TEST(IngestBatcherTest, ReadingsGoInFullBatchesUnderIdsOfTheirOwn) {
  FakeWalletConnection wallet;
  IngestBatcher batcher(Options(3), &wallet);
  for (int i = 1; i <= 7; ++i) batcher.Add(Reading(i));
  while (batcher.Flush()) {
  }
  EXPECT_THAT(Ids(wallet.batches()), ElementsAre("gw-test-1:3", "gw-test-2:3", "gw-test-3:1"));
  EXPECT_EQ(wallet.batches()[1].readings(0).register_wh(), 4);  // in the order taken
  EXPECT_EQ(batcher.stats().readings_sent, 7u);
  EXPECT_EQ(batcher.stats().batches, 3u);
}

TEST(IngestBatcherTest, AFullBatchGoesWithoutWaitingForTheInterval) {
  FakeWalletConnection wallet;
  IngestBatcher batcher(Options(2), &wallet);  // an hour's interval
  batcher.Start();
  batcher.Add(Reading(1));
  batcher.Add(Reading(2));
  ASSERT_TRUE(WaitUntil([&] { return wallet.batches().size() == 1; }, "the full batch"));
  batcher.Stop();
}

TEST(IngestBatcherTest, AWaitingReadingGoesOnceTheIntervalHasPassed) {
  FakeWalletConnection wallet;
  IngestBatcher batcher(Options(1000, absl::Milliseconds(20)), &wallet);
  batcher.Start();
  batcher.Add(Reading(1));
  ASSERT_TRUE(WaitUntil([&] { return wallet.batches().size() == 1; }, "a batch of one"));
  batcher.Stop();
}

TEST(IngestBatcherTest, ABatchWalletdRefusesIsDroppedAndCounted) {
  FakeWalletConnection wallet;
  wallet.answers().Script({absl::InvalidArgumentError("batch too large")});
  IngestBatcher batcher(Options(10), &wallet);
  for (int i = 1; i <= 4; ++i) batcher.Add(Reading(i));
  EXPECT_TRUE(batcher.Flush());
  EXPECT_FALSE(batcher.Flush());  // dropped, not kept for another try
  EXPECT_EQ(batcher.stats().readings_dropped, 4u);
  EXPECT_EQ(batcher.stats().readings_sent, 0u);
}

TEST(IngestBatcherTest, BeyondTheLimitTheOldestReadingsAreDropped) {
  FakeWalletConnection wallet;
  IngestBatcherOptions options = Options(10);
  options.max_pending = 3;
  IngestBatcher batcher(options, &wallet);
  for (int i = 1; i <= 5; ++i) batcher.Add(Reading(i));
  EXPECT_EQ(batcher.pending(), 3u);
  EXPECT_EQ(batcher.stats().readings_dropped, 2u);
  ASSERT_TRUE(batcher.Flush());
  const v1::IngestReadingsRequest batch = wallet.batches().at(0);
  ASSERT_EQ(batch.readings_size(), 3);
  EXPECT_EQ(batch.readings(0).register_wh(), 3);
  EXPECT_EQ(batch.readings(2).register_wh(), 5);
}

TEST(IngestBatcherTest, StopSendsEverythingLeft) {
  FakeWalletConnection wallet;
  IngestBatcher batcher(Options(2), &wallet);
  for (int i = 1; i <= 5; ++i) batcher.Add(Reading(i));
  batcher.Stop();
  EXPECT_THAT(Ids(wallet.batches()), ElementsAre("gw-test-1:2", "gw-test-2:2", "gw-test-3:1"));
  EXPECT_EQ(batcher.pending(), 0u);
}

}  // namespace
}  // namespace meter_gateway::testing
