# The dependency direction between our libraries, checked on what their files
# include (run by ctest as `layering`): a header reached through the
# repository-wide include path would otherwise compile whatever the targets
# link. Each folder (or set of files) lists the quoted includes it may use;
# angle-bracket (system) includes are not checked.
#
#   cmake -DROOT=<source dir> -P tests/layering.cmake
set(rules
  # No domain: Abseil and glog only (libmicrohttpd is a system include).
  base                  "^(base|absl|glog)/"
  # gRPC credentials: base_grpc apart, so that the codec links no gRPC.
  base/grpc             "^(base|absl|grpcpp)/"
  # The codec builds in the fuzz configuration: Abseil and base only.
  meter-gateway/dlms    "^(meter-gateway/dlms|base|absl)/"
  # The meter side reaches the wallet only through walletd's API.
  meter-gateway/gateway "^(meter-gateway/gateway|meter-gateway/dlms|base|absl|glog|google/protobuf|grpcpp|wallet/v1)/"
  meter-gateway/sim     "^(meter-gateway/sim|meter-gateway/dlms|base|absl|glog|google/protobuf|grpcpp|metersim/v1|wallet/v1)/"
  # The payment-gateway simulator knows nothing of the wallet.
  payment-gateway-sim   "^(payment-gateway-sim|base|absl|glog|nlohmann)/"
  # The core knows no server, client or meter protocol.
  wallet                "^(wallet|base|absl|glog|google/protobuf|rocksdb)/"
  # Inside the core, the prepaid policy is pure: no store, no clock, no
  # logging and no text; its words are notification_text's alone.
  wallet/prepaid_policy.*   "^(absl/|wallet/v1/|wallet/store/v1/records\\.pb\\.h$|wallet/(prepaid_policy|policy_config|money)\\.h$)"
  wallet/notification_text.* "^(absl/|wallet/(notification_text|prepaid_policy|money)\\.h$)"
  # So are the rules of collection drives.
  wallet/drive.*        "^(absl/|google/protobuf/|wallet/v1/|wallet/store/v1/records\\.pb\\.h$|wallet/(drive|policy_config|tariff)\\.h$)"
  # The server speaks JSON (nlohmann) with the payment gateway; the core does not.
  api                   "^(api|wallet|base|absl|glog|google/protobuf|grpcpp|nlohmann)/"
  # The notifier reaches the wallet only through walletd's API.
  notifier              "^(notifier|base|absl|glog|google/protobuf|grpcpp|nlohmann|rocksdb|wallet/v1)/"
  # The client takes from the core only its money and id rules and its
  # text-format reader.
  walletctl             "^(walletctl/|base/|absl/|google/protobuf/|grpcpp/|wallet/v1/|wallet/(money|validate|textproto)\\.h$)"
)

set(failures "")
list(LENGTH rules length)
math(EXPR last "${length} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET rules ${i} folder)
  list(GET rules ${j} allowed)
  # A rule names a folder (its .h and .cc files) or, with a wildcard, files.
  if(folder MATCHES "\\*")
    file(GLOB sources "${ROOT}/${folder}")
  else()
    file(GLOB sources "${ROOT}/${folder}/*.h" "${ROOT}/${folder}/*.cc")
  endif()
  if(NOT sources)
    string(APPEND failures "\n  ${folder}: no sources (rule out of date?)")
  endif()
  foreach(source ${sources})
    file(STRINGS "${source}" lines REGEX "^#include \"")
    foreach(line ${lines})
      string(REGEX REPLACE "^#include \"([^\"]*)\".*" "\\1" header "${line}")
      if(NOT header MATCHES "${allowed}")
        file(RELATIVE_PATH name "${ROOT}" "${source}")
        string(APPEND failures "\n  ${name} includes ${header}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(failures)
  message(FATAL_ERROR "includes against the dependency direction:${failures}")
endif()
message(STATUS "layering: every folder includes only what it may")
