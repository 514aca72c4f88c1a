# The Python consumer app (consumer-app/): its money and command-line
# modules under Python's unittest, and the app as a child process against
# the real servers (walletd, payment-gateway-sim, notifierd, Kannel with the
# fake SMSC). Built only where consumer-app/CMakeLists.txt found the Python
# gRPC plugin; the end-to-end test skips itself if CONSUMER_APP_PYTHON has
# no python3-grpcio.
if(NOT TARGET consumer_app_stubs)
  return()
endif()

add_test(NAME consumer_app_unit
  COMMAND ${CONSUMER_APP_PYTHON} -B -m unittest discover
    -s ${CMAKE_CURRENT_SOURCE_DIR}/consumer-app -p "*_test.py")
set_tests_properties(consumer_app_unit PROPERTIES
  ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/consumer-app")

wallet_executable(consumer_app_test consumer-app/consumer_app_test.cc)
target_link_libraries(consumer_app_test PRIVATE kannel_testing wallet_testing test_support
  GTest::gmock GTest::gtest_main absl::strings absl::time)
add_dependencies(consumer_app_test walletd payment-gateway-sim notifierd consumer_app_stubs)
target_compile_definitions(consumer_app_test PRIVATE
  WALLETD_PATH="$<TARGET_FILE:walletd>"
  PAYMENT_GATEWAY_SIM_PATH="$<TARGET_FILE:payment-gateway-sim>"
  NOTIFIERD_PATH="$<TARGET_FILE:notifierd>"
  CONSUMER_APP_PYTHON="${CONSUMER_APP_PYTHON}"
  CONSUMER_APP_SCRIPT="${PROJECT_SOURCE_DIR}/consumer-app/wallet_app.py"
  CONSUMER_APP_STUBS="$<TARGET_PROPERTY:consumer_app_stubs,STUBS_DIR>"
  WALLET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
gtest_discover_tests(consumer_app_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
