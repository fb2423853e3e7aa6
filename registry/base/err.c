/*
 * err.c - names and sentences for ig_err.
 */
#include "registry/base/err.h"

#include <stddef.h>

static const struct {
	const char *name;
	const char *text;
} errs[IG_ERR_LAST_] = {
	[IG_OK] = { "OK", "success" },
	[IG_ENOMEM] = { "ENOMEM", "out of memory" },
	[IG_EINVAL] = { "EINVAL", "invalid argument" },
	[IG_ETOOBIG] = { "ETOOBIG", "input exceeds a limit" },
	[IG_ETRUNC] = { "ETRUNC", "input is truncated" },
	[IG_EFORMAT] = { "EFORMAT", "input is malformed" },
	[IG_EIO] = { "EIO", "input/output error" },
	[IG_ENOTFOUND] = { "ENOTFOUND", "not found" },
	[IG_ECRYPTO] = { "ECRYPTO", "cryptographic library error" },
	[IG_EUNSUPPORTED] = { "EUNSUPPORTED", "not supported" },
	[IG_EDEPTH] = { "EDEPTH", "nesting too deep" },
	[IG_EEXISTS] = { "EEXISTS", "already exists" },
	[IG_ESTATE] = { "ESTATE", "operation not valid in this state" },
	[IG_EINTERNAL] = { "EINTERNAL", "internal error" },
	[IG_EPREFIX] = { "EPREFIX", "missing or unknown HCERT prefix" },
	[IG_EBASE45] = { "EBASE45", "invalid Base45" },
	[IG_EZLIB] = { "EZLIB", "invalid or oversized zlib data" },
	[IG_ECOSE] = { "ECOSE", "malformed COSE_Sign1" },
	[IG_ECBOR] = { "ECBOR", "malformed CBOR or CWT claims" },
	[IG_EUNKNOWNKID] = { "EUNKNOWNKID", "no issuer certificate for kid" },
	[IG_EBADSIG] = { "EBADSIG", "signature does not verify" },
	[IG_EEXPIRED] = { "EEXPIRED", "certificate has expired" },
	[IG_ENOTYETVALID] = { "ENOTYETVALID", "certificate is not yet valid" },
	[IG_EDSCVALIDITY] = { "EDSCVALIDITY",
	    "issuer certificate validity does not cover the certificate" },
	[IG_EKEYUSAGE] = { "EKEYUSAGE",
	    "issuer certificate may not sign this certificate type" },
	[IG_ESCHEMA] = { "ESCHEMA", "payload violates the DCC schema" },
	[IG_EREVOKED] = { "EREVOKED", "certificate is revoked" },
	[IG_ECERT] = { "ECERT", "invalid X.509 certificate" },
	[IG_EJSON] = { "EJSON", "invalid JSON" },
	[IG_EUNKNOWNORIGIN] = { "EUNKNOWNORIGIN",
	    "origin is not a member of the federation root" },
	[IG_ESEQGAP]
	= { "ESEQGAP", "entry sequence number is ahead of the log (gap)" },
	[IG_EPREVHASH]
	= { "EPREVHASH", "entry does not chain to the origin's head" },
	[IG_EEQUIVOCATION] = { "EEQUIVOCATION",
	    "origin signed two different entries with one sequence "
	    "number" },
	[IG_EFROZEN]
	= { "EFROZEN", "origin's log is frozen after an equivocation" },
	[IG_EAUTHORITY]
	= { "EAUTHORITY", "operation is outside the origin's authority" },
	[IG_EOPINVALID] = { "EOPINVALID", "operation data is invalid" },
	[IG_EKIDMISMATCH]
	= { "EKIDMISMATCH", "kid does not match the certificate" },
	[IG_ECOUNTRY]
	= { "ECOUNTRY", "country does not match the certificate's subject" },
	[IG_ECHAIN]
	= { "ECHAIN", "certificate is not issued by a CSCA of its country" },
	[IG_EFEDERATION]
	= { "EFEDERATION", "store or root belongs to another federation" },
	[IG_ESCHEMAVERSION]
	= { "ESCHEMAVERSION", "store was written by a newer schema version" },
	[IG_ESTORE] = { "ESTORE", "store (RocksDB) error" },
	[IG_ETHRESHOLD]
	= { "ETHRESHOLD", "root carries too few valid signatures" },
	[IG_EROOTSERIAL] = { "EROOTSERIAL",
	    "root serial is not the next one (rollback or fast-forward)" },
	[IG_EROOTWAIT]
	= { "EROOTWAIT", "entry needs a root serial not held yet" },
	[IG_EROOTEXPIRED] = { "EROOTEXPIRED", "root has expired" },
	[IG_EROOTCONFLICT] = { "EROOTCONFLICT",
	    "another root of the same serial is already accepted" },
	[IG_ELOGCUT] = { "ELOGCUT",
	    "entry lies beyond the log end a root set for its removed "
	    "origin" },
};

const char *
ig_strerror(ig_err err)
{
	if ((int) err < 0 || err >= IG_ERR_LAST_ || errs[err].text == NULL)
		return "unknown error";
	return errs[err].text;
}

const char *
ig_err_name(ig_err err)
{
	if ((int) err < 0 || err >= IG_ERR_LAST_ || errs[err].name == NULL)
		return "EUNKNOWN";
	return errs[err].name;
}
