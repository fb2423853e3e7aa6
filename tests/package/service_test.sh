#!/usr/bin/env bash
# service_test.sh UNIT BIN - checks the systemd unit of the Debian
# package: it must set the hardening the package promises
# (docs/operations.md), 'systemd-analyze verify' must accept it without a
# message (the ExecStart binary replaced by BIN, the freshly built one),
# and 'systemd-analyze security --offline=yes' must rate its exposure at
# most 2.0. The same scoring is run on a copy without the hardening,
# which must score above 2.0, so that a parser that reads nothing cannot
# pass.
set -euo pipefail
unit=$1
bin=$2
fail() {
	echo "FAIL: $*"
	exit 1
}
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is missing (Debian package systemd; scripts/deps.sh installs it)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The settings themselves.
for want in 'User=intyg' 'Group=intyg' 'StateDirectory=intyg' \
	'ExecStart=/usr/bin/intyg node --config /etc/intyg/node.ini' \
	'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' \
	'CapabilityBoundingSet=' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'SystemCallFilter=@system-service' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' \
	'RestrictNamespaces=yes' 'ProtectKernelTunables=yes' \
	'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'UMask=0077' \
	'Restart=on-failure'; do
	grep -qxF -- "$want" "$unit" || fail "$unit lacks '$want'"
done

# 2. systemd-analyze verify prints a line for every unknown key, bad
# value or missing executable, and still exits 0: any output fails.
sed "s|/usr/bin/intyg|$bin|" "$unit" >"$tmp/intyg.service"
msg=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/intyg.service" 2>&1) ||
	fail "systemd-analyze verify: $msg"
[ -z "$msg" ] || fail "systemd-analyze verify: $msg"

# score FILE: the overall exposure level systemd-analyze gives FILE.
score() {
	(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$1" 2>&1) |
		tee "$tmp/security.txt" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}

# 3. The exposure score.
s=$(score "$unit")
[ -n "$s" ] || fail "no exposure level in: $(cat "$tmp/security.txt")"
grep -v '^✓' "$tmp/security.txt"
awk -v s="$s" 'BEGIN { exit !(s <= 2.0) }' ||
	fail "exposure level $s is above 2.0"
echo "exposure level of $(basename "$unit"): $s (at most 2.0)"

# 4. The same unit without its hardening must score worse than 2.0.
grep -E '^(\[|Description|Type|User|Group|ExecStart|WantedBy)' "$unit" \
	>"$tmp/plain.service"
p=$(score "$tmp/plain.service")
[ -n "$p" ] || fail "no exposure level for the unhardened copy"
awk -v s="$p" 'BEGIN { exit !(s > 2.0) }' ||
	fail "the unhardened copy scores $p: the check cannot fail"
echo "without the hardening: $p"
