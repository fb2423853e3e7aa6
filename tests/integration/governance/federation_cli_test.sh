#!/bin/sh
# federation_cli_test.sh - the governance commands end to end through the
# real binary: a serial 1 root of se and dk (threshold 2); `propose` adds
# no (serial 2); `sign --prev` by the members of both roots, with `show
# --prev` reporting what is still needed; then serial 3 rotates se's key
# (se signs twice: old and new key), removes dk and changes no's
# countries; the refusals: a signature by a non-member, a second
# signature with the same key, a proposal from a missing member, a root
# of the wrong serial for --prev; and `submit` to an unreachable node
# (exit 3); the witnessing policy (--witness-threshold, --retention-s).
# IG_BIN is the intyg binary (CTest sets it).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/federation_cli_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect() {
	want=$1
	shift
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "'$*' exited $rc, expected $want"
		sed 's/^/    stderr: /' "$ERR" >&2
		return 1
	fi
	return 0
}

# has PATTERN: the last command's stdout matches.
has() {
	grep -q "$1" "$OUT" || fail "output lacks '$1'"
}

# says PATTERN: the last command's stderr matches.
says() {
	grep -q "$1" "$ERR" || fail "stderr lacks '$1'"
}

# member ID CC DIR: keys and a completed description.
member() {
	expect 0 "$BIN" keygen --id "$1" --out "$3" || return
	sed -e "s/\"countries\": \[\]/\"countries\": [\"$2\"]/" \
	    -e "s|\"gossip_url\": \"\"|\"gossip_url\": \"tcp://127.0.0.1:7400\"|" \
	    "$3/$1.member.json" >"$3/$1.tmp" && mv "$3/$1.tmp" "$3/$1.member.json"
}

cd "$TMP" || exit 1
member se SE k-se
member dk DK k-dk
member no NO k-no
member se SE k-se2 # se's next key
member xx XX k-xx # an outsider

expect 0 "$BIN" federation init --fed-id drill --member k-se/se.member.json \
    --member k-dk/dk.member.json --threshold 2 \
    --expires 2035-01-01T00:00:00Z --out r1.bin
expect 0 "$BIN" federation sign --root r1.bin --key-dir k-se --id se
expect 0 "$BIN" federation sign --root r1.bin --key-dir k-dk --id dk
has '"complete": true'

# serial 2 adds no
expect 0 "$BIN" federation propose --root r1.bin --add k-no/no.member.json \
    --out r2.bin
has '"serial": 2'
has '"needed_prev": 2'
expect 0 "$BIN" federation show --root r2.bin --prev r1.bin
has '"acceptable": false'
expect 2 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir k-xx --id xx
expect 0 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir k-se --id se
has '"needed_prev": 1'
expect 2 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir k-se --id se
expect 0 "$BIN" federation sign --root r2.bin --prev r1.bin \
    --key-dir k-dk --id dk
has '"needed_prev": 0'
has '"acceptable": true'

# proposals that cannot be made
expect 2 "$BIN" federation propose --root r2.bin --remove zz --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --add k-no/no.member.json \
    --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --countries zz=SE \
    --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --roles no=king \
    --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --threshold 4 --out bad.bin

# a removal names where the removed member's log ends
expect 2 "$BIN" federation propose --root r2.bin --remove dk --out bad.bin
says 'needs --log-end dk=SEQ'
expect 2 "$BIN" federation propose --root r2.bin --remove dk \
    --log-end dk=-1 --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --remove dk \
    --log-end dk=3 --log-end dk=4 --out bad.bin
expect 2 "$BIN" federation propose --root r2.bin --remove dk \
    --log-end dk=3 --log-end no=1 --out bad.bin
says 'only a removed member'

# serial 3: rotate se, remove dk (its log ends at seq 7), no gains DK
expect 0 "$BIN" federation propose --root r2.bin \
    --replace k-se2/se.member.json --remove dk --log-end dk=7 \
    --countries no=NO,DK --out r3.bin
has '"serial": 3'
has '"member": "dk"'
has '"last_seq": 7'
# --prev must be serial 2
expect 2 "$BIN" federation sign --root r3.bin --prev r1.bin \
    --key-dir k-se --id se
expect 0 "$BIN" federation sign --root r3.bin --prev r2.bin \
    --key-dir k-se --id se
expect 0 "$BIN" federation sign --root r3.bin --prev r2.bin \
    --key-dir k-se2 --id se
has '"needed": 1'
expect 0 "$BIN" federation sign --root r3.bin --prev r2.bin \
    --key-dir k-no --id no
has '"acceptable": true'
expect 0 "$BIN" federation show --root r3.bin
has '"DK"'

# submit to a node that is not there
expect 3 "$BIN" federation submit --node "ipc://$TMP/none" --root r3.bin
expect 2 "$BIN" federation submit --root r3.bin

# the witnessing policy (root version 3): defaults without it, set by
# init, carried over by propose, refused outside 1..members-1
expect 0 "$BIN" federation show --root r1.bin
has '"witness_threshold": 1'
has '"retention_s": 2592000'
expect 0 "$BIN" federation init --fed-id wit --member k-se/se.member.json \
    --member k-dk/dk.member.json --member k-no/no.member.json \
    --threshold 2 --witness-threshold 2 --retention-s 3600 \
    --expires 2035-01-01T00:00:00Z --out w1.bin
has '"witness_threshold": 2'
has '"retention_s": 3600'
expect 0 "$BIN" federation propose --root w1.bin --threshold 1 --out w2.bin
has '"witness_threshold": 2'
has '"retention_s": 3600'
expect 0 "$BIN" federation propose --root w1.bin --witness-threshold 1 \
    --out w3.bin
has '"witness_threshold": 1'
expect 2 "$BIN" federation init --fed-id wit --member k-se/se.member.json \
    --member k-dk/dk.member.json --threshold 2 --witness-threshold 2 \
    --expires 2035-01-01T00:00:00Z --out w4.bin
says 'witness-threshold'
expect 2 "$BIN" federation init --fed-id wit --member k-se/se.member.json \
    --member k-dk/dk.member.json --threshold 2 --retention-s 0 \
    --expires 2035-01-01T00:00:00Z --out w4.bin
says 'retention-s'

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "federation_cli_test: ok"
