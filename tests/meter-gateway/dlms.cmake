# Tests of meter-gateway/dlms: codec vectors from the Green Book, and the
# client against a scripted meter on a loopback socket.
wallet_executable(dlms_test meter-gateway/dlms_test.cc)
target_link_libraries(dlms_test PRIVATE dlms test_support absl::synchronization GTest::gmock
  GTest::gtest_main)
# The prefix lets `ctest -R dlms` select these tests.
gtest_discover_tests(dlms_test DISCOVERY_TIMEOUT 60 TEST_PREFIX "dlms.")

