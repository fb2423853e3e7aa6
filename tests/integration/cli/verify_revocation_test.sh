#!/bin/sh
# verify_revocation_test.sh - `intyg verify` never claims a revocation check
# it did not make, and checks revocations given with --revocations.
#
# A test PKI made with `intyg ca` issues three certificates; the first is
# revoked by its UCI hash, the second by its signature hash, the third is
# not revoked. With --trust alone every verdict is valid with the
# revocation step "not_checked" and "revocation_checked":false. With
# --revocations in either format (a node's /v1/revocation-list/{batchId}
# batch, with null country and expires, and the EU gateway's
# RevocationBatchDto in an array) the revoked ones are `revoked` and every
# verdict says "revocation_checked":true. A malformed revocation file is a
# clear error with exit status 2 and no verdict. IG_BIN is the intyg
# binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/verify_revocation_test.XXXXXX") || exit 1
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

err_has() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1': $(cat "$ERR")"
}

# field KEY: the values of a JSON string or boolean KEY in $OUT, one per
# verdict, space-separated.
field() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([a-z_]*\)\"\{0,1\}[,}].*/\1/p" "$OUT" \
		| tr '\n' ' '
}

same() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# --- a PKI and three certificates -------------------------------------------
expect 0 "$BIN" ca init --country SE --out "$TMP/ca" || exit 1
expect 0 "$BIN" ca dsc --ca "$TMP/ca" --out "$TMP/dsc" --types v,t || exit 1
expect 0 "$BIN" ca issue --dsc "$TMP/dsc" --type v --count 3 --seed 7 \
	|| exit 1
cp "$OUT" "$TMP/certs.txt"
[ "$(wc -l <"$TMP/certs.txt")" -eq 3 ] || { fail "not 3 certificates"; exit 1; }
C1=$(sed -n 1p "$TMP/certs.txt")
C2=$(sed -n 2p "$TMP/certs.txt")

# hash NAME CERT: the revocation hash NAME (uci, countrycodeuci, signature)
# of CERT as `intyg inspect` prints it (standard Base64).
hash() {
	"$BIN" inspect "$2" \
		| sed -n "s/.*\"revocation_hashes\":{.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}
KID=$("$BIN" inspect "$C1" | sed -n 's/.*"kid":"\([^"]*\)".*/\1/p')
UCI1=$(hash uci "$C1")
SIG2=$(hash signature "$C2")
[ -n "$KID" ] && [ -n "$UCI1" ] && [ -n "$SIG2" ] \
	|| { fail "inspect gave no kid or hashes"; exit 1; }

# --- --trust alone: nothing claims a revocation check ------------------------
expect 0 "$BIN" verify --trust "$TMP/dsc/dsc.pem" - <"$TMP/certs.txt"
same "reasons without revocation data" "$(field reason)" "valid valid valid "
same "revocation step without revocation data" "$(field revocation)" \
	"not_checked not_checked not_checked "
same "revocation_checked without revocation data" \
	"$(field revocation_checked)" "false false false "

# --- the node's export: one batch, country and expires null ----------------
cat >"$TMP/node.json" <<EOF
{"country":null,"expires":null,"kid":"$KID","hashType":"UCI",
 "entries":[{"hash":"$UCI1"}]}
EOF
expect 1 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/node.json" - <"$TMP/certs.txt"
same "reasons with the node's batch" "$(field reason)" "revoked valid valid "
same "revocation step with the node's batch" "$(field revocation)" \
	"failed ok ok "
same "revocation_checked with the node's batch" \
	"$(field revocation_checked)" "true true true "

# --- the gateway's batches, in an array --------------------------------------
cat >"$TMP/gateway.json" <<EOF
[{"country":"SE","expires":"2099-01-01T00:00:00Z","kid":"$KID",
  "hashType":"UCI","entries":[{"hash":"$UCI1"}]},
 {"country":"SE","expires":"2099-01-01T00:00:00Z","kid":"$KID",
  "hashType":"SIGNATURE","entries":[{"hash":"$SIG2"}]}]
EOF
expect 1 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/gateway.json" - <"$TMP/certs.txt"
same "reasons with the gateway's batches" "$(field reason)" \
	"revoked revoked valid "
same "revocation_checked with the gateway's batches" \
	"$(field revocation_checked)" "true true true "

# An UNKNOWN_KID batch applies under every kid.
cat >"$TMP/unknown.json" <<EOF
{"country":"SE","expires":"2099-01-01T00:00:00Z","kid":"UNKNOWN_KID",
 "hashType":"SIGNATURE","entries":[{"hash":"$SIG2"}]}
EOF
expect 1 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/unknown.json" - <"$TMP/certs.txt"
same "reasons with an UNKNOWN_KID batch" "$(field reason)" \
	"valid revoked valid "

# A batch for another kid revokes nothing, but revocation was checked.
cat >"$TMP/other.json" <<EOF
{"country":"SE","expires":null,"kid":"AAAAAAAAAAA=","hashType":"UCI",
 "entries":[{"hash":"$UCI1"}]}
EOF
expect 0 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/other.json" - <"$TMP/certs.txt"
same "revocation step with another kid's batch" "$(field revocation)" \
	"ok ok ok "

# --- malformed revocation files: a clear error, no verdict -------------------
printf '{"kid":"%s","hashType":"UCI","entries":[{"hash":"%s"}' "$KID" \
	"$UCI1" >"$TMP/truncated.json"
printf '{"kid":"%s","hashType":"MD5","entries":[{"hash":"%s"}]}' "$KID" \
	"$UCI1" >"$TMP/badtype.json"
printf '{"kid":"%s","hashType":"UCI","entries":[{"hash":"AAAA"}]}' "$KID" \
	>"$TMP/shorthash.json"
printf '{"kid":"xyz","hashType":"UCI","entries":[{"hash":"%s"}]}' "$UCI1" \
	>"$TMP/badkid.json"
printf '{"kid":"%s","hashType":"UCI","entries":[]}' "$KID" \
	>"$TMP/noentries.json"
printf '{"kid":"%s","hashType":"UCI","country":"SWE","entries":[{"hash":"%s"}]}' \
	"$KID" "$UCI1" >"$TMP/badcountry.json"
printf '"just a string"' >"$TMP/string.json"
cp "$TMP/dsc/dsc.pem" "$TMP/pem.json"
for f in truncated badtype shorthash badkid noentries badcountry string pem \
	missing; do
	expect 2 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
		--revocations "$TMP/$f.json" "$C1"
	err_has "--revocations"
	[ -s "$OUT" ] && fail "$f: a verdict was printed: $(cat "$OUT")"
done
expect 2 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/badtype.json" "$C1"
err_has "hashType"
expect 2 "$BIN" verify --trust "$TMP/dsc/dsc.pem" \
	--revocations "$TMP/shorthash.json" "$C1"
err_has "entry 0"

# --revocations is offline: not with --node.
expect 2 "$BIN" verify --node tcp://127.0.0.1:1 \
	--revocations "$TMP/node.json" "$C1"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "verify_revocation_test: ok"
