#!/bin/bash
# backup_test.sh - backup and restore under publishing load
# (docs/operations.md, "Backup and restore"):
#
# 1. Two nodes, se (gateway-bridge: it may revoke under any kid) and dk.
#    A loop publishes revocations at se through its admin endpoint and
#    records every acknowledged seq.
# 2. While it runs, `intyg backup --config` asks se (through its HTTP
#    admin listener) for a copy. Every entry acknowledged before the
#    backup started must be in it: backup.json, read back from the copy,
#    names a head of se at or beyond the last one acknowledged before.
# 3. Publishing goes on, then stops; dk holds everything.
# 4. se is killed (SIGKILL) and its data directory deleted; `intyg
#    restore` brings the backup back and se starts again: it catches up
#    from dk (its own entries published after the backup included), and
#    both end with the same heads and state digest.
# Bad input: a backup into an existing directory, a restore into a
# non-empty one, a restore from something that is not a backup.
#
# Ports (127.0.0.1): 7792 se gossip, 7793 se HTTP admin, 7794 dk gossip,
# 7796 se API, 7797 dk API. IG_BIN is the intyg binary (CTest sets it).
set -u
. "$(dirname "$0")/../../lib/fed.sh"

fed_init backup_test
fed_member se SE gateway-bridge tls+tcp://127.0.0.1:7792
fed_member dk DK authority tls+tcp://127.0.0.1:7794
fed_root backup se dk
fed_token
node_config se tls+tcp://127.0.0.1:7792 7796 7793
node_config dk tls+tcp://127.0.0.1:7794 7797

# status ID: the node's status JSON (compact) on stdout.
status() {
	"$BIN" node status --admin "ipc://$TMP/$1.admin.ipc" \
	    --token-file token --timeout 5 | tr -d ' \n'
}

# head_of NODE ORIGIN: the seq of ORIGIN's head at NODE (0 when none).
head_of() {
	status "$1" | grep -o "{\"origin\":\"$2\",\"seq\":[0-9]*" |
		sed 's/.*://' | head -n1 | grep . || echo 0
}

digest_of() {
	status "$1" | sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p'
}

node_start se
node_start dk

# The publishing loop: one revocation per entry, acknowledged seqs in
# acked.txt, until stop.flag exists.
(
	i=0
	while [ ! -e stop.flag ]; do
		i=$((i + 1))
		# 16 bytes: twelve zeros and i (big-endian), in Base64
		h=$(printf "$(printf '\\x%02x' 0 0 0 0 0 0 0 0 0 0 0 0 \
		    $((i >> 24 & 255)) $((i >> 16 & 255)) $((i >> 8 & 255)) \
		    $((i & 255)))" | base64)
		out=$("$BIN" publish --node "ipc://$TMP/se.admin.ipc" \
		    --token-file token --timeout 10 \
		    revoke --kid 0011223344556677 --type uci "$h" 2>/dev/null) ||
			continue
		seq=$(echo "$out" | tr -d ' \n' |
			sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
		[ -n "$seq" ] && echo "$seq" >>acked.txt
	done
) &
LOOP_PID=$!
PIDS="$PIDS $LOOP_PID"

for _ in $(seq 1 300); do
	[ -s acked.txt ] && [ "$(wc -l <acked.txt)" -ge 5 ] && break
	sleep 0.1
done
[ -s acked.txt ] || die "nothing was published"

# --- the backup, under load ---------------------------------------------
before=$(sort -n acked.txt | tail -n1)
"$BIN" backup --config se.ini --out "$TMP/bk" >backup.out 2>backup.err ||
	die "backup failed: $(cat backup.err)"
in_backup=$(tr -d ' \n' <bk/backup.json |
	grep -o '{"origin":"se","seq":[0-9]*' | sed 's/.*://')
[ -n "$in_backup" ] || die "backup.json names no head of se: $(cat bk/backup.json)"
[ "$in_backup" -ge "$before" ] ||
	fail "the backup holds se up to $in_backup; $before was acknowledged before it started"
[ -f bk/keys/se.member.json ] && [ -f bk/keys/se.tls.pem ] &&
	[ -f bk/node.ini ] && [ -f bk/root.bin ] ||
	fail "the backup lacks public keys, config or root: $(ls -R bk)"
ls bk/keys | grep -q '\.key$' && fail "a private key is in the backup"

sleep 1
touch stop.flag
wait "$LOOP_PID"
final=$(sort -n acked.txt | tail -n1)
[ "$final" -gt "$in_backup" ] ||
	fail "nothing was acknowledged after the backup ($final)"

for _ in $(seq 1 100); do
	[ "$(head_of dk se)" = "$final" ] && break
	sleep 0.1
done
[ "$(head_of dk se)" = "$final" ] || die "dk did not get se's log up to $final"

# --- bad input ----------------------------------------------------------
"$BIN" backup --config se.ini --out "$TMP/bk" >/dev/null 2>&1
[ $? = 2 ] || fail "a backup into an existing directory was not a usage error"
mkdir notempty && touch notempty/x
"$BIN" restore --from bk --data notempty >/dev/null 2>&1
[ $? = 2 ] || fail "a restore into a non-empty directory was not refused"
mkdir notabackup
"$BIN" restore --from notabackup --data "$TMP/x" >/dev/null 2>&1
[ $? = 4 ] || fail "a restore from a non-backup was not refused"
[ -e "$TMP/x" ] && fail "a refused restore left $TMP/x"

# --- destroy se, restore, catch up ---------------------------------------
node_kill se KILL
rm -rf se-data
"$BIN" restore --from bk --data "$TMP/se-data" >restore.out 2>restore.err ||
	die "restore failed: $(cat restore.err)"
restored=$(tr -d ' \n' <restore.out |
	grep -o '{"origin":"se","seq":[0-9]*' | sed 's/.*://')
[ "$restored" = "$in_backup" ] ||
	fail "the restored store holds se up to $restored, the backup $in_backup"

node_start se
for _ in $(seq 1 200); do
	[ "$(head_of se se)" = "$final" ] && break
	sleep 0.1
done
got=$(head_of se se)
[ "$got" = "$final" ] ||
	fail "the restored se did not catch up: its head $got, acknowledged $final"
for _ in $(seq 1 100); do
	[ "$(digest_of se)" = "$(digest_of dk)" ] && break
	sleep 0.1
done
[ "$(digest_of se)" = "$(digest_of dk)" ] ||
	fail "se and dk did not converge: $(digest_of se) vs $(digest_of dk)"

failures_end backup_test "$before acknowledged before the backup, $in_backup in it, $final in all; restored at $in_backup, caught up to $final, state digests equal"
