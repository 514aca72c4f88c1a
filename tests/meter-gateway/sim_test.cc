// meter-sim: the IC70 relay state machine and the energy model on a fake
// clock, then the whole simulator over real loopback sockets with the DLMS
// client and the control service.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meter-gateway/sim/address.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/fleet.h"
#include "meter-gateway/sim/relay.h"

namespace meter_sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = *std::move(fleet);
  }
  v1::Meter Configure(const std::string& text_id, std::function<void(v1::ConfigureMeterRequest&)> f) {
    v1::ConfigureMeterRequest request;
    request.set_meter_id(text_id);
    f(request);
    absl::StatusOr<v1::Meter> meter = fleet_->Configure(request);
    EXPECT_TRUE(meter.ok()) << meter.status();
    return meter.ok() ? *meter : v1::Meter();
  }
  v1::Meter Get(const std::string& id) {
    absl::StatusOr<v1::Meter> meter = fleet_->GetMeter(id);
    EXPECT_TRUE(meter.ok()) << meter.status();
    return meter.ok() ? *meter : v1::Meter();
  }

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
  EXPECT_EQ(fleet_->GetMeter("SIM010001").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fleet_->GetMeter("nope").status().code(), absl::StatusCode::kNotFound);
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
        ASSERT_TRUE(fleet_->PressButton(id).ok());
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
        EXPECT_EQ(events[0].monotonic_us(), clock_.NowMicros());
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
  EXPECT_EQ(fleet_->Configure(open).status().code(), absl::StatusCode::kInvalidArgument);
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
  auto code = [&](std::function<void(v1::ConfigureMeterRequest&)> f) {
    v1::ConfigureMeterRequest request;
    request.set_meter_id("SIM000001");
    request.set_load_w(5);  // valid, must not be applied when the rest fails
    f(request);
    return fleet_->Configure(request).status().code();
  };
  using absl::StatusCode;
  EXPECT_EQ(code([](auto& r) { r.set_control_mode(7); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_control_mode(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_load_w(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_load_w(kMaxLoadW + 1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_delay_ms(-5); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_control_state(3); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_scaler(7); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_register_wh(-1); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_fault(static_cast<v1::Fault>(99)); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) {
              r.set_has_relay(false);
              r.set_control_state(0);
            }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](auto& r) { r.set_meter_id("SIM999999"); }), StatusCode::kNotFound);
  EXPECT_EQ(Get("SIM000001").load_w(), 1000);
  EXPECT_TRUE(Get("SIM000001").has_relay());
}

TEST_F(FleetTest, CreateRejectsBadOptions) {
  FakeMonotonicClock clock;
  FleetOptions options;
  options.meters = 0;
  EXPECT_EQ(Fleet::Create(options, &clock, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.meters = 10;
  options.control_mode = 9;
  EXPECT_EQ(Fleet::Create(options, &clock, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.control_mode = 1;
  options.scaler = -4;
  EXPECT_EQ(Fleet::Create(options, &clock, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
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

}  // namespace
}  // namespace meter_sim
