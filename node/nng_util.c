/*
 * nng_util.c - nng error translation and message helpers.
 */
#include <string.h>

#include "node/nng_util.h"

ig_err
ig_nng_err(int rv)
{
	switch (rv) {
	case 0:
		return IG_OK;
	case NNG_ENOMEM:
		return IG_ENOMEM;
	case NNG_EADDRINUSE:
		return IG_EEXISTS;
	case NNG_EADDRINVAL:
	case NNG_EINVAL:
	case NNG_ENOTSUP:
		return IG_EINVAL;
	case NNG_ECRYPTO:
	case NNG_EPEERAUTH:
		return IG_ECRYPTO;
	case NNG_EMSGSIZE:
		return IG_ETOOBIG;
	default:
		return IG_EIO;
	}
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
