# tests/lib/fed.sh - what the shell tests that run real nodes share:
# sourced (bash), never run. It needs IG_BIN (the intyg binary).
#
#   fed_init NAME          a temporary directory ($TMP, the working
#                          directory from then on), fail/die, and a
#                          cleanup at exit that stops every process whose
#                          pid is in $PIDS and removes $TMP
#   fed_member ID CC ROLE GOSSIP_URL
#                          keys/ID.* with the member's country, role and
#                          gossip URL filled in
#   fed_root FED_ID ID...  root.bin of those members, threshold 1, signed
#                          by the first; $HASH is its hash
#   fed_token              $TMP/token, an admin token of mode 0600
#   node_config ID GOSSIP_LISTEN [API_PORT [ADMIN_HTTP_PORT]]
#                          ID.ini: data in $TMP/ID-data, the admin
#                          endpoint on ipc://$TMP/ID.admin.ipc with the
#                          token, the API and its admin listener on
#                          127.0.0.1 when given
#   node_start ID          runs the node (log in ID.log), waits for its
#                          admin socket; its pid goes into $PIDS and
#                          into $PID_<ID>
#   node_kill ID [SIG]     stops it (default TERM) and waits
#   failures_end NAME MSG  exits 1 with the count of failures, or prints
#                          "NAME: MSG" and exits 0

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
PIDS=
failures=0

fed_cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

fed_init() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	trap fed_cleanup EXIT HUP INT TERM
	cd "$TMP" || exit 1
}

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# die MSG: fails at once, with the tail of every node's log.
die() {
	echo "FAIL: $*" >&2
	for f in "$TMP"/*.log; do
		[ -f "$f" ] && tail -n 15 "$f" | sed "s|^|    $(basename "$f"): |" >&2
	done
	exit 1
}

fed_member() {
	"$BIN" keygen --id "$1" --out keys >/dev/null || die "keygen $1"
	sed -i -e "s/\"countries\": \\[\\]/\"countries\": [\"$2\"]/" \
	    -e "s/\"authority\"/\"$3\"/" \
	    -e "s|\"gossip_url\": \"\"|\"gossip_url\": \"$4\"|" \
	    "keys/$1.member.json"
}

fed_root() {
	local fed=$1 first=$2 args=()
	shift
	for m in "$@"; do
		args+=(--member "keys/$m.member.json")
	done
	"$BIN" federation init --fed-id "$fed" "${args[@]}" --threshold 1 \
	    --expires 2035-01-01T00:00:00Z --out root.bin >/dev/null ||
		die "federation init"
	"$BIN" federation sign --root root.bin --key-dir keys --id "$first" \
	    >/dev/null || die "federation sign"
	HASH=$("$BIN" federation show --root root.bin |
		sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p' | head -n1)
	[ -n "$HASH" ] || die "no root hash"
}

fed_token() {
	printf 'test-admin-token-0123456789abcdef\n' >"$TMP/token"
	chmod 600 "$TMP/token"
}

node_config() {
	cat >"$1.ini" <<EOC
[node]
id = $1
data_dir = $TMP/$1-data
keys_dir = $TMP/keys
root_file = $TMP/root.bin
root_hash = $HASH
[gossip]
listen = $2
period_ms = 200
[admin]
listen = ipc://$TMP/$1.admin.ipc
token_file = $TMP/token
EOC
	if [ $# -gt 2 ]; then
		printf '[api]\nlisten = http://127.0.0.1:%s\n' "$3" >>"$1.ini"
	fi
	if [ $# -gt 3 ]; then
		printf 'admin_listen = http://127.0.0.1:%s\n' "$4" >>"$1.ini"
		printf 'admin_token_file = %s/token\n' "$TMP" >>"$1.ini"
	fi
}

node_start() {
	"$BIN" node --config "$1.ini" >>"$1.log" 2>&1 &
	eval "PID_${1//-/_}=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do
		[ -S "$TMP/$1.admin.ipc" ] && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	die "node $1 did not start"
}

node_kill() {
	local v="PID_${1//-/_}"
	kill "-${2:-TERM}" "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null
	rm -f "$TMP/$1.admin.ipc"
}

failures_end() {
	if [ "$failures" -ne 0 ]; then
		echo "$1: $failures failure(s)"
		exit 1
	fi
	echo "$1: $2"
	exit 0
}
