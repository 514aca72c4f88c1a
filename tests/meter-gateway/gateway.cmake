# Tests of meter-gateway/gateway: the deterministic core (queue, acks,
# directory) and session judgement.
add_executable(gateway_test meter-gateway/gateway_test.cc)
target_compile_options(gateway_test PRIVATE ${WALLET_WARNINGS})
target_link_libraries(gateway_test PRIVATE meter_gateway GTest::gmock GTest::gtest_main)
gtest_discover_tests(gateway_test DISCOVERY_TIMEOUT 60)
