#!/usr/bin/env bash
# signer_service_test.sh UNIT BIN - checks debian/intyg-signer.service as
# service_test.sh checks the node's unit: the settings the package
# promises (a user of its own, no network, the key in its own state
# directory), 'systemd-analyze verify' without a message (ExecStart's
# binary replaced by BIN), and an exposure level of at most 2.0 from
# 'systemd-analyze security --offline=yes', with a copy without the
# hardening scoring above 2.0 so that the check can fail.
set -euo pipefail
unit=$1
bin=$2
fail() {
	echo "FAIL: $*"
	exit 1
}
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is missing (Debian package systemd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for want in 'User=intyg-signer' 'Group=intyg' \
	'StateDirectory=intyg-signer' 'StateDirectoryMode=0700' \
	'RuntimeDirectory=intyg-signer' 'RuntimeDirectoryMode=0750' \
	'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' \
	'CapabilityBoundingSet=' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'PrivateNetwork=yes' 'RestrictAddressFamilies=AF_UNIX' \
	'SystemCallFilter=@system-service' 'MemoryDenyWriteExecute=yes' \
	'LockPersonality=yes' 'RestrictNamespaces=yes' 'LimitCORE=0' \
	'Restart=on-failure'; do
	grep -qxF -- "$want" "$unit" || fail "$unit lacks '$want'"
done
grep -q '^ExecStart=/usr/bin/intyg signer .*--listen unix:/run/intyg-signer/signer.sock' \
	"$unit" || fail "$unit: ExecStart is not intyg signer on /run/intyg-signer"

sed "s|/usr/bin/intyg|$bin|" "$unit" >"$tmp/intyg-signer.service"
printf 'IG_SIGNER_ID=se\n' >"$tmp/default"
sed -i "s|/etc/default/intyg-signer|$tmp/default|" "$tmp/intyg-signer.service"
msg=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/intyg-signer.service" 2>&1) ||
	fail "systemd-analyze verify: $msg"
[ -z "$msg" ] || fail "systemd-analyze verify: $msg"

score() {
	(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$1" 2>&1) |
		tee "$tmp/security.txt" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}
s=$(score "$unit")
[ -n "$s" ] || fail "no exposure level in: $(cat "$tmp/security.txt")"
grep -v '^✓' "$tmp/security.txt"
awk -v s="$s" 'BEGIN { exit !(s <= 2.0) }' ||
	fail "exposure level $s is above 2.0"
echo "exposure level of $(basename "$unit"): $s (at most 2.0)"

grep -E '^(\[|Description|Type|User|Group|ExecStart|WantedBy)' "$unit" \
	>"$tmp/plain.service"
p=$(score "$tmp/plain.service")
[ -n "$p" ] || fail "no exposure level for the unhardened copy"
awk -v s="$p" 'BEGIN { exit !(s > 2.0) }' ||
	fail "the unhardened copy scores $p: the check cannot fail"
echo "without the hardening: $p"
