#!/usr/bin/env bash
# signer_test.sh - the signing key kept apart, with real processes: an
# `intyg signer` holding member se's key, node se using it ([node]
# signer, no se.sign.key in its keys directory) and a peer node dk.
#
#  - publishing at se works end to end and dk accepts se's entries;
#  - the signer refuses a fork, a rollback, a wrong prev_hash and another
#    origin sent directly on its socket (signer_probe fork);
#  - the node's memory holds no copy of se's private key, while dk's
#    memory, whose node loads its key file, does hold dk's (the scan is
#    shown to find a key where there is one);
#  - a stopped (SIGSTOP) signer makes a publish fail with a clear error
#    within the timeout, a killed one at once, and verification still
#    answers; a restarted signer makes publishing work again.
#
# Ports: 7861..7865 on 127.0.0.1. Needs IG_BIN and IG_PROBE (signer_probe).
set -u
. "$(dirname "$0")/../../lib/fed.sh"
PROBE=${IG_PROBE:?IG_PROBE must name signer_probe}

fed_init signer_test
fed_member se SE gateway-bridge tls+tcp://127.0.0.1:7861
fed_member dk DK authority tls+tcp://127.0.0.1:7862
fed_root signer se dk
fed_token
node_config se tls+tcp://127.0.0.1:7861 7863
node_config dk tls+tcp://127.0.0.1:7862 7864

# The key leaves the node's keys directory for the signer's.
mkdir -m 700 signer
mv keys/se.sign.key signer/se.sign.key
SOCK=$TMP/signer.sock
sed -i "s|^id = se\$|id = se\nsigner = unix:$SOCK\nsigner_timeout_ms = 1000|" se.ini
grep -q '^signer = ' se.ini || die "se.ini has no signer line"

# Ready when its log says it listens: after a SIGKILL the old socket
# file is still there (the signer replaces it), so its presence says
# nothing; the fresh-Debian ASan run published too early once.
signer_start() {
	local before
	before=$(grep -c "signing for se on" signer.log 2>/dev/null)
	"$BIN" signer --key signer/se.sign.key --state signer/state \
	    --listen "unix:$SOCK" --id se "$@" >>signer.log 2>&1 &
	SIGNER_PID=$!
	PIDS="$PIDS $SIGNER_PID"
	for _ in $(seq 1 300); do
		[ -S "$SOCK" ] && [ "$(grep -c "signing for se on" signer.log)" \
		    -gt "${before:-0}" ] && return 0
		kill -0 "$SIGNER_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "the signer did not start"
}

publish() {
	"$BIN" publish --node "ipc://$TMP/se.admin.ipc" --token-file token \
	    --timeout 10 revoke --kid 0011223344556677 --type uci "$1"
}

status() {
	"$BIN" node status --admin "ipc://$TMP/$1.admin.ipc" \
	    --token-file token --timeout 5 | tr -d ' \n'
}

head_of() {
	status "$1" | grep -o "{\"origin\":\"$2\",\"seq\":[0-9]*" |
		sed 's/.*://' | head -n1 | grep . || echo 0
}

hash16() {
	printf "$(printf '\\x%02x' 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "$1")" |
		base64
}

# A first start needs the log's head; without it the signer refuses.
"$BIN" signer --key signer/se.sign.key --state signer/state \
    --listen "unix:$SOCK" --id se >nostate.log 2>&1
[ $? = 4 ] || fail "a signer without state or --adopt-head did not exit 4"
grep -q "adopt-head" nostate.log || fail "no hint at --adopt-head: $(cat nostate.log)"
chmod 644 signer/se.sign.key
"$BIN" signer --key signer/se.sign.key --state signer/state \
    --listen "unix:$SOCK" --id se --adopt-head 0 >mode.log 2>&1
[ $? = 4 ] || fail "a key file readable by others was accepted"
chmod 600 signer/se.sign.key

signer_start --adopt-head 0
mode=$(stat -c %a "$SOCK")
[ "$mode" = 660 ] || fail "the signer's socket has mode $mode, not 660"

node_start se
node_start dk
grep -q "signing through the signer" se.log ||
	fail "se does not say it signs through the signer"
grep -q "is still there" se.log && fail "se warns of a key file that was moved"

# A signer holding another member's key: the node refuses to start.
"$BIN" signer --key keys/dk.sign.key --state signer/other.state \
    --listen "unix:$TMP/other.sock" --id se --adopt-head 0 >>other.log 2>&1 &
OTHER_PID=$!
PIDS="$PIDS $OTHER_PID"
for _ in $(seq 1 100); do
	[ -S "$TMP/other.sock" ] && break
	sleep 0.1
done
sed -e "s|^data_dir = .*|data_dir = $TMP/se2-data|" \
    -e "s|^signer = .*|signer = unix:$TMP/other.sock|" se.ini >se2.ini
"$BIN" node --config se2.ini >se2.log 2>&1
rc=$?
[ "$rc" = 4 ] || fail "a node whose signer holds another key exited $rc, not 4"
grep -q "holds another key" se2.log || fail "se2: $(tail -n 3 se2.log)"
kill "$OTHER_PID" 2>/dev/null
wait "$OTHER_PID" 2>/dev/null

# --- publishing works end to end, and dk accepts the entries ----------
for i in 1 2 3; do
	publish "$(hash16 $i)" >pub.out 2>pub.err ||
		die "publish $i through the signer failed: $(cat pub.err)"
done
for _ in $(seq 1 100); do
	[ "$(head_of dk se)" = 3 ] && break
	sleep 0.1
done
[ "$(head_of dk se)" = 3 ] || fail "dk holds se's log up to $(head_of dk se), not 3"

# A refused op costs no seq: the node judges it before the signer signs.
"$BIN" publish --node "ipc://$TMP/se.admin.ipc" --token-file token \
    --timeout 10 remove-dsc 0000000000000000 \
    --thumbprint "$(printf '%064d' 0)" >/dev/null 2>pub.err &&
	fail "the removal of a DSC se never published was accepted"
grep -q "EUNKNOWNKID\|unknown\|kid" pub.err ||
	fail "the refused removal says: $(cat pub.err)"
publish "$(hash16 4)" >/dev/null 2>pub.err ||
	fail "a publish after a refused one failed: $(cat pub.err)"
[ "$(head_of se se)" = 4 ] || fail "se's head is $(head_of se se), not 4"

# The checkpoint is signed through the signer too, naming its head.
# The node's witness collector asks for the checkpoint every 100 ms, so
# the one served may be up to a second old (IG_CHECKPOINT_MIN_INTERVAL_MS):
# wait for the new head, at most 5 s.
for _ in $(seq 1 50); do
	cp=$(curl -s --max-time 5 http://127.0.0.1:7863/v1/checkpoint)
	echo "$cp" | grep -q '^log se 4 ' && break
	sleep 0.1
done
echo "$cp" | grep -q '^log se 4 ' || fail "se's checkpoint does not name se at 4: $cp"
echo "$cp" | grep -q '^— se ' || fail "se's checkpoint is not signed by se: $cp"
grep -q "refused" signer.log && fail "the signer refused a request of the node: $(grep refused signer.log)"

# --- forged requests on the signer's socket -----------------------------
"$PROBE" fork "$SOCK" se >probe.out 2>&1 ||
	fail "the signer signed a forged request: $(cat probe.out)"
grep -c "refused" probe.out | grep -q 4 || fail "probe: $(cat probe.out)"
grep -q "refused: entry seq" signer.log ||
	fail "the signer did not log its refusal"

# --- no private key in the node's memory ---------------------------------
if [ "${IG_SANITIZED:-0}" = 1 ]; then
	rc=77 # the sanitizers' allocator and shadow memory: scanned in the plain build
else
	"$PROBE" memscan "$PID_dk" keys/dk.sign.key
	rc=$?
fi
if [ "$rc" = 77 ]; then
	echo "SKIP memory scan: /proc/PID/mem cannot be read here, or a sanitizer build"
else
	[ "$rc" = 1 ] ||
		fail "the scan did not find dk's key in dk's memory (rc $rc): it cannot be trusted"
	"$PROBE" memscan "$PID_se" signer/se.sign.key
	rc=$?
	[ "$rc" = 0 ] || fail "se's private key is in the node's memory (rc $rc)"
fi

# --- a signer that hangs, then one that is gone ---------------------------
verify_ok() {
	curl -s --max-time 5 -H 'Content-Type: application/json' \
	    --data-binary '{"hcert": "HC1:NOTACERT"}' \
	    http://127.0.0.1:7863/v1/verify | grep -q '"reason"'
}
kill -STOP "$SIGNER_PID"
t0=$(date +%s%N)
publish "$(hash16 5)" >/dev/null 2>pub.err &&
	fail "a publish succeeded while the signer was stopped"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 5000 ] || fail "a publish with a hung signer took $ms ms (timeout 1000)"
grep -q "signer" pub.err || fail "no clear error with a hung signer: $(cat pub.err)"
verify_ok || fail "verification did not answer with the signer stopped"
kill -CONT "$SIGNER_PID"
kill -KILL "$SIGNER_PID"
wait "$SIGNER_PID" 2>/dev/null
echo "signer killed (SIGKILL)"
t0=$(date +%s%N)
publish "$(hash16 6)" >/dev/null 2>pub.err &&
	fail "a publish succeeded with the signer gone"
t1=$(date +%s%N)
ms_gone=$(((t1 - t0) / 1000000))
[ "$ms_gone" -lt 5000 ] || fail "a publish with the signer gone took $ms_gone ms"
grep -q "cannot be reached" pub.err ||
	fail "no clear error with the signer gone: $(cat pub.err)"
verify_ok || fail "verification did not answer with the signer gone"
kill -0 "$PID_se" 2>/dev/null || die "the node died with its signer"

# --- restarted (state kept), publishing works again ----------------------
signer_start
publish "$(hash16 7)" >/dev/null 2>pub.err ||
	fail "publish after the signer's restart failed: $(cat pub.err)"
[ "$(head_of se se)" = 5 ] || fail "se's head is $(head_of se se), not 5"
for _ in $(seq 1 100); do
	[ "$(head_of dk se)" = 5 ] && break
	sleep 0.1
done
[ "$(head_of dk se)" = 5 ] || fail "dk holds se up to $(head_of dk se), not 5"

failures_end signer_test "published through the signer (dk accepted 5 entries), 4 forged requests refused, no key in the node's memory, publish failed in $ms ms (hung signer) and $ms_gone ms (gone) while verify answered"
