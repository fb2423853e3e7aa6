#!/bin/sh
# store_corruption_test.sh - the store never hides damage: a registry is
# damaged in many ways (bytes flipped in each kind of file, truncated and
# deleted files, records rewritten through RocksDB with valid checksums)
# and each must be detected: `intyg check` exits 1 naming the damage, or
# the store refuses to open with a clear error (exit 4, a local file that
# cannot be used), and `intyg log`
# never lists a damaged log with exit 0.
#
# IG_BIN is the intyg binary, IG_STORE_TOOL the store_tool helper (CTest
# sets both). Nothing listens on any port.
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TOOL=${IG_STORE_TOOL:?IG_STORE_TOOL must name store_tool}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/store_corruption_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# A federation of one member (se) with a CSCA, a DSC and six entries of
# 150 revocations each: eight entries, spread over several data blocks
# once the entries family is compacted into one file.
KEYS=$TMP/keys
ROOT=$TMP/root.bin
GOOD=$TMP/good
"$BIN" keygen --id se --out "$KEYS" >/dev/null 2>&1 || exit 1
sed -i -e 's/"countries": \[\]/"countries": ["SE"]/' \
	-e 's|"gossip_url": ""|"gossip_url": "tls+tcp://127.0.0.1:1"|' \
	"$KEYS/se.member.json"
"$BIN" federation init --fed-id fed-store --member "$KEYS/se.member.json" \
	--threshold 1 --expires 2099-01-01 --out "$ROOT" >/dev/null 2>&1 || exit 1
"$BIN" federation sign --root "$ROOT" --key-dir "$KEYS" --id se \
	>/dev/null 2>&1 || exit 1
"$BIN" ca init --country SE --out "$TMP/pki" >/dev/null 2>&1 || exit 1
"$BIN" ca dsc --ca "$TMP/pki" --out "$TMP/pki/dsc" --types v \
	>"$OUT" 2>/dev/null || exit 1
KID=$(sed -n 's/^kid: //p' "$OUT")
pub() {
	"$BIN" publish --data "$GOOD" --key-dir "$KEYS" --id se --root "$ROOT" \
		"$@" >/dev/null 2>"$ERR" || { cat "$ERR" >&2; exit 1; }
}
pub csca "$TMP/pki/csca.pem"
pub dsc "$TMP/pki/dsc/dsc.pem"
i=0
while [ $i -lt 6 ]; do
	j=0
	: >"$TMP/h.txt"
	while [ $j -lt 150 ]; do
		head -c 16 /dev/urandom | base64 >>"$TMP/h.txt"
		j=$((j + 1))
	done
	pub revoke --kid "$KID" --type uci - <"$TMP/h.txt"
	i=$((i + 1))
done
"$TOOL" compact "$GOOD" entries || exit 1

# sst FAMILY DIR: the path of the family's one live SST file.
sst() {
	"$TOOL" files "$2" | awk -v cf="$1" '$2 == cf { print $1 }' | head -n 1
}
# flip FILE OFFSET: inverts the bits of one byte.
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 255)))" \
		| dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# fresh: a copy of the good store in $D.
fresh() {
	D=$TMP/d
	rm -rf "$D"
	cp -a "$GOOD" "$D"
}
# check_is RC TEXT: intyg check --data $D exits RC and prints TEXT.
check_is() {
	"$BIN" check --data "$D" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq "$1" ] || fail "$CASE: check exited $rc, expected $1: $(cat "$OUT" "$ERR" | tail -n 5)"
	if [ -n "$2" ]; then
		cat "$OUT" "$ERR" | grep -qF -- "$2" \
			|| fail "$CASE: check did not say '$2': $(cat "$OUT" "$ERR" | tail -n 5)"
	fi
}
# log_not_hidden: intyg log lists all 8 entries or fails (never fewer
# with exit 0).
log_not_hidden() {
	"$BIN" log --data "$D" >"$OUT" 2>"$ERR"
	rc=$?
	n=$(wc -l <"$OUT")
	if [ "$rc" -eq 0 ] && [ "$n" -ne 8 ]; then
		fail "$CASE: intyg log exited 0 with $n of 8 entries"
	fi
}
# entry key of se's seq N
ekey() { "$TOOL" entrykey se "$1"; }

CASE=intact
fresh
check_is 0 "intact"
"$BIN" log --data "$D" >"$OUT" 2>"$ERR" || fail "intact: log failed"
[ "$(wc -l <"$OUT")" -eq 8 ] || fail "intact: $(wc -l <"$OUT") entries"
"$BIN" check --data "$D" --quick >"$OUT" 2>&1 || fail "intact: --quick"
"$BIN" check --help >"$OUT" 2>&1 || fail "check --help"
grep -q "damage found" "$OUT" || fail "check --help lacks the exit codes"
"$BIN" check >"$OUT" 2>&1
[ $? -eq 2 ] || fail "check without --data is a usage error"

# --- bytes flipped in each data block of the entries SST -------------------
F=$(sst entries "$GOOD")
SIZE=$(stat -c %s "$GOOD$F")
for off in 200 4500 7000 10000 13000; do
	[ "$off" -lt "$SIZE" ] || continue
	CASE="entries SST byte $off"
	fresh
	flip "$D$F" "$off"
	check_is 1 "damaged: se seq"
	log_not_hidden
	# every --from, too: a walk that starts inside the log
	for from in 2 4 6 8; do
		"$BIN" log --data "$D" --from $from >"$OUT" 2>"$ERR"
		rc=$?
		n=$(wc -l <"$OUT")
		if [ "$rc" -eq 0 ] && [ "$n" -ne $((9 - from)) ]; then
			fail "$CASE: log --from $from exited 0 with $n entries"
		fi
	done
done

# --- the other files ---------------------------------------------------------
CASE="MANIFEST byte"
fresh
M=$(ls "$D" | grep '^MANIFEST-' | head -n 1)
flip "$D/$M" 40
check_is 4 "Corruption"

CASE="MANIFEST truncated"
fresh
M=$(ls "$D" | grep '^MANIFEST-' | head -n 1)
truncate -s 20 "$D/$M"
check_is 4 ""

CASE="CURRENT removed"
fresh
rm -f "$D/CURRENT"
check_is 4 ""

CASE="entries SST truncated"
fresh
F=$(sst entries "$D")
truncate -s $(($(stat -c %s "$D$F") / 2)) "$D$F"
check_is 4 ""

CASE="entries SST deleted"
fresh
F=$(sst entries "$D")
rm -f "$D$F"
check_is 4 ""

CASE="heads SST deleted"
fresh
F=$(sst heads "$D")
rm -f "$D$F"
check_is 4 ""

CASE="OPTIONS byte"
fresh
for o in "$D"/OPTIONS-*; do flip "$o" 100; done
# RocksDB writes a new OPTIONS file at every open and does not read the
# old one: damage there changes nothing.
check_is 0 "intact"

# The WAL: records not yet flushed (the tool leaves its writes in the
# WAL), one byte flipped in the middle. RocksDB's point-in-time recovery
# drops the log from the damaged record on, as after a torn write; the
# store reopens at its last consistent state.
CASE="WAL byte"
fresh
V=$("$TOOL" get "$D" heads 7365)
NOFLUSH=1 "$TOOL" put "$D" heads 7365 "$V" || fail "$CASE: put"
W=$(ls -S "$D" | grep '\.log$' | head -n 1)
WS=$(stat -c %s "$D/$W")
[ "$WS" -gt 0 ] || fail "$CASE: the WAL is empty"
flip "$D/$W" $((WS / 2))
check_is 0 "intact"
log_not_hidden

# --- records rewritten through RocksDB (checksums valid) --------------------
CASE="entry 5 altered"
fresh
"$TOOL" flip "$D" entries "$(ekey 5)" 60 || fail "$CASE: tool"
check_is 1 "damaged: se seq"
log_not_hidden

CASE="entry 8 altered (the head's)"
fresh
"$TOOL" flip "$D" entries "$(ekey 8)" 60 || fail "$CASE: tool"
check_is 1 "damaged: se seq"
log_not_hidden

CASE="entry 5 signature altered"
fresh
V=$("$TOOL" get "$D" entries "$(ekey 5)")
L=$(( ${#V} / 2 ))
"$TOOL" flip "$D" entries "$(ekey 5)" $((L - 3)) || fail "$CASE: tool"
check_is 1 "damaged: se seq"

CASE="entry 5 deleted"
fresh
"$TOOL" del "$D" entries "$(ekey 5)" || fail "$CASE: tool"
check_is 1 "damaged: se seq 5: entry missing"
log_not_hidden

CASE="entry 8 deleted"
fresh
"$TOOL" del "$D" entries "$(ekey 8)" || fail "$CASE: tool"
check_is 1 "damaged: se seq 8: entry missing"
log_not_hidden

CASE="entry 9 added"
fresh
V=$("$TOOL" get "$D" entries "$(ekey 8)")
"$TOOL" put "$D" entries "$(ekey 9)" "$V" || fail "$CASE: tool"
check_is 1 "damaged: se seq"

CASE="head deleted"
fresh
"$TOOL" del "$D" heads 7365 || fail "$CASE: tool"
check_is 1 "entries without a head"

CASE="head altered"
fresh
"$TOOL" flip "$D" heads 7365 20 || fail "$CASE: tool"
check_is 1 "damaged: se seq 8: head names another entry"

CASE="DSC record altered"
fresh
K=$("$TOOL" keys "$D" dsc | head -n 1)
"$TOOL" flip "$D" dsc "$K" 30 || fail "$CASE: tool"
check_is 1 "damaged: store: dsc"

CASE="DSC record deleted"
fresh
K=$("$TOOL" keys "$D" dsc | head -n 1)
"$TOOL" del "$D" dsc "$K" || fail "$CASE: tool"
check_is 1 "damaged: store: dsc"

CASE="CSCA record added"
fresh
K=$("$TOOL" keys "$D" csca | head -n 1)
V=$("$TOOL" get "$D" csca "$K")
"$TOOL" put "$D" csca "${K}00" "$V" || fail "$CASE: tool"
check_is 1 "damaged: store: csca"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "store_corruption_test: ok"
