# Tests of meter-gateway/sim: the relay state machine and energy model on a
# fake clock, and the simulator's servers over real loopback sockets.
wallet_executable(sim_test meter-gateway/sim_test.cc)
target_link_libraries(sim_test PRIVATE meter_sim dlms test_support GTest::gmock GTest::gtest_main)
gtest_discover_tests(sim_test DISCOVERY_TIMEOUT 60)
