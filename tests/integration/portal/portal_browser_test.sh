#!/bin/bash
# portal_browser_test.sh - the operator portal (docs/portal.md) in a real
# browser (issue 16 points 4 and 6): three real nodes, node1 with the
# HTTP admin listener and a drill reports directory; headless Chromium
# (Debian's chromium, driven by tests/lib/cdp.py) signs in through
# the form and reads the server-rendered pages.
#
# 1. Over HTTP (curl): every portal answer carries the security headers
#    (CSP default-src 'none', X-Frame-Options DENY, no-store); without
#    credentials a page is refused (401, the sign-in form); the sign-in
#    sets an HttpOnly SameSite=Strict cookie that opens the portal but
#    not /admin/v1; a forged cookie, a wrong token and report paths that
#    try to leave the reports directory are refused; the public listener
#    has no portal.
# 2. In Chromium: the sign-in (refused first without a session and with
#    a wrong token), every peer up, a member name and a mirror URL that
#    carry markup shown as text, the statistics chart, the drill runs
#    newest first with their objectives, a report opened sandboxed (its
#    script does not run), sign-out.
# 3. node3 killed: node1's overview shows it down within one gossip
#    period plus slack for a loaded machine (the page is reloaded until
#    then, with a deadline); restarted: shown up again.
#
# Screenshots are kept in $IG_PORTAL_SHOTS (the build folder). Ports
# (127.0.0.1): gossip 6400-6402, API 6410-6412, node1's admin listener
# 6420. Exits 77 (skipped) only when Chromium cannot start at all.
set -u
. "$(dirname "$0")/../../lib/fed.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SHOTS=${IG_PORTAL_SHOTS:-$PWD/portal-screenshots}
PERIOD_MS=1000
TIMEOUT_MS=1000
# A node marks a peer down when an exchange with it fails: at most one
# gossip period until it tries the peer (it picks one at random each
# period, so a few), plus the exchange's timeout (2 x TIMEOUT_MS) when
# the connection does not fail at once. The deadline is that plus slack
# for a loaded 2-core machine under ASan (the browser is signed in and
# watching before the kill).
DEADLINE_MS=$((PERIOD_MS + 2 * TIMEOUT_MS + 10000))
# Back after a restart: the node's start (its store, TLS) and the
# peers' reconnect backoff come first.
BACK_DEADLINE_MS=60000
ADMIN=http://127.0.0.1:6420

for p in 6400 6401 6402 6410 6411 6412 6420; do
	if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
		echo "FAIL: port $p is in use"
		exit 1
	fi
done
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

fed_init portal_browser_test
fed_member node1 SE authority tls+tcp://127.0.0.1:6400
fed_member node2 NO authority tls+tcp://127.0.0.1:6401
fed_member node3 DK authority tls+tcp://127.0.0.1:6402
# A member name with markup (member-controlled: signed into the root).
sed -i 's|"name": *"[^"]*"|"name": "<img id=\\"injected\\" src=x>Bad \& '"'"'co'"'"'"|' \
    keys/node3.member.json
grep -q 'injected' keys/node3.member.json || die "member name not set"
fed_root portal node1 node2 node3
fed_token
node_config node1 tls+tcp://127.0.0.1:6400 6410 6420
node_config node2 tls+tcp://127.0.0.1:6401 6411
node_config node3 tls+tcp://127.0.0.1:6402 6412
mkdir -p drills
# The gossip period, and the time an exchange may take ([gossip]
# timeout_ms; the exchange timeout is twice it): a node marks a peer down when
# an exchange with it fails, at the latest when it times out.
sed -i -e "s/^period_ms = .*/period_ms = $PERIOD_MS/" \
    -e "/^period_ms = /a timeout_ms = $TIMEOUT_MS" node1.ini node2.ini node3.ini
printf '[admin]\ndrill_reports = %s/drills\n' "$TMP" >>node1.ini
# Statistics released from one verification on (k = 1, no rounding), so
# that the test's few verifications show in the chart.
printf '[api]\nstats_k = 1\nstats_rounding = 1\n' >>node1.ini
# The [admin] section above now holds listen and token_file too; the
# appended one adds the key (INI sections may repeat).

# Drill reports: two runs, a symbolic link and a hidden directory that
# must not be listed.
for r in run-1 run-2; do
	mkdir -p "drills/$r"
	cat >"drills/$r/report.json" <<EOJ
{"scenario": "small", "run": "$r", "complete": true, "passed": false,
 "objectives": [{"name": "a", "met": true}, {"name": "b", "met": true},
                {"name": "c", "met": true}, {"name": "d", "met": false}]}
EOJ
	cat >"drills/$r/report.html" <<EOH
<!DOCTYPE html><html><body><h1>Readiness report $r</h1>
<script>document.body.insertAdjacentHTML('beforeend',
'<p id="report-script-ran">ran</p>')</script></body></html>
EOH
done
touch -d '2026-01-01 00:00:00' drills/run-1 drills/run-1/*
# A run whose report.json is not JSON (an interrupted drill): listed as
# such, oldest.
mkdir -p drills/run-0
printf '{"scenario": "small", "objec' >drills/run-0/report.json
touch -d '2025-01-01 00:00:00' drills/run-0
ln -s /etc drills/run-link
mkdir -p drills/.hidden

node_start node1
node_start node2
node_start node3

# A mirror URL with characters that end an attribute (member-signed).
"$BIN" publish --node "ipc://$TMP/node2.admin.ipc" --token-file "$TMP/token" \
    dir-put evil-mirror "http://mirror.example/x'onmouseover=alert(1)&y=1" \
    >/dev/null || die "dir-put at node2"

# --- 1. over HTTP -----------------------------------------------------------
TOKEN=$(head -n1 "$TMP/token")
# req ARGS...: curl with the headers in $HDRS, the body in $BODY and the
# status in $CODE.
req() {
	local out
	out=$(curl -s -m 10 -D "$TMP/hdrs" -w '\n%{http_code}' "$@")
	CODE=${out##*$'\n'}
	BODY=${out%$'\n'*}
	HDRS=$(tr -d '\r' <"$TMP/hdrs")
}
has_hdr() {
	grep -qi "^$1" <<<"$HDRS" || fail "$2: no '$1' header: $HDRS"
}
secure_hdrs() {
	has_hdr "content-security-policy: default-src 'none'" "$1"
	has_hdr "x-frame-options: DENY" "$1"
	has_hdr "cache-control: no-store" "$1"
	has_hdr "x-content-type-options: nosniff" "$1"
}

for _ in $(seq 1 100); do
	req "$ADMIN/admin/portal/login"
	[ "$CODE" = 200 ] && break
	sleep 0.1
done
[ "$CODE" = 200 ] || die "login page: $CODE"
secure_hdrs "GET /admin/portal/login"
for p in /admin/portal /admin/portal/stats /admin/portal/drills \
	/admin/portal/drills/run-1/report.html; do
	req "$ADMIN$p"
	[ "$CODE" = 401 ] || fail "GET $p without credentials: $CODE"
	grep -q 'name="token"' <<<"$BODY" || fail "GET $p: no sign-in form"
	grep -q 'id="peers"' <<<"$BODY" && fail "GET $p: overview without credentials"
	secure_hdrs "GET $p (401)"
done
req -H "Authorization: Bearer $TOKEN" "$ADMIN/admin/portal"
[ "$CODE" = 200 ] || fail "GET /admin/portal with the bearer token: $CODE"
secure_hdrs "GET /admin/portal"
req -H "Cookie: intyg_portal=9999999999.$(printf '0%.0s' $(seq 64))" \
    "$ADMIN/admin/portal"
[ "$CODE" = 401 ] || fail "a forged cookie: $CODE"
req --data-urlencode "token=wrong-token-0123456789" "$ADMIN/admin/portal/login"
[ "$CODE" = 401 ] || fail "a wrong token: $CODE"
grep -qi '^set-cookie' <<<"$HDRS" && fail "a wrong token got a cookie"
req --data-urlencode "token=$TOKEN" "$ADMIN/admin/portal/login"
[ "$CODE" = 303 ] || fail "the right token: $CODE"
has_hdr "location: /admin/portal" "sign-in"
COOKIE=$(sed -n 's/^set-cookie: \(intyg_portal=[^;]*\);.*/\1/Ip' <<<"$HDRS")
[ -n "$COOKIE" ] || die "no session cookie: $HDRS"
for a in HttpOnly SameSite=Strict Path=/admin/portal; do
	grep -i '^set-cookie' <<<"$HDRS" | grep -q "$a" ||
		fail "the cookie lacks $a"
done
req -H "Cookie: $COOKIE" "$ADMIN/admin/portal"
[ "$CODE" = 200 ] || fail "GET /admin/portal with the cookie: $CODE"
grep -q 'data-peer="node2"' <<<"$BODY" || fail "overview without node2"
req -H "Cookie: $COOKIE" -H 'Content-Type: application/json' \
    --data "{\"dir\": \"$TMP/backup\"}" "$ADMIN/admin/v1/backup"
[ "$CODE" = 401 ] || fail "the cookie opened /admin/v1/backup: $CODE"
[ -e "$TMP/backup" ] && fail "a backup was written with the cookie"
for p in run-link/report.html .hidden/report.html run-1/passwd \
	'..%2F..%2F..%2Fetc/report.html' 'run-1/..%2F..%2Fx/report.html' \
	run-1/report.html/x nosuchrun/report.html; do
	req -H "Cookie: $COOKIE" "$ADMIN/admin/portal/drills/$p"
	case "$CODE" in 400 | 404) ;;
	*) fail "GET drills/$p: $CODE (want 400 or 404)" ;;
	esac
done
req -H "Cookie: $COOKIE" "$ADMIN/admin/portal/drills/run-1/report.json"
[ "$CODE" = 200 ] && grep -q '"run": "run-1"' <<<"$BODY" ||
	fail "run-1's report.json: $CODE"
req -H "Cookie: $COOKIE" "$ADMIN/admin/portal/drills/run-2/report.html"
[ "$CODE" = 200 ] || fail "run-2's report.html: $CODE"
has_hdr "content-security-policy: default-src 'none'.*sandbox" "report.html"
req -H "Cookie: $COOKIE" "$ADMIN/admin/portal/drills"
grep -q 'run-link\|\.hidden' <<<"$BODY" && fail "a link or hidden run listed"
req "http://127.0.0.1:6410/admin/portal"
[ "$CODE" = 404 ] || fail "the public listener answers /admin/portal: $CODE"
[ "$failures" = 0 ] || die "HTTP checks failed"

# Verifications for the statistics chart: 7 malformed ones at node1.
for _ in 1 2 3 4 5 6 7; do
	req -H 'Content-Type: text/plain' --data 'HC1:NOT-BASE45' \
	    http://127.0.0.1:6410/v1/verify
	[ "$CODE" = 200 ] || fail "POST /v1/verify: $CODE $BODY"
done

# --- 2. in Chromium ---------------------------------------------------------
browser() {
	/usr/bin/python3 "$HERE/portal_browser.py" "$ADMIN" "$TMP/token" \
	    "$SHOTS" "$@"
	local rc=$?
	if [ $rc = 77 ]; then
		echo "portal_browser_test: SKIPPED: Chromium cannot start"
		exit 77
	fi
	[ $rc = 0 ] || die "browser phase '$*' failed"
}
browser signin

# --- 3. a node killed and restarted -----------------------------------------
# The browser signs in first and watches; this script kills and restarts
# node3 when it is told to (files in ctl/), and tells it when it did.
mkdir -p ctl
/usr/bin/python3 "$HERE/portal_browser.py" "$ADMIN" "$TMP/token" "$SHOTS" \
    cycle node3 "$TMP/ctl" "$DEADLINE_MS" "$BACK_DEADLINE_MS" &
BPID=$!
signal_wait() {
	for _ in $(seq 1 1200); do
		[ -e "ctl/$1" ] && return 0
		kill -0 $BPID 2>/dev/null || break
		sleep 0.05
	done
	wait $BPID
	die "the browser did not get to '$1'"
}
signal_wait ready-down
t0=$(date +%s%3N)
node_kill node3 KILL
echo "$t0" >ctl/killed
signal_wait ready-up
t1=$(date +%s%3N)
node_start node3
echo "$t1" >ctl/started
wait $BPID || die "the browser's kill and restart phase failed"

failures_end portal_browser_test "the portal signs in, escapes, shows a \
killed node down and back (screenshots in $SHOTS)"
