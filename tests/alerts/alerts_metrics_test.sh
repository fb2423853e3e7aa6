#!/bin/bash
# alerts_metrics_test.sh - the alert rules read metrics that a real node
# serves: a node of a two-member federation (its peer never starts) is
# scraped at /metrics; `promtool check metrics` must accept the page, and
# every intyg_* metric named in configs/alerts/intyg.rules.yml must be on
# it, except the gateway pull's rows, which only a gateway-bridge node
# with [gateway] has (tests/unit/api/metrics_node_test.c renders them).
#
# Ports: 127.0.0.1:7791 (HTTP API); gossip on a kernel-chosen port, the
# admin endpoint on an ipc socket. IG_BIN is the intyg binary, IG_SRC_DIR
# the source tree (CTest sets both).
set -u

. "$(dirname "$0")/../lib/fed.sh"
SRC=${IG_SRC_DIR:?IG_SRC_DIR must name the source tree}
RULES=$SRC/configs/alerts/intyg.rules.yml
PORT=7791

command -v promtool >/dev/null ||
	{ echo "FAIL: promtool missing (scripts/test.sh installs prometheus)"; exit 1; }

fed_init alerts_metrics_test
# dk's gossip URL: a port where nothing listens, so its row says down.
fed_member se SE authority tls+tcp://127.0.0.1:0
fed_member dk DK authority tls+tcp://127.0.0.1:1
fed_root alerts se dk
fed_token
node_config se tls+tcp://127.0.0.1:0 $PORT
node_start se

# get PATH: the body of an HTTP/1.0 GET on the API listener (bash's
# /dev/tcp: no HTTP client needed).
get() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
	sed '1,/^\r\{0,1\}$/d' <&3
	exec 3<&-
}

ok=0
for _ in $(seq 1 100); do
	kill -0 "$PID_se" 2>/dev/null || break
	# the peer row appears once gossip tried to reach dk
	if get /metrics >metrics.txt 2>/dev/null &&
		grep -q '^intyg_peer_up{peer="dk"} 0' metrics.txt; then
		ok=1
		break
	fi
	sleep 0.1
done
[ $ok = 1 ] || {
	die "no /metrics page with a peer row"
}

if ! promtool check metrics <metrics.txt >lint.txt 2>&1; then
	fail "promtool check metrics refused the page: $(cat lint.txt)"
fi

names=$(grep -o 'intyg_[a-z_]*' "$RULES" | sort -u)
[ -n "$names" ] || fail "no intyg_ metric in $RULES"
for n in $names; do
	case $n in
	intyg_gateway_*) continue ;;
	intyg_mirror_*) continue ;; # mirrors only: mirror_test checks them
	esac
	grep -q "^$n[ {]" metrics.txt || fail "the rules read $n; /metrics has no such row"
done
# The values the rules compare are the node's: a fresh store is writable,
# holds no proof, and the disk figures are those of its file system.
grep -q '^intyg_store_writable 1$' metrics.txt || fail "store not writable"
grep -q '^intyg_equivocation_proofs 0$' metrics.txt || fail "proofs not 0"
size=$(sed -n 's/^intyg_store_disk_size_bytes \([0-9]*\)$/\1/p' metrics.txt)
want=$(($(stat -f -c "%b * %S" "$TMP/se-data")))
[ "$size" = "$want" ] || fail "disk size $size, the file system says $want"
left=$(sed -n 's/^intyg_root_expires_in_seconds \(-\{0,1\}[0-9]*\)$/\1/p' metrics.txt)
exp=$(($(date -d 2035-01-01T00:00:00Z +%s) - $(date +%s)))
[ -n "$left" ] && [ $((exp - left)) -ge -5 ] && [ $((exp - left)) -le 5 ] ||
	fail "root expires in $left s; the root says $exp"
grep -q '^intyg_build_info{version="[0-9][0-9.]*"} 1$' metrics.txt ||
	fail "no build version"

# Every metric on the page is documented (docs/api.md, "Metrics").
for n in $(sed -n 's/^# HELP \(intyg_[a-z_]*\) .*/\1/p' metrics.txt); do
	grep -q "| \`$n\` |" "$SRC/docs/api.md" ||
		fail "$n is served but not in docs/api.md's Metrics table"
done

failures_end alerts_metrics_test "the page passes promtool, and carries all $(echo "$names" | grep -vc '^intyg_gateway_') metrics the rules read (gateway rows: metrics_node_test)"
