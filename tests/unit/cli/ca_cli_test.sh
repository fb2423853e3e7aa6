#!/bin/sh
# ca_cli_test.sh - `intyg ca` end to end through the real binary.
#
# Builds a CSCA and DSCs (ES256 and PS256) in a temporary directory, issues
# certificates of each type, and checks file modes (keys 0600), output
# lines, --help (exit 0, every option listed) and usage errors (exit 2 with
# a message that names the option or the path). IG_BIN is the intyg binary
# (CTest sets it to $<TARGET_FILE:intyg>).
set -u

BIN=${IG_BIN:?IG_BIN must name the intyg binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ca_cli_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect RC CMD...: runs CMD, keeps its output in $OUT and $ERR, and
# checks the exit status.
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

# mode_is PATH MODE
mode_is() {
	m=$(stat -c %a "$1" 2>/dev/null) || { fail "$1 missing"; return; }
	[ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
}

# err_has TEXT: the last command's standard error contains TEXT.
err_has() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1': $(cat "$ERR")"
}

# hc1_lines N: standard output is exactly N lines, each "HC1:" + Base45.
hc1_lines() {
	n=$(wc -l <"$OUT")
	[ "$n" -eq "$1" ] || fail "expected $1 lines, got $n"
	good=$(grep -c '^HC1:[0-9A-Z $%*+./:-]*$' "$OUT")
	[ "$good" -eq "$1" ] || fail "expected $1 HC1 lines, got $good"
}

PKI=$TMP/pki

# --- init -----------------------------------------------------------------
expect 0 "$BIN" ca init --country SE --out "$PKI" --days 30
mode_is "$PKI/csca.key" 600
[ -s "$PKI/csca.pem" ] || fail "csca.pem missing"
grep -q 'BEGIN CERTIFICATE' "$PKI/csca.pem" || fail "csca.pem is not PEM"
grep -q 'BEGIN PRIVATE KEY' "$PKI/csca.key" || fail "csca.key is not PKCS#8"
# A second init must not silently replace the CA key.
expect 2 "$BIN" ca init --country SE --out "$PKI" && err_has "--force"
expect 0 "$BIN" ca init --country SE --out "$PKI" --force --cn "Drill CSCA"
mode_is "$PKI/csca.key" 600

# --- dsc ------------------------------------------------------------------
expect 0 "$BIN" ca dsc --ca "$PKI" --out "$TMP/dsc"
mode_is "$TMP/dsc/dsc.key" 600
grep -Eq '^kid: [A-Za-z0-9+/]{11}=$' "$OUT" || fail "no base64 kid: $(cat "$OUT")"
grep -qF "$TMP/dsc/dsc.pem" "$OUT" || fail "dsc path not printed"
expect 0 "$BIN" ca dsc --ca "$PKI" --out "$TMP/dsc-ps" --alg PS256 \
	--types t,r --days 100 --not-before 2024-01-01
mode_is "$TMP/dsc-ps/dsc.key" 600
expect 0 "$BIN" ca dsc --ca "$PKI" --out "$TMP/dsc-v" --types v \
	--not-before 2024-01-01T12:00:00Z

if command -v openssl >/dev/null 2>&1; then
	openssl verify -CAfile "$PKI/csca.pem" "$TMP/dsc/dsc.pem" >/dev/null 2>&1 ||
		fail "openssl does not verify the DSC under the CSCA"
	openssl x509 -in "$TMP/dsc-v/dsc.pem" -noout -text 2>/dev/null |
		grep -q '1\.3\.6\.1\.4\.1\.1847\.2021\.1\.2' ||
		fail "the v-only DSC lacks the vaccination EKU"
	openssl x509 -in "$TMP/dsc-v/dsc.pem" -noout -subject 2>/dev/null |
		grep -q 'C *= *SE' || fail "the DSC's subject lacks C=SE"
fi

# --- issue ----------------------------------------------------------------
for t in v t r; do
	expect 0 "$BIN" ca issue --dsc "$TMP/dsc" --type "$t" --count 3 \
		--seed 7 && hc1_lines 3
done
expect 0 "$BIN" ca issue --dsc "$TMP/dsc-ps" --type t --count 2 \
	--iat 2024-02-01T08:00:00Z --exp +30 && hc1_lines 2
expect 0 "$BIN" ca issue --dsc "$TMP/dsc" --type v && hc1_lines 1
err_has "seed"
# Wrong-type and expired certificates are made on purpose, with warnings.
expect 0 "$BIN" ca issue --dsc "$TMP/dsc-v" --type t --seed 1 &&
	hc1_lines 1 && err_has "key usage"
expect 0 "$BIN" ca issue --dsc "$TMP/dsc" --type r --iat 2024-01-01 \
	--exp 2024-01-02 --seed 1 && hc1_lines 1 && err_has "warning"
# A key that is not the certificate's is refused before anything is issued.
mkdir "$TMP/mixed"
cp "$TMP/dsc/dsc.pem" "$TMP/mixed/dsc.pem"
cp "$TMP/dsc-v/dsc.key" "$TMP/mixed/dsc.key"
expect 2 "$BIN" ca issue --dsc "$TMP/mixed" --type v &&
	err_has "not the private key"
[ -s "$OUT" ] && fail "output despite a mismatched key"

# --- help -----------------------------------------------------------------
expect 0 "$BIN" ca --help && grep -q '^usage: intyg ca' "$OUT" ||
	fail "ca --help"
for opt in --country --out --cn --days --force --help; do
	expect 0 "$BIN" ca init --help
	grep -qF -- "$opt" "$OUT" || fail "ca init --help lacks $opt"
done
for opt in --ca --out --types --alg --cn --days --not-before --force; do
	expect 0 "$BIN" ca dsc --help
	grep -qF -- "$opt" "$OUT" || fail "ca dsc --help lacks $opt"
done
for opt in --dsc --type --count --iat --exp --seed; do
	expect 0 "$BIN" ca issue --help
	grep -qF -- "$opt" "$OUT" || fail "ca issue --help lacks $opt"
done
expect 0 "$BIN" ca issue --help && grep -q 'default +365' "$OUT" ||
	fail "ca issue --help lacks the --exp default"

# --- usage errors: exit 2 and a message -------------------------------------
expect 2 "$BIN" ca
expect 2 "$BIN" ca frobnicate && err_has "frobnicate"
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --bogus && err_has "--bogus"
expect 2 "$BIN" ca init --country SE && err_has "--out"
expect 2 "$BIN" ca init --country se --out "$TMP/x" && err_has "capital"
expect 2 "$BIN" ca init --country SWE --out "$TMP/x"
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --days 0
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --days 12x
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --days -5
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --days " 5"
expect 2 "$BIN" ca init --country SE --out "$TMP/x" --days 99999999999999999999
expect 2 "$BIN" ca init --country SE --country DK --out "$TMP/x" &&
	err_has "twice"
expect 2 "$BIN" ca init --country SE --out "$TMP/x" extra && err_has "extra"
expect 2 "$BIN" ca init --country SE --out && err_has "needs a value"
expect 2 "$BIN" ca init --country= --out "$TMP/x" && err_has "empty"
expect 2 "$BIN" ca init --force=yes --country SE --out "$TMP/x"
[ -e "$TMP/x" ] && fail "a failed init created its directory"
touch "$TMP/afile"
expect 2 "$BIN" ca init --country SE --out "$TMP/afile" && err_has "$TMP/afile"

# A CA directory that cannot be read is a local file error (4).
expect 4 "$BIN" ca dsc --ca "$TMP/nowhere" --out "$TMP/d2" &&
	err_has "$TMP/nowhere/csca.pem"
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --types v,x
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --types v,v
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --types v,
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --alg ES384
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --not-before 2024-02-30
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" \
	--not-before 2024-01-01T24:00:00Z
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" \
	--not-before 2024-01-01T12:00:00Q
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d2" --not-before 1969-12-31
expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/dsc" && err_has "--force"
chmod 000 "$PKI/csca.key"
if [ "$(id -u)" -ne 0 ]; then
	expect 2 "$BIN" ca dsc --ca "$PKI" --out "$TMP/d3" &&
		err_has "$PKI/csca.key"
fi
chmod 600 "$PKI/csca.key"

expect 2 "$BIN" ca issue --dsc "$TMP/dsc" && err_has "--type"
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type x
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type vt
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --count 0
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --count 10000001
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --exp +abc
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --exp +36501
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --seed 1.5
expect 2 "$BIN" ca issue --dsc "$TMP/dsc" --type v --iat 2024-13-01
expect 4 "$BIN" ca issue --dsc "$TMP/empty" --type v &&
	err_has "$TMP/empty/dsc.pem"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "ca_cli_test: all checks passed"
