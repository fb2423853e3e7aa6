#!/bin/bash
# bundle_test.sh - the signed directory and the signed offline bundle
# (docs/bundle.md) against real nodes:
#
# 1. Two members, se and dk; se publishes a CSCA and a DSC; three
#    certificates are issued under it.
# 2. The directory: se lists a mirror (intyg publish dir-put); GET
#    /v1/directory names it and the members' api_url; a URL that is not
#    http(s) is refused by the CLI before anything is signed.
# 3. intyg bundle fetch (exact mode) from se, checked against root.bin;
#    intyg verify --bundle verifies all three offline, says the
#    checkpoint and the age.
# 4. se revokes the first certificate; fetch --update asks for a delta
#    only; the patched bundle and a fresh full bundle of the same moment
#    give the same certificates, logs and verdicts (the first revoked).
# 5. Refused: the old bundle after the new one (--state: replayed), a
#    flipped byte, a truncated file, a root of another federation, a
#    bundle older than --max-age.
# 6. Filter mode: the revoked certificate is possibly_revoked offline,
#    and revoked once resolved online with --node.
#
# Ports (127.0.0.1): 7881 se gossip, 7882 se API, 7883 dk gossip,
# 7884 dk API. IG_BIN is the intyg binary (CTest sets it).
set -u
. "$(dirname "$0")/../../lib/fed.sh"

fed_init bundle_test
fed_member se SE authority tls+tcp://127.0.0.1:7881
fed_member dk DK authority tls+tcp://127.0.0.1:7883
fed_root bundle-fed se dk
fed_token
node_config se tls+tcp://127.0.0.1:7881 7882
node_config dk tls+tcp://127.0.0.1:7883 7884
node_start se
node_start dk
SE=http://127.0.0.1:7882
ADM="--node ipc://$TMP/se.admin.ipc --token-file token --timeout 10"

"$BIN" ca init --country SE --out ca >/dev/null 2>&1 || die "ca init"
"$BIN" ca dsc --ca ca --out dsc --types v,t,r >/dev/null 2>&1 || die "ca dsc"
"$BIN" ca issue --dsc dsc --type v --count 3 >certs.txt 2>/dev/null ||
	die "ca issue"
[ "$(wc -l <certs.txt)" -eq 3 ] || die "three certificates"
"$BIN" publish $ADM csca ca/csca.pem >/dev/null || die "publish csca"
"$BIN" publish $ADM dsc dsc/dsc.pem >/dev/null || die "publish dsc"

# --- the directory ---------------------------------------------------------
"$BIN" publish $ADM dir-put sto-1 https://sto1.example:8443/v1 >/dev/null ||
	fail "dir-put"
if "$BIN" publish $ADM dir-put bad ftp://x.example 2>err.txt; then
	fail "a ftp:// mirror was published"
fi
grep -q "URL must be http" err.txt || fail "no clear error for ftp://"
dir=$(curl -fsS "$SE/v1/directory") || fail "GET /v1/directory"
echo "$dir" | grep -q '"name":"sto-1","url":"https://sto1.example:8443/v1"' ||
	fail "the directory lacks the mirror: $dir"
echo "$dir" | grep -q '"federation":"bundle-fed"' || fail "directory: $dir"

# --- a full bundle, offline verification ----------------------------------
"$BIN" bundle fetch --node "$SE" --out full0.bundle --exact --root root.bin \
    >info0.json || die "bundle fetch"
grep -q '"mode":"exact"' info0.json || fail "not exact: $(cat info0.json)"
grep -q '"dscs":1' info0.json || fail "one DSC: $(cat info0.json)"
cp full0.bundle old.bundle
"$BIN" verify --bundle full0.bundle --root root.bin --state st - \
    <certs.txt >v0.txt 2>v0.err || fail "offline verify: $(cat v0.err)"
[ "$(grep -c '"valid":true' v0.txt)" -eq 3 ] || fail "3 valid: $(cat v0.txt)"
grep -q "checkpoint [0-9a-f]\{64\}" v0.err || fail "no checkpoint said"
grep -q "s old" v0.err || fail "no age said"
[ -s st ] || fail "no state written"

# --- a revocation, a delta, the same as a fresh full bundle ---------------
sleep 1
"$BIN" publish $ADM revoke --from-hcert "$(head -n1 certs.txt)" >/dev/null ||
	die "revoke"
cp full0.bundle patched.bundle
"$BIN" bundle fetch --node "$SE" --out patched.bundle --update \
    --root root.bin >info1.json || fail "fetch --update"
grep -q '"delta":true' info1.json || fail "no delta: $(cat info1.json)"
full_bytes=$(stat -c %s full0.bundle)
delta_bytes=$(sed -n 's/.*"bytes_fetched":\([0-9]*\).*/\1/p' info1.json)
[ -n "$delta_bytes" ] && [ "$delta_bytes" -lt "$full_bytes" ] ||
	fail "the delta ($delta_bytes) is not smaller than a full ($full_bytes)"
"$BIN" bundle fetch --node "$SE" --out fresh.bundle --exact --root root.bin \
    >info2.json || fail "fresh fetch"
logs() { sed -n 's/.*\("logs":\[[^]]*\]\).*/\1/p' "$1"; }
[ "$(logs info1.json)" = "$(logs info2.json)" ] ||
	fail "logs differ: $(logs info1.json) vs $(logs info2.json)"
for f in patched fresh; do
	"$BIN" verify --bundle $f.bundle --root root.bin - <certs.txt \
	    2>/dev/null | sed 's/.*"valid":\([a-z]*\).*"reason":"\([a-z_]*\)".*/\1 \2/' \
	    >$f.verdicts
done
cmp -s patched.verdicts fresh.verdicts ||
	fail "patched and fresh differ: $(cat patched.verdicts) / $(cat fresh.verdicts)"
[ "$(head -n1 fresh.verdicts)" = "false revoked" ] ||
	fail "the first is not revoked: $(cat fresh.verdicts)"
[ "$(grep -c '^true valid$' patched.verdicts)" -eq 2 ] ||
	fail "two stay valid: $(cat patched.verdicts)"

# --- refused ----------------------------------------------------------------
"$BIN" verify --bundle patched.bundle --root root.bin --state st - \
    <certs.txt >/dev/null 2>&1
if "$BIN" verify --bundle old.bundle --root root.bin --state st - \
    <certs.txt >/dev/null 2>err.txt; then
	fail "a replayed older bundle was accepted"
fi
grep -q "replayed" err.txt || fail "replay not named: $(cat err.txt)"
cp fresh.bundle bad.bundle
printf '\xff' | dd of=bad.bundle bs=1 seek=200 conv=notrunc 2>/dev/null
if "$BIN" bundle verify --root root.bin bad.bundle >/dev/null 2>err.txt; then
	fail "a tampered bundle was accepted"
fi
head -c 1000 fresh.bundle >short.bundle
if "$BIN" bundle verify --root root.bin short.bundle >/dev/null 2>err.txt; then
	fail "a truncated bundle was accepted"
fi
grep -q "truncated" err.txt || fail "truncation not named: $(cat err.txt)"
mkdir other
(cd other && ln -s ../keys keys && fed_root other-fed se dk) ||
	fail "a root of another federation"
if "$BIN" bundle verify --root other/root.bin fresh.bundle >/dev/null \
    2>err.txt; then
	fail "a bundle of another federation was accepted"
fi
grep -q "another federation" err.txt || fail "foreign: $(cat err.txt)"
sleep 2
if "$BIN" verify --bundle fresh.bundle --root root.bin --max-age 1s - \
    <certs.txt >/dev/null 2>err.txt; then
	fail "a bundle older than --max-age was accepted"
fi
grep -q "too long ago" err.txt || fail "age: $(cat err.txt)"

# --- filter mode: possibly revoked, resolved online -------------------------
"$BIN" bundle fetch --node "$SE" --out filter.bundle --root root.bin \
    >/dev/null || fail "fetch filter"
"$BIN" verify --bundle filter.bundle --root root.bin "$(head -n1 certs.txt)" \
    >p.txt 2>/dev/null
grep -q '"reason":"possibly_revoked"' p.txt || fail "offline: $(cat p.txt)"
"$BIN" verify --bundle filter.bundle --root root.bin --node "$SE" \
    "$(head -n1 certs.txt)" >p.txt 2>/dev/null
grep -q '"reason":"revoked"' p.txt && grep -q resolved_online p.txt ||
	fail "online: $(cat p.txt)"

failures_end bundle_test "directory, full bundle, delta = fresh, refusals, possibly revoked"
