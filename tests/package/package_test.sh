#!/usr/bin/env bash
# package_test.sh SRC OUTDIR - builds the Debian package with
# scripts/package.sh into OUTDIR and fails when the build fails or lintian
# reports an error or a warning. It is slow (minutes) and installs
# packages, so it runs only when IG_PACKAGE_TEST=1; otherwise it exits 77,
# which CTest reports as skipped.
set -euo pipefail
src=$1
out=$2
if [ "${IG_PACKAGE_TEST:-0}" != 1 ]; then
	echo "SKIPPED: the Debian package build is slow; run it with" \
	    "IG_PACKAGE_TEST=1 ctest -R package_build"
	exit 77
fi
bash "$src/scripts/package.sh" "$out"
deb=$(ls "$out"/intyg_*.deb)
# The package holds what it must.
listing=$(dpkg-deb -c "$deb")
for f in ./usr/bin/intyg ./lib/systemd/system/intyg.service \
	./etc/intyg/node.ini ./usr/share/man/man1/intyg.1.gz \
	./usr/share/man/man1/intyg-node.1.gz \
	./usr/share/doc/intyg/examples/README.md \
	./lib/systemd/system/intyg-signer.service ./etc/default/intyg-signer \
	./usr/share/man/man1/intyg-signer.1.gz; do
	grep -q " $f\$" <<<"$listing" || {
		echo "FAIL: $deb lacks $f"
		exit 1
	}
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/intyg/node.ini || {
	echo "FAIL: /etc/intyg/node.ini is not a conffile"
	exit 1
}
echo "package_test: $deb built, lintian clean"
