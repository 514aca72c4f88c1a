# The fuzz configuration's test (WALLET_FUZZ): twenty seconds of fuzzing
# from the committed seeds, on a copy (libFuzzer adds what it finds to the
# corpus directory). Crash inputs are written to the build's tests/ directory.
add_test(NAME dlms_fuzz_smoke
  COMMAND sh -c "dir=$(mktemp -d) && trap 'rm -rf \"$dir\"' EXIT && cp \"$1\"/* \"$dir\"/ && \"$0\" -max_total_time=20 -timeout=10 -print_final_stats=1 \"$dir\""
    $<TARGET_FILE:fuzz_dlms> ${CMAKE_CURRENT_SOURCE_DIR}/meter-gateway/fuzz_corpus
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(dlms_fuzz_smoke PROPERTIES TIMEOUT 120)
