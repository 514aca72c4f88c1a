#!/usr/bin/env bash
# Configures and builds the two configurations of CMakePresets.json: ./build,
# everything (Release with debug info), and ./build-fuzz, the DLMS codec's
# libFuzzer target (clang++ with ASan and UBSan). A new build folder uses
# Ninja; an existing one keeps the generator it was made with.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
for preset in default fuzz; do
  dir=build
  [[ $preset == default ]] || dir="build-$preset"
  generator=(-G Ninja)
  [[ -f "$dir/CMakeCache.txt" ]] && generator=()
  cmake --preset "$preset" "${generator[@]}" "${launcher[@]}" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
done
