/*
 * bench_proof.c - answers with proof (registry/proof.h): the size of one
 * verdict's proof at k = 3 Ed25519 cosignatures, and the rate of its
 * offline check, with OpenSSL's raw Ed25519 verification measured in the
 * same run as reference.
 *
 * Usage: bench_proof [HASHES [SECONDS]]   (defaults 100000, 2)
 *
 * A federation of four members; node1 publishes 4 DSCs and HASHES random
 * revocation hashes (entries of 1,000) so that the state commitment has
 * a realistic depth, builds and signs its checkpoint, and the three
 * others cosign it (ig_checkpoint_cosign). The proof is that of a valid
 * certificate: the DSC's inclusion and the non-inclusion of its three
 * revocation hashes (SIGNATURE, UCI, COUNTRYCODEUCI). Prints:
 *   proof_bytes               the whole proof (note with 4 signature
 *                             lines, kid, DSC part, 3 hash proofs)
 *   proof_note_bytes          of which the signed note
 *   proof_merkle_bytes        of which the four Merkle proofs
 *   proof_verify_per_s        ig_proof_check at k = 3, per second (one
 *                             thread): 4 Ed25519 verifications, the
 *                             parses and the Merkle paths
 *   raw_ed25519_verify_per_s  EVP_DigestVerify of one Ed25519 signature
 *   ratio_vs_raw_ed25519      the first / the second
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/checkpoint.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/proof.h"
#include "registry/registry.h"
#include "registry/root.h"

#define KIDS     4
#define MEMBERS  4
#define PER_BULK 1000

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
check(ig_err e, const char *what)
{
	if (e != IG_OK) {
		fprintf(stderr, "bench_proof: %s: %s\n", what, ig_strerror(e));
		exit(1);
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

struct fed {
	uint8_t pub[MEMBERS][32], priv[MEMBERS][32];
	ig_slice id[MEMBERS];
	ig_buf signed_root;
	ig_x509 *dsc[KIDS];
	uint8_t kid[KIDS][8];
};

static const char *const ids[MEMBERS] = { "node1", "node2", "node3", "node4" };

static void
fed_make(struct fed *f)
{
	ig_root_member m[MEMBERS];
	ig_root_info info;
	ig_root_sig sig;
	ig_buf rb;
	ig_privkey *ca_key = NULL, *dsc_key = NULL;
	ig_x509 *ca = NULL;
	ig_cert_spec spec;

	memset(m, 0, sizeof(m));
	for (int i = 0; i < MEMBERS; i++) {
		check(ig_ed25519_keygen(f->pub[i], f->priv[i]), "keygen");
		f->id[i] = ig_slice_make(ids[i], strlen(ids[i]));
		m[i].id = f->id[i];
		memcpy(m[i].pub, f->pub[i], 32);
		m[i].n_countries = 1;
		memcpy(m[i].countries[0], "SE", 3);
		m[i].roles = IG_ROLE_AUTHORITY;
	}
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("bench-fed", 9);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 1;
	info.n_members = MEMBERS;
	info.members = m;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&f->signed_root, IG_ROOT_SIGNED_MAX);
	check(ig_root_encode(&info, &rb), "root");
	sig.member_id = m[0].id;
	check(
	    ig_root_sign(ig_buf_slice(&rb), f->priv[0], sig.sig), "root sign");
	check(
	    ig_root_signed_encode(ig_buf_slice(&rb), &sig, 1, &f->signed_root),
	    "root");
	ig_buf_free(&rb);
	check(ig_privkey_generate(IG_KEY_P256, &ca_key), "key");
	check(ig_privkey_generate(IG_KEY_P256, &dsc_key), "key");
	memset(&spec, 0, sizeof(spec));
	spec.country = "SE";
	spec.common_name = "CSCA SE";
	spec.not_before = 1600000000;
	spec.not_after = 2000000000;
	spec.is_ca = true;
	check(ig_x509_issue(&spec, ca_key, NULL, NULL, &ca), "csca");
	for (int i = 0; i < KIDS; i++) {
		char cn[32];
		snprintf(cn, sizeof(cn), "DSC SE %d", i);
		spec.common_name = cn;
		spec.is_ca = false;
		check(ig_x509_issue(&spec, dsc_key, ca, ca_key, &f->dsc[i]),
		    "dsc");
		ig_x509_kid(f->dsc[i], f->kid[i]);
	}
	ig_x509_free(ca);
	ig_privkey_free(ca_key);
	ig_privkey_free(dsc_key);
}

static void
entry_make(const struct fed *f, uint64_t seq, uint8_t prev[32],
    const ig_entry_op *ops, size_t n_ops, ig_buf *out)
{
	ig_entry_info info;
	ig_entry *en = NULL;
	uint8_t sig[64];
	ig_buf eb;

	memset(&info, 0, sizeof(info));
	info.origin = f->id[0];
	info.seq = seq;
	memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ull + seq;
	info.n_ops = n_ops;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
	check(ig_entry_encode(&info, &eb), "encode");
	check(ig_entry_sign(ig_buf_slice(&eb), f->priv[0], sig), "sign");
	check(ig_entry_signed_encode(ig_buf_slice(&eb), sig, out), "encode");
	check(ig_entry_decode(ig_buf_slice(out), &en), "decode");
	ig_entry_hash(en, prev);
	ig_entry_free(en);
	ig_buf_free(&eb);
}

struct signer {
	const struct fed *f;
	int i;
};

static ig_err
sign_as(void *arg, ig_slice msg, uint8_t sig[64])
{
	const struct signer *s = arg;
	return ig_ed25519_sign(s->f->priv[s->i], msg, sig);
}

/* OpenSSL's raw Ed25519 verification rate, for seconds. */
static double
raw_ed25519(double seconds)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char msg[300], sig[64];
	size_t siglen = sizeof(sig);
	unsigned long n = 0;
	double t0, t;

	memset(msg, 0x42, sizeof(msg));
	if (k == NULL || md == NULL
	    || EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1
	    || EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
		check(IG_ECRYPTO, "ed25519");
	t0 = now_s();
	do {
		for (int i = 0; i < 100; i++, n++)
			if (EVP_MD_CTX_reset(md) != 1
			    || EVP_DigestVerifyInit(md, NULL, NULL, NULL, k)
			        != 1
			    || EVP_DigestVerify(
			           md, sig, siglen, msg, sizeof(msg))
			        != 1)
				check(IG_ECRYPTO, "ed25519 verify");
		t = now_s() - t0;
	} while (t < seconds);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return (double) n / t;
}

int
main(int argc, char **argv)
{
	size_t n_hashes = 100000, n_entries;
	double seconds = 2;
	struct fed f;
	ig_registry *reg;
	ig_buf e, text, note, proof;
	ig_entry_op dsc_ops[KIDS];
	uint8_t prev[32] = { 0 }, *hashes, tp[32];
	ig_revocation_hashes rh;
	ig_proof_report rep;
	ig_proof parsed;
	char dir[32];

	if (argc > 1) {
		char *end = NULL;
		unsigned long long v = strtoull(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || v % PER_BULK != 0
		    || v > 100000000) {
			fprintf(stderr,
			    "usage: bench_proof [HASHES (a multiple "
			    "of 1000) [SECONDS]]\n");
			return 2;
		}
		n_hashes = (size_t) v;
	}
	if (argc > 2) {
		char *end = NULL;
		seconds = strtod(argv[2], &end);
		if (end == argv[2] || *end != '\0' || !(seconds > 0)
		    || seconds > 600) {
			fprintf(stderr, "bench_proof: SECONDS in (0, 600]\n");
			return 2;
		}
	}
	ig_log_set_level(IG_LOG_ERROR);
	fed_make(&f);
	memcpy(dir, "/tmp/ig-bench-XXXXXX", 21);
	if (mkdtemp(dir) == NULL) {
		perror("bench_proof: mkdtemp");
		return 1;
	}
	check(
	    ig_registry_open(dir, ig_buf_slice(&f.signed_root), &reg), "open");
	for (int i = 0; i < KIDS; i++) {
		memset(&dsc_ops[i], 0, sizeof(dsc_ops[i]));
		dsc_ops[i].kind = IG_OP_DSC_PUT;
		memcpy(dsc_ops[i].country, "SE", 3);
		dsc_ops[i].der = ig_x509_der(f.dsc[i]);
		dsc_ops[i].source = ig_slice_make("national", 8);
	}
	entry_make(&f, 1, prev, dsc_ops, KIDS, &e);
	check(ig_registry_apply(reg, ig_buf_slice(&e)), "apply");
	ig_buf_free(&e);
	n_entries = n_hashes / PER_BULK;
	hashes = malloc(16 * (n_hashes + 3));
	if (hashes == NULL)
		check(IG_ENOMEM, "memory");
	check(ig_random(hashes, 16 * (n_hashes + 3)), "random");
	for (size_t i = 0; i < n_entries; i++) {
		ig_entry_op op;
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_REV_PUT;
		memcpy(op.kid, f.kid[i % KIDS], 8);
		op.hash_type = IG_HASH_UCI;
		op.expires_ms = 1900000000000ull;
		op.hashes
		    = ig_slice_make(hashes + 16 * PER_BULK * i, 16 * PER_BULK);
		entry_make(&f, i + 2, prev, &op, 1, &e);
		check(ig_registry_apply(reg, ig_buf_slice(&e)), "apply");
		ig_buf_free(&e);
	}

	/* The checkpoint, signed by node1 and cosigned by the three others. */
	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&note, IG_NOTE_MAX);
	check(ig_checkpoint_build(reg, 1700000000, &text), "checkpoint");
	{
		struct signer s = { &f, 0 };
		ig_root *root;
		check(ig_root_decode(ig_buf_slice(&f.signed_root), &root),
		    "root");
		check(ig_checkpoint_sign(ig_buf_slice(&text), f.id[0],
		          f.pub[0], sign_as, &s, &note),
		    "sign");
		for (int i = 1; i < MEMBERS; i++) {
			ig_checkpoint *cp;
			ig_buf next;
			struct signer c = { &f, i };
			ig_buf_init(&next, IG_NOTE_MAX);
			check(
			    ig_checkpoint_open(ig_buf_slice(&note), root, &cp),
			    "open");
			check(ig_checkpoint_cosign(cp, f.id[i], f.pub[i],
			          1700000001, sign_as, &c, &next),
			    "cosign");
			ig_checkpoint_free(cp);
			ig_buf_free(&note);
			note = next;
		}

		/* A valid certificate's proof. */
		memset(&rh, 0, sizeof(rh));
		rh.has_signature = rh.has_uci = rh.has_countrycodeuci = true;
		memcpy(rh.signature, hashes + 16 * n_hashes, 16);
		memcpy(rh.uci, hashes + 16 * (n_hashes + 1), 16);
		memcpy(rh.countrycodeuci, hashes + 16 * (n_hashes + 2), 16);
		ig_x509_thumbprint(f.dsc[1], tp);
		ig_buf_init(&proof, IG_PROOF_MAX);
		check(ig_proof_build(
		          reg, ig_buf_slice(&note), f.kid[1], tp, &rh, &proof),
		    "proof");
		check(ig_proof_check(ig_buf_slice(&proof), root, 3, &rep),
		    "check");
		if (!rep.valid || rep.cosigs != 3)
			check(IG_EINTERNAL,
			    "the proof does not show a valid "
			    "certificate with 3 cosignatures");
		check(ig_proof_parse(ig_buf_slice(&proof), &parsed), "parse");

		double t0 = now_s(), t;
		unsigned long n = 0;
		do {
			for (int i = 0; i < 20; i++, n++)
				check(ig_proof_check(
				          ig_buf_slice(&proof), root, 3, &rep),
				    "check");
			t = now_s() - t0;
		} while (t < seconds);
		double rate = (double) n / t;
		double raw = raw_ed25519(seconds);
		size_t merkle = parsed.dsc_proof.len;
		for (size_t i = 0; i < parsed.n_rev; i++)
			merkle += parsed.rev[i].proof.len;
		printf("state_revocation_hashes: %zu\n", n_hashes);
		printf("proof_bytes: %zu\n", proof.len);
		printf("proof_note_bytes: %zu\n", parsed.note.len);
		printf("proof_merkle_bytes: %zu\n", merkle);
		printf("proof_verify_per_s: %.0f\n", rate);
		printf("raw_ed25519_verify_per_s: %.0f\n", raw);
		printf("ratio_vs_raw_ed25519: %.3f\n", rate / raw);
		ig_root_free(root);
	}
	ig_buf_free(&proof);
	ig_buf_free(&text);
	ig_buf_free(&note);
	ig_registry_close(reg);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(hashes);
	for (int i = 0; i < KIDS; i++)
		ig_x509_free(f.dsc[i]);
	ig_buf_free(&f.signed_root);
	return 0;
}
