/*
 * hashtype.h - the three DCC revocation hash types (docs/verification.md,
 * revocation), numbered as in the signed log (docs/registry.md) and named as
 * in the EU gateway. Shared by the log format (entry.h) and the HCERT model
 * (hcert.h).
 */
#ifndef IG_REGISTRY_HASHTYPE_H
#define IG_REGISTRY_HASHTYPE_H

#include "registry/base/err.h"

typedef enum ig_hash_type {
	IG_HASH_SIGNATURE = 1,
	IG_HASH_UCI = 2,
	IG_HASH_COUNTRYCODEUCI = 3
} ig_hash_type;

/* Returns "SIGNATURE", "UCI", "COUNTRYCODEUCI", or NULL. */
const char *ig_hash_type_name(ig_hash_type t);
/* Parses the gateway name, case-insensitively ("countrycodeuci" too). */
IG_MUST_CHECK ig_err ig_hash_type_parse(const char *s, ig_hash_type *out);

#endif
