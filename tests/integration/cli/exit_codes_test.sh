#!/bin/sh
# exit_codes_test.sh - the one table of exit codes (cli/commands.h,
# docs/operations.md "Exit codes") through the real binary, for every
# command that talks to a node, and the key-file rules of issue 12:
#
#   0 ok, 1 negative answer or refused, 2 usage, 3 node unreachable or
#   timed out, 4 local file error, 70 internal error
#
# - unreachable: a TCP port where nothing listens (127.0.0.1:1, refused)
#   and a missing ipc socket: exit 3, each in under 2 s; a node that
#   accepts but does not answer (SIGSTOP):
#   exit 3 after --timeout (node status and verify --node);
# - refusal by a running node: a wrong token, a peer that is not one, a
#   revocation under an unknown kid, a root older than the node's: 1;
# - usage: bad options and --timeout values: 2;
# - local files: a missing token file, a private key readable by group
#   or others (refused with "chmod 600"): 4;
# - the node warns at start when its admin endpoint has no token.
#
# Ports: the node's admin endpoint takes one TCP port in 40000..59999
# (from the test's pid; the next one if taken), its RPC (intyg verify
# --node) the port after it, its gossip listener a port the kernel picks;
# 127.0.0.1:1 is the port where nothing listens. IG_BIN is the intyg
# binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/exit_codes_test.XXXXXX") || exit 1
OUT=$TMP/stdout
ERR=$TMP/stderr
NODE_PID=
failures=0

cleanup() {
	if [ -n "$NODE_PID" ]; then
		kill "$NODE_PID" 2>/dev/null
		wait "$NODE_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT HUP INT TERM

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# now_ms: milliseconds since the epoch (GNU date).
now_ms() {
	date +%s%3N
}

# expect RC CMD...: runs CMD with its output in $OUT and $ERR, checks
# the exit status; $ELAPSED is its duration in ms.
expect() {
	want=$1
	shift
	t0=$(now_ms)
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	ELAPSED=$(($(now_ms) - t0))
	if [ "$rc" -ne "$want" ]; then
		fail "'$*' exited $rc, expected $want"
		sed 's/^/    stderr: /' "$ERR" >&2
		return 1
	fi
	return 0
}

# fast MS CMD...: CMD exits 3 (unreachable) within MS milliseconds.
fast() {
	limit=$1
	shift
	expect 3 "$@" || return
	[ "$ELAPSED" -lt "$limit" ] \
	    || fail "'$*' took ${ELAPSED} ms to fail (limit ${limit} ms)"
	echo "unreachable in ${ELAPSED} ms: $*"
}

err_has() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1': $(cat "$ERR")"
}

cd "$TMP" || exit 1

# --- a one-member federation and its node -------------------------------
expect 0 "$BIN" keygen --id se --out keys || exit 1
# The gossip listener takes a port the kernel picks (port 0): a
# one-member federation has no peer to reach it.
sed -e 's/"countries": \[\]/"countries": ["SE"]/' \
    -e 's|"gossip_url": ""|"gossip_url": "tls+tcp://127.0.0.1:0"|' \
    keys/se.member.json >keys/se.tmp && mv keys/se.tmp keys/se.member.json
expect 0 "$BIN" federation init --fed-id exitcodes \
    --member keys/se.member.json --threshold 1 \
    --expires 2035-01-01T00:00:00Z --out r1.bin || exit 1
expect 0 "$BIN" federation sign --root r1.bin --key-dir keys --id se \
    || exit 1
expect 0 "$BIN" federation show --root r1.bin || exit 1
HASH=$(sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p' "$OUT" | head -n1)
[ -n "$HASH" ] || { fail "no root hash in 'federation show'"; exit 1; }
expect 0 "$BIN" federation propose --root r1.bin \
    --expires 2036-01-01T00:00:00Z --out r2.bin || exit 1
expect 0 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir keys --id se || exit 1

# The admin endpoint listens on TCP (the silent-node case below needs
# it: nng dials ipc:// without a bound of ours): a port in 40000..59999
# from the test's pid, the next one when it is taken.
PORT=$((40000 + $$ % 20000))
ADMIN="tcp://127.0.0.1:$PORT"
printf 'exit-codes-test-token-0123456789\n' >token
chmod 600 token
printf 'wrong-token-wrong-token-wrong\n' >wrong
chmod 600 wrong

# config TOKEN_LINE: the node's config file.
config() {
	cat >node.ini <<EOC
[node]
id = se
data_dir = $TMP/data
keys_dir = $TMP/keys
root_file = $TMP/r1.bin
root_hash = $HASH
log_level = info
[gossip]
listen = tls+tcp://127.0.0.1:0
[admin]
listen = $ADMIN
$1
[api]
rpc_listen = tcp://127.0.0.1:$((PORT + 1))
EOC
}

# start TOKEN_LINE: writes the config and starts the node in the
# background; waits until it has started (another port when its admin
# port is taken).
start() {
	for try in 1 2 3 4 5; do
		config "$1"
		"$BIN" node --config node.ini >node.log 2>&1 &
		NODE_PID=$!
		i=0
		while ! grep -q "node se started" node.log \
		    && [ $i -lt 100 ]; do
			kill -0 "$NODE_PID" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		grep -q "node se started" node.log && return
		wait "$NODE_PID" 2>/dev/null
		NODE_PID=
		grep -qi "in use" node.log || break
		PORT=$((PORT + 1))
		ADMIN="tcp://127.0.0.1:$PORT"
	done
	fail "node did not start"
	sed 's/^/    node: /' node.log >&2
	exit 1
}

stop() {
	kill "$NODE_PID" 2>/dev/null
	wait "$NODE_PID" 2>/dev/null
	NODE_PID=
}

# --- private keys: refused when group or others may read them -----------
config ""
chmod 644 keys/se.sign.key
expect 4 "$BIN" node --config node.ini && err_has "chmod 600"
chmod 600 keys/se.sign.key
chmod 640 keys/se.tls.key
expect 4 "$BIN" node --config node.ini && err_has "chmod 600"
chmod 600 keys/se.tls.key
chmod 604 keys/se.sign.key
expect 4 "$BIN" publish --data "$TMP/pubdata" --key-dir keys --id se \
    --root r1.bin revoke --kid AAAAAAAAAAA= --type uci \
    AAAAAAAAAAAAAAAAAAAAAA== && err_has "chmod 600"
expect 4 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir keys --id se --out r2x.bin && err_has "chmod 600"
chmod 600 keys/se.sign.key
expect 0 "$BIN" ca init --country SE --out ca || exit 1
chmod 644 ca/csca.key
expect 4 "$BIN" ca dsc --ca ca --out dsc --types v && err_has "chmod 600"
chmod 600 ca/csca.key
mkdir ca2 && cp -p ca/csca.key ca2/ # no certificate beside the key
expect 4 "$BIN" ca dsc --ca ca2 --out dsc --types v

# --- a node without an admin token says so at start ---------------------
start ""
grep -q "no token" node.log || fail "no warning about the admin endpoint \
without a token: $(cat node.log)"
stop

# --- the node, with a token ---------------------------------------------
start "token_file = $TMP/token"
RPC="tcp://127.0.0.1:$((PORT + 1))"
grep -q "no token" node.log && fail "warned about a token that is set"

# refusals: 1
expect 1 "$BIN" node status --admin "$ADMIN" --token-file wrong
expect 1 "$BIN" node status --admin "$ADMIN"
expect 1 "$BIN" node block --admin "$ADMIN" --token-file token nobody
expect 1 "$BIN" node unblock --admin "$ADMIN" --token-file token nobody
expect 1 "$BIN" publish --node "$ADMIN" --token-file token revoke \
    --kid AAAAAAAAAAA= --type uci --expires 2035-01-01T00:00:00Z \
    AAAAAAAAAAAAAAAAAAAAAA==
expect 1 "$BIN" federation submit --node "$ADMIN" --token-file wrong \
    --root r2.bin
# the root change, then the older root again: 1, and why
expect 0 "$BIN" node status --admin "$ADMIN" --token-file token
expect 0 "$BIN" federation submit --node "$ADMIN" --token-file token \
    --root r2.bin
expect 0 "$BIN" federation submit --node "$ADMIN" --token-file token \
    --root r2.bin
expect 1 "$BIN" federation submit --node "$ADMIN" --token-file token \
    --root r1.bin && err_has "older"

# local files: 4
expect 4 "$BIN" node status --admin "$ADMIN" --token-file "$TMP/none"
expect 4 "$BIN" publish --node "$ADMIN" --token-file "$TMP/none" revoke \
    --kid AAAAAAAAAAA= --type uci AAAAAAAAAAAAAAAAAAAAAA==
expect 4 "$BIN" federation submit --node "$ADMIN" --token-file "$TMP/none" \
    --root r2.bin
expect 4 "$BIN" federation submit --node "$ADMIN" --root "$TMP/none"

# a node that accepts connections but does not answer (stopped): exit 3
# after --timeout, not after the default
expect 1 "$BIN" verify --node "$RPC" --timeout 5 HC1:NCF # an answer
kill -STOP "$NODE_PID"
expect 3 "$BIN" node status --admin "$ADMIN" --token-file token --timeout 1
[ "$ELAPSED" -ge 900 ] && [ "$ELAPSED" -lt 5000 ] \
    || fail "a silent node: status gave up after ${ELAPSED} ms, not ~1 s"
echo "silent node: gave up after ${ELAPSED} ms (--timeout 1)"
expect 3 "$BIN" verify --node "$RPC" --timeout 1 HC1:NCF
[ "$ELAPSED" -ge 900 ] && [ "$ELAPSED" -lt 5000 ] \
    || fail "a silent node: verify gave up after ${ELAPSED} ms, not ~1 s"
echo "silent node: verify gave up after ${ELAPSED} ms (--timeout 1)"
kill -CONT "$NODE_PID"
stop

# --- unreachable: 3, at once --------------------------------------------
for a in tcp://127.0.0.1:1 "ipc://$TMP/none.ipc"; do
	fast 2000 "$BIN" node status --admin "$a"
	fast 2000 "$BIN" node block --admin "$a" peer
	fast 2000 "$BIN" node unblock --admin "$a" peer
	fast 2000 "$BIN" publish --node "$a" revoke --kid AAAAAAAAAAA= \
	    --type uci AAAAAAAAAAAAAAAAAAAAAA==
	fast 2000 "$BIN" federation submit --node "$a" --root r2.bin
	fast 2000 "$BIN" verify --node "$a" HC1:NCF
done
fast 2000 "$BIN" gateway pull --url http://127.0.0.1:1 --allow-http \
    --anchor ca/csca.pem --state gw.json --node tcp://127.0.0.1:1
# (An address that drops packets is not tried: tests send traffic to
# loopback only. The stopped node above shows --timeout bounding a call
# that gets no answer.)

# --- usage: 2 --------------------------------------------------------------
for t in 0 -1 x 1.5 3601 ""; do
	expect 2 "$BIN" node status --admin tcp://127.0.0.1:1 --timeout "$t"
done
expect 2 "$BIN" node status
expect 2 "$BIN" node status --admin tcp://127.0.0.1:1 --bogus
expect 2 "$BIN" node block --admin tcp://127.0.0.1:1
expect 2 "$BIN" publish --node tcp://127.0.0.1:1 --timeout 0 revoke \
    --kid AAAAAAAAAAA= --type uci AAAAAAAAAAAAAAAAAAAAAA==
expect 2 "$BIN" publish --data d --key-dir keys --id se --timeout 5 revoke \
    --kid AAAAAAAAAAA= --type uci AAAAAAAAAAAAAAAAAAAAAA==
expect 2 "$BIN" federation submit --node tcp://127.0.0.1:1 --timeout x \
    --root r2.bin
expect 2 "$BIN" federation submit --root r2.bin
expect 2 "$BIN" verify --node tcp://127.0.0.1:1 --timeout 0 HC1:NCF
expect 2 "$BIN" verify --trust ca/csca.pem --timeout 5 HC1:NCF
expect 2 "$BIN" gateway pull --url http://127.0.0.1:1 --allow-http \
    --anchor ca/csca.pem --state gw.json --node tcp://127.0.0.1:1 \
    --timeout 0
expect 2 "$BIN" bogus-command

# --- the table is in the help -------------------------------------------
expect 0 "$BIN" --help
grep -q "3 node unreachable" "$OUT" || fail "intyg --help lacks the table"
for c in "node status" "node block" publish "federation submit" \
    "gateway pull" verify; do
	# shellcheck disable=SC2086
	expect 0 "$BIN" $c --help
	grep -q -- "--timeout" "$OUT" || fail "'$c --help' lacks --timeout"
done

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "exit_codes_test: ok"
