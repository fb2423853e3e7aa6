#!/usr/bin/env bash
# fixture_cli_test.sh - `intyg gateway fixture` (cli/cmd_gwfixture.c) is
# a command of the product: --help documents it, bad options are refused
# with exit 2 and a message before anything listens, an unreadable TLS
# file or a busy port exits 1, and with good options it prints "ready",
# serves the trust list of its data file over http and stops on SIGTERM
# with exit 0. What it serves is checked by gateway_pull_test. Env:
# IG_BIN, IG_OUT. Port 127.0.0.1:6331.
set -euo pipefail
: "${IG_BIN:?}" "${IG_OUT:?}"
fail() {
	echo "FAIL: $*"
	exit 1
}
dir=$IG_OUT/fixture-cli
rm -rf "$dir"
mkdir -p "$dir"
port=6331
echo '{"trustlist": [], "batches": []}' >"$dir/data.json"

out=$("$IG_BIN" gateway fixture --help) || fail "--help exit $?"
grep -q -- '--listen URL' <<<"$out" || fail "--help: $out"
out=$("$IG_BIN" gateway --help) || fail "gateway --help exit $?"
grep -q 'intyg gateway fixture' <<<"$out" || fail "gateway --help: $out"

# refused: args, expected message (grep -E)
refused() {
	local want=$1 rc=0
	shift
	"$IG_BIN" gateway fixture "$@" >"$dir/r.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || { cat "$dir/r.out"; fail "$*: exit $rc, expected 2"; }
	grep -qE -- "$want" "$dir/r.out" || fail "$*: '$(cat "$dir/r.out")'"
	echo "ok refused $*"
}
refused 'usage: intyg gateway fixture'
refused 'usage: intyg gateway fixture' --listen "http://127.0.0.1:$port"
refused 'needs a value' --listen "http://127.0.0.1:$port" --data
refused 'unknown option --bogus' --bogus x --data "$dir/data.json"
refused 'usage: intyg gateway fixture' --listen "http://127.0.0.1:$port" \
	--data "$dir/data.json" --page-max 0

rc=0
"$IG_BIN" gateway fixture --listen "https://127.0.0.1:$port" \
	--data "$dir/data.json" --cert "$dir/none.pem" --key "$dir/none.key" \
	>"$dir/tls.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "missing TLS files: exit $rc"
grep -q 'cannot read TLS files' "$dir/tls.out" || fail "$(cat "$dir/tls.out")"

"$IG_BIN" gateway fixture --listen "http://127.0.0.1:$port" \
	--data "$dir/data.json" >"$dir/ready.out" 2>"$dir/fixture.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
deadline=$((SECONDS + 30))
until grep -q ready "$dir/ready.out" 2>/dev/null; do
	kill -0 "$pid" 2>/dev/null || fail "fixture exited: $(cat "$dir/fixture.log")"
	[ "$SECONDS" -lt "$deadline" ] || fail "no ready within 30 s"
	sleep 0.1
done
# a second one on the same port cannot listen
rc=0
"$IG_BIN" gateway fixture --listen "http://127.0.0.1:$port" \
	--data "$dir/data.json" >/dev/null 2>"$dir/busy.out" || rc=$?
[ "$rc" = 1 ] || fail "busy port: exit $rc"
grep -q 'cannot listen' "$dir/busy.out" || fail "$(cat "$dir/busy.out")"
# a request over plain HTTP/1.0 with bash's /dev/tcp
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /trustList/DSC HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
resp=$(cat <&3)
exec 3<&-
grep -q '^HTTP/1.[01] 200' <<<"$resp" || fail "response: $resp"
grep -q '^\[\]' <<<"$(tail -n 1 <<<"$resp" | tr -d '\r')" ||
	fail "body: $resp"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
trap - EXIT
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
echo "ok fixture served and stopped"
