#!/usr/bin/env bash
# bad_input_test.sh - scenarios that must be refused before anything
# starts, each with a message naming its line, exit 2, no directory
# written. Env: IG_BIN, IG_CHECK, IG_OUT. Port 6390 is held busy.
set -euo pipefail
: "${IG_BIN:?}" "${IG_CHECK:?}" "${IG_OUT:?}"
fail() {
	echo "FAIL: $*"
	exit 1
}
dir=$IG_OUT/drill-bad
rm -rf "$dir"
mkdir -p "$dir"
head='[drill]
base_port = 6300
[agencies]
count = 2
[objectives]
first_verify_ms = 1000
propagation_p50_ms = 1000
propagation_p99_ms = 1000
verify_success_percent = 99.5
verify_p99_ms = 1000
converge_after_heal_ms = 1000
lost_entries_max = 0
compromise_refused_ms = 1000
[timeline]'
# case: expected message (a grep -E pattern); the file is $head plus the
# lines after it
check() {
	local name=$1 want=$2 body=$3 rc=0
	printf '%s\n%s\n' "$head" "$body" >"$dir/$name.ini"
	"$IG_BIN" drill --out "$dir/out-$name" "$dir/$name.ini" \
		>"$dir/$name.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || { cat "$dir/$name.out"; fail "$name: exit $rc, expected 2"; }
	grep -qE -- "$want" "$dir/$name.out" ||
		fail "$name: '$(cat "$dir/$name.out")' does not match '$want'"
	[ ! -e "$dir/out-$name" ] || fail "$name: something was written"
	echo "ok $name: $(cat "$dir/$name.out")"
}
check unknown_event 'line 16: unknown event .explode.' '0 = start
1 = explode node1
5 = end'
printf '%s\n0 = start\n3 = end\n' "$head" >"$dir/unknown_key2.ini"
sed -i 's/^base_port = 6300$/base_port = 6300\ncolour = red/' "$dir/unknown_key2.ini"
rc=0; "$IG_BIN" drill "$dir/unknown_key2.ini" >"$dir/k2.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'line 3: unknown key .colour. in \[drill\]' "$dir/k2.out" ||
	fail "unknown key: $(cat "$dir/k2.out")"
echo "ok unknown key: $(cat "$dir/k2.out")"
check before_start 'line 15: .publish. at 1.000 s comes before start \(line 16\)' '1 = publish node1
2 = start
5 = end'
check no_such_node 'line 16: .node7.: there is no such node' '0 = start
3 = kill node7
5 = end'
check restart_alive 'line 16: node2 is not killed' '0 = start
3 = restart node2
5 = end'
check heal_uncut 'line 16: node1 is not cut off' '0 = start
3 = heal node1
5 = end'
check after_end 'line 16: .kill. \(line 17\) comes after end' '0 = start
3 = end
4 = kill node1'
check no_end 'line 16: the timeline has no end' '0 = start
3 = kill node1'
check bad_offset 'line 15: .-1. is not an offset' '-1 = start
3 = end'
check rate 'line 16: load: a rate of 1..5000/s' '0 = start
1 = load 0 1 5
3 = end'
check not_joined_yet 'line 16: .node3.: there is no such node \(the scenario has node1..node2 at this point\)' '0 = start
3 = kill node3
5 = member_add
8 = end'
check removed_again 'line 18: node1 was removed before' '0 = start
1 = member_add
2 = member_remove node1
3 = kill node1
8 = end'
check remove_too_few 'line 16: member_remove: 2 members; a removal needs 3' '0 = start
2 = member_remove node1
8 = end'
check gateway 'line 16: .gateway_down. is not supported' '0 = start
2 = gateway_down
8 = end'
sed 's/^verify_success_percent = 99.5$/verify_success_percent = 100.5/' \
	"$dir/rate.ini" >"$dir/percent.ini"
rc=0; "$IG_BIN" drill "$dir/percent.ini" >"$dir/p.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'line 9: verify_success_percent: a percentage' "$dir/p.out" ||
	fail "percent: $(cat "$dir/p.out")"
echo "ok threshold out of range: $(cat "$dir/p.out")"
sed 's/^count = 2$/count = 17/' "$dir/rate.ini" >"$dir/count.ini"
rc=0; "$IG_BIN" drill "$dir/count.ini" >"$dir/c.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'line 4: count: 1..16 agencies' "$dir/c.out" ||
	fail "count: $(cat "$dir/c.out")"
echo "ok count out of range: $(cat "$dir/c.out")"
# ports in use: 6300+4*2 = 6308 is the first mirror/gateway port
printf '%s\n0 = start\n3 = end\n' "$head" >"$dir/ports.ini"
rc=0
"$IG_CHECK" hold 6305 "$IG_BIN" drill --out "$dir/out-ports" "$dir/ports.ini" \
	>"$dir/ports.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$dir/ports.out"; fail "ports: exit $rc"; }
grep -q 'line 2: base_port: port 6305 .* is in use' "$dir/ports.out" ||
	fail "ports: $(cat "$dir/ports.out")"
[ ! -e "$dir/out-ports" ] || fail "ports: something was written"
echo "ok ports in use: $(cat "$dir/ports.out")"
# the command line: --help, unknown options, a missing file
"$IG_BIN" drill --help >"$dir/help.out" || fail "drill --help exited $?"
for o in --out --base-port --quiet SIGINT 'Exit status'; do
	grep -qF -- "$o" "$dir/help.out" || fail "drill --help lacks $o"
done
rc=0; "$IG_BIN" drill --bogus x.ini >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "drill --bogus exited $rc, expected 2"
rc=0; "$IG_BIN" drill >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "drill without a scenario exited $rc, expected 2"
rc=0; "$IG_BIN" drill "$dir/missing.ini" >/dev/null 2>&1 || rc=$?
[ "$rc" = 4 ] || fail "drill of a missing file exited $rc, expected 4"
echo "ok command line"
echo "bad_input_test: ok"
