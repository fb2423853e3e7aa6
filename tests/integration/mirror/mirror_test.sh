#!/bin/bash
# mirror_test.sh - mirror nodes (role = mirror) with real processes
# (docs/operations.md, "Running a mirror"; docs/protocol.md, "Read path"):
#
#  - two members (se, dk) and a mirror m1 following both over HTTP: m1
#    catches up (the same heads as the members), verifies an HCERT as a
#    member does (valid, and revoked after a revocation), refuses a
#    publish on its admin listener (403), serves the upstream's signed
#    checkpoint, follows new entries, and reports its freshness;
#  - the read path's caching headers: a full tile immutable with a strong
#    ETag, a partial tile short-lived, a missing one no-store;
#  - a fake upstream (python3 -m http.server over prepared files) serving
#    garbage, a forged checkpoint, a tile whose records are out of order
#    and a tile with a bad signature: mirror m2 refuses each, logs what
#    failed, applies nothing it could not verify, and catches up once the
#    true tile is served;
#  - mirror m3 follows se through Debian's nginx running
#    configs/nginx/intyg-mirror-cache.conf (tiles served from the cache);
#  - upstream cut: both members killed; m1 keeps answering verifications,
#    its checkpoint ages, and past max_lag_s /healthz and /readyz answer
#    503 (intyg_mirror_checkpoint_age_seconds above max_lag).
# Ports (127.0.0.1): 7951-7952 gossip, 7953-7954 the members' APIs,
# 7955 m1, 7956 m1's admin listener, 7957 the fake upstream, 7958 m2,
# 7959 nginx, 7960 m3.
# IG_BIN is the intyg binary, IG_SRC_DIR the source tree (CTest sets
# both).
set -u

. "$(dirname "$0")/../../lib/fed.sh"
SRC=${IG_SRC_DIR:?IG_SRC_DIR must name the source tree}
SE=http://127.0.0.1:7953
DK=http://127.0.0.1:7954
M1=http://127.0.0.1:7955
M1ADMIN=http://127.0.0.1:7956
FAKE=http://127.0.0.1:7957
M2=http://127.0.0.1:7958
NGX=http://127.0.0.1:7959
M3=http://127.0.0.1:7960
MAXLAG=25

for t in curl python3 nginx; do
	command -v $t >/dev/null || [ -x /usr/sbin/$t ] ||
		{ echo "FAIL: $t missing (scripts/test.sh installs it)"; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
C="curl -s --max-time 10"

fed_init mirror_test
fed_member se SE authority tls+tcp://127.0.0.1:7951
fed_member dk DK authority tls+tcp://127.0.0.1:7952
fed_root mirrorfed se dk
fed_token
node_config se tls+tcp://127.0.0.1:7951 7953
node_config dk tls+tcp://127.0.0.1:7952 7954
node_start se
node_start dk

# mirror_config ID PORT UPSTREAMS [ADMIN_PORT]
mirror_config() {
	cat >"$1.ini" <<EOC
[node]
id = $1
role = mirror
data_dir = $TMP/$1-data
root_file = $TMP/root.bin
root_hash = $HASH
[api]
listen = http://127.0.0.1:$2
EOC
	if [ $# -gt 3 ]; then
		printf 'admin_listen = http://127.0.0.1:%s\n' "$4" >>"$1.ini"
		printf 'admin_token_file = %s/token\n' "$TMP" >>"$1.ini"
	fi
	cat >>"$1.ini" <<EOC
[mirror]
upstreams = $3
poll_interval_ms = 200
max_lag_s = $MAXLAG
timeout_ms = 2000
EOC
}

# mirror_start ID URL: runs it, waits for its /healthz to answer.
mirror_start() {
	"$BIN" node --config "$1.ini" >>"$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do
		code=$($C -o /dev/null -w '%{http_code}' "$2/healthz")
		[ "$code" = 200 ] || [ "$code" = 503 ] && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	die "mirror $1 did not start"
}

# heads URL: the registry heads of /v1/federation, one "origin seq hash"
# a line.
heads() {
	$C "$1/v1/federation" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for h in d.get("heads", []):
    print(h["origin"], h["seq"], h["hash"])'
}

# wait_same URL_A URL_B SECONDS: until both hold the same non-empty heads.
wait_same() {
	local a b
	for _ in $(seq 1 $(($3 * 5))); do
		a=$(heads "$1")
		b=$(heads "$2")
		[ -n "$a" ] && [ "$a" = "$b" ] && return 0
		sleep 0.2
	done
	fail "$1 and $2 did not agree within $3 s: [$a] vs [$b]"
	return 1
}

# reason URL HC1: the verdict's reason at URL.
reason() {
	printf '{"hcert": "%s"}' "$2" >v.json
	$C -H 'Content-Type: application/json' --data-binary @v.json \
	    "$1/v1/verify" | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin).get("reason", "none"))
except Exception:
    print("no-answer")'
}

# tamper IN swap|flip OUT: a tile with records 2 and 3 swapped, or with
# the last byte of record 2 (its signature's) flipped.
tamper() {
	python3 - "$@" <<'EOP'
import struct, sys
data = open(sys.argv[1], 'rb').read()
recs, off = [], 0
while off < len(data):
    (n,) = struct.unpack('>I', data[off:off + 4])
    recs.append(data[off + 4:off + 4 + n])
    off += 4 + n
if sys.argv[2] == 'swap':
    recs[1], recs[2] = recs[2], recs[1]
else:
    r = bytearray(recs[1])
    r[-1] ^= 1
    recs[1] = bytes(r)
open(sys.argv[3], 'wb').write(
    b''.join(struct.pack('>I', len(r)) + r for r in recs))
EOP
}

# wait_log FILE TEXT SECONDS
wait_log() {
	for _ in $(seq 1 $(($3 * 5))); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.2
	done
	fail "$1 never logged: $2"
	return 1
}

# --- an issuer at se; two certificates ------------------------------------
"$BIN" ca init --country SE --out ca >/dev/null || die "ca init"
"$BIN" ca dsc --ca ca --out dsc --types v >/dev/null || die "ca dsc"
"$BIN" ca issue --dsc dsc --type v --count 70 --seed 7 >hc.txt ||
	die "ca issue"
HC_A=$(sed -n 1p hc.txt)
HC_B=$(sed -n 2p hc.txt)
P="$BIN publish --node ipc://$TMP/se.admin.ipc --token-file $TMP/token"
$P csca ca/csca.pem >/dev/null || die "publish csca"
$P dsc dsc/dsc.pem >/dev/null || die "publish dsc"
$P revoke --from-hcert "$HC_B" >/dev/null || die "publish revoke"

# --- m1 follows both members ----------------------------------------------
mirror_config m1 7955 "$SE,$DK" 7956
mirror_start m1 $M1
wait_same $SE $M1 20 || die "m1 did not catch up"
[ "$(reason $M1 "$HC_A")" = valid ] || fail "m1: certificate A not valid"
[ "$(reason $M1 "$HC_B")" = revoked ] || fail "m1: certificate B not revoked"
[ "$(reason $M1 "$HC_B")" = "$(reason $SE "$HC_B")" ] ||
	fail "m1 and se disagree on certificate B"
code=$($C -o /dev/null -w '%{http_code}' "$M1/healthz")
[ "$code" = 200 ] || fail "m1 /healthz $code after catching up"
$C "$M1/healthz" | grep -q '"mirror"' || fail "m1 /healthz without mirror"
$C "$M1/metrics" | grep -q '^intyg_mirror_checkpoint_age_seconds [0-9]' ||
	fail "m1 /metrics without intyg_mirror_checkpoint_age_seconds"
# It serves a checkpoint a member signed (it cannot sign its own).
$C "$M1/v1/checkpoint" >m1.ckpt
grep -q '^intyg.federation/mirrorfed$' m1.ckpt ||
	fail "m1 /v1/checkpoint: $(head -c 200 m1.ckpt)"
grep -q '^— \(se\|dk\) ' m1.ckpt || fail "m1's checkpoint not signed by a member"

# The rest of the read-only API answers as at a member.
for path in /v1/issuers /v1/trustlist /v1/trustlist/DSC /v1/stats \
    /v1/federation /v1/roots/1 /readyz; do
	code=$($C -o /dev/null -w '%{http_code}' "$M1$path")
	[ "$code" = 200 ] || fail "m1 $path answered $code"
done
# (the gateway's revocation list wants its If-Modified-Since, as at se)
a=$($C -o /dev/null -w '%{http_code}' "$SE/v1/revocation-list")
b=$($C -o /dev/null -w '%{http_code}' "$M1/v1/revocation-list")
[ "$a" = "$b" ] || fail "/v1/revocation-list: se $a, m1 $b"
$C "$SE/v1/trustlist/DSC" >se-tl.json
$C "$M1/v1/trustlist/DSC" >m1-tl.json
cmp -s se-tl.json m1-tl.json || fail "m1's DSC trust list differs from se's"
printf '["%s", "%s"]' "$HC_A" "$HC_B" >batch.json
$C -H 'Content-Type: application/json' --data-binary @batch.json \
    "$M1/v1/verify/batch" >batch.out
[ "$(grep -o '"reason":"[a-z_]*"' batch.out | tr '\n' ' ')" = \
    '"reason":"valid" "reason":"revoked" ' ] ||
	fail "m1 batch: $(head -c 300 batch.out)"

# A publish is refused, with the reason.
printf '{"ops": [{"op": "rev.put", "kid": "0011223344556677", "hash_type": "UCI", "hashes": ["00112233445566778899aabbccddeeff"]}]}' >pub.json
code=$($C -o pub.out -w '%{http_code}' -H "Authorization: Bearer $(cat token)" \
    -H 'Content-Type: application/json' --data-binary @pub.json \
    "$M1ADMIN/admin/v1/publish")
[ "$code" = 403 ] || fail "publish at m1 answered $code, not 403"
grep -q 'mirror' pub.out || fail "publish at m1: no reason: $(cat pub.out)"
# A mirror without keys is no member: one configured with a member id
# does not start.
mirror_config se-mirror 7961 "$SE"
sed -i "s/^id = se-mirror/id = se/" se-mirror.ini
timeout 20 "$BIN" node --config se-mirror.ini >se-mirror.out 2>&1 &&
	fail "a mirror with a member's id started"
grep -q 'needs an id of its own' se-mirror.out ||
	fail "mirror with a member's id: $(cat se-mirror.out)"

# New entries are followed.
$P revoke --from-hcert "$HC_A" >/dev/null || die "publish revoke A"
for _ in $(seq 1 50); do
	[ "$(reason $M1 "$HC_A")" = revoked ] && break
	sleep 0.2
done
[ "$(reason $M1 "$HC_A")" = revoked ] || fail "m1 did not follow the revocation"

# --- the read path's headers ----------------------------------------------
$C -D tile.h -o tile.bin "$SE/v1/log/se/tile/0.p/4"
grep -qi '^Cache-Control: public, max-age=5' tile.h ||
	fail "partial tile: $(grep -i cache-control tile.h)"
grep -qi '^ETag: "[0-9a-f]\{32\}"' tile.h || fail "partial tile: no strong ETag"
code=$($C -D miss.h -o /dev/null -w '%{http_code}' "$SE/v1/log/se/tile/0")
[ "$code" = 404 ] || fail "the incomplete full tile 0 answered $code"
grep -qi '^Cache-Control: no-store' miss.h || fail "a 404 tile is cacheable"
$C -D root.h -o root1.bin "$SE/v1/roots/1"
grep -qi '^Cache-Control: public, max-age=31536000, immutable' root.h ||
	fail "root 1: $(grep -i cache-control root.h)"
cmp -s root1.bin root.bin || fail "/v1/roots/1 is not the signed root"

# --- a fake upstream: garbage, forgeries, tiles that do not chain ---------
$C "$SE/v1/checkpoint" >good.ckpt
n_se=$(sed -n 's/^log se \([0-9]*\) .*/\1/p' good.ckpt)
[ -n "$n_se" ] && [ "$n_se" -ge 4 ] || die "se's checkpoint: $(cat good.ckpt)"
mkdir -p fake/v1/log/se/tile/0.p
printf 'this is not a checkpoint\n' >fake/v1/checkpoint
python3 -m http.server 7957 --bind 127.0.0.1 --directory fake \
    >fake.log 2>&1 &
PIDS="$! $PIDS"
mirror_config m2 7958 "$FAKE"
mirror_start m2 $M2
wait_log m2.log "upstream $FAKE failed: checkpoint: malformed" 10

# A checkpoint whose log line was changed: its signature fails.
sed "s/^log se [0-9]* /log se 1000 /" good.ckpt >fake/v1/checkpoint
wait_log m2.log "upstream $FAKE failed: checkpoint refused" 10
[ -z "$(heads $M2)" ] || fail "m2 applied entries: $(heads $M2)"

# The true checkpoint, but a tile with two records swapped.
$C "$SE/v1/log/se/tile/0.p/$n_se" >true.tile
[ -s true.tile ] || die "no tile 0.p/$n_se at se"
cp good.ckpt fake/v1/checkpoint
tamper true.tile swap fake/v1/log/se/tile/0.p/$n_se
wait_log m2.log "is not entry 2 of the log" 10
[ -z "$(heads $M2)" ] || fail "m2 applied entries of a tile out of order: $(heads $M2)"

# A tile whose second entry carries a bad signature: the first applies
# (it verified on its own), the second is refused, nothing after it.
tamper true.tile flip fake/v1/log/se/tile/0.p/$n_se
wait_log m2.log "entry se/2 refused" 10
[ "$(heads $M2 | awk '$1 == "se" {print $2}')" = 1 ] ||
	fail "m2 after a bad signature: $(heads $M2)"
code=$($C -o /dev/null -w '%{http_code}' "$M2/healthz")
[ "$code" = 503 ] || fail "m2 without a verified checkpoint: /healthz $code"
code=$($C -o /dev/null -w '%{http_code}' "$M2/v1/checkpoint")
[ "$code" = 503 ] || fail "m2 served a checkpoint it never verified ($code)"
# The true tile: m2 catches up.
cp true.tile fake/v1/log/se/tile/0.p/$n_se
for _ in $(seq 1 50); do
	[ "$(heads $M2 | awk '$1 == "se" {print $2}')" = "$n_se" ] && break
	sleep 0.2
done
[ "$(heads $M2 | awk '$1 == "se" {print $2}')" = "$n_se" ] ||
	fail "m2 did not catch up from the true tile: $(heads $M2)"

# 61 more entries at se: tile 0 is full (immutable), tile 1 partial.
for i in $(seq 3 63); do
	$P revoke --from-hcert "$(sed -n "${i}p" hc.txt)" >/dev/null ||
		die "publish revoke $i"
done
$C -D full.h -o /dev/null "$SE/v1/log/se/tile/0"
grep -qi '^Cache-Control: public, max-age=31536000, immutable' full.h ||
	fail "full tile: $(grep -i cache-control full.h)"

# --- through nginx (configs/nginx/intyg-mirror-cache.conf) ---------------
sed -e "s|server 127.0.0.1:7406;|server 127.0.0.1:7953;|" \
    -e "s|listen 127.0.0.1:8088;|listen 127.0.0.1:7959;|" \
    -e "s|/var/cache/nginx/intyg-read|$TMP/cache|" \
    "$SRC/configs/nginx/intyg-mirror-cache.conf" >cache.conf
grep -q '127.0.0.1:7953' cache.conf && grep -q '127.0.0.1:7959' cache.conf ||
	die "the ADJUST lines of intyg-mirror-cache.conf changed: update this test"
cat >nginx.conf <<EOC
user root;
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 256; }
http {
	access_log $TMP/access.log;
	client_body_temp_path $TMP/body;
	proxy_temp_path $TMP/proxy;
	fastcgi_temp_path $TMP/fastcgi;
	uwsgi_temp_path $TMP/uwsgi;
	scgi_temp_path $TMP/scgi;
	include $TMP/cache.conf;
}
EOC
"$NGINX" -t -c "$TMP/nginx.conf" -p "$TMP" >nginx-t.log 2>&1 ||
	die "nginx -t refused the configuration: $(cat nginx-t.log)"
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" >nginx.out 2>&1 &
PIDS="$! $PIDS"
for _ in $(seq 1 50); do
	$C -o /dev/null "$NGX/v1/roots/1" && break
	sleep 0.1
done
mirror_config m3 7960 "$NGX"
mirror_start m3 $M3
wait_same $SE $M3 20 || fail "m3 did not catch up through nginx"
[ "$(reason $M3 "$HC_A")" = revoked ] || fail "m3: certificate A not revoked"
s=$($C -D - -o /dev/null "$NGX/v1/roots/1" | tr -d '\r' |
	sed -n 's/^X-Cache-Status: //Ip')
[ "$s" = HIT ] || fail "root 1 through nginx: cache $s, not HIT"
s=$($C -D - -o /dev/null "$NGX/v1/log/se/tile/0" | tr -d '\r' |
	sed -n 's/^X-Cache-Status: //Ip')
[ "$s" = HIT ] || fail "full tile 0 through nginx: cache $s, not HIT"

# --- upstream cut: m1 keeps serving, ages, then is not ready ---------------
node_kill se
node_kill dk
wait_log m1.log "upstream $SE failed" 10
[ "$(reason $M1 "$HC_A")" = revoked ] || fail "m1 stopped serving after the cut"
ready=0
for _ in $(seq 1 $((MAXLAG * 5 + 50))); do
	code=$($C -o /dev/null -w '%{http_code}' "$M1/healthz")
	[ "$code" = 503 ] && { ready=1; break; }
	sleep 0.2
done
[ $ready = 1 ] || fail "m1 did not go stale within max_lag after the cut"
code=$($C -o /dev/null -w '%{http_code}' "$M1/readyz")
[ "$code" = 503 ] || fail "stale m1: /readyz $code"
age=$($C "$M1/metrics" | sed -n 's/^intyg_mirror_checkpoint_age_seconds //p')
[ -n "$age" ] && [ "$age" -gt "$MAXLAG" ] ||
	fail "stale m1: intyg_mirror_checkpoint_age_seconds $age"
[ "$(reason $M1 "$HC_A")" = revoked ] || fail "stale m1 stopped serving"

failures_end mirror_test "2 members, 3 mirrors (one behind nginx), a fake upstream refused"
