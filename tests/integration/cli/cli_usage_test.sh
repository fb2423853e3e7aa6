#!/bin/sh
# cli_usage_test.sh - every registry command and subcommand answers --help
# with exit 0 and a text naming its options, and bad options with exit 2.
# IG_BIN is the intyg binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_usage_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# help "CMD..." OPTION...: CMD --help exits 0 and lists each OPTION.
help() {
	cmd=$1
	shift
	# shellcheck disable=SC2086
	"$BIN" $cmd --help >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "'$cmd --help' exited $rc"
	for o in "$@"; do
		grep -qF -- "$o" "$TMP/out" || fail "'$cmd --help' lacks $o"
	done
}

# bad RC "CMD..." ARG...: CMD ARG... exits RC.
bad() {
	want=$1
	cmd=$2
	shift 2
	# shellcheck disable=SC2086
	"$BIN" $cmd "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$cmd $*' exited $rc, expected $want"
}

help keygen --id --out --force
help federation init sign show
help "federation init" --fed-id --member --threshold --expires --out --force
help "federation sign" --root --key-dir --id --hash --out
help "federation show" --root
help publish --data --key-dir --id --root --node --token-file --country \
	--source --kid --type --expires --from-hcert --thumbprint --reason \
	dsc csca revoke unrevoke remove-dsc
help log --data --root --origin --from
help verify --trust --data --root --at

bad 2 keygen --bogus
bad 2 keygen --id se
bad 2 keygen --id se --out "$TMP/k" extra
bad 2 federation
bad 2 federation bogus
bad 2 "federation init" --bogus
bad 2 "federation init" --fed-id x
bad 2 "federation sign" --bogus
bad 2 "federation sign" --root x
bad 2 "federation show" --bogus
bad 2 "federation show"
bad 2 publish --bogus
bad 2 publish
bad 2 log --bogus
bad 2 log
bad 2 log --data "$TMP" --from x
bad 2 verify --bogus
bad 2 verify HC1:x
bad 2 verify --data "$TMP/nonexistent" HC1:x

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "cli_usage_test: all passed"
