/*
 * nng_util.c - nng error translation and message helpers.
 */
#include <string.h>

#include "node/nng_util.h"

#include "api/http.h"

ig_err
ig_nng_err(int rv)
{
	/* One translation of nng's errors for the whole tree: api's, the
	 * lowest layer that uses nng. */
	return ig_api_nng_err(rv);
}

ig_err
ig_nng_msg_from(ig_slice s, nng_msg **out)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, s.len) != 0)
		return IG_ENOMEM;
	if (s.len > 0)
		memcpy(nng_msg_body(m), s.ptr, s.len);
	*out = m;
	return IG_OK;
}

ig_slice
ig_nng_msg_slice(nng_msg *m)
{
	return ig_slice_make(nng_msg_body(m), nng_msg_len(m));
}
