#!/usr/bin/env bash
# scripts/check-style.sh - the machine-checked house rules (STYLE.md):
# clang-format clean, no unbounded C string functions, no layer including
# a header from a layer above it.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
mapfile -t files < <(find registry consensus api node client include cli tests -name '*.[ch]' | sort)

if command -v clang-format >/dev/null; then
	bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -c 'warning:' || true)
	if [ "$bad" != 0 ]; then
		echo "check-style: $bad formatting differences; run:" \
			"clang-format -i \$(git ls-files '*.[ch]')"
		{ clang-format --dry-run "${files[@]}" 2>&1 | grep 'warning:' | head -5; } || true
		fail=1
	fi
fi

if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|sscanf|atoi|atol|gets|strtok)\s*\(' \
	"${files[@]}" | grep -v '^tests/.*://'; then
	echo "check-style: unbounded string functions (curl's banned list)"
	fail=1
fi

# Layers (docs/architecture.md): cli -> node -> {api, consensus} ->
# registry -> registry/{codec, crypto} -> registry/base. A folder never
# includes a header of a layer above it; codec and crypto never include
# each other. The patterns are include-path prefixes.
layer_rule() {
	local dir=$1 pattern=$2 f
	[ -d "$dir" ] || return 0
	for f in "$dir"/*.[ch] "$dir"/*/*.[ch]; do
		[ -e "$f" ] || continue
		if grep -nE "#include \"($pattern)" "$f"; then
			echo "check-style: $f includes a header from a layer above it"
			fail=1
		fi
	done
}
above_registry='api/|consensus/|node/|cli/'
layer_rule registry/base "registry/codec/|registry/crypto/|registry/[a-z_]+\.h|$above_registry"
layer_rule registry/codec "registry/crypto/|registry/[a-z_]+\.h|$above_registry"
layer_rule registry/crypto "registry/codec/|registry/[a-z_]+\.h|$above_registry"
for f in registry/*.c registry/*.h; do
	[ -e "$f" ] || continue
	if grep -nE "#include \"($above_registry)" "$f"; then
		echo "check-style: $f includes a header from a layer above it"
		fail=1
	fi
done
layer_rule consensus 'api/|node/|cli/'
layer_rule api 'node/|cli/'
layer_rule node 'cli/'
# client (libintyg-client) sits on the registry, below the cli.
layer_rule client 'api/|consensus/|node/|cli/'
exit $fail
