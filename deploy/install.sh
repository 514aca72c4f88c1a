#!/usr/bin/env bash
# Installs the Debian 12 packages that build and run the wallet platform.
# Safe to run again. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev
  libgoogle-glog-dev   # logging (LOG/CHECK), as STYLE.md asks
  libssl-dev           # SHA-256 of stored API keys, HMAC-SHA256 of webhooks, random keys
  libcurl4-openssl-dev # outbound HTTP(S): the payment gateway's API, webhooks, the SMS gateway
  nlohmann-json3-dev   # JSON of the payment gateway's API and webhooks (header-only)
  libmicrohttpd-dev    # HTTP for /metrics, /healthz and payment webhooks
  curl                 # the demo reads /metrics
  clang libclang-rt-14-dev  # libFuzzer for the DLMS parser fuzz test (fuzz_dlms)
  kannel kannel-extras # the SMS gateway notifierd sends through; fakesmsc for its tests
  python3-grpcio python3-protobuf  # the Python consumer app (consumer-app/) and its test
)

SUDO=""
# -n: with no terminal (CI) fail at once instead of waiting for a password.
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo -n"; fi

echo "install: ${PACKAGES[*]}"
$SUDO apt-get update -q
# Through env: sudo resets the environment.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
