#!/usr/bin/env bash
# scripts/drill.sh - an offline drill: builds intyg and runs the test
# PKI: a CSCA and a DSC for Sweden, synthetic certificates of each type,
# their verification offline, and one certificate inspected.
# Work files go to $IG_WORK (default ./work/drill); run it again any time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/release
bin=build/release/cli/intyg
work=${IG_WORK:-work/drill}
rm -rf "$work"
mkdir -p "$work"

echo "== 1. a test CSCA for SE, and a DSC it signs (ES256, types v,t,r)"
$bin ca init --country SE --out "$work/csca"
$bin ca dsc --ca "$work/csca" --out "$work/dsc" --types v,t,r

echo "== 2. synthetic HCERTs: 2 vaccination, 2 test, 2 recovery"
for t in v t r; do
	$bin ca issue --dsc "$work/dsc" --type $t --count 2
done >"$work/hcerts.txt"
wc -l "$work/hcerts.txt"

echo "== 3. offline verification against the DSC (one verdict per line)"
$bin verify --trust "$work/dsc/dsc.pem" - <"$work/hcerts.txt"

echo "== 4. one certificate inspected"
head -n 1 "$work/hcerts.txt" | $bin inspect --pretty -

echo "== 5. an expired certificate is refused (exit status 1 expected)"
$bin ca issue --dsc "$work/dsc" --type v --iat 2020-01-01T00:00:00Z \
	--exp 2020-06-01T00:00:00Z >"$work/expired.txt"
if $bin verify --trust "$work/dsc/dsc.pem" - <"$work/expired.txt"; then
	echo "unexpected: the expired certificate verified" >&2
	exit 1
fi
echo "drill complete; files in $work"
