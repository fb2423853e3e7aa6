#!/bin/bash
# reach_test.sh - issue 14's acceptance: a verifier using the client
# library (`intyg verify --federation ROOT --nodes ...`, libintyg-client)
# keeps verifying through a federation's failures.
#
# Three members (se, dk, fi) and two mirrors, each mirror following its
# members through Debian's nginx running configs/nginx/intyg-mirror-cache.conf
# (m1 through ngx1 in front of se, m2 through ngx2 in front of dk), and a
# fake endpoint that answers /healthz and serves a forged checkpoint. One
# verifier process reads certificates from a pipe, 25 a second for about
# 40 s, alternating a valid one and a revoked one, while the test:
#
#  1. kills (SIGKILL) the endpoint that answered most: the nearest;
#  2. cuts a surviving mirror's upstream (stops its nginx): it keeps
#     serving what it verified, then, past max_lag_s, answers not-ready;
#     then every other endpoint but one member is killed, and the client
#     sends the stale mirror nothing more (its verification counter
#     stands still, no verdict names it) while the member answers;
#  3. keeps the forged endpoint among the candidates throughout: it must
#     never answer.
#
# Passes when every certificate written got exactly one verdict, each the
# right one (valid / revoked), none came from the forged endpoint, and
# the verifier never gave up.
# m1's first upstream stalls (accepts connections, never answers): m1
# names it in its log and follows its second, ngx1, all the same. m1
# serves the read-only API (issuers, revocations, trust lists, the
# gateway's revocation list, directory, federation, stats, batch verify)
# with the same answers as a member.
# Ports (127.0.0.1): 7971-7973 gossip, 7974-7976 the members' APIs, 7977
# m1, 7978 ngx1, 7979 m2, 7980 the fake endpoint, 7981 ngx2, 7982 the
# stalling upstream.
# IG_BIN is the intyg binary, IG_SRC_DIR the source tree (CTest sets both).
set -u

. "$(dirname "$0")/../../lib/fed.sh"
SRC=${IG_SRC_DIR:?IG_SRC_DIR must name the source tree}
SE=http://127.0.0.1:7974
DK=http://127.0.0.1:7975
FI=http://127.0.0.1:7976
M1=http://127.0.0.1:7977
NGX1=http://127.0.0.1:7978
M2=http://127.0.0.1:7979
FAKE=http://127.0.0.1:7980
NGX2=http://127.0.0.1:7981
STALL=http://127.0.0.1:7982
MAXLAG=8

for t in curl python3 nginx stdbuf; do
	command -v $t >/dev/null || [ -x /usr/sbin/$t ] ||
		{ echo "FAIL: $t missing (scripts/test.sh installs it)"; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
C="curl -s --max-time 10"

fed_init reach_test
fed_member se SE authority tls+tcp://127.0.0.1:7971
fed_member dk DK authority tls+tcp://127.0.0.1:7972
fed_member fi FI authority tls+tcp://127.0.0.1:7973
fed_root reachfed se dk fi
fed_token
node_config se tls+tcp://127.0.0.1:7971 7974
node_config dk tls+tcp://127.0.0.1:7972 7975
node_config fi tls+tcp://127.0.0.1:7973 7976
node_start se
node_start dk
node_start fi

# heads URL: "origin seq" per line of /v1/federation's heads.
heads() {
	$C "$1/v1/federation" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for h in d.get("heads", []):
    print(h["origin"], h["seq"])'
}

# wait_same URL_A URL_B SECONDS
wait_same() {
	local a b
	for _ in $(seq 1 $(($3 * 5))); do
		a=$(heads "$1")
		b=$(heads "$2")
		[ -n "$a" ] && [ "$a" = "$b" ] && return 0
		sleep 0.2
	done
	die "$1 and $2 did not agree within $3 s: [$a] vs [$b]"
}

# verified URL: the node's count of verifications (every outcome).
verified() {
	$C "$1/metrics" | awk '/^intyg_verifications_total\{/ { n += $2 }
		END { print n + 0 }'
}

# --- an issuer at se, a valid and a revoked certificate --------------------
"$BIN" ca init --country SE --out ca >/dev/null || die "ca init"
"$BIN" ca dsc --ca ca --out dsc --types v >/dev/null || die "ca dsc"
"$BIN" ca issue --dsc dsc --type v --count 2 --seed 14 >hc.txt ||
	die "ca issue"
HC_A=$(sed -n 1p hc.txt)
HC_B=$(sed -n 2p hc.txt)
P="$BIN publish --node ipc://$TMP/se.admin.ipc --token-file $TMP/token"
$P csca ca/csca.pem >/dev/null || die "publish csca"
$P dsc dsc/dsc.pem >/dev/null || die "publish dsc"
$P revoke --from-hcert "$HC_B" >/dev/null || die "publish revoke"
wait_same $SE $DK 30
wait_same $SE $FI 30

# --- two caching proxies, two mirrors behind them --------------------------
# ngx_start NAME LISTEN_PORT UPSTREAM_PORT
ngx_start() {
	mkdir -p "$1"
	sed -e "s|server 127.0.0.1:7406;|server 127.0.0.1:$3;|" \
	    -e "s|listen 127.0.0.1:8088;|listen 127.0.0.1:$2;|" \
	    -e "s|/var/cache/nginx/intyg-read|$TMP/$1/cache|" \
	    "$SRC/configs/nginx/intyg-mirror-cache.conf" >"$1/cache.conf"
	grep -q "127.0.0.1:$2" "$1/cache.conf" ||
		die "the ADJUST lines of intyg-mirror-cache.conf changed"
	cat >"$1/nginx.conf" <<EOC
user root;
worker_processes 1;
daemon off;
pid $TMP/$1/nginx.pid;
error_log $TMP/$1/error.log warn;
events { worker_connections 256; }
http {
	access_log $TMP/$1/access.log;
	client_body_temp_path $TMP/$1/body;
	proxy_temp_path $TMP/$1/proxy;
	fastcgi_temp_path $TMP/$1/fastcgi;
	uwsgi_temp_path $TMP/$1/uwsgi;
	scgi_temp_path $TMP/$1/scgi;
	include $TMP/$1/cache.conf;
}
EOC
	"$NGINX" -t -c "$TMP/$1/nginx.conf" -p "$TMP/$1" >"$1/t.log" 2>&1 ||
		die "nginx -t: $(cat "$1/t.log")"
	"$NGINX" -c "$TMP/$1/nginx.conf" -p "$TMP/$1" >"$1/out.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$! $PIDS"
	for _ in $(seq 1 50); do
		$C -o /dev/null "http://127.0.0.1:$2/v1/roots/1" && return 0
		sleep 0.1
	done
	die "$1 did not start"
}

# mirror_start ID PORT UPSTREAMS
mirror_start() {
	cat >"$1.ini" <<EOC
[node]
id = $1
role = mirror
data_dir = $TMP/$1-data
root_file = $TMP/root.bin
root_hash = $HASH
[api]
listen = http://127.0.0.1:$2
[mirror]
upstreams = $3
poll_interval_ms = 200
max_lag_s = $MAXLAG
timeout_ms = 2000
EOC
	"$BIN" node --config "$1.ini" >>"$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do
		code=$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/healthz")
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	die "mirror $1 did not become ready"
}

ngx_start ngx1 7978 7974
ngx_start ngx2 7981 7975
python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7982))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' >stall.log 2>&1 &
PIDS="$PIDS $!"
mirror_start m1 7977 "$STALL,$NGX1"
mirror_start m2 7979 $NGX2
wait_same $SE $M1 30
wait_same $SE $M2 20
grep -q '127.0.0.1:7982' m1.log ||
	fail "m1 never named its stalling upstream in its log"

# A mirror serves the whole read-only API as a member does: the same
# answers as se for the registry's reads, 200 for the others.
printf '["%s", "%s"]' "$HC_A" "$HC_B" >batch.json
# The kid and UCI hash of the revoked certificate, URL-encoded.
read -r KIDQ HASHQ <<<"$("$BIN" inspect "$HC_B" 2>/dev/null | python3 -c '
import json, sys, urllib.parse
q = lambda v: urllib.parse.quote(v, safe="")
try:
    d = json.load(sys.stdin)
    print(q(d["kid"]), q(d["revocation_hashes"]["uci"]))
except Exception:
    print("", "")')"
[ -n "$KIDQ" ] && [ -n "$HASHQ" ] || fail "intyg inspect gave no kid or hash"
REV="/v1/revocations/$KIDQ?hash=$HASHQ&type=UCI"
for t in "/v1/issuers" "/v1/issuers/$KIDQ" "$REV" /v1/trustlist \
    /v1/trustlist/DSC /v1/directory /v1/federation; do
	code=$($C -o m1.out -w '%{http_code}' "$M1$t")
	[ "$code" = 200 ] || fail "m1 GET $t: $code $(head -c 200 m1.out)"
done
for t in "/v1/issuers/$KIDQ" "$REV" /v1/trustlist/DSC; do
	$C "$SE$t" >se.out
	$C "$M1$t" >m1.out
	cmp -s se.out m1.out || fail "m1 and se answer $t differently"
done
code=$($C -o m1.out -w '%{http_code}' \
	-H 'If-Modified-Since: 2021-06-01T00:00:00Z' "$M1/v1/revocation-list")
[ "$code" = 200 ] || fail "m1 GET /v1/revocation-list: $code $(head -c 200 m1.out)"
code=$($C -o m1.out -w '%{http_code}' "$M1/v1/stats")
[ "$code" = 200 ] || fail "m1 GET /v1/stats: $code $(head -c 200 m1.out)"
code=$($C -o m1.out -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @batch.json "$M1/v1/verify/batch")
[ "$code" = 200 ] && grep -q '"revoked"' m1.out && grep -q '"valid"' m1.out ||
	fail "m1 POST /v1/verify/batch: $code $(head -c 300 m1.out)"

# --- a forged endpoint: healthy, nearest-looking, its checkpoint forged ----
mkdir -p fake/v1
printf '{"status":"ok"}' >fake/healthz
$C "$SE/v1/checkpoint" >good.ckpt
grep -q '^log se ' good.ckpt || die "se's checkpoint has no log line for se"
sed 's/^log se [0-9]* /log se 1000 /' good.ckpt >fake/v1/checkpoint
(cd fake && exec python3 -m http.server 7980 --bind 127.0.0.1 \
	>../fake.log 2>&1) &
PIDS="$PIDS $!"
for _ in $(seq 1 50); do
	$C -o /dev/null "$FAKE/healthz" && break
	sleep 0.1
done

# --- the verifier ---------------------------------------------------------
mkfifo in.fifo
: >sent.txt
(
	exec 3>in.fifo
	while [ ! -e stop ]; do
		printf '%s\n' "$HC_A" >&3
		printf 'A\n' >>sent.txt
		printf '%s\n' "$HC_B" >&3
		printf 'B\n' >>sent.txt
		sleep 0.08
	done
) &
GEN=$!
PIDS="$PIDS $GEN"
# Line-buffered so that the test can read who answered while it runs
# (stdbuf preloads a library; ASan must then not insist on coming first).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	stdbuf -oL "$BIN" verify --federation root.bin --timeout-ms 3000 \
	--nodes "$FAKE,$M1,$M2,$SE,$DK,$FI" - <in.fifo >out.jsonl 2>verifier.err &
VER=$!
PIDS="$PIDS $VER"

# endpoint_counts: "count url" per endpoint that answered so far.
endpoint_counts() {
	python3 -c '
import collections, json, sys
c = collections.Counter()
for line in open("out.jsonl"):
    try:
        c[json.loads(line).get("endpoint", "?")] += 1
    except Exception:
        c["unparsable"] += 1
for url, n in c.most_common():
    print(n, url)'
}

sleep 5
[ -s out.jsonl ] || die "no verdict after 5 s: $(cat verifier.err)"
NEAREST=$(endpoint_counts | head -1 | awk '{print $2}')
echo "reach_test: answers so far by endpoint:"; endpoint_counts
case $NEAREST in
$M1) victim=m1 ;; $M2) victim=m2 ;; $SE) victim=se ;; $DK) victim=dk ;;
$FI) victim=fi ;;
*) die "the nearest endpoint is $NEAREST, not one of ours" ;;
esac
echo "reach_test: killing the nearest, $victim ($NEAREST)"
kill -KILL "$(eval echo \$PID_$victim)"
before_kill=$(wc -l <out.jsonl)

sleep 6
after_kill=$(wc -l <out.jsonl)
[ "$after_kill" -gt $((before_kill + 50)) ] ||
	fail "only $((after_kill - before_kill)) verdicts in the 6 s after the kill"

# A surviving mirror loses its upstream: its nginx stops.
if [ "$victim" = m2 ]; then cut=m1 cut_url=$M1 ngx=ngx1
else cut=m2 cut_url=$M2 ngx=ngx2; fi
echo "reach_test: cutting $cut's upstream ($ngx)"
kill -TERM "$(eval echo \$PID_$ngx)"
sleep 1
# It keeps serving what it verified.
printf '{"hcert": "%s"}' "$HC_A" >v.json
r=$($C -H 'Content-Type: application/json' --data-binary @v.json \
	"$cut_url/v1/verify" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("reason"))')
[ "$r" = valid ] || fail "$cut without its upstream: certificate A is $r"
# Past max_lag_s it is not ready ...
stale=0
for _ in $(seq 1 $(((MAXLAG + 10) * 5))); do
	code=$($C -o /dev/null -w '%{http_code}' "$cut_url/healthz")
	[ "$code" = 503 ] && { stale=1; break; }
	sleep 0.2
done
[ $stale = 1 ] || fail "$cut never answered 503 after its upstream was cut"
# Everything else but one member goes too, so that the stale mirror is
# the client's only other live candidate: once the client has probed it
# again (every 5 s by default) it must send it nothing more.
keep=se
[ "$victim" = se ] && keep=fi
for id in m1 m2 se dk fi; do
	case $id in "$victim" | "$cut" | "$keep") continue ;; esac
	echo "reach_test: stopping $id"
	kill -KILL "$(eval echo \$PID_$id)" 2>/dev/null
done
sleep 7
l1=$(wc -l <out.jsonl)
n1=$(verified "$cut_url")
sleep 6
n2=$(verified "$cut_url")
l2=$(wc -l <out.jsonl)
[ "$n1" = "$n2" ] ||
	fail "$cut was stale (503) and still got $((n2 - n1)) verifications"
[ "$l2" -gt $((l1 + 50)) ] ||
	fail "only $((l2 - l1)) verdicts from $keep alone in 6 s"
from_cut=$(tail -n +$((l1 + 1)) out.jsonl | grep -c "\"endpoint\":\"$cut_url\"")
[ "$from_cut" = 0 ] || fail "$from_cut verdicts from the stale mirror $cut"

# --- the end: every certificate written got its one right verdict ----------
touch stop
wait $GEN 2>/dev/null
for _ in $(seq 1 100); do
	kill -0 $VER 2>/dev/null || break
	sleep 0.1
done
wait $VER
rc=$?
[ $rc = 1 ] || fail "verifier exit status $rc (1: some certificate is invalid), $(tail -3 verifier.err)"
echo "reach_test: answers by endpoint:"; endpoint_counts
python3 - "$FAKE" <<'EOP' || fail "verdicts do not match what was sent"
import json, sys
fake = sys.argv[1]
sent = [l.strip() for l in open("sent.txt") if l.strip()]
got = [json.loads(l) for l in open("out.jsonl") if l.strip()]
want = {"A": "valid", "B": "revoked"}
bad = 0
if len(got) != len(sent):
    print("sent %d certificates, got %d verdicts" % (len(sent), len(got)))
    bad += 1
for i, (s, v) in enumerate(zip(sent, got)):
    if v.get("reason") != want[s]:
        print("verdict %d: %s is %s" % (i, s, v.get("reason")))
        bad += 1
    if v.get("endpoint") == fake:
        print("verdict %d came from the forged endpoint" % i)
        bad += 1
print("reach_test: %d certificates, %d verdicts, %d wrong" % (len(sent), len(got), bad))
sys.exit(1 if bad else 0)
EOP
grep -q "$FAKE" verifier.err || true
failures_end reach_test "nearest killed, an upstream cut, a stale mirror and a forged checkpoint: no verification lost or wrong"
