/*
 * httpc.c - one HTTP request with nng_http_client_transact, waited for
 * on the calling thread (never an nng callback).
 */
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "node/httpc.h"
#include "node/nng_util.h"

ig_err
ig_httpc_request(const char *base, const char *method, const char *target,
    const char *ctype, const void *body, size_t len, uint32_t timeout_ms,
    uint16_t *status, ig_buf *out)
{
	nng_url *u = NULL;
	nng_http_client *cli = NULL;
	nng_http_req *req = NULL;
	nng_http_res *res = NULL;
	nng_aio *aio = NULL;
	void *data;
	size_t dlen;
	ig_err err;
	int rv;

	if (nng_url_parse(&u, base) != 0 || strcmp(u->u_scheme, "http") != 0) {
		err = IG_EINVAL;
		goto out;
	}
	if ((rv = nng_http_client_alloc(&cli, u)) != 0
	    || (rv = nng_http_req_alloc(&req, u)) != 0
	    || (rv = nng_http_res_alloc(&res)) != 0
	    || (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0
	    || (rv = nng_http_req_set_method(req, method)) != 0
	    || (rv = nng_http_req_set_uri(req, target)) != 0
	    || (ctype != NULL
	        && (rv = nng_http_req_set_header(req, "Content-Type", ctype))
	            != 0)
	    || (body != NULL
	        && (rv = nng_http_req_copy_data(req, body, len)) != 0)) {
		err = ig_nng_err(rv);
		goto out;
	}
	nng_aio_set_timeout(
	    aio, timeout_ms != 0 ? (nng_duration) timeout_ms : 10000);
	nng_http_client_transact(cli, req, res, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		err = rv == NNG_ENOMEM ? IG_ENOMEM : IG_EIO;
		goto out;
	}
	nng_http_res_get_data(res, &data, &dlen);
	if (dlen > 0 && (err = ig_buf_append(out, data, dlen)) != IG_OK)
		goto out;
	*status = nng_http_res_get_status(res);
	err = IG_OK;
out:
	if (aio != NULL)
		nng_aio_free(aio);
	if (res != NULL)
		nng_http_res_free(res);
	if (req != NULL)
		nng_http_req_free(req);
	if (cli != NULL)
		nng_http_client_free(cli);
	if (u != NULL)
		nng_url_free(u);
	return err;
}
