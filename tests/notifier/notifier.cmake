# Tests of notifier/: template rendering (Hindi, configuration errors), the
# sendsms URL and Kannel's answers, delivery report parsing, the state store
# on a real RocksDB in a temp dir, the rate.
wallet_executable(notifier_test notifier/templates_test.cc notifier/kannel_test.cc
  notifier/sms_store_test.cc notifier/token_bucket_test.cc)
target_link_libraries(notifier_test PRIVATE notifier test_support GTest::gmock GTest::gtest_main)
target_compile_definitions(notifier_test PRIVATE WALLET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(notifier_test DISCOVERY_TIMEOUT 60)

# walletd, notifierd and Kannel (bearerbox, smsbox, the fake SMSC) as real
# processes: a Hindi alert with its DLT id and its delivery report; Kannel
# down and up again (once for a whole minute), and the notifier restarted,
# with every SMS sent once. kannel_testing: Kannel and notifierd as child
# processes, for these tests, channels_e2e_test and channel_bench.
wallet_library(kannel_testing testing/kannel_process.cc testing/notifierd_process.cc)
target_link_libraries(kannel_testing PUBLIC wallet_testing absl::strings absl::status)

wallet_executable(notifier_e2e_test notifier/notifier_e2e_test.cc)
target_link_libraries(notifier_e2e_test PRIVATE kannel_testing wallet_testing test_support
  GTest::gmock GTest::gtest_main absl::strings absl::time)
add_dependencies(notifier_e2e_test walletd notifierd)
target_compile_definitions(notifier_e2e_test PRIVATE WALLETD_PATH="$<TARGET_FILE:walletd>"
  NOTIFIERD_PATH="$<TARGET_FILE:notifierd>" WALLET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(notifier_e2e_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
