/*
 * governance_join_test.c - a member joins and is removed, over real
 * `intyg node` processes with mutual TLS (issue 6):
 *
 *   (a) five members (node1..node5) run under a serial 1 root; node1
 *       publishes an issuer;
 *   (b) root serial 2 adds node6, signed by four members (threshold 3 of
 *       serial 1, 4 of serial 2); it is submitted to node1 alone
 *       (ig_admin_root_submit, what `intyg federation submit --node`
 *       does) and gossip carries it to node2..node5;
 *   (c) node6, started in (a) although serial 1 (the root its config
 *       pins) does not list it, fetches serial 2 by gossip and publishes
 *       an issuer: its entry acknowledges serial 2 and every node
 *       accepts it (same state digest and node6's head everywhere);
 *   (d) node6 publishes a revocation (its seq 2) that reaches every
 *       node while root serial 3, which removes node6 and ends its log
 *       at seq 1 (a cut), collects signatures; the root is submitted to
 *       node1 and to node6 and node2..node5 learn it by gossip. Every
 *       node rolls node6's seq 2 back (head 1 again), node6 refuses its
 *       own next entry (it would have to acknowledge a root that does
 *       not list it), its first entry stays on every node, and
 *       node1..node5 still agree after a further entry of node1.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_client.h"
#include "harness.h"
#include "node/httpc.h"
#include "node/keyfiles.h"
#include "cli/localfed.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/root.h"

#define N_ALL   6 /* node6 (index 5) is the joining member */
#define LIMIT_S 85

/* The keys of every member, as ig_localfed_create wrote them. */
typedef struct member {
	char id[IG_MEMBER_ID_MAX + 1];
	char gossip[64];
	uint8_t priv[IG_ED25519_PRIV_LEN];
	uint8_t pub[IG_ED25519_PUB_LEN];
	ig_x509 *cert;
} member;

static member ms[N_ALL];

static void
members_load(h_fed *f)
{
	char keys[1100], why[256];

	snprintf(keys, sizeof(keys), "%s/keys", f->dir);
	for (size_t i = 0; i < N_ALL; i++) {
		ig_buf cert, key;

		ig_localfed_id(i, ms[i].id, sizeof(ms[i].id));
		snprintf(
		    ms[i].gossip, sizeof(ms[i].gossip), "%s", f->gossip[i]);
		ig_buf_init(&cert, IG_TRUSTFILE_MAX);
		ig_buf_init(&key, IG_TRUSTFILE_MAX);
		H_CHECK(ig_keyfiles_load_sign(keys, ms[i].id, ms[i].priv,
		            ms[i].pub, why, sizeof(why))
		            == IG_OK
		        && ig_keyfiles_load_tls(
		               keys, ms[i].id, &cert, &key, why, sizeof(why))
		            == IG_OK
		        && ig_x509_from_pem(ig_buf_slice(&cert), &ms[i].cert)
		            == IG_OK,
		    "keys of %s: %s", ms[i].id, why);
		ig_wipe(key.ptr, key.len);
		ig_buf_free(&key);
		ig_buf_free(&cert);
	}
}

/* Writes to out the signed root of the given serial listing members
 * [0, n_members), signed by members [0, n_signers). */
static void
root_make(uint64_t serial, size_t n_members, size_t n_signers,
    const ig_root_cut *cut, ig_buf *out, uint8_t hash[32])
{
	ig_root_member mb[N_ALL];
	ig_root_sig sigs[N_ALL];
	ig_root_info info;
	ig_buf rb;

	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	memset(mb, 0, sizeof(mb));
	for (size_t i = 0; i < n_members; i++) {
		mb[i].id = ig_slice_make(ms[i].id, strlen(ms[i].id));
		mb[i].name = mb[i].id;
		memcpy(mb[i].pub, ms[i].pub, sizeof(mb[i].pub));
		mb[i].tls_cert_der = ig_x509_der(ms[i].cert);
		mb[i].n_countries = 1;
		ig_localfed_country(i, mb[i].countries[0]);
		mb[i].roles = IG_ROLE_AUTHORITY;
		mb[i].gossip_url
		    = ig_slice_make(ms[i].gossip, strlen(ms[i].gossip));
	}
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("intyg-local", 11);
	info.serial = serial;
	info.expires_ms
	    = (uint64_t) ig_time_now_ms() + UINT64_C(365) * 86400 * 1000;
	info.threshold = n_members / 2 + 1;
	info.n_members = n_members;
	info.members = mb;
	info.n_cuts = cut != NULL;
	info.cuts = cut;
	H_CHECK(ig_root_encode(&info, &rb) == IG_OK, "root %llu encode",
	    (unsigned long long) serial);
	for (size_t i = 0; i < n_signers; i++) {
		sigs[i].member_id = ig_slice_make(ms[i].id, strlen(ms[i].id));
		H_CHECK(
		    ig_root_sign(ig_buf_slice(&rb), ms[i].priv, sigs[i].sig)
		        == IG_OK,
		    "root sign");
	}
	ig_buf_reset(out);
	H_CHECK(ig_root_signed_encode(ig_buf_slice(&rb), sigs, n_signers, out)
	            == IG_OK
	        && (hash == NULL
	            || ig_sha256(ig_buf_slice(&rb), hash) == IG_OK),
	    "signed root %llu", (unsigned long long) serial);
	ig_buf_free(&rb);
}

/* Replaces the federation's serial 1 root by one of node1..node5 and
 * pins its hash in every config; node6's config gets its gossip listen
 * address (the root it starts with does not list it). */
static void
serial1_write(h_fed *f)
{
	char path[1100], hex[65];
	uint8_t hash[32];
	ig_buf r, cfg, outb;

	ig_buf_init(&r, IG_ROOT_SIGNED_MAX);
	root_make(1, 5, 5, NULL, &r, hash);
	snprintf(path, sizeof(path), "%s/root.bin", f->dir);
	H_CHECK(ig_file_write(path, r.ptr, r.len, 0644) == IG_OK, "root.bin");
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", hash[k]);
	for (size_t i = 0; i < N_ALL; i++) {
		const char *s, *h, *eol;

		ig_buf_init(&cfg, IG_CONFIG_FILE_MAX);
		ig_buf_init(&outb, IG_CONFIG_FILE_MAX);
		ig_localfed_config_path(f->dir, i, path, sizeof(path));
		H_CHECK(ig_buf_read_file(&cfg, path) == IG_OK
		        && ig_buf_terminate(&cfg) == IG_OK,
		    "%s", path);
		s = (const char *) cfg.ptr;
		h = strstr(s, "root_hash = ");
		H_CHECK(h != NULL && (eol = strchr(h, '\n')) != NULL,
		    "%s: no root_hash", path);
		H_CHECK(ig_buf_printf(&outb, "%.*sroot_hash = %s%s",
		            (int) (h - s), s, hex, eol)
		        == IG_OK,
		    "config");
		if (i == N_ALL - 1) {
			/* "[gossip]\n" -> "[gossip]\nlisten = URL\n" */
			const char *g;
			ig_buf tmp;
			ig_buf_init(&tmp, IG_CONFIG_FILE_MAX);
			H_CHECK(ig_buf_terminate(&outb) == IG_OK, "memory");
			s = (const char *) outb.ptr;
			g = strstr(s, "[gossip]\n");
			H_CHECK(g != NULL, "no [gossip]");
			g += strlen("[gossip]\n");
			H_CHECK(ig_buf_printf(&tmp, "%.*slisten = %s\n%s",
			            (int) (g - s), s, f->gossip[i], g)
			        == IG_OK,
			    "config");
			ig_buf_free(&outb);
			outb = tmp;
		}
		H_CHECK(ig_file_write(path, outb.ptr, outb.len, 0644) == IG_OK,
		    "%s", path);
		ig_buf_free(&outb);
		ig_buf_free(&cfg);
	}
	ig_buf_free(&r);
}

/* The root serial node i reports on /healthz. */
static uint64_t
serial_of(h_fed *f, size_t i)
{
	ig_buf b;
	uint16_t status = 0;
	json_t *j;
	uint64_t s = 0;

	ig_buf_init(&b, 65536);
	if (ig_httpc_request(f->http[i], "GET", "/healthz", NULL, NULL, 0,
	        2000, &status, &b)
	        == IG_OK
	    && status == 200
	    && (j = json_loadb((const char *) b.ptr, b.len, 0, NULL))
	        != NULL) {
		json_t *v = json_object_get(j, "root_serial");
		json_t *e = json_object_get(j, "root_expires_in");
		H_CHECK(json_is_integer(e) && json_integer_value(e) > 0,
		    "node%zu /healthz lacks root_expires_in", i + 1);
		if (json_is_integer(v))
			s = (uint64_t) json_integer_value(v);
		json_decref(j);
	}
	ig_buf_free(&b);
	return s;
}

/* Waits until nodes [from, to) report root serial want. */
static void
serial_wait(h_fed *f, size_t from, size_t to, uint64_t want, int timeout_ms)
{
	int64_t until = h_now_ms() + timeout_ms;

	for (size_t i = from; i < to; i++) {
		while (serial_of(f, i) != want) {
			H_CHECK(h_now_ms() < until,
			    "node%zu did not reach root serial %llu", i + 1,
			    (unsigned long long) want);
			ig_localfed_sleep_ms(50);
		}
	}
}

static void
submit(h_fed *f, size_t i, const ig_buf *root, uint64_t want)
{
	uint64_t serial = 0;
	bool changed = false;
	char why[256];

	H_CHECK(ig_admin_root_submit(f->urls[i], NULL, ig_buf_slice(root),
	            &serial, &changed, why, sizeof(why))
	        == IG_OK,
	    "submit to node%zu: %s", i + 1, why);
	H_CHECK(serial == want && changed,
	    "node%zu: serial %llu after submit (changed %d), want %llu", i + 1,
	    (unsigned long long) serial, (int) changed,
	    (unsigned long long) want);
}

/* As submit, when the node may have the root already (by gossip): the
 * submission must succeed and leave the node at serial want. */
static void
submit_or_have(h_fed *f, size_t i, const ig_buf *root, uint64_t want)
{
	uint64_t serial = 0;
	bool changed = false;
	char why[256];

	H_CHECK(ig_admin_root_submit(f->urls[i], NULL, ig_buf_slice(root),
	            &serial, &changed, why, sizeof(why))
	        == IG_OK,
	    "submit to node%zu: %s", i + 1, why);
	H_CHECK(serial == want,
	    "node%zu: serial %llu after submit (changed %d), want %llu", i + 1,
	    (unsigned long long) serial, (int) changed,
	    (unsigned long long) want);
}

/* node i's head of origin (0 when it has none). */
static uint64_t
head_of(h_fed *f, size_t i, const char *origin)
{
	const ig_admin_status *st = h_status(f, i);

	for (size_t k = 0; k < st->n_heads; k++)
		if (strcmp(st->heads[k].origin, origin) == 0)
			return st->heads[k].seq;
	return 0;
}

/* Waits until nodes [0, n) report origin's head at seq. */
static void
head_wait(h_fed *f, size_t n, const char *origin, uint64_t seq, int timeout_ms)
{
	int64_t until = h_now_ms() + timeout_ms;

	for (size_t i = 0; i < n; i++) {
		uint64_t at;
		while ((at = head_of(f, i, origin)) != seq) {
			H_CHECK(h_now_ms() < until,
			    "node%zu holds %s's seq %llu, not %llu", i + 1,
			    origin, (unsigned long long) at,
			    (unsigned long long) seq);
			ig_localfed_sleep_ms(50);
		}
	}
}

int
main(void)
{
	h_fed *f = h_setup("gov-join", N_ALL, 200, false, LIMIT_S);
	size_t five[5] = { 0, 1, 2, 3, 4 };
	h_issuer is1, is6, is1b;
	ig_buf r2, r3;
	ig_root_cut cut = { ig_slice_make("node6", 5), 1 };
	ig_entry_op op;
	uint8_t hash[16];
	uint64_t seq, s6;
	char why[256];
	ig_err err;

	ig_buf_init(&r2, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&r3, IG_ROOT_SIGNED_MAX);
	members_load(f);
	serial1_write(f);

	/* (a) node6 starts with the others (its ports are bound before the
	 * members' reconnections can take one as a source port); serial 1
	 * does not list it, so it runs as a joining node and the members'
	 * TLS refuses it until they hold serial 2. */
	h_start_n(f, N_ALL);
	(void) h_publish_issuer(f, 0, &is1);
	(void) h_converge(f, five, 5, 1, 20000);
	printf("(a) five members agree under serial 1\n");

	/* (b) serial 2 adds node6: 4 signers (threshold 3 of 1, 4 of 2) */
	root_make(2, 6, 4, NULL, &r2, NULL);
	submit(f, 0, &r2, 2);
	serial_wait(f, 0, 5, 2, 20000);
	printf("(b) serial 2 reached node1..node5 by gossip\n");

	/* (c) */
	serial_wait(f, 5, 6, 2, 20000);
	s6 = h_publish_issuer(f, 5, &is6);
	H_CHECK(s6 == 1, "node6's first entry has seq %llu",
	    (unsigned long long) s6);
	(void) h_converge_n(f, N_ALL, 2, 30000);
	for (size_t i = 0; i < N_ALL; i++)
		H_CHECK(head_of(f, i, "node6") == 1,
		    "node%zu lacks node6's entry", i + 1);
	printf("(c) node6 joined; its entry is on every node\n");

	/* (d) serial 3 removes node6 and ends its log at seq 1 (4 signers
	 * of 2, 3 of 3) while node6's seq 2 spreads */
	root_make(3, 5, 4, &cut, &r3, NULL);
	H_CHECK(ig_random(hash, sizeof(hash)) == IG_OK, "random");
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_REV_PUT;
	memcpy(op.kid, is6.kid, 8);
	op.hash_type = IG_HASH_UCI;
	op.hashes = ig_slice_make(hash, sizeof(hash));
	err = ig_admin_publish(
	    f->urls[5], NULL, &op, 1, &seq, why, sizeof(why));
	H_CHECK(err == IG_OK && seq == 2, "node6's seq 2: %s", why);
	head_wait(f, N_ALL, "node6", 2, 30000);
	printf("(d) node6's seq 2 is on every node\n");
	submit(f, 0, &r3, 3);
	/* node6 may already hold root 3 by gossip from node1 (it is still a
	 * member under root 2): then it says "not new", at serial 3. */
	submit_or_have(f, 5, &r3, 3);
	serial_wait(f, 0, 5, 3, 20000);
	head_wait(f, N_ALL, "node6", 1, 10000);
	printf("(d) root 3 rolled node6's seq 2 back on every node\n");
	err = ig_admin_publish(
	    f->urls[5], NULL, &op, 1, &seq, why, sizeof(why));
	H_CHECK(err != IG_OK, "node6 published seq %llu after its removal",
	    (unsigned long long) seq);
	printf("(d) node6's entry after its removal refused: %s\n", why);
	(void) h_publish_issuer(f, 0, &is1b);
	(void) h_converge(f, five, 5, 3, 20000);
	for (size_t i = 0; i < N_ALL; i++)
		H_CHECK(head_of(f, i, "node6") == 1,
		    "node%zu: node6's head moved or its entry is gone", i + 1);
	printf("(d) node1..node5 agree; node6's earlier entry stays\n");

	h_issuer_free(&is1);
	h_issuer_free(&is6);
	h_issuer_free(&is1b);
	for (size_t i = 0; i < N_ALL; i++)
		ig_x509_free(ms[i].cert);
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	for (size_t i = 0; i < N_ALL; i++)
		h_stop(f, i);
	h_teardown(f);
	printf("PASS\n");
	return 0;
}
