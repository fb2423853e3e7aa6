#!/bin/sh
# kid_cli_test.sh - the one spelling of a key id in the CLI (docs/api.md,
# "Key ids"): `intyg ca dsc`, `intyg inspect`, `intyg verify` and
# `intyg log` print a DSC's kid as standard Base64 (12 characters,
# padded), and `intyg publish revoke --kid` and `remove-dsc` take every
# spelling of it: standard Base64 or base64url, padded or not, and hex in
# either case. A one-member federation, local mode. IG_BIN is the intyg
# binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kid_cli_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect RC CMD...: runs CMD, keeps its output in $OUT and $ERR, and
# checks the exit status.
expect() {
	want=$1
	shift
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "'$*' exited $rc, expected $want"
		sed 's/^/    stderr: /' "$ERR" >&2
		return 1
	fi
	return 0
}

out_has() {
	grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1': $(cat "$OUT")"
}

KEYS=$TMP/keys
ROOT=$TMP/root.bin
DATA=$TMP/data

expect 0 "$BIN" keygen --id se --out "$KEYS" || exit 1
sed -i -e 's/"countries": \[\]/"countries": ["SE"]/' \
	-e 's|"gossip_url": ""|"gossip_url": "tls+tcp://127.0.0.1:1"|' \
	"$KEYS/se.member.json"
expect 0 "$BIN" federation init --member "$KEYS/se.member.json" \
	--fed-id kid-test --threshold 1 --expires 2099-01-01 --out "$ROOT" \
	|| exit 1
expect 0 "$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id se \
	|| exit 1

# --- output: standard Base64 everywhere -----------------------------------
expect 0 "$BIN" ca init --country SE --out "$TMP/pki" || exit 1
expect 0 "$BIN" ca dsc --ca "$TMP/pki" --out "$TMP/pki/dsc" --types v \
	|| exit 1
KID=$(sed -n 's/^kid: //p' "$OUT")
echo "$KID" | grep -qE '^[A-Za-z0-9+/]{11}=$' \
	|| fail "ca dsc: kid '$KID' is not padded standard Base64"
HEX=$(printf '%s' "$KID" | base64 -d | od -An -tx1 | tr -d ' \n')
[ ${#HEX} -eq 16 ] || fail "kid '$KID' is not 8 bytes"
expect 0 "$BIN" ca issue --dsc "$TMP/pki/dsc" --type v --count 1 --seed 3 \
	|| exit 1
HC1=$(head -n 1 "$OUT")
expect 0 "$BIN" inspect "$HC1"
out_has "\"kid\":\"$KID\""
expect 0 "$BIN" verify --trust "$TMP/pki/dsc/dsc.pem" "$HC1"
out_has "\"kid\":\"$KID\""

pub() {
	"$BIN" publish --data "$DATA" --key-dir "$KEYS" --id se --root "$ROOT" "$@"
}
expect 0 pub csca "$TMP/pki/csca.pem" || exit 1
expect 0 pub dsc "$TMP/pki/dsc/dsc.pem" || exit 1

# --- input: every spelling -------------------------------------------------
URL=$(printf '%s' "$KID" | tr '+/' '-_' | tr -d '=')
UHEX=$(printf '%s' "$HEX" | tr 'a-f' 'A-F')
n=0
for form in "$KID" "${KID%=}" "$URL" "$URL=" "$HEX" "$UHEX"; do
	n=$((n + 1))
	# a distinct 16-byte hash per spelling
	hash=$(printf 'kid-form-%07d' "$n" | base64)
	expect 0 pub revoke --kid "$form" --type uci "$hash" \
		|| fail "revoke --kid '$form' refused"
done
expect 2 pub revoke --kid "not-a-kid" --type uci "$hash"
expect 2 pub revoke --kid "${HEX}00" --type uci "$hash"
expect 0 "$BIN" log --data "$DATA" --root "$ROOT"
count=$(grep -o "\"kid\":\"$KID\"" "$OUT" | wc -l)
# the dsc.put and one rev.put per spelling
[ "$count" -ge 7 ] || fail "log shows kid $KID $count times, expected 7"
# every kid the log shows (the CSCA's too) is in the canonical form
if grep -o '"kid":"[^"]*"' "$OUT" \
	| grep -vE '^"kid":"[A-Za-z0-9+/]{11}="$' | grep -q .; then
	fail "log shows another spelling: $(grep -o '"kid":"[^"]*"' "$OUT" | sort -u)"
fi
expect 0 pub remove-dsc "$UHEX" || fail "remove-dsc by hex refused"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo PASS
