#!/bin/sh
# registry_cli_test.sh - the registry commands end to end through the real
# binary: keygen, federation init/sign/show, publish (local mode), log,
# and verify --data.
#
# Three members (se, dk, no) make a threshold-2 root; se publishes a CSCA
# and a DSC made with `intyg ca`, revokes and unrevokes a certificate
# issued with `intyg ca issue`, is refused a DK DSC (authority), and
# removes its DSC. Each step is checked through `intyg verify --data` and
# `intyg log`. IG_BIN is the intyg binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/registry_cli_test.XXXXXX") || exit 1
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

mode_is() {
	mode=$(stat -c %a "$1" 2>/dev/null) || { fail "$1 missing"; return; }
	[ "$mode" = "$2" ] || fail "$1 has mode $mode, expected $2"
}

err_has() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1': $(cat "$ERR")"
}

out_has() {
	grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1': $(cat "$OUT")"
}

# reasons: the verdicts' reasons in $OUT, space-separated.
reasons() {
	sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p' "$OUT" | tr '\n' ' '
}

KEYS=$TMP/keys
ROOT=$TMP/root.bin
DATA=$TMP/data

# --- keygen -----------------------------------------------------------------
for m in se dk no; do
	expect 0 "$BIN" keygen --id $m --out "$KEYS" || exit 1
done
for m in se dk no; do
	mode_is "$KEYS/$m.sign.key" 600
	mode_is "$KEYS/$m.tls.key" 600
	mode_is "$KEYS/$m.tls.pem" 644
	mode_is "$KEYS/$m.member.json" 644
done
mode_is "$KEYS" 700
grep -q 'BEGIN PRIVATE KEY' "$KEYS/se.sign.key" || fail "sign key not PKCS#8"
openssl pkey -in "$KEYS/se.sign.key" -noout -text 2>/dev/null \
	| grep -q ED25519 || fail "se.sign.key is not an Ed25519 key"
openssl x509 -in "$KEYS/se.tls.pem" -noout -text 2>/dev/null \
	| grep -q 'DNS:se' || fail "se.tls.pem lacks DNS:se"
expect 2 "$BIN" keygen --id se --out "$KEYS" && err_has "exists"
expect 2 "$BIN" keygen --id SE --out "$TMP/x" && err_has "--id"
expect 0 "$BIN" keygen --id other --out "$TMP/keys2"
expect 0 "$BIN" keygen --id other --out "$TMP/keys2" --force
expect 0 "$BIN" keygen --id se --out "$TMP/keys2"

# The operators complete their descriptions.
for m in se dk no; do
	cc=$(echo "$m" | tr '[:lower:]' '[:upper:]')
	sed -i -e "s/\"countries\": \[\]/\"countries\": [\"$cc\"]/" \
		-e "s|\"gossip_url\": \"\"|\"gossip_url\": \"tls+tcp://127.0.0.1:1$cc\"|" \
		"$KEYS/$m.member.json"
done
# fedinit ARG...: federation init with the three members.
fedinit() {
	"$BIN" federation init --member "$KEYS/se.member.json" \
		--member "$KEYS/dk.member.json" --member "$KEYS/no.member.json" "$@"
}

# --- federation init --------------------------------------------------------
sed 's/"countries": \["SE"\]/"countries": ["se"]/' "$KEYS/se.member.json" \
	>"$TMP/bad.member.json"
expect 2 "$BIN" federation init --fed-id fed-drill --member "$TMP/bad.member.json" \
	--threshold 1 --expires 2099-01-01 --out "$TMP/bad.bin"
err_has "bad.member.json: field 'countries'"
sed 's/"api_url"/"apiurl"/' "$KEYS/se.member.json" >"$TMP/bad.member.json"
expect 2 "$BIN" federation init --fed-id fed-drill --member "$TMP/bad.member.json" \
	--threshold 1 --expires 2099-01-01 --out "$TMP/bad.bin"
err_has "unknown field 'apiurl'"
expect 2 fedinit --fed-id fed-drill --threshold 4 \
	--expires 2099-01-01 --out "$ROOT" && err_has "--threshold"
expect 2 fedinit --fed-id fed-drill --threshold 2 \
	--expires 2001-01-01 --out "$ROOT" && err_has "past"
expect 0 fedinit --fed-id fed-drill --threshold 2 \
	--expires 2099-01-01 --out "$ROOT" || exit 1
out_has '"needed": 2'
out_has '"serial": 1'
HASH=$(sed -n 's/^  "hash": "\([0-9a-f]*\)",$/\1/p' "$OUT")
[ ${#HASH} -eq 64 ] || fail "no root hash in the init output"
expect 2 fedinit --fed-id fed-drill --threshold 2 \
	--expires 2099-01-01 --out "$ROOT" && err_has "exists"

# A root without its signatures opens no registry (a local file that
# cannot be used: 4).
expect 4 "$BIN" publish --data "$DATA" --key-dir "$KEYS" --id se \
	--root "$ROOT" csca "$KEYS/se.tls.pem"

# --- federation sign / show -------------------------------------------------
expect 2 "$BIN" federation sign --root "$ROOT" --key-dir "$TMP/keys2" \
	--id other && err_has "not a member"
expect 2 "$BIN" federation sign --root "$ROOT" --key-dir "$TMP/keys2" \
	--id se && err_has "key in the root"
expect 2 "$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id se \
	--hash 0000000000000000000000000000000000000000000000000000000000000000
err_has "--hash"
expect 0 "$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id se \
	--hash "$HASH"
out_has '"needed": 1'
expect 2 "$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id se \
	&& err_has "already"
expect 0 "$BIN" federation show --root "$ROOT"
out_has '"needed": 1'
out_has '"valid_signatures": 1'
out_has '"complete": false'
out_has "\"hash\": \"$HASH\""
# A root whose bytes changed after se signed is refused (same length, so
# it still decodes).
LC_ALL=C sed 's/fed-drill/fed-drilx/' "$ROOT" >"$TMP/tampered.bin"
cmp -s "$ROOT" "$TMP/tampered.bin" && fail "tampering changed nothing"
expect 2 "$BIN" federation sign --root "$TMP/tampered.bin" --key-dir "$KEYS" \
	--id dk && err_has "does not verify"
expect 0 "$BIN" federation show --root "$TMP/tampered.bin"
out_has '"valid": false'
out_has '"needed": 2'
expect 0 "$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id dk \
	--out "$TMP/root2.bin"
out_has '"needed": 0'
mv "$TMP/root2.bin" "$ROOT"
expect 0 "$BIN" federation show --root "$ROOT"
out_has '"complete": true'
out_has "\"hash\": \"$HASH\""
# A missing root file is an input error.
expect 2 "$BIN" federation show --root "$TMP/nonexistent.bin"

# --- a test PKI -------------------------------------------------------------
expect 0 "$BIN" ca init --country SE --out "$TMP/pki-se" || exit 1
expect 0 "$BIN" ca dsc --ca "$TMP/pki-se" --out "$TMP/pki-se/dsc" --types v \
	|| exit 1
KID=$(sed -n 's/^kid: //p' "$OUT")
expect 0 "$BIN" ca init --country DK --out "$TMP/pki-dk" || exit 1
expect 0 "$BIN" ca dsc --ca "$TMP/pki-dk" --out "$TMP/pki-dk/dsc" || exit 1
expect 0 "$BIN" ca issue --dsc "$TMP/pki-se/dsc" --type v --count 2 \
	--seed 7 || exit 1
cp "$OUT" "$TMP/hc.txt"
HC1=$(head -n 1 "$TMP/hc.txt")

# pub, ver, lg ARG...: publish as se, verify and log against the registry.
pub() {
	"$BIN" publish --data "$DATA" --key-dir "$KEYS" --id se --root "$ROOT" "$@"
}
ver() {
	"$BIN" verify --data "$DATA" --root "$ROOT" "$@"
}
# shellcheck disable=SC2120 # called with arguments through expect
lg() {
	"$BIN" log --data "$DATA" --root "$ROOT" "$@"
}

# --- publish ----------------------------------------------------------------
expect 0 pub csca "$TMP/pki-se/csca.pem" || exit 1
out_has '"seq":1'
expect 0 pub dsc "$TMP/pki-se/dsc/dsc.pem" || exit 1
out_has '"seq":2'
expect 0 ver - <"$TMP/hc.txt"
[ "$(reasons)" = "valid valid " ] || fail "before revocation: $(reasons)"

# Revoke one certificate by its hashes.
expect 0 pub revoke --from-hcert "$HC1"
out_has '"seq":3'
out_has '"ops":3'
expect 1 ver - <"$TMP/hc.txt"
[ "$(reasons)" = "revoked valid " ] || fail "after revocation: $(reasons)"
# --data checks the registry's revocation lists, and says so.
[ "$(grep -c '"revocation_checked":true' "$OUT")" -eq 2 ] \
	|| fail "--data: revocation_checked is not true: $(cat "$OUT")"
out_has '"revocation":"ok"'
expect 0 "$BIN" verify --trust "$TMP/pki-se/dsc/dsc.pem" - <"$TMP/hc.txt"
[ "$(reasons)" = "valid valid " ] || fail "--trust alone: $(reasons)"
# --trust alone has no revocation data: it must not claim the check.
[ "$(grep -c '"revocation_checked":false' "$OUT")" -eq 2 ] \
	|| fail "--trust alone: revocation_checked is not false: $(cat "$OUT")"
out_has '"revocation":"not_checked"'
expect 1 ver --trust "$TMP/pki-se/dsc/dsc.pem" "$HC1"
[ "$(reasons)" = "revoked " ] || fail "--trust with --data: $(reasons)"

# Withdraw the revocation.
expect 0 pub unrevoke --from-hcert - <"$TMP/hc.txt"
out_has '"seq":4'
expect 0 ver - <"$TMP/hc.txt"
[ "$(reasons)" = "valid valid " ] || fail "after unrevoke: $(reasons)"

# Explicit hashes under a kid.
H1=$(head -c 16 /dev/urandom | base64)
H2=$(head -c 16 /dev/urandom | base64)
expect 0 pub revoke --kid "$KID" --type signature --expires 2030-01-01 \
	"$H1" "$H2"
out_has '"seq":5'
expect 2 pub revoke --kid "$KID" --type uci "not-a-hash" && err_has "not-a-hash"
expect 2 pub revoke --kid "$KID" --type sha1 "$H1" && err_has "--type"
expect 2 pub revoke --kid "AAAA" --type uci "$H1" && err_has "--kid"
expect 2 pub unrevoke --kid "$KID" --type uci --expires 2030-01-01 "$H1"
expect 2 pub dsc "$TMP/pki-se/dsc/dsc.pem" --kid "$KID" \
	&& err_has "does not apply"

# A DSC for a country outside se's authority is refused; the log stays.
lg >"$TMP/log.before" 2>/dev/null
expect 1 pub dsc "$TMP/pki-dk/dsc/dsc.pem"
err_has "outside the origin's authority"
err_has "EAUTHORITY"
lg >"$TMP/log.after" 2>/dev/null
cmp -s "$TMP/log.before" "$TMP/log.after" || fail "a refused entry changed the log"

# Another member's key cannot publish as se.
expect 1 "$BIN" publish --data "$DATA" --key-dir "$TMP/keys2" --id se \
	--root "$ROOT" remove-dsc "$KID" && err_has "key in the root"

# Remove the DSC: its certificates lose their issuer.
expect 0 pub remove-dsc "$KID"
out_has '"seq":6'
expect 1 ver - <"$TMP/hc.txt"
[ "$(reasons)" = "unknown_kid unknown_kid " ] \
	|| fail "after remove-dsc: $(reasons)"
expect 2 pub remove-dsc "$KID" && err_has "no DSC"

# --- log --------------------------------------------------------------------
expect 0 lg
[ "$(wc -l <"$OUT")" -eq 6 ] || fail "log has $(wc -l <"$OUT") lines, not 6"
for op in csca.put dsc.put rev.put rev.del dsc.del; do
	out_has "\"op\":\"$op\""
done
out_has "\"kid\":\"$KID\""
out_has '"type":"SIGNATURE","hashes":2'
seqs=$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$OUT" | tr '\n' ' ')
[ "$seqs" = "1 2 3 4 5 6 " ] || fail "log seqs: $seqs"
expect 0 lg --origin se --from 5
[ "$(wc -l <"$OUT")" -eq 2 ] || fail "--from 5 lists $(wc -l <"$OUT") lines"
expect 0 lg --origin dk
[ "$(wc -l <"$OUT")" -eq 0 ] || fail "dk's log is not empty"
expect 2 lg --from 0

# Once the store holds the root, it opens without --root.
expect 0 "$BIN" log --data "$DATA" --origin se --from 6
out_has '"op":"dsc.del"'
expect 1 "$BIN" verify --data "$DATA" "$HC1"
[ "$(reasons)" = "unknown_kid " ] || fail "stored root: $(reasons)"
mkdir "$TMP/empty"
expect 2 "$BIN" log --data "$TMP/empty" && err_has "no registry"
[ -z "$(ls "$TMP/empty")" ] || fail "log created files in an empty dir"
expect 2 "$BIN" log --data "$TMP/nonexistent"

# --- usage errors of publish ------------------------------------------------
expect 2 "$BIN" publish csca "$TMP/pki-se/csca.pem" && err_has "--data"
expect 2 "$BIN" publish --data "$DATA" --node tcp://127.0.0.1:1 csca x
expect 2 "$BIN" publish --node tcp://127.0.0.1:1 --id se csca x
expect 2 pub frobnicate
expect 2 pub
expect 4 pub dsc "$TMP/nonexistent.pem" && err_has "nonexistent.pem"
expect 2 pub dsc "$TMP/pki-se/dsc/dsc.pem" --country se && err_has "--country"
expect 2 "$BIN" publish --node tcp://127.0.0.1:1 remove-dsc "$KID" \
	&& err_has "--thumbprint"
expect 2 "$BIN" verify --root "$ROOT" "$HC1" && err_has "--data"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "registry_cli_test: all passed"
