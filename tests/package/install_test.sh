#!/usr/bin/env bash
# install_test.sh BUILD - installs BUILD with 'cmake --install' into a
# scratch DESTDIR (prefix /usr) and checks the layout: bin/intyg runs,
# there is a manual page intyg(1) and one intyg-CMD(1) for each command
# that 'intyg --help' lists and no other, every page holds every line of
# its command's --help text, groff renders each page without a warning
# (when man is installed), and the example configs are in
# share/doc/intyg/examples.
set -euo pipefail
build=$1
fail() {
	echo "FAIL: $*"
	exit 1
}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || {
	cat "$dest.log"
	rm -f "$dest.log"
	fail "cmake --install failed"
}
rm -f "$dest.log"

bin=$dest/usr/bin/intyg
man1=$dest/usr/share/man/man1
[ -x "$bin" ] || fail "no executable usr/bin/intyg"
"$bin" --version | grep -q '^intyg ' || fail "usr/bin/intyg --version"

for f in README.md node1.ini; do
	[ -f "$dest/usr/share/doc/intyg/examples/$f" ] ||
		fail "no usr/share/doc/intyg/examples/$f"
done

# The verifier client library: its header, the shared library with its
# SONAME link, the pkg-config file; a program built against the
# installed header and library runs and reports the header's version.
hdr=$dest/usr/include/intyg/client.h
[ -f "$hdr" ] || fail "no usr/include/intyg/client.h"
so=$(find "$dest/usr" -name 'libintyg-client.so.0' | head -1)
[ -n "$so" ] || fail "no libintyg-client.so.0"
libdir=$(dirname "${so:-/nonexistent/x}")
[ -L "$libdir/libintyg-client.so" ] || fail "no libintyg-client.so link"
pc=$(find "$dest/usr" -name intyg-client.pc | head -1)
[ -n "$pc" ] && grep -q '^Libs: .*-lintyg-client' "$pc" ||
	fail "no intyg-client.pc with -lintyg-client"
if [ -n "$so" ] && command -v cc >/dev/null; then
	cat >"$dest.c" <<'EOC'
#include <stdio.h>
#include <intyg/client.h>
int main(void)
{
	if (ig_client_version() != IG_CLIENT_VERSION_NUM)
		return 1;
	printf("%s %s\n", IG_CLIENT_VERSION, ig_client_strerror(IG_CLIENT_EURL));
	return 0;
}
EOC
	# A sanitizer build installs an instrumented library: the program
	# then needs the same runtime.
	san=
	ldd "$so" 2>/dev/null | grep -q libasan && san=-fsanitize=address,undefined
	cc $san -o "$dest.bin" "$dest.c" -I"$dest/usr/include" -L"$libdir" \
		-lintyg-client 2>"$dest.cc.log" ||
		fail "a program does not build against the installed library: $(head -5 "$dest.cc.log")"
	out=$(LD_LIBRARY_PATH=$libdir "$dest.bin") ||
		fail "the program linked with libintyg-client does not run"
	rm -f "$dest.c" "$dest.bin" "$dest.cc.log"
fi

cmds=$("$bin" --help | awk '/Commands:/ { l = 1; next }
	l && /^$/ { if (n) exit; next }
	l && /^  [a-z]/ { print $1; n++ }')
[ -n "$cmds" ] || fail "no commands in 'intyg --help'"

# page_text PAGE: the page's text lines, roff escapes undone, without
# leading blanks.
page_text() {
	grep -v '^\.' "$1" | sed -e 's/\\-/-/g' -e 's/^\\&//' -e 's/\\e/\\/g' \
		-e 's/^[[:space:]]*//'
}

# check_page PAGE ARGS...: every line of 'intyg ARGS --help' is in PAGE.
check_page() {
	local page=$1
	shift
	[ -f "$page" ] || fail "no manual page $(basename "$page")"
	page_text "$page" >"$dest/page.txt"
	"$bin" "$@" --help | sed -e 's/^usage: //' -e 's/^[[:space:]]*//' |
		awk -v page="$(basename "$page")" '
			NR == FNR { have[$0] = 1; next }
			$0 != "" && !($0 in have) {
				print "FAIL: " page " lacks the --help line \"" $0 "\""
				bad = 1
			}
			END { exit bad }
		' "$dest/page.txt" - || exit 1
}

check_page "$man1/intyg.1"
n=1
for c in $cmds; do
	check_page "$man1/intyg-$c.1" "$c"
	grep -q "^\.BR intyg\\\\-$c (1)" "$man1/intyg.1" ||
		fail "intyg(1) does not point to intyg-$c(1)"
	n=$((n + 1))
done
have=$(find "$man1" -name '*.1' | wc -l)
[ "$have" -eq "$n" ] || fail "$have pages for $n (intyg and $(echo $cmds))"

if command -v man >/dev/null; then
	for p in "$man1"/*.1; do
		w=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l -Tutf8 -Z "$p" 2>&1 >/dev/null)
		[ -z "$w" ] || fail "groff warns on $(basename "$p"): $w"
	done
fi
echo "install_test: intyg, libintyg-client ($out) and $n manual pages ($(echo $cmds)) installed"
