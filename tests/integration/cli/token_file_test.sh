#!/bin/sh
# token_file_test.sh - one size limit for an admin token file
# (IG_TOKEN_FILE_MAX, registry/base/limits.h: 4096 bytes), the same for
# every command that reads one by its first line (intyg publish --node,
# intyg gateway pull): a file of 2,000 bytes (the token, then other
# lines) is read and the command goes on to the node; a file one byte
# over the limit is a local file that cannot be used (exit 4).
#
# Ports: 127.0.0.1:1, where nothing listens (exit 3: unreachable). IG_BIN
# is the intyg binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/token_file_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# token_file NAME SIZE: the token line, then filler lines up to SIZE bytes.
token_file() {
	{
		printf 'token-file-test-token-0123456789\n'
		head -c $(($2 - 33)) /dev/zero | tr '\0' 'x'
	} >"$TMP/$1"
	chmod 600 "$TMP/$1"
	[ "$(wc -c <"$TMP/$1")" -eq "$2" ] || fail "$1 is not $2 bytes"
}

# publish FILE: a revocation through the node at 127.0.0.1:1.
publish() {
	"$BIN" publish --node tcp://127.0.0.1:1 --token-file "$TMP/$1" \
	    --timeout 2 revoke --kid AAAAAAAAAAA= --type uci \
	    AAAAAAAAAAAAAAAAAAAAAA== >"$TMP/out" 2>"$TMP/err"
}

token_file mid 2000
token_file over 4097

publish mid
rc=$?
[ $rc -eq 3 ] || fail "publish with a 2000-byte token file: exit $rc \
(want 3, the node unreachable): $(cat "$TMP/err")"
grep -q "cannot read" "$TMP/err" && fail "publish refused a 2000-byte \
token file: $(cat "$TMP/err")"

publish over
rc=$?
[ $rc -eq 4 ] || fail "publish with a 4097-byte token file: exit $rc \
(want 4): $(cat "$TMP/err")"

[ $failures -eq 0 ] || exit 1
echo "token_file_test: ok"
