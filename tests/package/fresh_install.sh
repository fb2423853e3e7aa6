#!/usr/bin/env bash
# tests/package/fresh_install.sh - the package on a fresh Debian 12: in a
# brand-new debootstrapped Debian 12 (../shared/tools/fresh-debian.sh,
# which exports the checkout's HEAD, so commit first) it builds the
# package with scripts/package.sh, installs the .deb with apt, checks what
# the package put where, configures a one-member federation the way an
# operator would (keys and root under /var/lib/intyg, id and root_hash in
# /etc/intyg/node.ini), starts the node from the installed files as the
# service user intyg and asks /healthz on loopback; then purges the
# package. The chroot has no running systemd, so the unit itself is not
# started; tests/package/service_test.sh checks the unit.
#
# Needs root (chroot, mounts) and a Debian mirror. Takes 10-20 minutes.
# Ports: 18740 (gossip), 18741 (admin), 18742 (HTTP), 18743 (RPC) on
# 127.0.0.1; the chroot shares the host's network.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" != --inside ]; then
	shared=${IG_SHARED_DIR:-$PWD/../shared}
	exec bash "$shared/tools/fresh-debian.sh" "$PWD" "$shared" \
		'bash tests/package/fresh_install.sh --inside' 3600
fi

# ---- inside the fresh Debian 12, as root, in /src/main ----
fail() {
	echo "FAIL: $*"
	exit 1
}
step() { echo "== $*"; }

# fresh-debian.sh roots the chroot in a mktemp directory (mode 0700);
# a real Debian's / is 0755, and the service user must traverse it.
chmod 0755 /

step "build the package (scripts/package.sh)"
scripts/package.sh /tmp/pkg
deb=$(ls /tmp/pkg/intyg_*_"$(dpkg --print-architecture)".deb)

step "install $deb with apt"
apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
dpkg-query -W -f='${Status} ${Version}\n' intyg

step "files"
for f in /usr/bin/intyg /lib/systemd/system/intyg.service \
	/etc/intyg/node.ini /usr/share/man/man1/intyg.1.gz \
	/usr/share/doc/intyg/examples/node1.ini /usr/share/doc/intyg/copyright; do
	[ -f "$f" ] || fail "$f is missing"
done
grep -qx /etc/intyg/node.ini /var/lib/dpkg/info/intyg.conffiles ||
	fail "/etc/intyg/node.ini is not a conffile"
for cmd in $(intyg --help | awk '/Commands:/ { l = 1; next }
    l && /^  [a-z]/ { print $1 }'); do
	[ -f "/usr/share/man/man1/intyg-$cmd.1.gz" ] ||
		fail "no manual page intyg-$cmd(1)"
done
intyg --version

step "the system user and its state directory"
getent passwd intyg || fail "no user intyg"
getent group intyg || fail "no group intyg"
[ "$(stat -c '%U:%G %a' /var/lib/intyg)" = "intyg:intyg 700" ] ||
	fail "/var/lib/intyg is $(stat -c '%U:%G %a' /var/lib/intyg)"
[ "$(getent passwd intyg | cut -d: -f7)" != /bin/bash ] ||
	fail "intyg has a login shell"

step "an operator configures a one-member federation"
for p in 18740 18741 18742 18743; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		fail "port $p on 127.0.0.1 is in use"
	fi
done
as_intyg() { runuser -u intyg -- "$@"; }
cd /var/lib/intyg
as_intyg intyg keygen --id solo --out /var/lib/intyg/keys
sed -e 's/"countries": \[\]/"countries": ["SE"]/' \
	-e 's|"gossip_url": ""|"gossip_url": "tls+tcp://127.0.0.1:18740"|' \
	keys/solo.member.json >/tmp/solo.member.json
as_intyg intyg federation init --fed-id fresh --member /tmp/solo.member.json \
	--threshold 1 --expires 2035-01-01T00:00:00Z --out /var/lib/intyg/root.bin
as_intyg intyg federation sign --root /var/lib/intyg/root.bin \
	--key-dir /var/lib/intyg/keys --id solo
hash=$(intyg federation show --root /var/lib/intyg/root.bin |
	sed -n 's/.*"hash": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)
[ ${#hash} -eq 64 ] || fail "no root hash"
sed -i -e 's/^id = .*/id = solo/' -e "s/^root_hash = .*/root_hash = $hash/" \
	-e 's|127.0.0.1:7401|127.0.0.1:18741|' \
	-e 's|127.0.0.1:7406|127.0.0.1:18742|' \
	-e 's|127.0.0.1:7407|127.0.0.1:18743|' /etc/intyg/node.ini
cd /

step "start the node as intyg from the installed files"
# setpriv executes the node itself (runuser would stay as its parent), so
# $node is the node and gets the SIGTERM below.
setpriv --reuid=intyg --regid=intyg --init-groups -- \
	intyg node --config /etc/intyg/node.ini >/tmp/node.log 2>&1 &
node=$!
stop_node() { kill "$node" 2>/dev/null && wait "$node" 2>/dev/null || true; }
trap stop_node EXIT
healthz() {
	(exec 3<>/dev/tcp/127.0.0.1/18742 &&
		printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
		timeout 5 cat <&3) 2>/dev/null || true
}
answer=""
for _ in $(seq 1 150); do
	answer=$(healthz)
	[ -n "$answer" ] && break
	kill -0 "$node" 2>/dev/null || break
	sleep 0.2
done
cat /tmp/node.log
echo "$answer"
printf '%s\n' "$answer" | head -n 1 | grep -q ' 200 ' ||
	fail "/healthz did not answer 200"
printf '%s\n' "$answer" | grep -q '"root_serial"' ||
	fail "/healthz has no root_serial"
[ "$(stat -c %U "/proc/$node")" = intyg ] ||
	fail "the node does not run as intyg"
[ "$(stat -c '%U %a' /var/lib/intyg/data)" = "intyg 700" ] ||
	fail "the store is $(stat -c '%U %a' /var/lib/intyg/data)"
kill -TERM "$node"
wait "$node" || fail "the node exited with status $? on SIGTERM"
trap - EXIT

step "purge: the user goes, the keys stay"
apt-get purge -y -qq intyg >/dev/null
! getent passwd intyg >/dev/null || fail "user intyg is still there"
[ ! -e /etc/intyg/node.ini ] || fail "/etc/intyg/node.ini is still there"
[ -f /var/lib/intyg/keys/solo.sign.key ] || fail "the signing key was deleted"
echo "fresh_install: PASS"
