#!/bin/bash
# vpage_test.sh - the verification page (docs/verification-page.md)
# against a real node, in headless Chromium:
#
# 1. One member, se, with the test PKI: a CSCA, a DSC and two
#    vaccination certificates, the second revoked.
# 2. The routes: GET /verify (HTML with its Content-Security-Policy),
#    its script and style; POST /v1/verify/holder (the verdict with the
#    holder's name and date of birth); POST /v1/scan with a frame that
#    holds the QR code, one that holds none, and refused frames (bad w/h,
#    a body of the wrong length, too large, the wrong media type).
# 3. Chromium's fake camera fed a Y4M video of the QR code (made by
#    qr_y4m with libqrencode), the page opened with ?auto=camera: the DOM
#    shows "Valid" with the holder's name for the first certificate,
#    "Revoked" for the second. The paste path (#hc1=TEXT fills the text
#    box and submits it): "Valid", and "Not valid" with the reason in
#    words for a damaged text. A screenshot of each, at a phone's width,
#    is kept in $IG_ARTIFACT_DIR.
#
# Chromium is Debian's (scripts/test.sh installs it); the test is skipped
# (exit 77) only when it cannot start at all, with the reason.
# Ports (127.0.0.1): 6450 se gossip, 6451 se API. CTest sets IG_BIN,
# IG_QR_Y4M (the frame writer) and IG_ARTIFACT_DIR.
set -u
. "$(dirname "$0")/../../lib/fed.sh"
QR=${IG_QR_Y4M:?IG_QR_Y4M must name qr_y4m}
ART=${IG_ARTIFACT_DIR:-$PWD/vpage-artifacts}
mkdir -p "$ART" || exit 1
rm -f "$ART"/*.png "$ART"/*.html

fed_init vpage_test
fed_member se SE authority tls+tcp://127.0.0.1:6450
fed_root vpage-fed se
fed_token
node_config se tls+tcp://127.0.0.1:6450 6451
node_start se
SE=http://127.0.0.1:6451
ADM="--node ipc://$TMP/se.admin.ipc --token-file token --timeout 10"

"$BIN" ca init --country SE --out ca >/dev/null 2>&1 || die "ca init"
"$BIN" ca dsc --ca ca --out dsc --types v,t,r >/dev/null 2>&1 || die "ca dsc"
"$BIN" ca issue --dsc dsc --type v --count 2 >certs.txt 2>/dev/null ||
	die "ca issue"
GOOD=$(sed -n 1p certs.txt)
BAD=$(sed -n 2p certs.txt)
"$BIN" publish $ADM csca ca/csca.pem >/dev/null || die "publish csca"
"$BIN" publish $ADM dsc dsc/dsc.pem >/dev/null || die "publish dsc"
"$BIN" publish $ADM revoke --from-hcert "$BAD" >/dev/null || die "revoke"
# The holder's name as the certificate states it.
FN=$("$BIN" inspect "$GOOD" | sed -n 's/.*"fn": *"\([^"]*\)".*/\1/p' |
	head -n1)
[ -n "$FN" ] || die "no family name in: $("$BIN" inspect "$GOOD")"

# Wait until the node judges both (publishing is applied at once, but
# wait with a deadline rather than assume it).
verdict() {
	curl -sS -H 'Content-Type: text/plain' --data-binary "$1" \
	    "$SE/v1/verify/holder"
}
for _ in $(seq 1 100); do
	verdict "$BAD" | grep -q '"reason":"revoked"' && break
	sleep 0.1
done

# --- the routes ------------------------------------------------------------
curl -sS -D head.txt -o page.html "$SE/verify" || die "GET /verify"
grep -q '^HTTP/1.1 200' head.txt || fail "GET /verify: $(head -n1 head.txt)"
grep -qi "^Content-Type: text/html" head.txt || fail "not HTML"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" \
    head.txt || fail "no strict CSP: $(cat head.txt)"
grep -qi "connect-src 'self'" head.txt || fail "CSP: connect-src"
grep -q 'src="/verify/page.js"' page.html || fail "page lacks its script"
if grep -Eq 'src="https?:|href="https?:' page.html; then
	fail "the page loads something from outside the node"
fi
for a in page.js page.css; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' "$SE/verify/$a")
	[ "$code" = 200 ] || fail "GET /verify/$a: $code"
done
code=$(curl -sS -o /dev/null -w '%{http_code}' "$SE/verify/other.js")
[ "$code" = 404 ] || fail "GET /verify/other.js: $code"

v=$(verdict "$GOOD")
echo "$v" | grep -q '"valid":true' || fail "holder verdict: $v"
echo "$v" | grep -q "\"family_name\":\"$FN\"" || fail "no holder name: $v"
echo "$v" | grep -q '"dob":"' || fail "no date of birth: $v"
v=$(verdict "$BAD")
echo "$v" | grep -q '"reason":"revoked"' || fail "revoked: $v"
v=$(verdict "HC1:NOT-A-CERTIFICATE")
echo "$v" | grep -q '"reason":"malformed_base45"' || fail "damaged: $v"
echo "$v" | grep -q '"holder"' && fail "a holder for a damaged text: $v"

"$QR" --y800 "$GOOD" good.y800 || die "qr_y4m --y800"
scan() { # scan QUERY FILE [CONTENT_TYPE]: prints the body, then the status
	curl -sS -w '\n%{http_code}' -H "Content-Type: ${3:-application/octet-stream}" \
	    --data-binary "@$2" "$SE/v1/scan?$1"
}
r=$(scan 'w=640&h=480' good.y800)
echo "$r" | tail -n1 | grep -q 200 || fail "scan: $r"
echo "$r" | grep -q '"found":true' || fail "scan found nothing: $r"
echo "$r" | grep -qF "\"text\":\"$GOOD\"" || fail "scan text: $r"
echo "$r" | grep -q '"valid":true' || fail "scan verdict: $r"
head -c 307200 /dev/zero | tr '\0' '\310' >blank.y800
r=$(scan 'w=640&h=480' blank.y800)
echo "$r" | grep -q '"found":false' || fail "blank frame: $r"
for q in 'w=641&h=480' 'w=640' 'w=0640&h=480' 'w=-640&h=480' \
    'w=2048&h=150' 'w=20&h=15360' 'w=320&h=480'; do
	r=$(scan "$q" good.y800)
	echo "$r" | tail -n1 | grep -q 400 || fail "scan?$q: $r"
done
head -c 307201 /dev/zero >big.y800
r=$(scan 'w=640&h=480' big.y800)
echo "$r" | tail -n1 | grep -q 413 || fail "a too large frame: $r"
r=$(scan 'w=640&h=480' good.y800 text/plain)
echo "$r" | tail -n1 | grep -q 415 || fail "text/plain frame: $r"
kill -0 "$PID_se" 2>/dev/null || die "the node died"

# --- the page in Chromium ------------------------------------------------------
CHROME=$(command -v chromium || true)
if [ -z "$CHROME" ]; then
	echo "vpage_test: SKIPPED: chromium is not installed" >&2
	exit 77
fi
if ! command -v python3 >/dev/null; then
	die "python3 is needed to drive chromium (scripts/test.sh installs it)"
fi
CDP="python3 $(dirname "$0")/../../lib/cdp.py"
# The verdict's reason once the page shows one ("" before).
UNTIL="document.getElementById('verdict').getAttribute('data-reason')"
n=0
# page NAME URL: opens URL (the fake camera playing $VIDEO when set),
# waits up to 60 s for a verdict, keeps the DOM and a screenshot of a
# phone-sized viewport (412 x 915, cdp.py).
page() {
	n=$((n + 1))
	$CDP --chrome "$CHROME" --url "$2" --until "$UNTIL" --timeout 60 \
	    --dom "$ART/$1.html" --screenshot "$ART/$1.png" -- \
	    --no-sandbox --disable-gpu --no-first-run \
	    --user-data-dir="$TMP/chrome$n" \
	    --use-fake-ui-for-media-stream --use-fake-device-for-media-stream \
	    ${VIDEO:+--use-file-for-fake-video-capture=$VIDEO} \
	    >"$1.out" 2>>chrome.log
	case $? in
	0) ;;
	1) fail "$1: no verdict within 60 s" ;;
	3) fail "$1: chromium did not answer: $(tail -n 3 chrome.log)" ;;
	*) if [ "$n" = 1 ]; then
		echo "vpage_test: SKIPPED: chromium cannot start:" >&2
		tail -n 5 chrome.log >&2
		exit 77
	fi
	fail "$1: chromium failed: $(tail -n 3 chrome.log)" ;;
	esac
	[ -s "$ART/$1.png" ] || fail "$1: no screenshot"
}
reason_of() {
	cat "$1.out"
}

"$QR" "$GOOD" good.y4m || die "qr_y4m good"
"$QR" "$BAD" revoked.y4m || die "qr_y4m revoked"
VIDEO=$TMP/good.y4m page camera-valid "$SE/verify?auto=camera"
[ "$(reason_of camera-valid)" = valid ] ||
	fail "camera, valid: reason '$(reason_of camera-valid)'; status: $(grep -o 'id="status"[^<]*' "$ART/camera-valid.html")"
grep -q '>Valid<' "$ART/camera-valid.html" || fail "camera: no 'Valid'"
grep -q "$FN" "$ART/camera-valid.html" || fail "camera: no holder name"
VIDEO=$TMP/revoked.y4m page camera-revoked "$SE/verify?auto=camera"
[ "$(reason_of camera-revoked)" = revoked ] ||
	fail "camera, revoked: reason '$(reason_of camera-revoked)'"
grep -q '>Revoked<' "$ART/camera-revoked.html" || fail "no 'Revoked'"

enc=$(printf '%s' "$GOOD" | sed -e 's/%/%25/g' -e 's/ /%20/g' \
    -e 's/+/%2B/g' -e 's/\$/%24/g' -e 's/:/%3A/g' -e 's|/|%2F|g' \
    -e 's/\*/%2A/g' -e 's/&/%26/g' -e 's/#/%23/g')
page paste-valid "$SE/verify#hc1=$enc"
[ "$(reason_of paste-valid)" = valid ] ||
	fail "paste, valid: reason '$(reason_of paste-valid)'"
grep -q "$FN" "$ART/paste-valid.html" || fail "paste: no holder name"
page paste-damaged "$SE/verify#hc1=HC1%3ANOT-A-CERTIFICATE"
[ "$(reason_of paste-damaged)" = malformed_base45 ] ||
	fail "paste, damaged: reason '$(reason_of paste-damaged)'"
grep -q '>Not valid<' "$ART/paste-damaged.html" || fail "no 'Not valid'"
grep -q "characters a certificate cannot hold" "$ART/paste-damaged.html" ||
	fail "damaged: no reason in words"
kill -0 "$PID_se" 2>/dev/null || die "the node died"
# A sanitizer build's node reports at exit what it found (leaks too).
node_kill se
if grep -q "Sanitizer" se.log; then
	fail "the node's sanitizer report: $(grep -A5 Sanitizer se.log | head -n 20)"
fi

failures_end vpage_test "the page reads QR codes from the camera and pasted text; screenshots in $ART"
