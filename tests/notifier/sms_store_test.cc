#include "notifier/sms_store.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace notifier {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::StatusIs;
using ::wallet::testing::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1'764'900'000);

SmsState StateOf(SmsStore& store, absl::string_view id) {
  absl::StatusOr<SmsRecord> record = store.Get(id);
  EXPECT_THAT(record.status(), IsOk());
  return record.ok() ? record->state : SmsState::kNone;
}

TEST(SmsStore, StatesOnlyMoveForwardAndSurviveAReopen) {
  TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<SmsStore>> store = SmsStore::Open(dir.path() + "/sms");
    ASSERT_THAT(store.status(), IsOk());
    EXPECT_EQ(StateOf(**store, "n-1"), SmsState::kNone);
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kAccepted, kT0), IsOkAndHolds(true));
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kAccepted, kT0), IsOkAndHolds(false));
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kDelivered, kT0 + absl::Seconds(3)),
                IsOkAndHolds(true));
    // Final: a later failure report or acceptance changes nothing.
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kFailed, kT0), IsOkAndHolds(false));
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kAccepted, kT0), IsOkAndHolds(false));
    // A report that overtook the acceptance is not undone by it.
    EXPECT_THAT((*store)->Advance("n-2", SmsState::kFailed, kT0), IsOkAndHolds(true));
    EXPECT_THAT((*store)->Advance("n-2", SmsState::kAccepted, kT0), IsOkAndHolds(false));
    EXPECT_THAT((*store)->Advance("n-2", SmsState::kDelivered, kT0), IsOkAndHolds(false));
  }
  absl::StatusOr<std::unique_ptr<SmsStore>> reopened = SmsStore::Open(dir.path() + "/sms");
  ASSERT_THAT(reopened.status(), IsOk());
  absl::StatusOr<SmsRecord> one = (*reopened)->Get("n-1");
  ASSERT_THAT(one.status(), IsOk());
  EXPECT_EQ(one->state, SmsState::kDelivered);
  EXPECT_EQ(one->update_time, kT0 + absl::Seconds(3));
  EXPECT_EQ(StateOf(**reopened, "n-2"), SmsState::kFailed);
  EXPECT_EQ(StateOf(**reopened, "n-3"), SmsState::kNone);
}

TEST(SmsStore, AWriteLeftForALaterSyncIsReadAtOnceAndSurvivesAReopen) {
  TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<SmsStore>> store = SmsStore::Open(dir.path() + "/sms");
    ASSERT_THAT(store.status(), IsOk());
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kAccepted, kT0, SmsStore::Durability::kLater),
                IsOkAndHolds(true));
    EXPECT_EQ(StateOf(**store, "n-1"), SmsState::kAccepted);
    EXPECT_THAT((*store)->Advance("n-1", SmsState::kAccepted, kT0, SmsStore::Durability::kLater),
                IsOkAndHolds(false));
    EXPECT_THAT((*store)->Sync(), IsOk());
  }
  absl::StatusOr<std::unique_ptr<SmsStore>> reopened = SmsStore::Open(dir.path() + "/sms");
  ASSERT_THAT(reopened.status(), IsOk());
  EXPECT_EQ(StateOf(**reopened, "n-1"), SmsState::kAccepted);
}

TEST(SmsStore, ASecondOpenOfTheSameDirectoryIsRefused) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SmsStore>> first = SmsStore::Open(dir.path() + "/sms");
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_THAT(SmsStore::Open(dir.path() + "/sms").status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(SmsStateName, NamesEveryState) {
  EXPECT_EQ(SmsStateName(SmsState::kNone), "none");
  EXPECT_EQ(SmsStateName(SmsState::kAccepted), "accepted");
  EXPECT_EQ(SmsStateName(SmsState::kDelivered), "delivered");
  EXPECT_EQ(SmsStateName(SmsState::kFailed), "failed");
}

}  // namespace
}  // namespace notifier
