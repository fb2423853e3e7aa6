#!/usr/bin/env bash
# scripts/package.sh [OUTDIR] - builds the Debian package of intyg with
# Debian's own tooling (dpkg-buildpackage, debhelper's dh with the CMake
# build system; the recipe is debian/) and checks it with lintian. It
# installs what is missing first (scripts/deps.sh), so it works as root on
# a fresh Debian 12.
#
# The build runs on a copy of the source tree in OUTDIR (default
# build/package), so the checkout stays clean. Results in OUTDIR:
# intyg_VERSION_ARCH.deb, the source package, the .changes and
# lintian.txt. The exit status is 0 only when the package was built and
# lintian reports no error and no warning.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
out=${1:-build/package}

scripts/deps.sh debhelper dpkg-dev fakeroot lintian

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tree=$out/intyg-$version
rm -rf "$tree"
mkdir -p "$tree"
# The source tree without build outputs, work files and VCS metadata.
tar -C "$src" --exclude=./build --exclude='./build?*' --exclude=./work \
	--exclude=./out --exclude=./data --exclude=./.git -cf - . |
	tar -C "$tree" -xf -
rm -f "$out"/intyg_"$version"*

echo "== dpkg-buildpackage in $tree"
(cd "$tree" &&
	DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "package: dpkg-buildpackage failed; the log is $out/build.log"
	exit 1
}
rm -rf "$tree"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes=$out/intyg_${version}_${arch}.changes
deb=$out/intyg_${version}_${arch}.deb
[ -f "$deb" ] || {
	echo "package: $deb was not made"
	exit 1
}

echo "== lintian"
rc=0
lintian --display-info --fail-on error,warning "$changes" \
	>"$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
if [ $rc -ne 0 ]; then
	echo "package: lintian reports errors or warnings (exit status $rc)"
	exit 1
fi
echo "package: $deb (lintian: no errors, no warnings)"
