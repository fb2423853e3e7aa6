#!/bin/bash
# nginx_test.sh - configs/nginx/intyg.conf in front of a real node, in
# Debian's nginx, with curl as the client (docs/operations.md, "An HTTPS
# front"):
#
#  - TLS: the node's /healthz through https, with the test's own CA;
#  - the read path is cached: the second GET of /v1/federation is a HIT,
#    and once the node is killed it is still served (STALE) while /healthz
#    answers 502;
#  - verifications pass through (POST), uncached;
#  - CORS: a preflight from the listed origin gets 204 and its origin
#    back; another origin gets no Access-Control-Allow-Origin;
#  - the admin paths are refused (404);
#  - the rate limit: 300 verifications at once from one address get 429s
#    beyond the burst.
# The shipped file is used as it is, with its ADJUST lines (ports, paths)
# replaced. Ports (127.0.0.1): 7781 the node's API, 7782 nginx.
# IG_BIN is the intyg binary (CTest sets it).
set -u

. "$(dirname "$0")/../../lib/fed.sh"
SRC=${IG_SRC_DIR:?IG_SRC_DIR must name the source tree}
API=7781
TLS=7782
URL=https://127.0.0.1:$TLS

for t in nginx curl openssl; do
	command -v $t >/dev/null || [ -x /usr/sbin/$t ] ||
		{ echo "FAIL: $t missing (scripts/test.sh installs it)"; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

fed_init nginx_test
fed_member se SE authority tls+tcp://127.0.0.1:0
fed_root nginx se
fed_token
node_config se tls+tcp://127.0.0.1:0 $API
node_start se

# --- a CA, the server's certificate, nginx --------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null || die "CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=127.0.0.1 -keyout server.key -out server.csr \
    2>/dev/null || die "CSR"
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -extfile san.ext -out server.pem \
    2>/dev/null || die "server certificate"

sed -e "s|server 127.0.0.1:7406;|server 127.0.0.1:$API;|" \
    -e "s|listen 443 ssl;|listen 127.0.0.1:$TLS ssl;|" \
    -e '/listen \[::\]:443 ssl;/d' \
    -e "s|/var/cache/nginx/intyg|$TMP/cache|" \
    -e "s|/etc/ssl/certs/intyg.example.se.pem|$TMP/server.pem|" \
    -e "s|/etc/ssl/private/intyg.example.se.key|$TMP/server.key|" \
    "$SRC/configs/nginx/intyg.conf" >intyg.conf
grep -q "127.0.0.1:$API" intyg.conf && grep -q "127.0.0.1:$TLS" intyg.conf ||
	die "the ADJUST lines of configs/nginx/intyg.conf changed: update this test"
cat >nginx.conf <<EOC
user root;
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 512; }
http {
	access_log $TMP/access.log;
	client_body_temp_path $TMP/body;
	proxy_temp_path $TMP/proxy;
	fastcgi_temp_path $TMP/fastcgi;
	uwsgi_temp_path $TMP/uwsgi;
	scgi_temp_path $TMP/scgi;
	include $TMP/intyg.conf;
}
EOC
"$NGINX" -t -c "$TMP/nginx.conf" -p "$TMP" >nginx-t.log 2>&1 ||
	die "nginx -t refused the configuration: $(cat nginx-t.log)"
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" >nginx.out 2>&1 &
PIDS="$! $PIDS"

C="curl -s --cacert $TMP/ca.pem --max-time 10"
for _ in $(seq 1 100); do
	[ "$($C -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] && break
	sleep 0.1
done

# --- TLS and health -------------------------------------------------------
body=$($C "$URL/healthz")
echo "$body" | grep -q '"status"' || die "no /healthz through TLS: $body"

# --- the read path is cached ---------------------------------------------
s1=$($C -D - -o /dev/null "$URL/v1/federation" | tr -d '\r' |
	sed -n 's/^X-Cache-Status: //Ip')
s2=$($C -D - -o /dev/null "$URL/v1/federation" | tr -d '\r' |
	sed -n 's/^X-Cache-Status: //Ip')
[ "$s1" = MISS ] || fail "first GET /v1/federation: cache $s1, not MISS"
[ "$s2" = HIT ] || fail "second GET /v1/federation: cache $s2, not HIT"
hsts=$($C -D - -o /dev/null "$URL/v1/federation" | tr -d '\r' |
	grep -ci '^Strict-Transport-Security:')
[ "$hsts" = 1 ] || fail "the cached read path lacks Strict-Transport-Security"

# --- verification passes through, uncached --------------------------------
printf '{"hcert": "HC1:NOTACERT"}' >verify.json
out=$($C -D headers.txt -H 'Content-Type: application/json' \
    --data-binary @verify.json "$URL/v1/verify")
echo "$out" | grep -q '"reason"' || fail "POST /v1/verify through nginx: $out"
grep -qi '^X-Cache-Status' headers.txt && fail "a verification was cached"

# --- CORS -----------------------------------------------------------------
code=$($C -o /dev/null -D pre.txt -w '%{http_code}' -X OPTIONS \
    -H 'Origin: https://verify.example.se' \
    -H 'Access-Control-Request-Method: POST' "$URL/v1/verify")
[ "$code" = 204 ] || fail "preflight answered $code, not 204"
grep -qi '^Access-Control-Allow-Origin: https://verify.example.se' pre.txt ||
	fail "preflight without the listed origin: $(cat pre.txt)"
grep -qi '^Access-Control-Allow-Methods: .*POST' pre.txt ||
	fail "preflight without POST allowed"
$C -o /dev/null -D evil.txt -X OPTIONS -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: POST' "$URL/v1/verify"
grep -qi '^Access-Control-Allow-Origin' evil.txt &&
	fail "an unlisted origin was allowed: $(cat evil.txt)"

# --- admin paths ------------------------------------------------------------
code=$($C -o /dev/null -w '%{http_code}' -X POST "$URL/admin/v1/publish")
[ "$code" = 404 ] || fail "/admin/v1/publish through nginx: $code, not 404"

# --- the rate limit ----------------------------------------------------------
args=()
for _ in $(seq 1 300); do
	args+=(-o /dev/null -w '%{http_code}\n' "$URL/v1/verify")
done
$C -Z --no-progress-meter --parallel-max 50 -H 'Content-Type: application/json' \
    --data-binary @verify.json "${args[@]}" >codes.txt
n429=$(grep -c '^429$' codes.txt)
n200=$(grep -c '^200$' codes.txt)
[ "$n429" -gt 0 ] || fail "300 verifications at once got no 429 ($n200 200s)"
[ "$n200" -ge 100 ] || fail "only $n200 of 300 verifications passed the burst of 100"

# --- the node goes away: the cache serves what it has -------------------------
node_kill se
# The cached document (fresh for 60 s) is served without the node; one
# that is not cached (/healthz is never cached) fails with 502.
code=$($C -o /dev/null -w '%{http_code}' "$URL/healthz")
[ "$code" = 502 ] || fail "/healthz with the node down: $code, not 502"
code=$($C -o /dev/null -D down.txt -w '%{http_code}' "$URL/v1/federation")
[ "$code" = 200 ] && grep -qi '^X-Cache-Status: HIT' down.txt ||
	fail "/v1/federation with the node down: $code $(cat down.txt)"

failures_end nginx_test "TLS, cache (MISS, HIT, HIT with the node down), CORS, admin refused, rate limit ($n200 passed, $n429 got 429 of 300)"
