// meter-sim: the IC70 relay state machine and the energy model on a fake
// clock, then the whole simulator over real loopback sockets with the DLMS
// client and the control service.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/client.h"
#include "meter-gateway/dlms/security.h"
#include "meter-gateway/dlms/wrapper.h"
#include "meter-gateway/sim/address.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/cosem.h"
#include "meter-gateway/sim/fleet.h"
#include "meter-gateway/sim/meter_security.h"
#include "meter-gateway/sim/relay.h"
#include "meter-gateway/sim/simulator.h"
#include "metersim/v1/sim.grpc.pb.h"
#include "tests/testing/fake_monotonic_clock.h"
#include "tests/testing/health_check.h"
#include "tests/testing/run_on_threads.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace meter_sim {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wallet::testing::CheckHealth;
using ::wallet::testing::ExpectValue;
using ::wallet::testing::FakeMonotonicClock;
using ::wallet::testing::IsOk;
using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::kGenerousDeadline;
using ::wallet::testing::RunOnThreads;
using ::wallet::testing::StatusIs;
using ::wallet::testing::WaitUntil;

// --- The pure state machine: every mode x trigger x state. ---

// Expected outcome per mode, state and trigger, written out from the Blue
// Book table rather than computed: '0'-'2' changes to that state, '=' is a
// success without change, 'x' is refused. Per mode: three groups (state 0,
// 1, 2) of six triggers in the order of kTriggers.
constexpr RelayTrigger kTriggers[] = {
    RelayTrigger::kRemoteDisconnect, RelayTrigger::kRemoteReconnect,
    RelayTrigger::kManualDisconnect, RelayTrigger::kManualReconnect,
    RelayTrigger::kLocalDisconnect,  RelayTrigger::kLocalReconnect,
};
constexpr const char* kExpected[] = {
    /* mode 0 */ "xxxxxx|xxxxxx|xxxxxx",
    /* mode 1 */ "=2====|0=2=2=|0==1=x",
    /* mode 2 */ "=1====|0=2=2=|0==1=x",
    /* mode 3 */ "=2====|0=x=2=|0==1=x",
    /* mode 4 */ "=1====|0=x=2=|0==1=x",
    /* mode 5 */ "=2====|0=2=2=|0==1=1",
    /* mode 6 */ "=2====|0=x=2=|0==1=1",
};

TEST(RelayStateMachine, EveryModeTriggerAndState) {
  for (int mode = 0; mode <= 6; ++mode) {
    for (int state = 0; state <= 2; ++state) {
      for (int t = 0; t < 6; ++t) {
        const char want = kExpected[mode][state * 7 + t];
        const RelayStep step = StepRelay(mode, state, kTriggers[t]);
        SCOPED_TRACE(absl::StrCat("mode ", mode, " state ", state, " ",
                                  RelayTriggerName(kTriggers[t])));
        switch (want) {
          case 'x':
            EXPECT_EQ(step.outcome, RelayOutcome::kRefused);
            EXPECT_EQ(step.next, state);
            break;
          case '=':
            EXPECT_EQ(step.outcome, RelayOutcome::kUnchanged);
            EXPECT_EQ(step.next, state);
            break;
          default:
            EXPECT_EQ(step.outcome, RelayOutcome::kChanged);
            EXPECT_EQ(step.next, want - '0');
            EXPECT_NE(step.transition, 0);
        }
      }
    }
  }
}

TEST(RelayStateMachine, TransitionLetters) {
  EXPECT_EQ(StepRelay(4, 0, RelayTrigger::kRemoteReconnect).transition, 'a');
  EXPECT_EQ(StepRelay(4, 1, RelayTrigger::kRemoteDisconnect).transition, 'b');
  EXPECT_EQ(StepRelay(4, 2, RelayTrigger::kRemoteDisconnect).transition, 'c');
  EXPECT_EQ(StepRelay(1, 0, RelayTrigger::kRemoteReconnect).transition, 'd');
  EXPECT_EQ(StepRelay(1, 2, RelayTrigger::kManualReconnect).transition, 'e');
  EXPECT_EQ(StepRelay(1, 1, RelayTrigger::kManualDisconnect).transition, 'f');
  EXPECT_EQ(StepRelay(3, 1, RelayTrigger::kLocalDisconnect).transition, 'g');
  EXPECT_EQ(StepRelay(5, 2, RelayTrigger::kLocalReconnect).transition, 'h');
}

TEST(RelayStateMachine, OutOfRangeIsRefused) {
  EXPECT_EQ(StepRelay(7, 1, RelayTrigger::kRemoteDisconnect).outcome, RelayOutcome::kRefused);
  EXPECT_EQ(StepRelay(-1, 1, RelayTrigger::kRemoteDisconnect).outcome, RelayOutcome::kRefused);
  EXPECT_EQ(StepRelay(4, 3, RelayTrigger::kRemoteDisconnect).outcome, RelayOutcome::kRefused);
}

// --- Meter ids and addresses. ---

TEST(Address, Scheme) {
  EXPECT_EQ(MeterAddress(0), "127.16.1.1");
  EXPECT_EQ(MeterAddress(249), "127.16.1.250");
  EXPECT_EQ(MeterAddress(250), "127.16.2.1");
  EXPECT_EQ(MeterAddress(62499), "127.16.250.250");
  EXPECT_EQ(MeterAddress(62500), "127.17.1.1");
  EXPECT_EQ(MeterAddress(kMaxMeters - 1), "127.31.250.249");
  for (int i = 0; i < kMaxMeters; i += 997) {
    const uint32_t address = MeterAddressHostOrder(i);
    EXPECT_NE(address & 0xFF, 0u);
    EXPECT_NE(address & 0xFF, 255u);
    EXPECT_NE((address >> 8) & 0xFF, 0u);
    EXPECT_EQ(MeterIndexFromAddress(address), i);
  }
  EXPECT_EQ(MeterIndexFromAddress(0x7F000001), std::nullopt);  // 127.0.0.1
  EXPECT_EQ(MeterIndexFromAddress(0x7F100001), std::nullopt);  // 127.16.0.1
  EXPECT_EQ(MeterIndexFromAddress(0x7F100100), std::nullopt);  // 127.16.1.0
  EXPECT_EQ(MeterIndexFromAddress(0x7F1001FB), std::nullopt);  // 127.16.1.251
  EXPECT_EQ(MeterIndexFromAddress(0x0A100101), std::nullopt);  // 10.16.1.1
  EXPECT_EQ(MeterIndexFromAddress(0x7FFFFAFA), std::nullopt);  // beyond six digits
}

TEST(Address, Ids) {
  EXPECT_EQ(MeterId("SIM", 0), "SIM000001");
  EXPECT_EQ(MeterId("X", 123455), "X123456");
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM000001"), 0);
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM999999"), 999998);
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM000000"), std::nullopt);
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM00001"), std::nullopt);
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM0000001"), std::nullopt);
  EXPECT_EQ(MeterIndexFromId("SIM", "SIM+00001"), std::nullopt);
  EXPECT_EQ(MeterIndexFromId("SIM", "XIM000001"), std::nullopt);
  EXPECT_EQ(MeterIndexFromId("SIM", ""), std::nullopt);
}

TEST(Address, IdLists) {
  EXPECT_THAT(ParseMeterIdList("SIM000003,SIM000010"), ElementsAre("SIM000003", "SIM000010"));
  EXPECT_THAT(ParseMeterIdList("# CT meters of the Bilaspur circle\n"
                               "SIM000003, SIM000010\r\n\n\tSIM000042  # a mill\n,,"),
              ElementsAre("SIM000003", "SIM000010", "SIM000042"));
  EXPECT_THAT(ParseMeterIdList(""), ::testing::IsEmpty());
  EXPECT_THAT(ParseMeterIdList("# nothing\n"), ::testing::IsEmpty());
}

// --- The fleet model on a fake clock. ---

class RecordingSink final : public RelayEventSink {
 public:
  void OnRelayEvent(const v1::RelayEvent& event) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(event);
  }
  std::vector<v1::RelayEvent> Take() {
    absl::MutexLock lock(&mu_);
    std::vector<v1::RelayEvent> out;
    out.swap(events_);
    return out;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::RelayEvent> events_ ABSL_GUARDED_BY(mu_);
};

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(FleetOptions{}); }
  void Make(FleetOptions options) {
    absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options, &clock_, &sink_);
    ASSERT_THAT(fleet, IsOk());
    fleet_ = *std::move(fleet);
  }
  v1::Meter Configure(const std::string& text_id, std::function<void(v1::ConfigureMeterRequest&)> f) {
    v1::ConfigureMeterRequest request;
    request.set_meter_id(text_id);
    f(request);
    return ExpectValue(fleet_->Configure(request));
  }
  v1::Meter Get(const std::string& id) { return ExpectValue(fleet_->GetMeter(id)); }

  FakeMonotonicClock clock_;
  RecordingSink sink_;
  std::unique_ptr<Fleet> fleet_;
};

TEST_F(FleetTest, StartsConnectedWithDefaults) {
  EXPECT_EQ(fleet_->size(), 10000);
  const v1::Meter meter = Get("SIM010000");
  EXPECT_EQ(meter.control_mode(), 4);
  EXPECT_EQ(meter.control_state(), kConnected);
  EXPECT_TRUE(meter.output_state());
  EXPECT_TRUE(meter.has_relay());
  EXPECT_EQ(meter.load_w(), 1000);
  EXPECT_EQ(meter.host(), "127.16.40.250");
  EXPECT_THAT(fleet_->GetMeter("SIM010001"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(fleet_->GetMeter("nope"), StatusIs(absl::StatusCode::kNotFound));
}

// Remote methods and the button from every state in every mode, through the
// fleet: state, output_state, result and the events emitted.
struct FleetCase {
  int32_t mode;
  // Per start state 0, 1, 2: the state after remote_disconnect,
  // remote_reconnect and a button press.
  const char* after;  // "RD RR BTN" x 3 states, e.g. "020 011 021"
};

class FleetRelayTable : public FleetTest, public ::testing::WithParamInterface<FleetCase> {};

TEST_P(FleetRelayTable, RemoteAndButtonFromEveryState) {
  const FleetCase& c = GetParam();
  for (int start = 0; start <= 2; ++start) {
    for (int action = 0; action < 3; ++action) {
      SCOPED_TRACE(absl::StrCat("mode ", c.mode, " from ", start, " action ", action));
      const std::string id = "SIM000001";
      Configure(id, [&](v1::ConfigureMeterRequest& r) {
        r.set_control_mode(c.mode);
        r.set_control_state(start);
      });
      sink_.Take();
      const uint64_t operations_before = Get(id).relay_operations();
      if (action == 0) {
        EXPECT_EQ(fleet_->RemoteRelay(0, RelayTrigger::kRemoteDisconnect), RemoteResult::kDone);
      } else if (action == 1) {
        EXPECT_EQ(fleet_->RemoteRelay(0, RelayTrigger::kRemoteReconnect), RemoteResult::kDone);
      } else {
        ASSERT_THAT(fleet_->PressButton(id), IsOk());
      }
      const int want = c.after[start * 4 + action] - '0';
      const v1::Meter meter = Get(id);
      EXPECT_EQ(meter.control_state(), want);
      EXPECT_EQ(meter.output_state(), want == kConnected);
      EXPECT_EQ(meter.relay_operations(), operations_before + (action < 2 ? 1 : 0));
      const std::vector<v1::RelayEvent> events = sink_.Take();
      if (want == start) {
        EXPECT_TRUE(events.empty());
      } else {
        ASSERT_EQ(events.size(), 1u);
        EXPECT_EQ(events[0].meter_id(), id);
        EXPECT_EQ(events[0].control_state(), want);
        EXPECT_EQ(events[0].output_state(), want == kConnected);
        EXPECT_EQ(TimeUtil::DurationToMicroseconds(events[0].monotonic_time()), clock_.NowMicros());
        EXPECT_EQ(events[0].cause(), action == 0   ? "remote_disconnect"
                                     : action == 1 ? "remote_reconnect"
                                                   : "button");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, FleetRelayTable,
                         ::testing::Values(FleetCase{1, "020 012 021"},  //
                                           FleetCase{2, "010 012 021"},  //
                                           FleetCase{3, "020 011 021"},  //
                                           FleetCase{4, "010 011 021"},  //
                                           FleetCase{5, "020 012 021"},  //
                                           FleetCase{6, "020 011 021"}),
                         [](const ::testing::TestParamInfo<FleetCase>& info) {
                           return absl::StrCat("Mode", info.param.mode);
                         });

TEST_F(FleetTest, ModeZeroIsAlwaysConnectedAndRefusesRemoteMethods) {
  Configure("SIM000002", [](v1::ConfigureMeterRequest& r) {
    r.set_control_state(kDisconnected);
  });
  sink_.Take();
  const v1::Meter meter = Configure("SIM000002", [](v1::ConfigureMeterRequest& r) {
    r.set_control_mode(0);
  });
  EXPECT_EQ(meter.control_state(), kConnected);  // mode 0 closes the relay
  std::vector<v1::RelayEvent> events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cause(), "control");
  EXPECT_EQ(fleet_->RemoteRelay(1, RelayTrigger::kRemoteDisconnect), RemoteResult::kRefusedByMode);
  EXPECT_EQ(fleet_->RemoteRelay(1, RelayTrigger::kRemoteReconnect), RemoteResult::kRefusedByMode);
  EXPECT_EQ(fleet_->PressButton("SIM000002")->control_state(), kConnected);
  EXPECT_EQ(Get("SIM000002").relay_operations(), 0u);
  EXPECT_TRUE(sink_.Take().empty());
  v1::ConfigureMeterRequest open;
  open.set_meter_id("SIM000002");
  open.set_control_state(kDisconnected);
  EXPECT_THAT(fleet_->Configure(open), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(FleetTest, RefuseFaultAndMissingRelay) {
  Configure("SIM000003", [](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_REFUSE); });
  EXPECT_EQ(fleet_->RemoteRelay(2, RelayTrigger::kRemoteDisconnect),
            RemoteResult::kRefusedByFault);
  EXPECT_EQ(Get("SIM000003").control_state(), kConnected);
  Configure("SIM000004", [](v1::ConfigureMeterRequest& r) { r.set_has_relay(false); });
  EXPECT_EQ(fleet_->RemoteRelay(3, RelayTrigger::kRemoteDisconnect), RemoteResult::kNoRelay);
  EXPECT_FALSE(fleet_->ReadRelay(3).has_relay);
}

TEST_F(FleetTest, EnergyAdvancesWithLoadStopsWhileOpenAndFlowsUnderBypass) {
  const std::string id = "SIM000001";
  EXPECT_EQ(Get(id).register_wh(), 0);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Get(id).register_wh(), 1000);  // 1000 W for an hour
  EXPECT_EQ(fleet_->ReadRegister(0).value, 1000u);

  ASSERT_EQ(fleet_->RemoteRelay(0, RelayTrigger::kRemoteDisconnect), RemoteResult::kDone);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Get(id).register_wh(), 1000);  // open relay: no supply
  EXPECT_FALSE(Get(id).output_state());

  Configure(id, [](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_BYPASS); });
  clock_.Advance(absl::Minutes(30));
  const v1::Meter bypassed = Get(id);
  EXPECT_EQ(bypassed.register_wh(), 1500);  // supply flows around the open relay
  EXPECT_EQ(bypassed.control_state(), kDisconnected);
  EXPECT_FALSE(bypassed.output_state());

  Configure(id, [](v1::ConfigureMeterRequest& r) {
    r.set_fault(v1::FAULT_NONE);
    r.set_load_w(2000);
  });
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Get(id).register_wh(), 1500);
  ASSERT_EQ(fleet_->RemoteRelay(0, RelayTrigger::kRemoteReconnect), RemoteResult::kDone);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Get(id).register_wh(), 3500);
  // Other meters ran all along at 1000 W.
  EXPECT_EQ(Get("SIM000002").register_wh(), 5500);
}

TEST_F(FleetTest, FrequentReadsLoseNoFractions) {
  Configure("SIM000001", [](v1::ConfigureMeterRequest& r) { r.set_load_w(1); });
  for (int i = 0; i < 3600; ++i) {
    clock_.Advance(absl::Seconds(1));
    fleet_->ReadRegister(0);
  }
  EXPECT_EQ(Get("SIM000001").register_wh(), 1);
  EXPECT_EQ(fleet_->ReadRegister(0).value, 1u);
}

TEST_F(FleetTest, ScalerDividesTheReportedValue) {
  Configure("SIM000001", [](v1::ConfigureMeterRequest& r) {
    r.set_register_wh(123456);
    r.set_scaler(2);
  });
  EXPECT_EQ(fleet_->ReadRegister(0).value, 1234u);
  EXPECT_EQ(fleet_->ReadRegister(0).scaler, 2);
  Configure("SIM000001", [](v1::ConfigureMeterRequest& r) { r.set_scaler(-2); });
  EXPECT_EQ(fleet_->ReadRegister(0).value, 12345600u);
  EXPECT_EQ(Get("SIM000001").scaler(), -2);
}

TEST_F(FleetTest, ConfigureRejectsBadValuesAndChangesNothing) {
  auto configure = [&](std::function<void(v1::ConfigureMeterRequest&)> f) {
    v1::ConfigureMeterRequest request;
    request.set_meter_id("SIM000001");
    request.set_load_w(5);  // valid, must not be applied when the rest fails
    f(request);
    return fleet_->Configure(request).status();
  };
  using absl::StatusCode;
  EXPECT_THAT(configure([](auto& r) { r.set_control_mode(7); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_control_mode(-1); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_load_w(-1); }), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_load_w(kMaxLoadW + 1); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_delay_ms(-5); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_control_state(3); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_scaler(7); }), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_register_wh(-1); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_fault(static_cast<v1::Fault>(99)); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) {
                r.set_has_relay(false);
                r.set_control_state(0);
              }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(configure([](auto& r) { r.set_meter_id("SIM999999"); }),
              StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Get("SIM000001").load_w(), 1000);
  EXPECT_TRUE(Get("SIM000001").has_relay());
}

TEST_F(FleetTest, CtMetersByIdAndByNumberHaveNoRelay) {
  FleetOptions options;
  options.meters = 30;
  options.ct_meter_ids = {"SIM000003", "SIM000010"};
  options.ct_every = 10;
  Make(options);
  std::vector<std::string> without_relay;
  for (int i = 0; i < fleet_->size(); ++i) {
    if (!fleet_->ReadRelay(i).has_relay) without_relay.push_back(fleet_->MeterIdOf(i));
  }
  EXPECT_THAT(without_relay, ElementsAre("SIM000003", "SIM000010", "SIM000020", "SIM000030"));
  EXPECT_FALSE(Get("SIM000020").has_relay());
  EXPECT_TRUE(Get("SIM000021").has_relay());
  EXPECT_EQ(fleet_->RemoteRelay(2, RelayTrigger::kRemoteDisconnect), RemoteResult::kNoRelay);
  EXPECT_EQ(fleet_->RemoteRelay(2, RelayTrigger::kRemoteReconnect), RemoteResult::kNoRelay);
  EXPECT_EQ(fleet_->RemoteRelay(3, RelayTrigger::kRemoteDisconnect), RemoteResult::kDone);
  const v1::FleetSummary summary = fleet_->Summary();
  EXPECT_EQ(summary.without_relay(), 4);
  EXPECT_EQ(summary.connected(), 29);  // the CT meters among them
  EXPECT_EQ(summary.disconnected(), 1);
  EXPECT_EQ(summary.relay_operations(), 1u);

  // The default fleet has a relay on every meter.
  Make(FleetOptions{});
  EXPECT_EQ(fleet_->Summary().without_relay(), 0);
}

TEST_F(FleetTest, CreateRejectsBadOptions) {
  FakeMonotonicClock clock;
  FleetOptions options;
  options.meters = 0;
  EXPECT_THAT(Fleet::Create(options, &clock, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.meters = 10;
  options.control_mode = 9;
  EXPECT_THAT(Fleet::Create(options, &clock, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.control_mode = 1;
  options.scaler = -4;
  EXPECT_EQ(Fleet::Create(options, &clock, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.scaler = 0;
  options.ct_every = -1;
  EXPECT_EQ(Fleet::Create(options, &clock, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.ct_every = 0;
  for (const std::string bad : {"SIM000011", "XIM000001", "SIM000000", "SIM1", ""}) {
    options.ct_meter_ids = {"SIM000002", bad};
    const absl::Status status = Fleet::Create(options, &clock, nullptr).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("SIM000001 to SIM000010")) << bad;
  }
  options.ct_meter_ids = {"SIM000010"};
  EXPECT_TRUE(Fleet::Create(options, &clock, nullptr).ok());
}

// The utility-settings client's HLS association on one session: nothing is
// served before f(StoC) verifies, nothing in clear, and a ciphered request
// that does not open (forged, replayed) gets an Exception-Response.
TEST_F(FleetTest, HlsSessionServesOnlyWhatOpensAfterAuthentication) {
  MeterSecurity security("a master secret for this test", fleet_->size());
  const std::string password = "12345678";
  CosemSession session(fleet_.get(), 0, &password, &security);
  const MeterKeys keys = security.KeysOf(fleet_->MeterIdOf(0), 0);
  dlms::CipheringContext client(
      {keys.keys, std::string("GWY\0\0\0\0\x01", 8), 1, dlms::kAuthenticatedEncryption});
  const std::string ctos = "K56iVagY";
  dlms::AssociationRequest aarq;
  aarq.authentication = dlms::Authentication::kHighLevelGmac;
  aarq.challenge = ctos;
  aarq.ciphered_context = true;
  aarq.calling_ap_title = client.own_system_title();
  aarq.ciphered_initiate =
      *client.ProtectBytes(dlms::kGloInitiateRequestTag, dlms::EncodeInitiateRequest(aarq));
  const dlms::Apdu answer = session.Handle(dlms::kUtilitySettingsClientSap, aarq);
  const auto& aare = std::get<dlms::AssociationResponse>(answer);
  ASSERT_EQ(aare.result, dlms::AssociationResult::kAccepted);
  EXPECT_EQ(aare.diagnostic, dlms::AcseDiagnostic::kAuthenticationRequired);
  EXPECT_EQ(aare.responding_ap_title, keys.system_title);
  client.set_peer_system_title(aare.responding_ap_title);
  ASSERT_THAT(client.UnprotectBytes(*aare.ciphered_initiate), IsOk());

  // Send protects `request`, hands it to the session and opens the answer;
  // nullopt for an Exception-Response.
  auto send = [&](const dlms::Apdu& request) -> std::optional<dlms::Apdu> {
    const dlms::Apdu reply =
        session.Handle(dlms::kUtilitySettingsClientSap, *client.Protect(request));
    if (std::holds_alternative<dlms::ExceptionResponse>(reply)) return std::nullopt;
    absl::StatusOr<dlms::Apdu> opened = client.Unprotect(std::get<dlms::CipheredApdu>(reply));
    EXPECT_THAT(opened, IsOk());
    return opened.ok() ? std::optional<dlms::Apdu>(*opened) : std::nullopt;
  };
  dlms::GetRequest get;
  get.attribute = dlms::kEnergyValueAttribute;
  EXPECT_EQ(send(get), std::nullopt);  // before authentication
  dlms::ActionRequest disconnect;
  disconnect.method = dlms::kRemoteDisconnectMethod;
  disconnect.parameters = dlms::Data::Integer(0);
  EXPECT_EQ(send(disconnect), std::nullopt);

  dlms::ActionRequest reply_to_hls;
  reply_to_hls.method = {dlms::kAssociationLnClass, dlms::kCurrentAssociationObis,
                         dlms::kReplyToHlsAuthentication};
  reply_to_hls.parameters = dlms::Data::OctetString(*client.AnswerChallenge("not StoC"));
  std::optional<dlms::Apdu> refused = send(reply_to_hls);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(std::get<dlms::ActionResponse>(*refused).result, dlms::AccessResult::kReadWriteDenied);
  reply_to_hls.parameters = dlms::Data::OctetString(*client.AnswerChallenge(aare.challenge));
  std::optional<dlms::Apdu> proven = send(reply_to_hls);
  ASSERT_TRUE(proven.has_value());
  const auto& f_ctos = std::get<dlms::ActionResponse>(*proven);
  ASSERT_EQ(f_ctos.result, dlms::AccessResult::kSuccess);
  EXPECT_THAT(client.CheckAnswer(ctos, f_ctos.return_data->bytes()), IsOk());

  EXPECT_NE(send(get), std::nullopt);
  // In clear, replayed or forged: refused, and the relay does not move.
  EXPECT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(
      session.Handle(dlms::kUtilitySettingsClientSap, disconnect)));
  const dlms::CipheredApdu protected_disconnect = *client.Protect(disconnect);
  dlms::CipheredApdu forged = protected_disconnect;
  forged.ciphered_text[0] ^= 0x01;
  EXPECT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(
      session.Handle(dlms::kUtilitySettingsClientSap, forged)));
  EXPECT_EQ(fleet_->ReadRelay(0).control_state, kConnected);
  const dlms::Apdu done = session.Handle(dlms::kUtilitySettingsClientSap, protected_disconnect);
  ASSERT_TRUE(std::holds_alternative<dlms::CipheredApdu>(done));
  EXPECT_EQ(fleet_->ReadRelay(0).control_state, kDisconnected);
  EXPECT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(
      session.Handle(dlms::kUtilitySettingsClientSap, protected_disconnect)));
}

TEST_F(FleetTest, SummaryCountsStates) {
  Configure("SIM000001", [](v1::ConfigureMeterRequest& r) { r.set_control_state(0); });
  Configure("SIM000002", [](v1::ConfigureMeterRequest& r) { r.set_control_state(2); });
  fleet_->CountSession(0);
  fleet_->CountDroppedSession();
  const v1::FleetSummary summary = fleet_->Summary();
  EXPECT_EQ(summary.meters(), 10000);
  EXPECT_EQ(summary.connected(), 9998);
  EXPECT_EQ(summary.disconnected(), 1);
  EXPECT_EQ(summary.ready_for_reconnection(), 1);
  EXPECT_EQ(summary.sessions(), 1u);
  EXPECT_EQ(summary.sessions_dropped(), 1u);
}

// --- The whole simulator over real loopback sockets. ---

using dlms::AttributeDescriptor;
using dlms::Data;

// Patient: client options for meters that answer (or refuse). The deadlines
// only bound a failure; the machine running the tests may be busy.
dlms::ClientOptions Patient() {
  dlms::ClientOptions options;
  options.connect_timeout = kGenerousDeadline;
  options.response_timeout = kGenerousDeadline;
  return options;
}

// Impatient: for a meter that never answers, so that the timeout the test
// expects comes soon. Load can only make it come later, never make a silent
// meter answer.
dlms::ClientOptions Impatient() {
  dlms::ClientOptions options = Patient();
  options.response_timeout = absl::Milliseconds(400);
  return options;
}

// A raw TCP connection for what the client never sends: broken frames,
// requests without association.
class RawConnection {
 public:
  RawConnection(const std::string& host, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Next returns the next frame; nullopt when the server closed the
  // connection or nothing came within `timeout` (only a bound on a failure:
  // a closing or answering server returns at once).
  std::optional<dlms::WrapperFrame> Next(absl::Duration timeout = kGenerousDeadline) {
    const absl::Time give_up = absl::Now() + timeout;
    while (true) {
      absl::StatusOr<std::optional<dlms::WrapperFrame>> frame = reader_.Next();
      if (!frame.ok()) return std::nullopt;
      if (frame->has_value()) return *std::move(*frame);
      pollfd p{fd_, POLLIN, 0};
      const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(give_up - absl::Now()));
      if (wait_ms <= 0 || poll(&p, 1, wait_ms) <= 0) return std::nullopt;
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      reader_.Append(absl::string_view(buffer, static_cast<size_t>(n)));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  dlms::FrameReader reader_;
};

class SimServerTest : public ::testing::Test {
 protected:
  static constexpr int kMeters = 300;  // reaches into 127.16.2.x

  void SetUp() override { Start(RelayHub::kDefaultMaxQueued); }

  void Start(size_t max_queued, std::vector<std::string> ct_meters = {},
             std::string hls_master_secret = "") {
    sim_.reset();
    SimulatorOptions options;
    options.fleet.meters = kMeters;
    options.fleet.ct_meter_ids = std::move(ct_meters);
    options.dlms.hls_master_secret = std::move(hls_master_secret);
    options.dlms.bind = "0.0.0.0";
    options.dlms.port = 0;
    options.control_listen = "127.0.0.1:0";
    options.max_queued_relay_events = max_queued;
    absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Start(options, &clock_);
    ASSERT_THAT(sim, IsOk());
    sim_ = *std::move(sim);
    control_ = v1::MeterSimService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", sim_->control_port()),
                            grpc::InsecureChannelCredentials()));
  }

  dlms::MeterEndpoint Endpoint(int meter, std::string password = "12345678",
                               uint16_t client_wport = dlms::kMeterReaderClientSap) {
    dlms::MeterEndpoint endpoint;
    endpoint.host = MeterAddress(meter);
    endpoint.port = static_cast<uint16_t>(sim_->dlms_port());
    endpoint.server_wport = dlms::kManagementLogicalDevice;
    endpoint.client_wport = client_wport;
    endpoint.password = std::move(password);
    return endpoint;
  }

  std::unique_ptr<dlms::Client> Connect(int meter) {
    return ExpectValue(dlms::Client::Connect(Endpoint(meter), Patient()));
  }

  v1::Meter Configure(std::function<void(v1::ConfigureMeterRequest&)> f,
                      const std::string& meter_id = "SIM000001") {
    v1::ConfigureMeterRequest request;
    request.set_meter_id(meter_id);
    f(request);
    grpc::ClientContext context;
    v1::Meter meter;
    const grpc::Status status = control_->ConfigureMeter(&context, request, &meter);
    EXPECT_THAT(status, IsOk());
    return meter;
  }

  v1::Meter GetMeter(const std::string& meter_id) {
    grpc::ClientContext context;
    v1::GetMeterRequest request;
    request.set_meter_id(meter_id);
    v1::Meter meter;
    const grpc::Status status = control_->GetMeter(&context, request, &meter);
    EXPECT_THAT(status, IsOk());
    return meter;
  }

  v1::FleetSummary Summary() {
    grpc::ClientContext context;
    v1::FleetSummary summary;
    EXPECT_THAT(control_->GetFleetSummary(&context, v1::FleetSummaryRequest(), &summary), IsOk());
    return summary;
  }

  static std::string Frame(uint16_t source, uint16_t destination, const dlms::Apdu& apdu) {
    return dlms::EncodeWrapper(source, destination, dlms::EncodeApdu(apdu));
  }

  FakeMonotonicClock clock_;
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<v1::MeterSimService::Stub> control_;
};

TEST_F(SimServerTest, HealthIsReportedForTheControlService) {
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", sim_->control_port()), grpc::InsecureChannelCredentials());
  for (const std::string service : {"", "metersim.v1.MeterSimService"}) {
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = CheckHealth(channel, service, &response);
    ASSERT_THAT(status, IsOk()) << "'" << service << "'";
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::health::v1::HealthCheckResponse unknown;
  EXPECT_THAT(CheckHealth(channel, "metersim.v1.NoSuchService", &unknown),
              StatusIs(grpc::StatusCode::NOT_FOUND));
}

// With HLS keys the relay is the utility-settings client's: it associates
// with HLS-GMAC under the meter's own keys and system title and sends
// ciphered requests; the meter reader still reads but no longer switches.
TEST_F(SimServerTest, WithHlsKeysOnlyTheUtilitySettingsClientSwitchesTheRelay) {
  const std::string secret = "simulator master secret for this test";
  Start(RelayHub::kDefaultMaxQueued, {}, secret);
  const MeterKeys keys = DeriveMeterKeys(secret, "SIM000002", 1);
  EXPECT_EQ(keys.system_title, std::string("SIM\0\0\0\0\x02", 8));
  dlms::MeterEndpoint utility = Endpoint(1, "", dlms::kUtilitySettingsClientSap);
  utility.hls = dlms::MeterEndpoint::Hls{keys.keys, std::string("GWY\0\0\0\0\x01", 8),
                                         keys.system_title, 1, dlms::kAuthenticatedEncryption};

  std::unique_ptr<dlms::Client> reader = ExpectValue(dlms::Client::Connect(Endpoint(1), Patient()));
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->Get(dlms::kControlStateAttribute), IsOkAndHolds(Data::Enum(1)));
  EXPECT_THAT(reader->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(reader->Release(), IsOk());

  for (int round = 0; round < 2; ++round) {  // each association with fresh counters
    std::unique_ptr<dlms::Client> client = ExpectValue(dlms::Client::Connect(utility, Patient()));
    ASSERT_NE(client, nullptr);
    EXPECT_THAT(client->Get(dlms::kEnergyValueAttribute), IsOk());
    const dlms::MethodDescriptor method =
        round == 0 ? dlms::kRemoteDisconnectMethod : dlms::kRemoteReconnectMethod;
    EXPECT_THAT(client->Action(method, Data::Integer(0)), IsOk());
    // Control mode 4: a remote reconnect closes the relay at once.
    EXPECT_EQ(GetMeter("SIM000002").control_state(), round == 0 ? 0 : 1);
    utility.hls->invocation_counter = client->next_invocation_counter();
    EXPECT_THAT(client->Release(), IsOk());
  }

  // Another meter's keys: the meter cannot open the InitiateRequest.
  dlms::MeterEndpoint wrong_keys = utility;
  wrong_keys.hls->keys = DeriveMeterKeys(secret, "SIM000001", 0).keys;
  EXPECT_THAT(dlms::Client::Connect(wrong_keys, Patient()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The utility-settings client without HLS.
  EXPECT_THAT(
      dlms::Client::Connect(Endpoint(1, "12345678", dlms::kUtilitySettingsClientSap), Patient()),
      StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(SimServerTest, AssociatesWithTheRightPasswordOnly) {
  std::unique_ptr<dlms::Client> client = Connect(0);
  ASSERT_NE(client, nullptr);
  EXPECT_THAT(client->Release(), IsOk());

  absl::StatusOr<std::unique_ptr<dlms::Client>> wrong =
      dlms::Client::Connect(Endpoint(0, "wrong"), Patient());
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kPermissionDenied));

  absl::StatusOr<std::unique_ptr<dlms::Client>> no_password =
      dlms::Client::Connect(Endpoint(0, ""), Patient());
  EXPECT_THAT(no_password, StatusIs(absl::StatusCode::kPermissionDenied));

  absl::StatusOr<std::unique_ptr<dlms::Client>> other_sap =
      dlms::Client::Connect(Endpoint(0, "12345678", 0x30), Patient());
  EXPECT_THAT(other_sap, StatusIs(absl::StatusCode::kPermissionDenied));

  // The public client reads but may not operate the relay.
  absl::StatusOr<std::unique_ptr<dlms::Client>> public_client =
      dlms::Client::Connect(Endpoint(0, "", dlms::kPublicClientSap), Patient());
  ASSERT_THAT(public_client, IsOk());
  EXPECT_THAT((*public_client)->Get(dlms::kEnergyValueAttribute), IsOk());
  EXPECT_THAT((*public_client)->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(GetMeter("SIM000001").control_state(), kConnected);
  EXPECT_EQ(GetMeter("SIM000001").sessions(), 2u);
}

TEST_F(SimServerTest, ReadsRegisterValueScalerUnitAndRelay) {
  Configure([](v1::ConfigureMeterRequest& r) {
    r.set_register_wh(12345);
    r.set_scaler(1);
  });
  std::unique_ptr<dlms::Client> client = Connect(0);
  ASSERT_NE(client, nullptr);
  absl::StatusOr<Data> value = client->Get(dlms::kEnergyValueAttribute);
  EXPECT_THAT(value, IsOkAndHolds(Data::DoubleLongUnsigned(1234)));
  absl::StatusOr<Data> scaler_unit = client->Get(dlms::kEnergyScalerUnitAttribute);
  EXPECT_THAT(scaler_unit,
              IsOkAndHolds(Data::Structure({Data::Integer(1), Data::Enum(dlms::kUnitWattHour)})));
  absl::StatusOr<Data> name =
      client->Get({dlms::kRegisterClass, dlms::kActiveImportEnergyObis, 1});
  EXPECT_THAT(name, IsOkAndHolds(Data::OctetString(std::string("\x01\x00\x01\x08\x00\xFF", 6))));

  clock_.Advance(absl::Hours(1));  // 1000 W
  EXPECT_EQ(*client->Get(dlms::kEnergyValueAttribute), Data::DoubleLongUnsigned(1334));

  EXPECT_EQ(*client->Get(dlms::kOutputStateAttribute), Data::Boolean(true));
  EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(1));
  EXPECT_EQ(*client->Get({dlms::kDisconnectControlClass, dlms::kDisconnectControlObis,
                          dlms::kControlMode}),
            Data::Enum(4));

  // Unknown object, unknown attribute, wrong class: the session goes on.
  EXPECT_THAT(client->Get({3, dlms::kDisconnectControlObis, 2}),
              StatusIs(absl::StatusCode::kFailedPrecondition));  // object-class-inconsistent
  EXPECT_THAT(client->Get({3, *dlms::ObisCode::Parse("1.0.2.8.0.255"), 2}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client->Get({3, dlms::kActiveImportEnergyObis, 9}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client->Get(dlms::kEnergyValueAttribute), IsOk());
}

TEST_F(SimServerTest, DisconnectAndReconnectReachWatchRelay) {
  grpc::ClientContext watch_context;
  std::unique_ptr<grpc::ClientReader<v1::RelayEvent>> watch =
      control_->WatchRelay(&watch_context, v1::WatchRelayRequest());
  watch->WaitForInitialMetadata();

  std::unique_ptr<dlms::Client> client = Connect(4);
  ASSERT_NE(client, nullptr);
  clock_.Advance(absl::Seconds(7));
  ASSERT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)), IsOk());
  EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(0));
  EXPECT_EQ(*client->Get(dlms::kOutputStateAttribute), Data::Boolean(false));
  v1::RelayEvent event;
  ASSERT_TRUE(watch->Read(&event));
  EXPECT_EQ(event.meter_id(), "SIM000005");
  EXPECT_EQ(event.control_state(), 0);
  EXPECT_FALSE(event.output_state());
  EXPECT_EQ(event.cause(), "remote_disconnect");
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(event.monotonic_time()), clock_.NowMicros());

  // Disconnecting again changes nothing and still succeeds.
  ASSERT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)), IsOk());
  ASSERT_THAT(client->Action(dlms::kRemoteReconnectMethod, Data::Integer(0)),
              IsOk());  // mode 4: closes directly
  EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(1));
  ASSERT_TRUE(watch->Read(&event));
  EXPECT_EQ(event.meter_id(), "SIM000005");
  EXPECT_EQ(event.control_state(), 1);
  EXPECT_TRUE(event.output_state());
  EXPECT_EQ(event.cause(), "remote_reconnect");
  EXPECT_EQ(GetMeter("SIM000005").relay_operations(), 3u);

  // A bad parameter is refused without touching the relay.
  EXPECT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Unsigned(0)), Not(IsOk()));
  EXPECT_EQ(GetMeter("SIM000005").control_state(), 1);
  watch_context.TryCancel();
}

TEST_F(SimServerTest, ModeOneReconnectArmsAndTheButtonConnects) {
  Configure([](v1::ConfigureMeterRequest& r) { r.set_control_mode(1); });
  std::unique_ptr<dlms::Client> client = Connect(0);
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)), IsOk());
  ASSERT_THAT(client->Action(dlms::kRemoteReconnectMethod, Data::Integer(0)), IsOk());
  EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(kReadyForReconnection));
  EXPECT_EQ(*client->Get(dlms::kOutputStateAttribute), Data::Boolean(false));

  grpc::ClientContext context;
  v1::PressButtonRequest press;
  press.set_meter_id("SIM000001");
  v1::Meter meter;
  ASSERT_THAT(control_->PressButton(&context, press, &meter), IsOk());
  EXPECT_EQ(meter.control_state(), kConnected);
  EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(kConnected));
}

TEST_F(SimServerTest, MeterWithoutRelayAnswersObjectUndefined) {
  Configure([](v1::ConfigureMeterRequest& r) { r.set_has_relay(false); }, "SIM000002");
  std::unique_ptr<dlms::Client> client = Connect(1);
  ASSERT_NE(client, nullptr);
  EXPECT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client->Get(dlms::kControlStateAttribute), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client->Get(dlms::kEnergyValueAttribute), IsOk());
}

TEST_F(SimServerTest, CtMeterAnswersObjectUndefinedForTheRelayAndServesItsRegister) {
  Start(RelayHub::kDefaultMaxQueued, {"SIM000005"});
  EXPECT_FALSE(GetMeter("SIM000005").has_relay());
  EXPECT_TRUE(GetMeter("SIM000004").has_relay());
  Configure([](v1::ConfigureMeterRequest& r) { r.set_load_w(3600); }, "SIM000005");
  std::unique_ptr<dlms::Client> client = Connect(4);
  ASSERT_NE(client, nullptr);
  const auto undefined = [](const absl::Status& status) {
    return status.code() == absl::StatusCode::kNotFound &&
           absl::StrContains(status.message(), "object-undefined");
  };
  // Every attribute and method of the disconnect control object is absent,
  // through GET, SET and ACTION alike; the session goes on after each.
  for (int8_t attribute = 1; attribute <= dlms::kControlMode; ++attribute) {
    const AttributeDescriptor relay{dlms::kDisconnectControlClass, dlms::kDisconnectControlObis,
                                    attribute};
    EXPECT_TRUE(undefined(client->Get(relay).status())) << int{attribute};
    EXPECT_TRUE(undefined(client->Set(relay, Data::Enum(1)))) << int{attribute};
  }
  EXPECT_TRUE(undefined(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)).status()));
  EXPECT_TRUE(undefined(client->Action(dlms::kRemoteReconnectMethod, Data::Integer(0)).status()));
  // The energy register works as on any meter, and keeps counting: a CT
  // meter's supply is never cut.
  const absl::StatusOr<Data> before = client->Get(dlms::kEnergyValueAttribute);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*client->Get(dlms::kEnergyScalerUnitAttribute),
            Data::Structure({Data::Integer(0), Data::Enum(dlms::kUnitWattHour)}));
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*client->Get(dlms::kEnergyValueAttribute)->AsInt64(), *before->AsInt64() + 3600);
  EXPECT_TRUE(client->Release().ok());
  const v1::Meter meter = GetMeter("SIM000005");
  EXPECT_EQ(meter.relay_operations(), 0u);
  EXPECT_EQ(meter.control_state(), kConnected);
  EXPECT_TRUE(meter.output_state());
  EXPECT_EQ(Summary().without_relay(), 1);
}

TEST_F(SimServerTest, SetIsDeniedOnObjectsTheMeterHas) {
  std::unique_ptr<dlms::Client> client = Connect(0);
  ASSERT_NE(client, nullptr);
  const AttributeDescriptor mode{dlms::kDisconnectControlClass, dlms::kDisconnectControlObis,
                                 dlms::kControlMode};
  EXPECT_EQ(client->Set(mode, Data::Enum(1)).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(client->Set(dlms::kEnergyValueAttribute, Data::DoubleLongUnsigned(0)).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(client->Set({dlms::kRegisterClass, dlms::kActiveImportEnergyObis, 9}, Data::Null())
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(client->Set({3, dlms::kDisconnectControlObis, 4}, Data::Enum(1)).code(),
            absl::StatusCode::kFailedPrecondition);  // object-class-inconsistent
  EXPECT_EQ(*client->Get({dlms::kDisconnectControlClass, dlms::kDisconnectControlObis,
                          dlms::kControlMode}),
            Data::Enum(4));
  EXPECT_EQ(*client->Get(dlms::kEnergyValueAttribute), Data::DoubleLongUnsigned(0));
}

TEST_F(SimServerTest, RefuseFaultAndModeZeroDenyRelayOperations) {
  Configure([](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_REFUSE); });
  Configure([](v1::ConfigureMeterRequest& r) { r.set_control_mode(0); }, "SIM000002");
  for (int meter : {0, 1}) {
    std::unique_ptr<dlms::Client> client = Connect(meter);
    ASSERT_NE(client, nullptr);
    EXPECT_THAT(client->Action(dlms::kRemoteDisconnectMethod, Data::Integer(0)),
                StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_EQ(*client->Get(dlms::kControlStateAttribute), Data::Enum(kConnected));
  }
}

TEST_F(SimServerTest, OfflineMeterIsUnavailable) {
  Configure([](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_OFFLINE); });
  absl::StatusOr<std::unique_ptr<dlms::Client>> client =
      dlms::Client::Connect(Endpoint(0), Patient());
  EXPECT_THAT(client, StatusIs(absl::StatusCode::kUnavailable));
  // Back online, it answers again.
  Configure([](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_NONE); });
  EXPECT_NE(Connect(0), nullptr);
}

TEST_F(SimServerTest, DroppingMeterTimesOut) {
  Configure([](v1::ConfigureMeterRequest& r) { r.set_fault(v1::FAULT_DROP); });
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<dlms::Client>> client =
      dlms::Client::Connect(Endpoint(0), Impatient());
  EXPECT_THAT(client, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(350));
}

TEST_F(SimServerTest, DelayedMeterAnswersLateButAnswers) {
  Configure([](v1::ConfigureMeterRequest& r) {
    r.set_fault(v1::FAULT_DELAY);
    r.set_delay_ms(300);
  });
  // Each answer waits at least the delay (a lower bound: a busy machine only
  // adds to it).
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<dlms::Client>> client =
      dlms::Client::Connect(Endpoint(0), Patient());
  ASSERT_THAT(client, IsOk());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  const absl::Time get_start = absl::Now();
  EXPECT_THAT((*client)->Get(dlms::kEnergyValueAttribute), IsOk());
  EXPECT_GE(absl::Now() - get_start, absl::Milliseconds(300));
  // A timeout shorter than the delay: DeadlineExceeded. The delay is the
  // longest there is, so no amount of load lets the answer come in time.
  Configure([](v1::ConfigureMeterRequest& r) { r.set_delay_ms(kMaxDelayMs); });
  absl::StatusOr<std::unique_ptr<dlms::Client>> impatient =
      dlms::Client::Connect(Endpoint(0), Impatient());
  EXPECT_THAT(impatient, StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(SimServerTest, MalformedInputDropsOnlyThatSession) {
  std::unique_ptr<dlms::Client> good = Connect(0);
  ASSERT_NE(good, nullptr);
  const uint64_t dropped_before = Summary().sessions_dropped();

  // Wrong wrapper version.
  RawConnection bad_version(MeterAddress(0), sim_->dlms_port());
  ASSERT_TRUE(bad_version.connected());
  bad_version.Send(std::string("\x00\x02\x00\x20\x00\x01\x00\x01\x00", 9));
  EXPECT_EQ(bad_version.Next(), std::nullopt);
  EXPECT_TRUE(bad_version.closed());

  // A well-framed APDU that is garbage.
  RawConnection garbage(MeterAddress(0), sim_->dlms_port());
  garbage.Send(dlms::EncodeWrapper(0x20, 0x01, std::string("\xFF\x13\x37", 3)));
  EXPECT_EQ(garbage.Next(), std::nullopt);
  EXPECT_TRUE(garbage.closed());

  // A header announcing more than the 2048-byte maximum.
  RawConnection oversized(MeterAddress(0), sim_->dlms_port());
  oversized.Send(std::string("\x00\x01\x00\x20\x00\x01\x10\x00", 8));
  EXPECT_EQ(oversized.Next(), std::nullopt);
  EXPECT_TRUE(oversized.closed());

  // A frame for a server wPort with no logical device.
  RawConnection wrong_port(MeterAddress(0), sim_->dlms_port());
  wrong_port.Send(Frame(0x20, 0x07, dlms::AssociationRequest{}));
  EXPECT_EQ(wrong_port.Next(), std::nullopt);
  EXPECT_TRUE(wrong_port.closed());

  EXPECT_EQ(Summary().sessions_dropped(), dropped_before + 4);
  EXPECT_THAT(good->Get(dlms::kEnergyValueAttribute), IsOk());
}

TEST_F(SimServerTest, UnsupportedServiceAndUnassociatedRequestsGetExceptionResponses) {
  RawConnection raw(MeterAddress(0), sim_->dlms_port());
  ASSERT_TRUE(raw.connected());
  // GET before any association.
  dlms::GetRequest get;
  get.attribute = dlms::kEnergyValueAttribute;
  raw.Send(Frame(0x20, 0x01, get));
  std::optional<dlms::WrapperFrame> frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->source_wport, 0x01);
  EXPECT_EQ(frame->destination_wport, 0x20);
  absl::StatusOr<dlms::Apdu> answer = dlms::DecodeApdu(frame->apdu);
  ASSERT_THAT(answer, IsOk());
  const auto* exception = std::get_if<dlms::ExceptionResponse>(&*answer);
  ASSERT_NE(exception, nullptr) << dlms::ApduName(*answer);
  EXPECT_EQ(exception->state_error, dlms::ExceptionResponse::kServiceNotAllowed);

  // GET-Request-With-List: well formed, not supported; the session stays.
  raw.Send(dlms::EncodeWrapper(0x20, 0x01, std::string("\xC0\x03\xC1\x00", 4)));
  frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  answer = dlms::DecodeApdu(frame->apdu);
  ASSERT_THAT(answer, IsOk());
  EXPECT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(*answer));

  // Associate on the same connection, read, release.
  dlms::AssociationRequest aarq;
  aarq.authentication = dlms::Authentication::kLowLevel;
  aarq.password = "12345678";
  raw.Send(Frame(0x20, 0x01, aarq));
  frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  answer = dlms::DecodeApdu(frame->apdu);
  ASSERT_THAT(answer, IsOk());
  const auto* aare = std::get_if<dlms::AssociationResponse>(&*answer);
  ASSERT_NE(aare, nullptr);
  EXPECT_EQ(aare->result, dlms::AssociationResult::kAccepted);
  EXPECT_EQ(aare->negotiated_conformance,
            dlms::kConformanceGet | dlms::kConformanceSet | dlms::kConformanceAction);
  raw.Send(Frame(0x20, 0x01, get));
  frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  answer = dlms::DecodeApdu(frame->apdu);
  ASSERT_THAT(answer, IsOk());
  ASSERT_TRUE(std::holds_alternative<dlms::GetResponse>(*answer));
  EXPECT_TRUE(std::get<dlms::GetResponse>(*answer).data.has_value());
  raw.Send(Frame(0x20, 0x01, dlms::ReleaseRequest{}));
  frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_TRUE(std::holds_alternative<dlms::ReleaseResponse>(*dlms::DecodeApdu(frame->apdu)));
  // Released: GET is refused again.
  raw.Send(Frame(0x20, 0x01, get));
  frame = raw.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_TRUE(std::holds_alternative<dlms::ExceptionResponse>(*dlms::DecodeApdu(frame->apdu)));
}

TEST_F(SimServerTest, EachAddressReachesItsMeter) {
  const std::vector<int> meters = {0, 1, 249, 250, kMeters - 1};
  for (int i : meters) {
    Configure([i](v1::ConfigureMeterRequest& r) { r.set_register_wh(1000 + i); },
              MeterId("SIM", i));
  }
  for (int i : meters) {
    std::unique_ptr<dlms::Client> client = Connect(i);
    ASSERT_NE(client, nullptr) << MeterAddress(i);
    EXPECT_EQ(*client->Get(dlms::kEnergyValueAttribute), Data::DoubleLongUnsigned(1000 + i)) << i;
  }
  // An address in the scheme but beyond the fleet, and one outside it.
  for (const std::string& host : {MeterAddress(kMeters), std::string("127.0.0.1")}) {
    dlms::MeterEndpoint endpoint = Endpoint(0);
    endpoint.host = host;
    EXPECT_THAT(dlms::Client::Connect(endpoint, Patient()),
                StatusIs(absl::StatusCode::kUnavailable))
        << host;
  }
}

TEST_F(SimServerTest, ControlServiceValidates) {
  grpc::ClientContext context;
  v1::GetMeterRequest get;
  get.set_meter_id("SIM999999");
  v1::Meter meter;
  EXPECT_THAT(control_->GetMeter(&context, get, &meter), StatusIs(grpc::StatusCode::NOT_FOUND));
  for (auto bad : std::vector<std::function<void(v1::ConfigureMeterRequest&)>>{
           [](auto& r) { r.set_control_mode(7); }, [](auto& r) { r.set_load_w(-1); },
           [](auto& r) { r.set_delay_ms(-1); }}) {
    grpc::ClientContext c;
    v1::ConfigureMeterRequest request;
    request.set_meter_id("SIM000001");
    bad(request);
    EXPECT_THAT(control_->ConfigureMeter(&c, request, &meter),
                StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  }
  grpc::ClientContext press_context;
  v1::PressButtonRequest press;
  press.set_meter_id("nope");
  EXPECT_THAT(control_->PressButton(&press_context, press, &meter),
              StatusIs(grpc::StatusCode::NOT_FOUND));
  const v1::Meter got = GetMeter("SIM000300");
  EXPECT_EQ(got.host(), "127.16.2.50");
  EXPECT_EQ(got.port(), static_cast<uint32_t>(sim_->dlms_port()));
}

TEST_F(SimServerTest, SlowWatcherIsClosedWithoutSlowingTheMeters) {
  Start(/*max_queued=*/10);
  Configure([](v1::ConfigureMeterRequest& r) { r.set_control_mode(5); });  // g and h
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::unique_ptr<grpc::ClientReader<v1::RelayEvent>> watch =
      control_->WatchRelay(&context, v1::WatchRelayRequest());
  watch->WaitForInitialMetadata();
  ASSERT_EQ(sim_->hub().watchers(), 1);
  // The watcher reads nothing: once the transport's windows are full its
  // queue overflows and the hub closes it, while relay changes go on.
  const int32_t old_level = FLAGS_minloglevel;
  FLAGS_minloglevel = google::GLOG_WARNING;  // a relay line per change is too much here
  int changes = 0;
  for (; changes < 2'000'000 && sim_->hub().watchers() > 0; ++changes) {
    sim_->fleet().StepRelayLocal(0, changes % 2 == 0 ? RelayTrigger::kLocalDisconnect
                                                    : RelayTrigger::kLocalReconnect);
  }
  FLAGS_minloglevel = old_level;
  EXPECT_TRUE(WaitUntil([&] { return sim_->hub().watchers() == 0; }, "the watcher to be closed"))
      << "after " << changes << " changes";
  v1::RelayEvent event;
  while (watch->Read(&event)) {
  }
  EXPECT_THAT(watch->Finish(), StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
}

// StartTenThousandMeters starts a simulator of 10,000 meters on `clock`.
absl::StatusOr<std::unique_ptr<Simulator>> StartTenThousandMeters(MonotonicClock* clock) {
  SimulatorOptions options;
  options.fleet.meters = 10000;
  options.dlms.port = 0;
  return Simulator::Start(options, clock);
}

// How fast is relay_bench's business (its meter-sim start figure).
TEST(SimulatorStart, TenThousandMetersStartAndAreListed) {
  SystemMonotonicClock clock;
  absl::StatusOr<std::unique_ptr<Simulator>> sim = StartTenThousandMeters(&clock);
  ASSERT_THAT(sim, IsOk());
  const std::string directory = (*sim)->DirectoryCsv();
  const std::vector<absl::string_view> lines = absl::StrSplit(directory, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 10001u);
  EXPECT_EQ(lines[0], "# meter_id,host,port,server_wport,client_wport,password");
  EXPECT_EQ(lines[1], absl::StrCat("SIM000001,127.16.1.1,", (*sim)->dlms_port(), ",1,32,12345678"));
  EXPECT_EQ(lines[10000],
            absl::StrCat("SIM010000,127.16.40.250,", (*sim)->dlms_port(), ",1,32,12345678"));
  // The last meter answers.
  dlms::MeterEndpoint endpoint{
      "127.16.40.250", static_cast<uint16_t>((*sim)->dlms_port()), 1, 0x20, "12345678",
      std::nullopt};
  absl::StatusOr<std::unique_ptr<dlms::Client>> client = dlms::Client::Connect(endpoint, Patient());
  ASSERT_THAT(client, IsOk());
}

TEST(SimulatorStart, ManySessionsInParallel) {
  SystemMonotonicClock clock;
  absl::StatusOr<std::unique_ptr<Simulator>> sim = StartTenThousandMeters(&clock);
  ASSERT_THAT(sim, IsOk());
  // Connect, associate, read, release on many meters from a few threads.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  RunOnThreads(kThreads, kPerThread, [&](int t, int i) {
    const int meter = (t * kPerThread + i) % 10000;
    dlms::MeterEndpoint endpoint{
        MeterAddress(meter), static_cast<uint16_t>((*sim)->dlms_port()), 1, 0x20, "12345678",
        std::nullopt};
    absl::StatusOr<std::unique_ptr<dlms::Client>> client =
        dlms::Client::Connect(endpoint, Patient());
    if (!client.ok() || !(*client)->Get(dlms::kEnergyValueAttribute).ok() ||
        !(*client)->Release().ok()) {
      failures.fetch_add(1);
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*sim)->fleet().Summary().sessions(), uint64_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace meter_sim
