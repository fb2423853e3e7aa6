#!/usr/bin/env bash
# systemd_units_test.sh DIR BIN - configs/systemd/intyg-drill.{service,
# timer} pass 'systemd-analyze verify' without a message (ExecStart's
# binary replaced by BIN, the scenario by a file that exists). Skipped
# (77) without systemd-analyze.
set -euo pipefail
dir=$1
bin=$2
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -q '^ExecStart=/usr/bin/intyg drill ' "$dir/intyg-drill.service" ||
	{ echo "FAIL: ExecStart is not intyg drill"; exit 1; }
touch "$tmp/drill.ini"
sed -e "s|/usr/bin/intyg|$bin|" -e "s|/etc/intyg/drill.ini|$tmp/drill.ini|" \
	"$dir/intyg-drill.service" >"$tmp/intyg-drill.service"
cp "$dir/intyg-drill.timer" "$tmp/"
msg=$(cd "$tmp" && systemd-analyze verify --man=no \
	"$tmp/intyg-drill.service" "$tmp/intyg-drill.timer" 2>&1) ||
	{ echo "FAIL: systemd-analyze verify: $msg"; exit 1; }
[ -z "$msg" ] || { echo "FAIL: systemd-analyze verify: $msg"; exit 1; }
echo "systemd_units_test: intyg-drill.service and .timer verify clean"
