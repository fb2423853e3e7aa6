/*
 * ossl.c - OpenSSL's errors, translated into ig_err in this one place.
 *
 * OpenSSL reports failures on a per-thread error queue. A function that
 * fails leaves its entries there, and unless somebody removes them they
 * are reported again by the next unrelated failure on the same thread.
 * Every failure path of registry/crypto therefore ends here: unexpected
 * failures drain the queue (logging the first entry for the operator) and
 * map it to an ig_err; expected ones (a signature that does not verify,
 * the end of a PEM text) are simply forgotten. The queue is per thread,
 * so this file holds no state of its own.
 */
#include "registry/crypto/ossl.h"

#include <stdbool.h>

#include <openssl/err.h>

#include "registry/base/log.h"

ig_err
ig_ossl_error(ig_err fallback)
{
	unsigned long first = 0;
	unsigned long e;
	bool nomem = false;

	while ((e = ERR_get_error()) != 0) {
		if (first == 0)
			first = e;
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			nomem = true;
	}
	if (first != 0 && ig_log_get_level() <= IG_LOG_DEBUG) {
		char msg[256];
		ERR_error_string_n(first, msg, sizeof(msg));
		IG_DEBUG("crypto", "openssl: %s", msg);
	}
	return nomem ? IG_ENOMEM : fallback;
}

ig_err
ig_ossl_expected(ig_err err)
{
	ERR_clear_error();
	return err;
}
