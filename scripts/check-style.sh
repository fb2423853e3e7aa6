#!/usr/bin/env bash
# scripts/check-style.sh - the machine-checked house rules (STYLE.md):
# clang-format clean, no unbounded C string functions, no layer including
# a header from a layer above it.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
mapfile -t files < <(find registry consensus api node tests -name '*.[ch]' | sort)

if command -v clang-format >/dev/null; then
	bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -c 'warning:' || true)
	if [ "$bad" != 0 ]; then
		echo "check-style: $bad formatting differences; run:" \
			"clang-format -i \$(git ls-files '*.[ch]')"
		clang-format --dry-run "${files[@]}" 2>&1 | grep 'warning:' | head -5
		fail=1
	fi
fi

if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|sscanf|atoi|atol|gets|strtok)\s*\(' \
	"${files[@]}" | grep -v '^tests/.*://'; then
	echo "check-style: unbounded string functions (curl's banned list)"
	fail=1
fi

# Layers (DESIGN.md 1): registry never includes api/consensus/node;
# consensus never includes api or node; api never includes node;
# codec and crypto never include each other or anything above them.
layer_rule() {
	local dir=$1 pattern=$2
	[ -d "$dir" ] || return 0
	if grep -rnE "#include \"($pattern)/" "$dir" --include='*.[ch]'; then
		echo "check-style: $dir includes a header from a layer above it"
		fail=1
	fi
}
layer_rule registry/base 'registry/codec|registry/crypto|registry/[a-z_]+\.h|api|consensus|node'
layer_rule registry/codec 'registry/crypto|api|consensus|node'
layer_rule registry/crypto 'registry/codec|api|consensus|node'
layer_rule consensus 'api|node'
layer_rule api 'node'
for f in registry/*.c registry/*.h; do
	[ -e "$f" ] || continue
	if grep -nE '#include "(api|consensus|node)/' "$f"; then
		echo "check-style: $f includes a header from a layer above it"
		fail=1
	fi
done
exit $fail
