#!/usr/bin/env bash
# Sets up a Debian 12 machine for vidrep and builds it, then runs what was asked:
#   scripts/setup.sh demo    build, then run `vidrep demo`
#   scripts/setup.sh test    build (with the ASan/UBSan twins), then run every test (CTest), the
#                            I/O-facing ones a second time under the sanitizers (asan.*)
#   scripts/setup.sh sanitize  build the twins, then run only the sanitized tests
#   scripts/setup.sh bench   build, also install the peers (PyAV, OpenCV, PyTorch), run bench/*.py
#   scripts/setup.sh build   build the CLI and the Python module (build/python: PYTHONPATH=build/python)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}

packages=(
  cmake ninja-build g++ ccache pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  libtorch-dev libopenblas0-pthread libfaiss-dev libgloo-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  python3-numpy python3-torch pybind11-dev python3-dev
)
if [ "$mode" = bench ]; then
  packages+=(python3-av python3-opencv time)
fi
# The browser tests: Debian's Chromium, driven by npm's playwright-core (tests/browser/); the
# Python test of curation on a Dask cluster: Debian's Dask.
if [ "$mode" = test ]; then
  packages+=(chromium python3-distributed)
  command -v npm >/dev/null || packages+=(nodejs npm)
fi

scripts/apt_install.sh "${packages[@]}"
if [ "$mode" = test ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi

jobs=$(nproc)
sanitize=OFF
case "$mode" in test|sanitize) sanitize=ON ;; esac
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIDREP_SANITIZE=$sanitize >/dev/null
# Each mode builds only what it runs: the demo needs the CLI alone, the tests no benchmarks.
case "$mode" in
  demo) targets="vidrep_cli" ;;
  build) targets="vidrep_cli vidrep_python" ;;
  test) targets="vidrep_cli vidrep_python vidrep_tests vidrep_cli_asan vidrep_tests_asan" ;;
  sanitize) targets="vidrep_cli_asan vidrep_tests_asan" ;;
  *) targets="all" ;;
esac
cmake --build build -j"$jobs" --target $targets

case "$mode" in
  demo) ./build/bin/vidrep demo --out-dir build/demo ;;
  test) ctest --test-dir build -j"$jobs" --output-on-failure ;;
  sanitize) ctest --test-dir build -j"$jobs" --output-on-failure -R '^asan\.' ;;
  bench)
    for b in run transform features tokens train; do /usr/bin/python3 "bench/$b.py"; done ;;
  build) ;;
  *) echo "setup: unknown mode '$mode' (demo, test, sanitize, bench, build)" >&2; exit 2 ;;
esac
