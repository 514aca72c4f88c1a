# Tests of meter-gateway/gateway: the deterministic core (queue, acks,
# directory), session judgement, the retry policy, and each part (connection,
# relay command path, read scheduler, ingest batcher) against fakes of its
# neighbours (gateway_fakes.h) on a fake clock; and the parts against an
# in-process meter-sim with a CT-operated meter (ct_meter_test.cc).
wallet_executable(gateway_test meter-gateway/gateway_test.cc meter-gateway/retry_policy_test.cc
  meter-gateway/wallet_connection_test.cc meter-gateway/relay_commands_test.cc
  meter-gateway/read_scheduler_test.cc meter-gateway/ingest_batcher_test.cc
  meter-gateway/ct_meter_test.cc)
target_link_libraries(gateway_test PRIVATE meter_gateway meter_sim test_support GTest::gmock
  GTest::gtest_main)
gtest_discover_tests(gateway_test DISCOVERY_TIMEOUT 60)

# walletd, meter-gatewayd and meter-sim as real processes: the whole loop,
# and a collection drive over 1,000 simulated meters.
wallet_executable(relay_e2e_test integration/relay_e2e_test.cc integration/drive_e2e_test.cc)
target_link_libraries(relay_e2e_test PRIVATE wallet_testing test_support GTest::gmock
  GTest::gtest_main absl::strings absl::time)
add_dependencies(relay_e2e_test walletd meter-gatewayd meter-sim)
target_compile_definitions(relay_e2e_test PRIVATE WALLETD_PATH="$<TARGET_FILE:walletd>"
  METER_SIM_PATH="$<TARGET_FILE:meter-sim>" METER_GATEWAYD_PATH="$<TARGET_FILE:meter-gatewayd>")
gtest_discover_tests(relay_e2e_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)

# TLS and mutual TLS between walletd and walletctl / meter-gatewayd, with
# certificates from deploy/make-certs.sh.
wallet_executable(tls_test integration/tls_test.cc)
target_link_libraries(tls_test PRIVATE wallet_testing test_support GTest::gmock GTest::gtest_main)
add_dependencies(tls_test walletd walletctl meter-gatewayd meter-sim)
target_compile_definitions(tls_test PRIVATE WALLETD_PATH="$<TARGET_FILE:walletd>"
  WALLETCTL_PATH="$<TARGET_FILE:walletctl>" METER_SIM_PATH="$<TARGET_FILE:meter-sim>"
  METER_GATEWAYD_PATH="$<TARGET_FILE:meter-gatewayd>" WALLET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(tls_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
