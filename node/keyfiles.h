/*
 * keyfiles.h - a member's key files, as `intyg keygen --id ID --out DIR`
 * writes them and `intyg node` / `intyg publish` / `intyg federation sign`
 * read them:
 *
 *   DIR/ID.sign.key     Ed25519 signing key, PKCS#8 PEM, mode 0600
 *   DIR/ID.tls.key      P-256 TLS key, PKCS#8 PEM, mode 0600
 *   DIR/ID.tls.pem      self-signed P-256 certificate, CN=ID, SAN DNS:ID,
 *                       extendedKeyUsage serverAuth+clientAuth
 *   DIR/ID.member.json  the member description for `federation init`:
 *                       {"id", "name", "ed25519_pub" (base64, 32 bytes),
 *                        "tls_cert" (PEM text), "countries": [],
 *                        "roles": ["authority"], "gossip_url": "",
 *                        "api_url": ""} (the operator fills in the rest)
 *
 * Member ids are 1..IG_MEMBER_ID_MAX characters of [a-z0-9-] (they name
 * files and TLS server names).
 */
#ifndef IG_NODE_KEYFILES_H
#define IG_NODE_KEYFILES_H

#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"

/* True when id is a valid member id. */
bool ig_keyfiles_id_ok(const char *id);

/* Creates the four files (refusing to overwrite unless force). why
 * (NUL-terminated) names the file on failure. */
IG_MUST_CHECK ig_err ig_keyfiles_create(
    const char *dir, const char *id, bool force, char *why, size_t why_len);

/* Checks that the private key file at path may be used: a regular file
 * that neither group nor others may read or write (as ssh insists for its
 * keys; `intyg keygen` and `intyg ca` write 0600). IG_EIO when it cannot
 * be stat()ed, IG_EINVAL when it is not a regular file or its mode lets
 * group or others in; why then names the file, its mode and the fix
 * ("chmod 600 FILE"). Every loader of a private key calls it first. */
IG_MUST_CHECK ig_err ig_keyfiles_private_check(
    const char *path, char *why, size_t why_len);

/* Reads DIR/ID.sign.key: the raw private and public Ed25519 keys. The
 * caller wipes priv. The file must pass ig_keyfiles_private_check. */
IG_MUST_CHECK ig_err ig_keyfiles_load_sign(const char *dir, const char *id,
    uint8_t priv[IG_ED25519_PRIV_LEN], uint8_t pub[IG_ED25519_PUB_LEN],
    char *why, size_t why_len);

/* Reads DIR/ID.tls.pem and DIR/ID.tls.key as NUL-terminated PEM texts (as
 * nng_tls_config_own_cert wants them). The caller wipes and frees key.
 * The key file must pass ig_keyfiles_private_check. */
IG_MUST_CHECK ig_err ig_keyfiles_load_tls(const char *dir, const char *id,
    ig_buf *cert_pem, ig_buf *key_pem, char *why, size_t why_len);

#endif
