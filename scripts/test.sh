#!/usr/bin/env bash
# scripts/test.sh - the test command: installs missing packages, checks the
# house rules, builds with -Werror and runs every CTest, then again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests only: promtool (the alert rules, tests/alerts), nginx, curl and
# openssl (the HTTPS front, tests/integration/nginx). chromium,
# python3: the pages in a real browser (tests/integration/portal and
# tests/integration/vpage drive it over its DevTools pipe, tests/lib/cdp.py).
scripts/deps.sh prometheus nginx curl openssl chromium python3
scripts/check-style.sh
jobs=$(nproc)

echo "== release build (-Werror)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DIG_WERROR=ON >/dev/null
cmake --build build/release -j"$jobs"
ctest --test-dir build/release --output-on-failure -j"$jobs" \
	--timeout 900

echo "== ASan+UBSan build"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DIG_WERROR=ON \
	-DIG_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
# Tests labelled asan_known_issue are flaky under the sanitizers for a
# reason not found yet; they run in the release pass above. List them:
echo "left out of the sanitizer run (label asan_known_issue, see its CMakeLists):"
ctest --test-dir build/asan -N -L asan_known_issue | grep 'Test *#' || true
ctest --test-dir build/asan --output-on-failure -j"$jobs" --timeout 1800 \
	-LE asan_known_issue
