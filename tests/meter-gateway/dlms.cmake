# Tests of meter-gateway/dlms: codec vectors from the Green Book, and the
# client against a scripted meter on a loopback socket.
add_executable(dlms_test meter-gateway/dlms_test.cc)
target_compile_options(dlms_test PRIVATE ${WALLET_WARNINGS})
target_link_libraries(dlms_test PRIVATE dlms absl::synchronization GTest::gmock GTest::gtest_main)
# The prefix lets `ctest -R dlms` select these tests.
gtest_discover_tests(dlms_test DISCOVERY_TIMEOUT 60 TEST_PREFIX "dlms.")

# Twenty seconds of fuzzing from the committed seeds, on a copy (libFuzzer
# adds what it finds to the corpus directory). Crash inputs are written to
# the build's tests/ directory.
if(TARGET fuzz_dlms)
  get_target_property(dlms_fuzzer fuzz_dlms FUZZER_PATH)
  add_test(NAME dlms_fuzz_smoke
    COMMAND sh -c "dir=$(mktemp -d) && trap 'rm -rf \"$dir\"' EXIT && cp \"$1\"/* \"$dir\"/ && \"$0\" -max_total_time=20 -timeout=10 -print_final_stats=1 \"$dir\""
      ${dlms_fuzzer} ${CMAKE_CURRENT_SOURCE_DIR}/meter-gateway/fuzz_corpus
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  # Alone: it keeps a core busy for 20 s, which would skew the timed waits
  # of the process tests running beside it.
  set_tests_properties(dlms_fuzz_smoke PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE)
endif()
