#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [NAME...] - builds the libFuzzer harnesses with
# clang (ASan+UBSan) and runs each for SECONDS (default 60) on a copy of
# its corpus. New crashing inputs land in build/fuzz/artifacts; add them to
# tests/fuzz/corpus/NAME/ so that every build replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh clang libclang-rt-14-dev
secs=${1:-60}
shift || true
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DIG_FUZZ=ON >/dev/null
cmake --build build/fuzz -j"$(nproc)"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		names+=("${n#fuzz_}")
	done
fi
mkdir -p build/fuzz/artifacts
for n in "${names[@]}"; do
	work=build/fuzz/corpus-$n
	rm -rf "$work"
	cp -r "tests/fuzz/corpus/$n" "$work"
	echo "== fuzz_$n for ${secs}s"
	build/fuzz/tests/fuzz/fuzz_"$n" -max_total_time="$secs" \
		-rss_limit_mb=2048 -artifact_prefix=build/fuzz/artifacts/ \
		"$work" 2>&1 | grep -E '^#[0-9]+[[:space:]]+DONE|ERROR|SUMMARY' || true
done
