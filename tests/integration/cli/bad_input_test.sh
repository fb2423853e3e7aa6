#!/bin/sh
# bad_input_test.sh - every kind of bad input to `intyg inspect`, `intyg
# verify` and `intyg bench` gives a clear message and the documented exit
# status (0 valid/decoded, 1 invalid, 2 usage or input error), never a
# crash (an exit status of 128 or more is a signal). `intyg ca` has its own
# test (tests/unit/cli/ca_cli_test.sh). IG_BIN is the intyg binary.
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bad_input_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
failures=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect RC CMD...: runs CMD with stdin from $TMP/in, checks its exit
# status, and that a failure explains itself on stderr or stdout.
expect() {
	want=$1
	shift
	checks=$((checks + 1))
	"$@" <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ge 128 ]; then
		fail "'$*' died with signal $((rc - 128))"
	elif [ "$rc" -ne "$want" ]; then
		fail "'$*' exited $rc, expected $want: $(head -c 300 "$TMP/err")"
	elif [ "$rc" -ne 0 ] && [ ! -s "$TMP/err" ] && [ ! -s "$TMP/out" ]; then
		fail "'$*' exited $rc without a word"
	fi
}

# reason R: the last verdict on stdout has reason R.
reason() {
	checks=$((checks + 1))
	grep -q "\"reason\":\"$1\"" "$TMP/out" ||
		fail "expected reason $1 in: $(tail -c 300 "$TMP/out")"
}

: >"$TMP/in"
"$BIN" ca init --country SE --out "$TMP/ca" >/dev/null 2>&1 &&
	"$BIN" ca dsc --ca "$TMP/ca" --out "$TMP/dsc" >/dev/null 2>&1 &&
	"$BIN" ca issue --dsc "$TMP/dsc" --type v --seed 1 >"$TMP/good" \
		2>/dev/null || {
	echo "FAIL: could not make a test certificate" >&2
	exit 1
}
GOOD=$(cat "$TMP/good")
TRUST="$TMP/dsc/dsc.pem"

# Usage errors: exit 2.
expect 2 "$BIN" verify
expect 2 "$BIN" verify "$GOOD"
expect 2 "$BIN" verify --trust "$TRUST"
expect 2 "$BIN" verify --trust "$TMP/missing.pem" "$GOOD"
expect 2 "$BIN" verify --trust "$TRUST" --at yesterday "$GOOD"
expect 2 "$BIN" verify --trust "$TRUST" --at 2021-13-01 "$GOOD"
expect 2 "$BIN" verify --bogus
expect 2 "$BIN" inspect
expect 2 "$BIN" inspect --bogus
expect 2 "$BIN" bench
expect 2 "$BIN" bench nothing
expect 2 "$BIN" bench verify --n 0
expect 2 "$BIN" bench verify --n 12x

# Trust files that are not trust files: exit 2, nothing verified.
printf 'garbage' >"$TMP/garbage.der"
printf '[{"kid": ' >"$TMP/broken.json"
printf '[]' >"$TMP/empty.json"
head -c 100000 /dev/urandom >"$TMP/random.bin" 2>/dev/null ||
	printf '\001\002\003' >"$TMP/random.bin"
for f in garbage.der broken.json empty.json random.bin; do
	expect 2 "$BIN" verify --trust "$TMP/$f" "$GOOD"
done

# Certificates that are not certificates: a verdict each, exit 1.
expect 0 "$BIN" verify --trust "$TRUST" "$GOOD"
reason valid
expect 1 "$BIN" verify --trust "$TRUST" "HC2:${GOOD#HC1:}"
reason malformed_prefix
expect 1 "$BIN" verify --trust "$TRUST" "HC1:abc"
reason malformed_base45
expect 1 "$BIN" verify --trust "$TRUST" "HC1:BB8"
reason malformed_compression
expect 1 "$BIN" verify --trust "$TRUST" "$(printf '%.300s' "$GOOD")"
expect 1 "$BIN" verify --trust "$TRUST" "HC1:"
expect 1 "$BIN" verify --trust "$TRUST" --at 2000-01-01 "$GOOD"
reason not_yet_valid
expect 1 "$BIN" verify --trust "$TRUST" --at 2999-01-01T00:00:00Z "$GOOD"
reason expired

# Standard input: binary junk, a 20,000-character line, blank lines,
# CR LF line ends, a line without a newline at the end.
head -c 5000 /dev/urandom >"$TMP/in" 2>/dev/null || printf 'x\0y' >"$TMP/in"
expect 1 "$BIN" verify --trust "$TRUST" -
expect 1 "$BIN" inspect -
awk 'BEGIN { s = "HC1:"; for (i = 0; i < 20000; i++) s = s "A"; print s }' \
	>"$TMP/in"
expect 1 "$BIN" verify --trust "$TRUST" -
reason too_large
expect 1 "$BIN" inspect -
# A NUL or a control byte inside the Base45 body is a Base45 error, not an
# oversized line (the line reader once stopped at the NUL).
printf 'HC1:6BF\000OXN\n' >"$TMP/in"
expect 1 "$BIN" verify --trust "$TRUST" -
reason malformed_base45
printf '%s\000\n' "$GOOD" >"$TMP/in"
expect 1 "$BIN" verify --trust "$TRUST" -
reason malformed_base45
printf 'HC1:6BF\001OXN\n' >"$TMP/in"
expect 1 "$BIN" verify --trust "$TRUST" -
reason malformed_base45
printf '\n\n%s\r\n\n%s' "$GOOD" "$GOOD" >"$TMP/in"
expect 0 "$BIN" verify --trust "$TRUST" -
checks=$((checks + 1))
[ "$(grep -c '"valid":true' "$TMP/out")" -eq 2 ] ||
	fail "CR LF and blank lines: expected 2 verdicts"
expect 0 "$BIN" inspect -
: >"$TMP/in"
expect 2 "$BIN" verify --trust "$TRUST" -

# inspect explains how far a broken certificate decoded.
expect 1 "$BIN" inspect "HC1:BB8"
checks=$((checks + 1))
grep -q '"step":"decompression"' "$TMP/out" ||
	fail "inspect did not name the failing step"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
