#!/usr/bin/env bash
# scripts/diffcheck.sh - shows that a refactor changed no behaviour: the
# same inputs give byte-identical verdicts, and a federation fed the same
# entries ends with the same state, in two commits of the tree.
#
# usage: scripts/diffcheck.sh [BASE [HEAD]]
#
# BASE defaults to c848ed9 (the commit before the issue 13 moves), HEAD
# to the checkout's HEAD commit (committed work only: stage and commit
# first). Each is checked out in a git worktree of its own,
# build/diffcheck/src-base and src-head, and built there (Release, the
# intyg target only, no tests) in build/diffcheck/build-base and
# build-head; both are reused, so a second run rebuilds only what changed.
#
# The HEAD build makes every input once, in build/diffcheck/work/gen;
# both builds are then fed the same files:
#
#  * issued: DIFFCHECK_COUNT (default 10,000) fresh certificates from the
#    synthetic issuer (`intyg ca issue`, payloads from fixed seeds):
#    valid ES256 and PS256 of the three types from two countries,
#    revoked ones (by UCI, country+UCI and signature hash), expired and
#    not-yet-valid ones, a type the DSC may not sign, an untrusted key,
#    a DSC without the DCC key usage, a DSC expired at the clock, and
#    broken variants (truncated, a changed character, no prefix, ...);
#  * corpus: every certificate the fuzz corpora hold (tests/fuzz/corpus:
#    hcert, base45, zlib, cose, cwt, and the HC1 strings inside
#    http_verify_body and rpc_request);
#  * conformance: the EU DCC test vectors ($IG_SHARED_DIR/testdata/
#    dgc-testdata, default ../shared next to the checkout) and
#    tests/conformance/fixtures, each verified against its own DSC at its
#    own validation clock;
#  * files: the corpora that are verify's other inputs, each given as a
#    file: x509 and gateway_list as --trust, revfile as --revocations.
#
# Each certificate set is verified twice by each build: offline against
# trust and revocation files (`intyg verify --trust ... --revocations`),
# and against a registry (`intyg verify --data`). The verdict JSON is
# compared line by line (one verdict per input), the exit status and
# standard error as a whole.
#
# The federation: the HEAD build writes two members' logs (se and dk:
# CSCAs, DSCs, revocations, an unrevoke, a DSC removal) with `intyg
# publish --data`. Each build then runs three nodes (se and dk on copies
# of those stores, fi empty) on 127.0.0.1 ports DIFFCHECK_PORT..+2
# (default 7941..7943; admin over ipc) until the three state digests
# agree, stops them, and lists fi's store (`intyg log`, `intyg check`).
# The digests and listings of the two builds must be identical; fi's
# store is the registry of the --data verdicts.
#
# Prints one line per set, then
#   inputs_compared: N
#   verdicts_identical: N
#   digests_identical: yes|no
#   errors_identical: yes|no    (standard error and exit status)
# and exits 0 when nothing differs, 1 on any difference (the first few
# differing inputs are listed), 2 when it cannot run. Needs git, cmake,
# a C toolchain (the project's build dependencies) and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
	exit 0
fi
BASE_REV=${1:-c848ed9}
HEAD_REV=${2:-HEAD}
SHARED=${IG_SHARED_DIR:-$ROOT/../shared}
COUNT=${DIFFCHECK_COUNT:-10000}
PORT=${DIFFCHECK_PORT:-7941}
DC=$ROOT/build/diffcheck
W=$DC/work
PY=$ROOT/scripts/diffcheck.py
# The validation clock of every verdict (certificates are issued around
# it, so nothing depends on the day the check runs).
AT=2026-09-01T00:00:00Z
PIDS=
UNSTAMP='s/^[0-9]\{4\}-[0-9-]*T[0-9:.]*Z //'

die() {
	echo "diffcheck: $*" >&2
	exit 2
}

stop_nodes() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=
}
trap stop_nodes EXIT
trap 'stop_nodes; exit 2' HUP INT TERM

command -v python3 >/dev/null || die "needs python3"
start_s=$(date +%s)

# build_rev SLOT REV VAR: builds REV in the worktree and build directory
# of SLOT (base or head; the worktree is moved to REV, so the next run
# rebuilds only what changed); VAR names the intyg binary.
build_rev() {
	local slot=$1 sha src bld bin
	sha=$(git -C "$ROOT" rev-parse --verify -q "$2^{commit}") ||
		die "no commit $2"
	src=$DC/src-$slot
	bld=$DC/build-$slot
	mkdir -p "$DC"
	if [ ! -e "$src/.git" ]; then
		git -C "$ROOT" worktree add --detach "$src" "$sha" >/dev/null 2>&1 ||
			die "git worktree add $src failed"
	elif [ "$(git -C "$src" rev-parse HEAD)" != "$sha" ]; then
		git -C "$src" checkout -q --detach "$sha" ||
			die "cannot move $src to $sha"
	fi
	cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Release -DIG_TESTS=OFF \
	    -DIG_MANPAGES=OFF >"$DC/build-$slot.log" 2>&1 ||
		die "cmake failed for $2 ($DC/build-$slot.log)"
	cmake --build "$bld" -j2 --target intyg >>"$DC/build-$slot.log" 2>&1 ||
		die "the build of $2 failed ($DC/build-$slot.log)"
	# (the newest: a move of the binary leaves the old one behind)
	bin=$(find "$bld" -name intyg -type f -perm -u+x -printf '%T@ %p\n' |
		sort -n | tail -n1 | cut -d' ' -f2-)
	[ -n "$bin" ] || die "no intyg binary in $bld"
	printf -v "$3" '%s' "$bin"
	printf -v "${slot^^}_SHA" '%s' "${sha:0:12}"
	echo "diffcheck: $slot $2 = ${sha:0:12}: $bin"
}

build_rev base "$BASE_REV" BASE_BIN
build_rev head "$HEAD_REV" HEAD_BIN
build_s=$(date +%s)

# --- the inputs, made once by the HEAD build ---------------------------
G=$HEAD_BIN
rm -rf "$W"
mkdir -p "$W/gen" "$W/in" "$W/out-base" "$W/out-head"
cd "$W/gen"

# pki: CSCAs and DSCs. d1 ES256 and d2 PS256 (v,t,r), d3 may sign
# vaccinations only, d4 is never trusted (a key nobody knows), d5 lacks
# the DCC key usage, d6 expired before the clock, k1 a Danish DSC.
"$G" ca init --country SE --out ca-se >/dev/null
"$G" ca init --country DK --out ca-dk >/dev/null
dsc() {
	local dir=$1 ca=$2
	shift 2
	"$G" ca dsc --ca "$ca" --out "$dir" "$@" >"$dir.txt" 2>/dev/null ||
		die "ca dsc $dir"
}
dsc d1 ca-se --not-before 2026-01-01 --days 3650
dsc d2 ca-se --not-before 2026-01-01 --days 3650 --alg PS256
dsc d3 ca-se --not-before 2026-01-01 --days 3650 --types v
dsc d4 ca-se --not-before 2026-01-01 --days 3650
dsc d5 ca-se --not-before 2026-01-01 --days 3650 --bad-key-usage
dsc d6 ca-se --not-before 2025-01-01 --days 200
dsc k1 ca-dk --not-before 2026-01-01 --days 3650
kid_of() { sed -n 's/^kid: //p' "$1.txt"; }

# issue DSC TYPE SHARE SEED [ca issue options]: SHARE/1000 of COUNT
# certificates into issued/.
mkdir -p issued
issue() {
	local d=$1 t=$2 share=$3 seed=$4 n
	shift 4
	n=$((COUNT * share / 1000))
	[ "$n" -gt 0 ] || return 0
	[ $# -gt 0 ] || set -- --iat 2026-06-01
	"$G" ca issue --dsc "$d" --type "$t" --count "$n" --seed "$seed" \
	    "$@" >"issued/$d-$t-$seed.txt" 2>/dev/null ||
		die "ca issue $d $t $*"
}
issue d1 v 170 1
issue d1 t 120 2
issue d1 r 100 3
issue d2 v 80 4
issue d2 t 40 5
issue d3 v 40 6
issue d3 t 40 7
issue d4 v 60 8
issue d5 v 30 9
issue d6 v 30 10 --iat 2025-03-01
issue d1 v 50 11 --iat 2025-01-01 --exp +30
issue d1 t 20 12 --iat 2026-08-01 --exp 2026-08-02
issue d1 v 30 13 --iat 2026-12-01
issue k1 v 60 14
issue k1 r 30 15
# revoked: these are revoked (the whole file) in the revocation batch and
# in the registry; the trust-file batch cycles through the hash types.
issue d1 v 60 16
issue d2 r 20 17
issue k1 v 20 18
cat issued/*.txt >valid-ish.txt
have=$(wc -l <valid-ish.txt)
python3 "$PY" malform 2026 $((COUNT - have)) valid-ish.txt malformed.txt
cat valid-ish.txt malformed.txt >"$W/in/issued.txt"
cat issued/d1-v-16.txt issued/d2-r-17.txt issued/k1-v-18.txt >revoked.txt
"$G" inspect - <revoked.txt >revoked.json || die "inspect"
python3 "$PY" revfile uci,countrycodeuci,signature revoked.json \
    "$W/in/revocations.json"

# corpus inputs (a bad CWT is wrapped under d1's kid)
python3 "$PY" corpus "$ROOT/tests/fuzz/corpus" "$W/in/corpus.txt" \
    "$(kid_of d1)" >/dev/null

# conformance vectors
mkdir -p "$W/in/vectors"
vdirs=("$ROOT/tests/conformance/fixtures")
[ -d "$SHARED/testdata/dgc-testdata" ] &&
	vdirs+=("$SHARED/testdata/dgc-testdata")
[ -d "$SHARED/testdata/dgc-testdata" ] ||
	echo "diffcheck: warning: no $SHARED/testdata/dgc-testdata" >&2
python3 "$PY" vectors "${vdirs[@]}" "$W/in/vectors" >/dev/null

# the federation's entries: se (authority for SE) and dk, fi with none
mkdir -p fed
member() {
	"$G" keygen --id "$1" --out fed/keys >/dev/null || die "keygen $1"
	sed -i -e "s/\"countries\": \\[\\]/\"countries\": [\"$2\"]/" \
	    -e "s|\"gossip_url\": \"\"|\"gossip_url\": \"tls+tcp://127.0.0.1:$3\"|" \
	    "fed/keys/$1.member.json"
}
member se SE "$PORT"
member dk DK $((PORT + 1))
member fi FI $((PORT + 2))
"$G" federation init --fed-id diffcheck --member fed/keys/se.member.json \
    --member fed/keys/dk.member.json --member fed/keys/fi.member.json \
    --threshold 1 --expires 2035-01-01T00:00:00Z --out fed/root.bin \
    >/dev/null || die "federation init"
"$G" federation sign --root fed/root.bin --key-dir fed/keys --id se \
    >/dev/null || die "federation sign"
ROOT_HASH=$("$G" federation show --root fed/root.bin |
	sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p' | head -n1)
pub() {
	local id=$1
	shift
	"$G" publish --data "fed/$id-data" --key-dir fed/keys --id "$id" \
	    --root fed/root.bin "$@" >>publish.log 2>&1 || die "publish $id $*"
}
pub se csca ca-se/csca.pem
pub se dsc d1/dsc.pem d2/dsc.pem d3/dsc.pem
pub se dsc d5/dsc.pem
pub se dsc d6/dsc.pem --source national
# se revokes its own certificates in entries of 25, dk its own at once
cat issued/d1-v-16.txt issued/d2-r-17.txt | split -l 25 - rev.
for f in rev.*; do
	pub se revoke --from-hcert - <"$f"
done
head -n 3 issued/d1-v-1.txt >unrevoked.txt
pub se revoke --from-hcert - <unrevoked.txt
pub se unrevoke --from-hcert - <unrevoked.txt
pub se remove-dsc "$(kid_of d6)"
pub dk csca ca-dk/csca.pem
pub dk dsc k1/dsc.pem
[ -s issued/k1-v-18.txt ] && pub dk revoke --from-hcert - <issued/k1-v-18.txt
gen_s=$(date +%s)

# --- each build: the federation, then every verdict --------------------
status_digest() {
	# (nothing while the node is not up yet)
	{ "$BIN" node status --admin "ipc://$RUN/$1.admin.ipc" --timeout 5 \
	    2>/dev/null || true; } | tr -d ' \n' |
		sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p'
}

# ports_free: waits (up to 2 minutes) until nothing listens on the three
# gossip ports (another test may be using them).
ports_free() {
	python3 - "$PORT" <<'EOP' || die "127.0.0.1:$PORT..$((PORT + 2)) stay in use"
import socket, sys, time
port = int(sys.argv[1])
end = time.time() + 120
while time.time() < end:
    busy = 0
    for p in range(port, port + 3):
        s = socket.socket()
        # as nng's listeners bind: TIME_WAIT does not count, a listener does
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            busy += 1
        s.close()
    if busy == 0:
        sys.exit(0)
    time.sleep(1)
sys.exit(1)
EOP
}

# federation OUT: runs se, dk and fi until their digests agree.
federation() {
	local out=$1 id port=$PORT d1 d2 d3 ok=0 t0
	t0=$(date +%s)
	RUN=$W/run
	rm -rf "$RUN"
	mkdir -p "$RUN"
	cp -a fed/keys fed/root.bin fed/se-data fed/dk-data "$RUN/"
	ports_free
	for id in se dk fi; do
		cat >"$RUN/$id.ini" <<EOC
[node]
id = $id
data_dir = $RUN/$id-data
keys_dir = $RUN/keys
root_file = $RUN/root.bin
root_hash = $ROOT_HASH
[gossip]
listen = tls+tcp://127.0.0.1:$port
period_ms = 200
[admin]
listen = ipc://$RUN/$id.admin.ipc
EOC
		port=$((port + 1))
		"$BIN" node --config "$RUN/$id.ini" >>"$RUN/$id.log" 2>&1 &
		PIDS="$PIDS $!"
	done
	for _ in $(seq 1 600); do
		d1=$(status_digest se) d2=$(status_digest dk) d3=$(status_digest fi)
		if [ -n "$d1" ] && [ "$d1" = "$d2" ] && [ "$d2" = "$d3" ]; then
			ok=1
			break
		fi
		sleep 0.1
	done
	stop_nodes
	[ $ok = 1 ] || {
		tail -n 3 "$RUN"/se.log "$RUN"/dk.log "$RUN"/fi.log >&2
		die "the three nodes of $BIN did not agree within 60 s"
	}
	echo "$d3" >"$out/digest"
	# (log lines lose their time stamps: the rest must be identical)
	"$BIN" log --data "$RUN/fi-data" 2>&1 | sed "$UNSTAMP" >"$out/log"
	echo "rc=${PIPESTATUS[0]}" >>"$out/log"
	"$BIN" check --data "$RUN/fi-data" 2>&1 | sed "$UNSTAMP" >"$out/check"
	echo "rc=${PIPESTATUS[0]}" >>"$out/check"
	echo "federation $(($(date +%s) - t0)) s" >>"$W/times"
}

# lines OUT NAME INPUT ARGS...: one verify run over a file of inputs.
lines() {
	local out=$1 name=$2 in=$3 rc=0
	shift 3
	"$BIN" verify --at "$AT" "$@" - <"$in" >"$out/$name" \
	    2>"$out/$name.err" || rc=$?
	echo "rc=$rc" >>"$out/$name.err"
}

# one OUT NAME ARGS...: one verify run, its answer as one record.
one() {
	local out=$1 name=$2 rc=0 res
	shift 2
	res=$("$BIN" verify "$@" 2>&1) || rc=$?
	printf '%s rc=%d %s\n' "$name" "$rc" "$(printf '%s' "$res" | tr '\n' '\036')" \
	    >>"$out/$name"
}

TRUST=(--trust d1/dsc.pem --trust d2/dsc.pem --trust d3/dsc.pem
	--trust d5/dsc.pem --trust d6/dsc.pem --trust k1/dsc.pem)
run_build() {
	local out=$1 f v t0
	BIN=$2
	federation "$out"
	t0=$(date +%s)
	for set in issued corpus; do
		lines "$out" "$set.trust" "$W/in/$set.txt" "${TRUST[@]}" \
		    --revocations "$W/in/revocations.json"
		lines "$out" "$set.data" "$W/in/$set.txt" --data "$RUN/fi-data"
	done
	: >"$out/vectors"
	: >"$W/in/vectors.txt"
	for v in "$W"/in/vectors/*.hc1; do
		v=${v%.hc1}
		f=${v}.der
		[ -f "$f" ] || f=d4/dsc.pem
		one "$out" vectors --trust "$f" --at "$(cat "$v.at")" - <"$v.hc1"
		cat "$v.name" >>"$W/in/vectors.txt"
	done
	echo "certificates $(($(date +%s) - t0)) s" >>"$W/times"
	t0=$(date +%s)
	: >"$out/files"
	: >"$W/in/files.txt"
	head -n 40 "$W/in/issued.txt" >sample.txt
	for f in "$ROOT"/tests/fuzz/corpus/x509/* \
	    "$ROOT"/tests/fuzz/corpus/gateway_list/*; do
		one "$out" files --trust "$f" --at "$AT" - <sample.txt
		echo "trust ${f#"$ROOT"/}" >>"$W/in/files.txt"
	done
	for f in "$ROOT"/tests/fuzz/corpus/revfile/*; do
		one "$out" files --trust d1/dsc.pem --revocations "$f" --at "$AT" \
		    - <sample.txt
		echo "revocations ${f#"$ROOT"/}" >>"$W/in/files.txt"
	done
	echo "files $(($(date +%s) - t0)) s" >>"$W/times"
}

echo "diffcheck: verifying with the base build"
run_build "$W/out-base" "$BASE_BIN"
echo "diffcheck: verifying with the head build"
run_build "$W/out-head" "$HEAD_BIN"
end_s=$(date +%s)

# --- compare ------------------------------------------------------------
compared=0
identical=0
others=yes
report=$W/report.txt
: >"$report"
for set in issued.trust issued.data corpus.trust corpus.data vectors files; do
	in=$W/in/${set%%.*}.txt
	res=$(python3 "$PY" compare "$set" "$W/out-base/$set" \
	    "$W/out-head/$set" "$in")
	read -r _ n d <<<"$(head -n1 <<<"$res")"
	compared=$((compared + n))
	identical=$((identical + n - d))
	printf '  %-14s %6d inputs, %d differ\n' "$set" "$n" "$d"
	tail -n +2 <<<"$res" >>"$report"
	if [ -f "$W/out-base/$set.err" ] &&
	    ! cmp -s "$W/out-base/$set.err" "$W/out-head/$set.err"; then
		echo "  $set: standard error or exit status differs:" >>"$report"
		diff "$W/out-base/$set.err" "$W/out-head/$set.err" | head -n 10 \
		    >>"$report" || true
		others=no
	fi
done
digests=yes
for f in digest log check; do
	if ! cmp -s "$W/out-base/$f" "$W/out-head/$f"; then
		digests=no
		echo "  federation: fi's $f differs:" >>"$report"
		diff "$W/out-base/$f" "$W/out-head/$f" | head -n 10 >>"$report" ||
			true
	fi
done
echo "  federation     digest $(cat "$W/out-base/digest") (base)"
echo "                 digest $(cat "$W/out-head/digest") (head)"
if [ -s "$report" ]; then
	echo "differences (first few per set; all inputs in $W/in):"
	head -n 60 "$report"
fi
echo "base: $BASE_SHA head: $HEAD_SHA"
echo "seconds: build $((build_s - start_s)), inputs $((gen_s - build_s)), runs $((end_s - gen_s))"
echo "inputs_compared: $compared"
echo "verdicts_identical: $identical"
echo "digests_identical: $digests"
echo "errors_identical: $others"
[ "$compared" = "$identical" ] && [ $digests = yes ] && [ $others = yes ] ||
	exit 1
exit 0
