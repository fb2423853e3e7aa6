#!/bin/bash
# identity_conflict_test.sh - a second process running with a member's
# identity is detected and reported (issue 12 point 7; docs/operations.md,
# "Two processes with one identity"):
#
# 1. A normal two-member federation, se and dk: after several gossip
#    periods neither reports a conflict (/metrics intyg_identity_conflict
#    0, /healthz "identity_conflict": false, /readyz ready).
# 2. A second se process starts: the same keys, its own data directory,
#    admin socket, API port and gossip listener; it dials dk like the
#    first. Within a few gossip periods dk reports the conflict: the gauge
#    is 1, /healthz names se, /readyz answers 503 with
#    "identity_conflict": true, and the log has one WARN line for it (not
#    one per message).
# 3. se's own id from elsewhere: ig_rogue holds se's keys and sends se
#    requests that claim se's id (well-formed, their entries refused).
#    se reports the conflict, naming its own id.
#
# Ports (127.0.0.1): 7430 dk gossip, 7431 dk API, 7432 se gossip, 7433 se
# API, 7434 the second se's gossip, 7435 its API. IG_BIN is the intyg
# binary, IG_ROGUE the rogue member (tests/integration/node/rogue.c); CTest
# sets both.
set -u
ROGUE=${IG_ROGUE:?IG_ROGUE must name the ig_rogue binary}
. "$(dirname "$0")/../../lib/fed.sh"

fed_init identity_conflict_test
fed_member se SE authority tls+tcp://127.0.0.1:7432
fed_member dk DK authority tls+tcp://127.0.0.1:7430
fed_root idconflict se dk
fed_token
node_config dk tls+tcp://127.0.0.1:7430 7431
node_config se tls+tcp://127.0.0.1:7432 7433
# The second se: one member, another process (its own data, admin
# socket, gossip listener and API port).
sed -e "s|$TMP/se-data|$TMP/se2-data|" \
    -e "s|$TMP/se.admin.ipc|$TMP/se2.admin.ipc|" \
    -e "s|tls+tcp://127.0.0.1:7432|tls+tcp://127.0.0.1:7434|" \
    -e "s|127.0.0.1:7433|127.0.0.1:7435|" se.ini >se2.ini
grep -q 7434 se2.ini && grep -q se2-data se2.ini && grep -q 7435 se2.ini ||
	die "se2.ini: $(cat se2.ini)"

# get PORT PATH: the body of GET http://127.0.0.1:PORT/PATH; the status
# code in $CODE.
get() {
	local out
	out=$(curl -s -m 5 -w '\n%{http_code}' "http://127.0.0.1:$1$2")
	CODE=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# gauge PORT: the value of intyg_identity_conflict at the node (empty
# when the metric is missing).
gauge() {
	get "$1" /metrics
	printf '%s\n' "$BODY" | sed -n 's/^intyg_identity_conflict \([0-9]*\)$/\1/p'
}

node_start dk
node_start se

# Wait until the two are connected (dk sees se up), then several gossip
# periods (200 ms each) more.
for _ in $(seq 1 100); do
	get 7431 /readyz
	[ "$CODE" = 200 ] && break
	sleep 0.1
done
[ "$CODE" = 200 ] || die "dk not ready: $BODY"
sleep 3

# --- 1. one se: no conflict anywhere -------------------------------------
for p in 7431 7433; do
	get $p /metrics
	g=$(printf '%s\n' "$BODY" |
		sed -n 's/^intyg_identity_conflict \([0-9]*\)$/\1/p')
	[ "$g" = 0 ] || fail "port $p: intyg_identity_conflict is '$g', not 0"
	grep -q '^# HELP intyg_identity_conflict ' <<<"$BODY" ||
		fail "port $p: no HELP line for intyg_identity_conflict"
	get $p /healthz
	grep -q '"identity_conflict":false' <<<"$BODY" ||
		fail "port $p: /healthz without a false conflict: $BODY"
	get $p /readyz
	[ "$CODE" = 200 ] || fail "port $p: /readyz $CODE: $BODY"
done
grep -q "another process" dk.log se.log && fail "a conflict logged with one se"

# --- 2. a second se process -----------------------------------------------
node_start se2
t0=$(date +%s%3N)
seen=
for _ in $(seq 1 100); do
	g=$(gauge 7431)
	[ "$g" = 1 ] && { seen=1; break; }
	sleep 0.1
done
[ -n "$seen" ] || die "dk reports no conflict with two se processes \
(gauge '$(gauge 7431)')"
echo "dk reported the conflict $(($(date +%s%3N) - t0)) ms after the \
second se started:"
grep 'another process' dk.log | head -n1
get 7431 /healthz
grep -q '"identity_conflict":true' <<<"$BODY" ||
	fail "dk /healthz: no conflict: $BODY"
grep -q '"identity_conflict_with":"[^"]*se' <<<"$BODY" ||
	fail "dk /healthz does not name se: $BODY"
get 7431 /readyz
[ "$CODE" = 503 ] || fail "dk /readyz $CODE with a conflict: $BODY"
grep -q '"identity_conflict":true' <<<"$BODY" ||
	fail "dk /readyz: no conflict: $BODY"
# Several more gossip periods: still one WARN line for it.
sleep 2
n=$(grep -c 'WARN.*another process' dk.log)
[ "$n" = 1 ] || fail "dk logged $n WARN lines for one conflict: \
$(grep 'another process' dk.log)"

node_kill se2

# --- 3. requests claiming se's own id, at se ------------------------------
"$ROGUE" forged --dir "$TMP" --as se --target se \
    --url tls+tcp://127.0.0.1:7432 --cc SE >rogue.out 2>&1 ||
	fail "ig_rogue: $(cat rogue.out)"
cat rogue.out
g=$(gauge 7433)
[ "$g" = 1 ] || fail "se: intyg_identity_conflict is '$g' after requests \
claiming its own id"
get 7433 /healthz
grep -q '"identity_conflict_with":"se (this node' <<<"$BODY" ||
	fail "se /healthz does not name its own id: $BODY"
get 7433 /readyz
[ "$CODE" = 503 ] || fail "se /readyz $CODE with a conflict: $BODY"
n=$(grep -c "WARN.*own id se.*another process" se.log)
[ "$n" = 1 ] || fail "se logged $n WARN lines for its own id: \
$(grep 'another process' se.log)"

node_kill se
node_kill dk
failures_end identity_conflict_test \
    "a second se process reported by dk; none with one se"
