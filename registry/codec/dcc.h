/*
 * dcc.h - the EU DCC payload: CBOR <-> JSON and the structural check of
 * the DCC 1.3 schema.
 */
#ifndef IG_CODEC_DCC_H
#define IG_CODEC_DCC_H

#include <cbor.h>
#include <jansson.h>
#include <stddef.h>

#include "registry/base/buf.h"
#include "registry/base/limits.h"

/* What a verifier needs from a DCC besides its schema validity. */
typedef struct ig_dcc_info {
	char type; /* 'v', 't' or 'r' */
	char ver[16]; /* schema version, e.g. "1.3.0" */
	char co[IG_COUNTRY_SIZE]; /* <type>[0].co, "" if absent */
	char ci[IG_UVCI_MAX + 1]; /* <type>[0].ci, the UVCI */
} ig_dcc_info;

/* Converts an encoded DCC (borrowed CBOR bytes, one whole item, such as
 * ig_cwt.dcc) to an owned JSON value in *out (free with json_decref).
 * Maps with text keys become objects, integers become integers, floats
 * reals, tag 0 and 1 their content; byte strings, undefined, non-text
 * keys, duplicate keys and CBOR that ig_cbor_check refuses are IG_ECBOR.
 * Depth is bounded by IG_CBOR_DEPTH_MAX (IG_EDEPTH). IG_ENOMEM.
 * Reads the bytes in place; thread-safe. */
IG_MUST_CHECK ig_err ig_dcc_to_json_cbor(ig_slice dcc, json_t **out);

/* The same for a libcbor item (borrowed): converts its encoding. */
IG_MUST_CHECK ig_err ig_dcc_to_json(const cbor_item_t *dcc, json_t **out);

/* The reverse, for issuing: an owned CBOR item in *out. Integral JSON
 * integers become CBOR integers. */
IG_MUST_CHECK ig_err ig_dcc_from_json(const json_t *dcc, cbor_item_t **out);

/* Reads type, ver, co and ci without judging the rest. IG_ESCHEMA when
 * there is not exactly one non-empty v, t or r array whose first entry is
 * an object, or a present ver/ci/co is not a string, holds a NUL or is
 * too long for its field. Absent fields are "". *info is written only on
 * success. */
IG_MUST_CHECK ig_err ig_dcc_info_get(const json_t *dcc, ig_dcc_info *info);

/* The structural check of the DCC schema (required fields, types,
 * patterns and lengths of ver, nam, dob and the one v/t/r entry), as a
 * JSON-Schema validator applies it: release 1.3 rules (strings up to 80
 * characters, fnt or gnt required as in 1.3.2, dn/sd integers >= 1, tc
 * optional), "format" not checked (an annotation in 2020-12), exactly one
 * of the keys v, t, r present, holding exactly one entry from ver 1.3 on
 * and at least one before; for ver 1.0.x a dob "YYYY-MM-DDT..." is also
 * accepted, as the 1.0 schema's unanchored pattern did. Thread-safe.
 * On failure returns IG_ESCHEMA and writes a short explanation such as
 * "v[0].dn: must be a positive integer" to why (always NUL-terminated). */
IG_MUST_CHECK ig_err ig_dcc_schema_check(
    const json_t *dcc, char *why, size_t why_len);

#endif
