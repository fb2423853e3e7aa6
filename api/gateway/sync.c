/*
 * sync.c - one pull of a gateway bridge (sync.h): the
 * state file, the paging loops, the plan and the publication in chunks.
 *
 * The state is small sorted arrays (thumbprints, batch ids) searched
 * with bsearch; it is rewritten as a whole (ig_file_write: temporary
 * file, fsync, rename) at the end of each phase and every SAVE_EVERY
 * published entries, so the file describes what the log holds, give or
 * take the last few entries (republishing those is harmless: see
 * checkpoint).
 */
#include "api/gateway/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"
#include "registry/crypto/cms.h"

#define SUB "gateway"

/* The first If-Modified-Since of the revocation list, by convention. */
#define REV_EPOCH "2021-06-01T00:00:00Z"

/* The trust-list delta starts this long before the last pull began, so
 * that a clock behind the gateway's loses nothing (repeats are free). */
#define SINCE_MARGIN_S 600

/* Ops and estimated bytes of one published entry: well inside
 * IG_ENTRY_OPS_MAX (one op is kept for a root.ack) and IG_ENTRY_MAX. */
#define CHUNK_OPS   64
#define CHUNK_BYTES ((size_t) 1 << 20)

/* Entries published between two state writes (checkpoint). */
#define SAVE_EVERY 32

#define DSC_SOURCE "eu-gateway"
#define DEL_REASON "deleted at the EU DCC gateway"

/* --- state --------------------------------------------------------------- */

struct dsc_rec {
	uint8_t thumb[IG_SHA256_LEN];
	char country[IG_COUNTRY_SIZE];
};

struct batch_rec {
	char id[IG_GW_BATCH_ID_MAX + 1];
	uint8_t kid[IG_KID_LEN];
	uint8_t hash_type;
	size_t n;
	uint8_t *hashes; /* owned, 16 * n */
};

typedef struct state {
	char tl_since[IG_GW_DATE_MAX + 1]; /* "" when none */
	char rev_since[IG_GW_DATE_MAX + 1];
	uint8_t (*cscas)[IG_SHA256_LEN];
	size_t n_cscas;
	struct dsc_rec *dscs;
	size_t n_dscs;
	struct batch_rec *batches;
	size_t n_batches;
} state;

static void
state_free(state *s)
{
	for (size_t i = 0; i < s->n_batches; i++)
		ig_free(s->batches[i].hashes);
	ig_free(s->batches);
	ig_free(s->cscas);
	ig_free(s->dscs);
	memset(s, 0, sizeof(*s));
}

static int
thumb_cmp(const void *a, const void *b)
{
	return memcmp(a, b, IG_SHA256_LEN);
}

static int
batch_cmp(const void *a, const void *b)
{
	return strcmp(((const struct batch_rec *) a)->id,
	    ((const struct batch_rec *) b)->id);
}

static bool
csca_known(const state *s, const uint8_t *thumb)
{
	return s->n_cscas > 0
	    && bsearch(thumb, s->cscas, s->n_cscas, IG_SHA256_LEN, thumb_cmp)
	    != NULL;
}

static struct dsc_rec *
dsc_find(const state *s, const uint8_t *thumb)
{
	if (s->n_dscs == 0)
		return NULL;
	return bsearch(
	    thumb, s->dscs, s->n_dscs, sizeof(struct dsc_rec), thumb_cmp);
}

static struct batch_rec *
batch_find(const state *s, const char *id)
{
	struct batch_rec key;
	if (s->n_batches == 0 || strlen(id) > IG_GW_BATCH_ID_MAX)
		return NULL;
	memset(&key, 0, sizeof(key));
	memcpy(key.id, id, strlen(id));
	return bsearch(&key, s->batches, s->n_batches, sizeof(key), batch_cmp);
}

/* Generic insert into a sorted array of n elements of size sz. */
static ig_err
sorted_insert(void **arr, size_t *n, size_t max, size_t sz, const void *el,
    int (*cmp)(const void *, const void *))
{
	if (*n >= max)
		return IG_ETOOBIG;
	uint8_t *a = ig_realloc(*arr, (*n + 1) * sz);
	if (a == NULL)
		return IG_ENOMEM;
	*arr = a;
	size_t i = *n;
	while (i > 0 && cmp(a + (i - 1) * sz, el) > 0)
		i--;
	memmove(a + (i + 1) * sz, a + i * sz, (*n - i) * sz);
	memcpy(a + i * sz, el, sz);
	(*n)++;
	return IG_OK;
}

static void
sorted_remove(void *arr, size_t *n, size_t sz, void *el)
{
	uint8_t *a = arr;
	size_t i = (size_t) ((uint8_t *) el - a) / sz;
	memmove(a + i * sz, a + (i + 1) * sz, (*n - i - 1) * sz);
	(*n)--;
}

static bool
date_ok(const char *s)
{
	int64_t t;
	size_t len = strlen(s);
	return len > 0 && len <= IG_GW_DATE_MAX
	    && ig_isotime_parse(s, len, &t) == IG_OK;
}

/* Reads the state file; a missing file is the empty state. */
static ig_err
state_load(const char *path, state *s, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	ig_buf file;
	ig_err e;
	size_t i;

	memset(s, 0, sizeof(*s));
	ig_buf_init(&file, IG_GW_STATE_MAX);
	e = ig_buf_read_file(&file, path);
	if (e == IG_EIO && errno == ENOENT) {
		ig_buf_free(&file);
		return IG_OK;
	}
	if (e != IG_OK) {
		snprintf(why, why_len, "cannot read the state file %s: %s",
		    path, ig_strerror(e));
		ig_buf_free(&file);
		return e;
	}
	root = json_loadb(
	    (const char *) file.ptr, file.len, JSON_REJECT_DUPLICATES, &jerr);
	ig_buf_free(&file);
	e = IG_EFORMAT;
	if (root == NULL || !json_is_object(root)
	    || json_integer_value(json_object_get(root, "version")) != 1)
		goto bad;
	if ((v = json_object_get(root, "trustlist_since")) != NULL) {
		if (!json_is_string(v) || !date_ok(json_string_value(v)))
			goto bad;
		memcpy(
		    s->tl_since, json_string_value(v), json_string_length(v));
	}
	if ((v = json_object_get(root, "revocation_since")) != NULL) {
		if (!json_is_string(v) || !date_ok(json_string_value(v)))
			goto bad;
		memcpy(
		    s->rev_since, json_string_value(v), json_string_length(v));
	}
	json_t *a = json_object_get(root, "cscas");
	json_t *d = json_object_get(root, "dscs");
	json_t *b = json_object_get(root, "batches");
	if (!json_is_array(a) || !json_is_array(d) || !json_is_array(b)
	    || json_array_size(a) > IG_GW_STATE_CERTS_MAX
	    || json_array_size(d) > IG_GW_STATE_CERTS_MAX
	    || json_array_size(b) > IG_GW_STATE_BATCHES_MAX)
		goto bad;
	json_array_foreach(a, i, v)
	{
		uint8_t t[IG_SHA256_LEN];
		if (!json_is_string(v) || json_string_length(v) != 64
		    || ig_hex_decode_fixed(json_string_value(v), 64, t, 32)
		        != IG_OK)
			goto bad;
		if (csca_known(s, t))
			continue;
		if ((e = sorted_insert((void **) &s->cscas, &s->n_cscas,
		         IG_GW_STATE_CERTS_MAX, IG_SHA256_LEN, t, thumb_cmp))
		    != IG_OK)
			goto fail;
		e = IG_EFORMAT;
	}
	json_array_foreach(d, i, v)
	{
		struct dsc_rec r;
		json_t *t = json_object_get(v, "thumbprint");
		const char *cc
		    = json_string_value(json_object_get(v, "country"));
		memset(&r, 0, sizeof(r));
		if (!json_is_string(t) || json_string_length(t) != 64
		    || ig_hex_decode_fixed(
		           json_string_value(t), 64, r.thumb, 32)
		        != IG_OK
		    || cc == NULL || strlen(cc) != 2)
			goto bad;
		memcpy(r.country, cc, 2);
		if (dsc_find(s, r.thumb) != NULL)
			continue;
		if ((e = sorted_insert((void **) &s->dscs, &s->n_dscs,
		         IG_GW_STATE_CERTS_MAX, sizeof(r), &r, thumb_cmp))
		    != IG_OK)
			goto fail;
		e = IG_EFORMAT;
	}
	json_array_foreach(b, i, v)
	{
		struct batch_rec r;
		json_t *id = json_object_get(v, "batchId");
		json_t *kid = json_object_get(v, "kid");
		json_t *h = json_object_get(v, "hashes");
		json_int_t ht
		    = json_integer_value(json_object_get(v, "hashType"));
		ig_buf kb, hb;
		bool ok;
		memset(&r, 0, sizeof(r));
		if (!json_is_string(id) || json_string_length(id) == 0
		    || json_string_length(id) > IG_GW_BATCH_ID_MAX
		    || !json_is_string(kid) || !json_is_string(h) || ht < 1
		    || ht > 3)
			goto bad;
		memcpy(r.id, json_string_value(id), json_string_length(id));
		r.hash_type = (uint8_t) ht;
		ig_buf_init(&kb, IG_KID_LEN);
		ig_buf_init(&hb, 16 * IG_REV_HASHES_MAX);
		ok = ig_base64_decode(json_string_value(kid),
		         json_string_length(kid), false, &kb)
		        == IG_OK
		    && kb.len == IG_KID_LEN
		    && ig_base64_decode(json_string_value(h),
		           json_string_length(h), false, &hb)
		        == IG_OK
		    && hb.len > 0 && hb.len % 16 == 0;
		if (ok) {
			memcpy(r.kid, kb.ptr, IG_KID_LEN);
			r.n = hb.len / 16;
			r.hashes = hb.ptr;
			hb.ptr = NULL;
		}
		ig_buf_free(&kb);
		ig_buf_free(&hb);
		if (!ok || batch_find(s, r.id) != NULL) {
			ig_free(r.hashes);
			goto bad;
		}
		if ((e = sorted_insert((void **) &s->batches, &s->n_batches,
		         IG_GW_STATE_BATCHES_MAX, sizeof(r), &r, batch_cmp))
		    != IG_OK) {
			ig_free(r.hashes);
			goto fail;
		}
		e = IG_EFORMAT;
	}
	json_decref(root);
	return IG_OK;
bad:
	snprintf(why, why_len,
	    "the state file %s is damaged (remove it for a full resync)",
	    path);
	e = IG_EFORMAT;
fail:
	if (why[0] == '\0')
		snprintf(
		    why, why_len, "state file %s: %s", path, ig_strerror(e));
	json_decref(root);
	state_free(s);
	return e;
}

static ig_err
state_save(const char *path, const state *s, char *why, size_t why_len)
{
	json_t *root = json_object(), *a = json_array(), *d = json_array(),
	       *b = json_array();
	ig_buf tmp;
	char *text = NULL;
	ig_err e = IG_ENOMEM;

	ig_buf_init(&tmp, 16 * IG_REV_HASHES_MAX * 2);
	if (root == NULL || a == NULL || d == NULL || b == NULL)
		goto out;
	if (json_object_set_new(root, "version", json_integer(1)) != 0)
		goto out;
	if (s->tl_since[0] != '\0'
	    && json_object_set_new(
	           root, "trustlist_since", json_string(s->tl_since))
	        != 0)
		goto out;
	if (s->rev_since[0] != '\0'
	    && json_object_set_new(
	           root, "revocation_since", json_string(s->rev_since))
	        != 0)
		goto out;
	for (size_t i = 0; i < s->n_cscas; i++) {
		char hex[2 * IG_SHA256_LEN + 1];
		ig_hex_encode(s->cscas[i], IG_SHA256_LEN, hex);
		if (json_array_append_new(a, json_string(hex)) != 0)
			goto out;
	}
	for (size_t i = 0; i < s->n_dscs; i++) {
		char hex[2 * IG_SHA256_LEN + 1];
		ig_hex_encode(s->dscs[i].thumb, IG_SHA256_LEN, hex);
		if (json_array_append_new(d,
		        json_pack("{s:s,s:s}", "thumbprint", hex, "country",
		            s->dscs[i].country))
		    != 0)
			goto out;
	}
	for (size_t i = 0; i < s->n_batches; i++) {
		const struct batch_rec *r = &s->batches[i];
		char kid[32];
		ig_buf_reset(&tmp);
		if ((e = ig_base64_encode(
		         ig_slice_make(r->kid, IG_KID_LEN), false, &tmp))
		        != IG_OK
		    || tmp.len >= sizeof(kid))
			goto out;
		memcpy(kid, tmp.ptr, tmp.len);
		kid[tmp.len] = '\0';
		ig_buf_reset(&tmp);
		if ((e = ig_base64_encode(
		         ig_slice_make(r->hashes, 16 * r->n), false, &tmp))
		        != IG_OK
		    || (e = ig_buf_terminate(&tmp)) != IG_OK)
			goto out;
		e = IG_ENOMEM;
		if (json_array_append_new(b,
		        json_pack("{s:s,s:s,s:i,s:s}", "batchId", r->id, "kid",
		            kid, "hashType", (int) r->hash_type, "hashes",
		            (const char *) tmp.ptr))
		    != 0)
			goto out;
	}
	if (json_object_set(root, "cscas", a) != 0
	    || json_object_set(root, "dscs", d) != 0
	    || json_object_set(root, "batches", b) != 0)
		goto out;
	if ((text = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;
	if ((e = ig_file_write(path, text, strlen(text), 0600)) != IG_OK) {
		snprintf(why, why_len, "cannot write the state file %s: %s",
		    path, strerror(errno));
		e = IG_EIO;
		goto out;
	}
	e = IG_OK;
out:
	if (e == IG_ENOMEM && why[0] == '\0')
		snprintf(why, why_len, "out of memory writing the state");
	free(text);
	ig_buf_free(&tmp);
	json_decref(a);
	json_decref(d);
	json_decref(b);
	json_decref(root);
	return e;
}

/* --- the pull ------------------------------------------------------------ */

typedef struct pull {
	const ig_gw_sync_opts *o;
	ig_gw_counts *c;
	state st;
	char *why;
	size_t why_len;
	/* TA-verified UPLOADs and CSCAs (owned) */
	ig_x509 **uploads;
	size_t n_uploads;
	ig_x509 **cscas;
	size_t n_cscas;
	/* the pending chunk of ops; the slices borrow the fetched pages */
	ig_entry_op ops[CHUNK_OPS];
	size_t n_ops;
	size_t bytes;
	unsigned unsaved; /* entries published since the last state write */
} pull;

static void
skip(pull *p, ig_gw_skip why, const char *what, const char *cc,
    const uint8_t *kid, const char *detail)
{
	char k[16] = "-";
	ig_buf b;
	ig_buf_init(&b, sizeof(k));
	if (kid != NULL
	    && ig_base64_encode(ig_slice_make(kid, IG_KID_LEN), false, &b)
	        == IG_OK
	    && b.len < sizeof(k)) {
		memcpy(k, b.ptr, b.len);
		k[b.len] = '\0';
	}
	ig_buf_free(&b);
	p->c->skipped[why]++;
	p->c->skipped_total++;
	IG_WARN(SUB, "skipped %s country=%s kid=%s reason=%s%s%s", what,
	    cc != NULL ? cc : "-", k, ig_gw_skip_name(why),
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* Publishes the pending ops as one entry. */
static ig_err
flush(pull *p)
{
	ig_err e;
	if (p->n_ops == 0)
		return IG_OK;
	e = p->o->publish(
	    p->o->publish_arg, p->ops, p->n_ops, p->why, p->why_len);
	if (e == IG_OK)
		p->c->entries++;
	return e;
}

static ig_err
save(pull *p)
{
	p->unsaved = 0;
	return state_save(p->o->state_path, &p->st, p->why, p->why_len);
}

/* Writes the state after every SAVE_EVERY entries (and save() at the end
 * of each phase): rewriting a state of thousands of batches after every
 * entry would cost quadratic time. Losing the last few records in a
 * crash only republishes their entries, which is harmless: puts
 * overwrite, a rev.del of absent hashes changes nothing, and a repeated
 * dsc.del the registry refuses is dropped (flush_dscs). */
static ig_err
checkpoint(pull *p)
{
	if (++p->unsaved < SAVE_EVERY)
		return IG_OK;
	return save(p);
}

/* Fetches every page of /trustList/TYPE into pages[] (owned lists). */
static ig_err
fetch_list(pull *p, const char *type, const char *ims, ig_gw_list ***pages,
    size_t *n_pages)
{
	ig_buf body;
	ig_err e = IG_OK;
	char target[128];
	ig_gw_list **arr = NULL;
	size_t n = 0;

	ig_buf_init(&body, IG_GW_LIST_BODY_MAX);
	for (unsigned page = 0;; page++) {
		uint16_t status = 0;
		ig_gw_list *l = NULL;
		if (page >= IG_GW_PAGES_MAX) {
			snprintf(p->why, p->why_len,
			    "/trustList/%s: more than %d pages", type,
			    IG_GW_PAGES_MAX);
			e = IG_ETOOBIG;
			goto out;
		}
		snprintf(target, sizeof(target),
		    "/trustList/%s?page=%u&pagesize=%d", type, page,
		    IG_GW_PAGE_SIZE);
		ig_buf_reset(&body);
		if ((e = p->o->fetch(p->o->fetch_arg, target, ims, &status,
		         &body, p->why, p->why_len))
		    != IG_OK)
			goto out;
		if (status == 204 || status == 304)
			break; /* nothing (new) of this type */
		if (status != 200) {
			snprintf(p->why, p->why_len, "GET %s: HTTP %u", target,
			    (unsigned) status);
			e = IG_EIO;
			goto out;
		}
		if ((e = ig_gw_list_parse(
		         ig_buf_slice(&body), &l, p->why, p->why_len))
		    != IG_OK)
			goto out;
		if (ig_gw_list_count(l) == 0) {
			ig_gw_list_free(l);
			break;
		}
		ig_gw_list **na = ig_realloc(arr, (n + 1) * sizeof(*arr));
		if (na == NULL) {
			ig_gw_list_free(l);
			e = IG_ENOMEM;
			goto out;
		}
		arr = na;
		arr[n++] = l;
		/* A short page is the last one; a long one means the
		 * gateway ignored paging and sent everything. */
		if (ig_gw_list_count(l) != IG_GW_PAGE_SIZE)
			break;
	}
out:
	ig_buf_free(&body);
	if (e != IG_OK) {
		for (size_t i = 0; i < n; i++)
			ig_gw_list_free(arr[i]);
		ig_free(arr);
		return e;
	}
	*pages = arr;
	*n_pages = n;
	return IG_OK;
}

static void
pages_free(ig_gw_list **pages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ig_gw_list_free(pages[i]);
	ig_free(pages);
}

static void
certs_free(ig_x509 **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ig_x509_free(a[i]);
	ig_free(a);
}

/* True when a certificate with x's thumbprint is in a[0..n). */
static bool
cert_in(ig_x509 *const *a, size_t n, const ig_x509 *x)
{
	uint8_t t1[IG_SHA256_LEN], t2[IG_SHA256_LEN];
	ig_x509_thumbprint(x, t1);
	for (size_t i = 0; i < n; i++) {
		ig_x509_thumbprint(a[i], t2);
		if (memcmp(t1, t2, IG_SHA256_LEN) == 0)
			return true;
	}
	return false;
}

/* Reads UPLOAD or CSCA, keeps the TA-verified ones. */
static ig_err
parties(pull *p, ig_gw_type type, ig_x509 ***out, size_t *n_out)
{
	const char *name = type == IG_GW_UPLOAD ? "UPLOAD" : "CSCA";
	ig_gw_list **pages = NULL;
	size_t n_pages = 0, n = 0;
	ig_x509 **arr = NULL;
	ig_err e;

	if ((e = fetch_list(p, name, NULL, &pages, &n_pages)) != IG_OK)
		return e;
	for (size_t pg = 0; pg < n_pages; pg++) {
		for (size_t i = 0; i < ig_gw_list_count(pages[pg]); i++) {
			const ig_gw_item *it = ig_gw_list_at(pages[pg], i);
			ig_gw_skip why;
			ig_x509 *x = NULL;
			if (it->bad == NULL && it->type != type)
				continue; /* a gateway that mixes types */
			if (!ig_gw_check_party(it, p->o->ta, &x, &why)) {
				skip(p, why, name,
				    it->bad == NULL ? it->country : NULL,
				    it->bad == NULL ? it->kid : NULL, it->bad);
				continue;
			}
			if (cert_in(arr, n, x)) {
				ig_x509_free(x); /* a page-boundary repeat */
				continue;
			}
			ig_x509 **na = ig_realloc(arr, (n + 1) * sizeof(*arr));
			if (na == NULL) {
				ig_x509_free(x);
				e = IG_ENOMEM;
				goto out;
			}
			arr = na;
			arr[n++] = x;
		}
	}
	e = IG_OK;
out:
	pages_free(pages, n_pages);
	if (e != IG_OK) {
		certs_free(arr, n);
		return e;
	}
	*out = arr;
	*n_out = n;
	return IG_OK;
}

/* The certificates of a[0..n) of country cc, into sel (borrowed). */
static size_t
of_country(ig_x509 *const *a, size_t n, const char *cc, const ig_x509 **sel)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c[IG_COUNTRY_SIZE];
		if (ig_x509_country(a[i], c) == IG_OK && strcmp(c, cc) == 0)
			sel[k++] = a[i];
	}
	return k;
}

/* Publishes new CSCAs, then remembers them. */
static ig_err
publish_cscas(pull *p)
{
	uint8_t thumbs[CHUNK_OPS][IG_SHA256_LEN];
	ig_err e;

	for (size_t i = 0; i <= p->n_cscas; i++) {
		if (i < p->n_cscas) {
			uint8_t t[IG_SHA256_LEN];
			ig_x509_thumbprint(p->cscas[i], t);
			if (csca_known(&p->st, t)) {
				p->c->unchanged++;
				continue;
			}
			ig_entry_op *op = &p->ops[p->n_ops];
			memset(op, 0, sizeof(*op));
			op->kind = IG_OP_CSCA_PUT;
			if (ig_x509_country(p->cscas[i], op->country) != IG_OK)
				continue; /* checked in ig_gw_check_party */
			op->der = ig_x509_der(p->cscas[i]);
			memcpy(thumbs[p->n_ops], t, IG_SHA256_LEN);
			p->n_ops++;
			p->bytes += op->der.len + 64;
		}
		if (p->n_ops > 0
		    && (i == p->n_cscas || p->n_ops == CHUNK_OPS
		        || p->bytes >= CHUNK_BYTES)) {
			if ((e = flush(p)) != IG_OK)
				return e;
			for (size_t k = 0; k < p->n_ops; k++) {
				if ((e = sorted_insert((void **) &p->st.cscas,
				         &p->st.n_cscas, IG_GW_STATE_CERTS_MAX,
				         IG_SHA256_LEN, thumbs[k], thumb_cmp))
				    != IG_OK)
					return e;
				p->c->csca_put++;
			}
			p->n_ops = 0;
			p->bytes = 0;
			if ((e = checkpoint(p)) != IG_OK)
				return e;
		}
	}
	return save(p);
}

/* Publishes the pending dsc.put (del false) or dsc.del chunk and updates
 * the state. A dsc.del chunk the registry refuses because the DSC is
 * already gone (a crash between publication and the state write) is
 * retried op by op, and the ops refused that way are dropped. */
static ig_err
flush_dscs(pull *p, bool del)
{
	ig_err e;

	if (p->n_ops == 0)
		return IG_OK;
	e = flush(p);
	if (e != IG_OK && del && e == IG_EUNKNOWNKID) {
		ig_entry_op all[CHUNK_OPS];
		size_t n = p->n_ops;
		memcpy(all, p->ops, n * sizeof(all[0]));
		for (size_t i = 0; i < n; i++) {
			e = p->o->publish(
			    p->o->publish_arg, &all[i], 1, p->why, p->why_len);
			if (e == IG_OK)
				p->c->entries++;
			else if (e == IG_EUNKNOWNKID)
				IG_WARN(SUB,
				    "dsc.del refused as already done: %s",
				    p->why);
			else
				return e;
		}
		p->why[0] = '\0';
		e = IG_OK;
	}
	if (e != IG_OK)
		return e;
	for (size_t k = 0; k < p->n_ops; k++) {
		const ig_entry_op *op = &p->ops[k];
		if (del) {
			struct dsc_rec *r = dsc_find(&p->st, op->thumbprint);
			if (r != NULL)
				sorted_remove(
				    p->st.dscs, &p->st.n_dscs, sizeof(*r), r);
			p->c->dsc_del++;
		} else {
			struct dsc_rec r;
			uint8_t t[IG_SHA256_LEN];
			ig_err he = ig_sha256(op->der, t);
			if (he != IG_OK)
				return he;
			memset(&r, 0, sizeof(r));
			memcpy(r.thumb, t, IG_SHA256_LEN);
			memcpy(r.country, op->country, 2);
			if (dsc_find(&p->st, t) == NULL
			    && (e = sorted_insert((void **) &p->st.dscs,
			            &p->st.n_dscs, IG_GW_STATE_CERTS_MAX,
			            sizeof(r), &r, thumb_cmp))
			        != IG_OK)
				return e;
			p->c->dsc_put++;
		}
	}
	p->n_ops = 0;
	p->bytes = 0;
	return checkpoint(p);
}

/* A dsc.del for a remembered DSC. */
static ig_err
add_del(pull *p, const uint8_t *thumb)
{
	ig_entry_op *op = &p->ops[p->n_ops];
	memset(op, 0, sizeof(*op));
	op->kind = IG_OP_DSC_DEL;
	memcpy(op->kid, thumb, IG_KID_LEN);
	memcpy(op->thumbprint, thumb, IG_SHA256_LEN);
	op->reason = ig_slice_make(DEL_REASON, strlen(DEL_REASON));
	p->n_ops++;
	p->bytes += 128;
	if (p->n_ops == CHUNK_OPS)
		return flush_dscs(p, true);
	return IG_OK;
}

/* Reads the DSC list and publishes the puts, then the deletions. */
static ig_err
dscs(pull *p, const char *ims)
{
	ig_gw_list **pages = NULL;
	size_t n_pages = 0;
	const ig_x509 **ups = NULL, **cas = NULL;
	uint8_t(*seen)[IG_SHA256_LEN] = NULL; /* valid DSCs in the list */
	uint8_t(*gone)[IG_SHA256_LEN] = NULL; /* deletion markers */
	size_t n_seen = 0, n_gone = 0, total = 0;
	ig_err e;

	if ((e = fetch_list(p, "DSC", ims, &pages, &n_pages)) != IG_OK)
		return e;
	for (size_t pg = 0; pg < n_pages; pg++)
		total += ig_gw_list_count(pages[pg]);
	ups = ig_calloc(p->n_uploads + 1, sizeof(*ups));
	cas = ig_calloc(p->n_cscas + 1, sizeof(*cas));
	seen = ig_calloc(total + 1, sizeof(*seen));
	gone = ig_calloc(total + 1, sizeof(*gone));
	if (ups == NULL || cas == NULL || seen == NULL || gone == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t pg = 0; pg < n_pages; pg++) {
		for (size_t i = 0; i < ig_gw_list_count(pages[pg]); i++) {
			const ig_gw_item *it = ig_gw_list_at(pages[pg], i);
			ig_gw_skip why;
			if (it->bad == NULL && it->type != IG_GW_DSC)
				continue;
			if (it->bad == NULL && it->raw.len == 0) {
				memcpy(gone[n_gone++], it->thumbprint,
				    IG_SHA256_LEN);
				continue;
			}
			if (it->bad == NULL
			    && dsc_find(&p->st, it->thumbprint) != NULL) {
				memcpy(seen[n_seen++], it->thumbprint,
				    IG_SHA256_LEN);
				p->c->unchanged++;
				continue;
			}
			size_t nu = 0, nc = 0;
			if (it->bad == NULL) {
				nu = of_country(p->uploads, p->n_uploads,
				    it->country, ups);
				nc = of_country(
				    p->cscas, p->n_cscas, it->country, cas);
			}
			if (!ig_gw_check_dsc(
			        it, ups, nu, cas, nc, p->o->now, &why)) {
				skip(p, why, "DSC",
				    it->bad == NULL ? it->country : NULL,
				    it->bad == NULL ? it->kid : NULL, it->bad);
				continue;
			}
			/* A repeat within this pull (page boundary). */
			bool dup = false;
			for (size_t k = 0; k < p->n_ops && !dup; k++)
				dup = ig_slice_eq(p->ops[k].der, it->raw);
			if (dup)
				continue;
			memcpy(seen[n_seen++], it->thumbprint, IG_SHA256_LEN);
			ig_entry_op *op = &p->ops[p->n_ops];
			memset(op, 0, sizeof(*op));
			op->kind = IG_OP_DSC_PUT;
			memcpy(op->country, it->country, IG_COUNTRY_SIZE);
			op->der = it->raw;
			op->source
			    = ig_slice_make(DSC_SOURCE, strlen(DSC_SOURCE));
			op->gateway_cms = it->cms;
			p->n_ops++;
			p->bytes += it->raw.len + it->cms.len + 128;
			if (p->n_ops == CHUNK_OPS || p->bytes >= CHUNK_BYTES) {
				if ((e = flush_dscs(p, false)) != IG_OK)
					goto out;
			}
		}
	}
	if ((e = flush_dscs(p, false)) != IG_OK)
		goto out;
	/* Deletions: markers of a delta; on a full pull, every remembered
	 * DSC the list no longer has. */
	for (size_t i = 0; i < n_gone; i++) {
		bool again = false;
		for (size_t k = 0; k < p->n_ops && !again; k++)
			again = memcmp(p->ops[k].thumbprint, gone[i],
			            IG_SHA256_LEN)
			    == 0;
		if (!again && dsc_find(&p->st, gone[i]) != NULL
		    && (e = add_del(p, gone[i])) != IG_OK)
			goto out;
	}
	if (ims == NULL) {
		qsort(seen, n_seen, IG_SHA256_LEN, thumb_cmp);
		for (size_t i = 0; i < p->st.n_dscs; i++) {
			const uint8_t *t = p->st.dscs[i].thumb;
			bool pending = false;
			if (n_seen > 0
			    && bsearch(
			           t, seen, n_seen, IG_SHA256_LEN, thumb_cmp)
			        != NULL)
				continue;
			for (size_t k = 0; k < p->n_ops && !pending; k++)
				pending = memcmp(p->ops[k].thumbprint, t,
				              IG_SHA256_LEN)
				    == 0;
			if (pending)
				continue;
			/* add_del may flush, which changes st.dscs: start
			 * over after a flush. */
			size_t before = p->st.n_dscs;
			if ((e = add_del(p, t)) != IG_OK)
				goto out;
			if (p->st.n_dscs != before)
				i = (size_t) -1;
		}
	}
	if ((e = flush_dscs(p, true)) == IG_OK)
		e = save(p);
out:
	ig_free(ups);
	ig_free(cas);
	ig_free(seen);
	ig_free(gone);
	pages_free(pages, n_pages);
	return e;
}

/* --- revocations --------------------------------------------------------- */

static ig_err
rev_publish(pull *p, bool put, const uint8_t *kid, uint8_t type,
    uint64_t expires_ms, const uint8_t *hashes, size_t n)
{
	ig_entry_op op;
	ig_err e;

	memset(&op, 0, sizeof(op));
	op.kind = put ? IG_OP_REV_PUT : IG_OP_REV_DEL;
	memcpy(op.kid, kid, IG_KID_LEN);
	op.hash_type = type;
	op.expires_ms = expires_ms;
	op.hashes = ig_slice_make(hashes, 16 * n);
	if ((e = p->o->publish(p->o->publish_arg, &op, 1, p->why, p->why_len))
	    != IG_OK)
		return e;
	p->c->entries++;
	if (put) {
		p->c->rev_put++;
		p->c->hashes_put += n;
	} else {
		p->c->rev_del++;
		p->c->hashes_del += n;
	}
	return IG_OK;
}

/* Un-revokes a remembered batch and forgets it. */
static ig_err
batch_delete(pull *p, struct batch_rec *r)
{
	ig_err e
	    = rev_publish(p, false, r->kid, r->hash_type, 0, r->hashes, r->n);
	if (e != IG_OK)
		return e;
	IG_INFO(SUB, "batch %s deleted: %zu hashes un-revoked", r->id, r->n);
	ig_free(r->hashes);
	sorted_remove(p->st.batches, &p->st.n_batches, sizeof(*r), r);
	return checkpoint(p);
}

/* Downloads, checks and publishes one new batch. */
static ig_err
batch_new(pull *p, const ig_gw_batch_ref *ref, ig_buf *body, ig_buf *der,
    ig_buf *json, ig_gw_batch *b)
{
	char target[32 + IG_GW_BATCH_ID_MAX];
	char why[256];
	uint16_t status = 0;
	const ig_x509 **ups = NULL;
	struct batch_rec r;
	ig_err e;

	snprintf(target, sizeof(target), "/revocation-list/%s", ref->id);
	ig_buf_reset(body);
	ig_buf_reset(der);
	ig_buf_reset(json);
	if ((e = p->o->fetch(p->o->fetch_arg, target, NULL, &status, body,
	         p->why, p->why_len))
	    != IG_OK)
		return e;
	if (status == 410 || status == 404) {
		/* Deleted (410) or purged (404) since the list was made. */
		struct batch_rec *known = batch_find(&p->st, ref->id);
		if (known != NULL)
			return batch_delete(p, known);
		IG_INFO(SUB, "batch %s: HTTP %u, nothing to do", ref->id,
		    (unsigned) status);
		return IG_OK;
	}
	if (status != 200) {
		snprintf(p->why, p->why_len, "GET %s: HTTP %u", target,
		    (unsigned) status);
		return IG_EIO;
	}
	/* The body is the Base64 CMS as uploaded, possibly quoted or
	 * followed by a line break. */
	size_t a = 0, z = body->len;
	while (a < z
	    && (body->ptr[a] == '"' || body->ptr[a] == ' '
	        || body->ptr[a] == '\r' || body->ptr[a] == '\n'))
		a++;
	while (z > a
	    && (body->ptr[z - 1] == '"' || body->ptr[z - 1] == ' '
	        || body->ptr[z - 1] == '\r' || body->ptr[z - 1] == '\n'))
		z--;
	if (ig_base64_decode((const char *) body->ptr + a, z - a, false, der)
	    != IG_OK) {
		skip(p, IG_GW_SKIP_MALFORMED, "batch", ref->country, NULL,
		    "body is not Base64");
		return IG_OK;
	}
	ups = ig_calloc(p->n_uploads + 1, sizeof(*ups));
	if (ups == NULL)
		return IG_ENOMEM;
	size_t nu = of_country(p->uploads, p->n_uploads, ref->country, ups);
	e = nu == 0 ? IG_ENOTFOUND
	            : ig_cms_verify(ig_buf_slice(der), ig_slice_make(NULL, 0),
	                ups, nu, NULL, json);
	ig_free(ups);
	if (e == IG_ENOMEM)
		return e;
	if (e != IG_OK) {
		snprintf(why, sizeof(why), "batch %s: CMS %s", ref->id,
		    ig_strerror(e));
		skip(p, IG_GW_SKIP_CMS, "batch", ref->country, NULL, why);
		return IG_OK;
	}
	if ((e = ig_gw_batch_parse(ig_buf_slice(json), b, why, sizeof(why)))
	    != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		skip(
		    p, IG_GW_SKIP_MALFORMED, "batch", ref->country, NULL, why);
		return IG_OK;
	}
	if (strcmp(b->country, ref->country) != 0) {
		skip(p, IG_GW_SKIP_COUNTRY, "batch", ref->country, b->kid,
		    ref->id);
		return IG_OK;
	}
	if (b->unknown_kid) {
		skip(p, IG_GW_SKIP_UNSUPPORTED, "batch", ref->country, NULL,
		    "kid UNKNOWN_KID is not imported");
		return IG_OK;
	}
	if (b->expires <= p->o->now) {
		skip(p, IG_GW_SKIP_EXPIRED, "batch", ref->country, b->kid,
		    ref->id);
		return IG_OK;
	}
	if ((e = rev_publish(p, true, b->kid, b->hash_type,
	         (uint64_t) b->expires * 1000, &b->hashes[0][0], b->n))
	    != IG_OK)
		return e;
	memset(&r, 0, sizeof(r));
	memcpy(r.id, ref->id, sizeof(r.id));
	memcpy(r.kid, b->kid, IG_KID_LEN);
	r.hash_type = b->hash_type;
	r.n = b->n;
	if ((r.hashes = ig_malloc(16 * b->n)) == NULL)
		return IG_ENOMEM;
	memcpy(r.hashes, b->hashes, 16 * b->n);
	if ((e = sorted_insert((void **) &p->st.batches, &p->st.n_batches,
	         IG_GW_STATE_BATCHES_MAX, sizeof(r), &r, batch_cmp))
	    != IG_OK) {
		ig_free(r.hashes);
		return e;
	}
	IG_INFO(SUB, "batch %s of %s: %zu hashes revoked", ref->id,
	    ref->country, b->n);
	return checkpoint(p);
}

static ig_err
revocations(pull *p)
{
	ig_buf list, body, der, json;
	ig_gw_batch *b = NULL;
	ig_gw_batch_ref *refs = NULL;
	size_t n = 0;
	ig_err e = IG_OK;

	ig_buf_init(&list, IG_GW_BATCHLIST_BODY_MAX);
	ig_buf_init(&body, IG_GW_BATCH_BODY_MAX);
	ig_buf_init(&der, IG_GW_BATCH_BODY_MAX);
	ig_buf_init(&json, IG_GW_BATCH_BODY_MAX);
	if ((b = ig_malloc(sizeof(*b))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (unsigned page = 0;; page++) {
		char ims[IG_GW_DATE_MAX + 1];
		uint16_t status = 0;
		bool more = false;
		snprintf(ims, sizeof(ims), "%s",
		    p->st.rev_since[0] != '\0' ? p->st.rev_since : REV_EPOCH);
		if (page >= IG_GW_PAGES_MAX) {
			snprintf(p->why, p->why_len,
			    "/revocation-list: more than %d pages",
			    IG_GW_PAGES_MAX);
			e = IG_ETOOBIG;
			goto out;
		}
		ig_buf_reset(&list);
		if ((e = p->o->fetch(p->o->fetch_arg, "/revocation-list", ims,
		         &status, &list, p->why, p->why_len))
		    != IG_OK)
			goto out;
		if (status == 204 || status == 304)
			break;
		if (status != 200) {
			snprintf(p->why, p->why_len,
			    "GET /revocation-list: HTTP %u",
			    (unsigned) status);
			e = IG_EIO;
			goto out;
		}
		ig_free(refs);
		refs = NULL;
		if ((e = ig_gw_batchlist_parse(ig_buf_slice(&list), &more,
		         &refs, &n, p->why, p->why_len))
		    != IG_OK)
			goto out;
		for (size_t i = 0; i < n; i++) {
			struct batch_rec *known
			    = batch_find(&p->st, refs[i].id);
			if (refs[i].deleted) {
				if (known != NULL
				    && (e = batch_delete(p, known)) != IG_OK)
					goto out;
				continue;
			}
			if (known != NULL) {
				p->c->unchanged++; /* a page-boundary repeat */
				continue;
			}
			if ((e = batch_new(p, &refs[i], &body, &der, &json, b))
			    != IG_OK)
				goto out;
		}
		if (n == 0)
			break;
		/* The next page starts at the last date, as given. */
		bool progress = strcmp(refs[n - 1].date, ims) != 0;
		memcpy(p->st.rev_since, refs[n - 1].date,
		    sizeof(p->st.rev_since));
		if ((e = save(p)) != IG_OK)
			goto out;
		if (!more)
			break;
		if (!progress) {
			snprintf(p->why, p->why_len,
			    "/revocation-list: more=true without progress "
			    "past %s",
			    ims);
			e = IG_EFORMAT;
			goto out;
		}
	}
out:
	ig_free(refs);
	ig_free(b);
	ig_buf_free(&list);
	ig_buf_free(&body);
	ig_buf_free(&der);
	ig_buf_free(&json);
	return e;
}

/* --- entry point --------------------------------------------------------- */

ig_err
ig_gw_sync_run(
    const ig_gw_sync_opts *o, ig_gw_counts *c, char *why, size_t why_len)
{
	char lock[IG_PATH_MAX + 8];
	char since[IG_GW_DATE_MAX + 1];
	const char *ims = NULL;
	pull p;
	int fd = -1;
	ig_err e;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	why[0] = '\0';
	p.o = o;
	p.c = c;
	p.why = why;
	p.why_len = why_len;
	if (snprintf(lock, sizeof(lock), "%s.lock", o->state_path)
	    >= (int) sizeof(lock)) {
		snprintf(why, why_len, "state path too long");
		return IG_EINVAL;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(
		    why, why_len, "cannot open %s: %s", lock, strerror(errno));
		return IG_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(why, why_len,
		    "another pull holds %s (the node's periodic pull or "
		    "intyg gateway pull)",
		    lock);
		close(fd);
		return IG_ESTATE;
	}
	if ((e = state_load(o->state_path, &p.st, why, why_len)) != IG_OK)
		goto out;
	if (ig_isotime_format(o->now - SINCE_MARGIN_S, since, sizeof(since))
	    != IG_OK) {
		snprintf(why, why_len, "clock out of range");
		e = IG_EINVAL;
		goto out;
	}
	if (!o->full && p.st.tl_since[0] != '\0') {
		int64_t last;
		if (ig_isotime_parse(
		        p.st.tl_since, strlen(p.st.tl_since), &last)
		        == IG_OK
		    && o->now - last < IG_GW_DELTA_MAX_AGE_S)
			ims = p.st.tl_since;
		else
			IG_INFO(SUB,
			    "last trust-list pull %s is 13 days old or more: "
			    "full resync",
			    p.st.tl_since);
	}
	c->full = ims == NULL;
	IG_INFO(SUB, "pull starts: trust list %s%s, revocations since %s",
	    ims != NULL ? "since " : "in full", ims != NULL ? ims : "",
	    p.st.rev_since[0] != '\0' ? p.st.rev_since : REV_EPOCH);
	if ((e = parties(&p, IG_GW_UPLOAD, &p.uploads, &p.n_uploads)) != IG_OK
	    || (e = parties(&p, IG_GW_CSCA, &p.cscas, &p.n_cscas)) != IG_OK)
		goto out;
	c->uploads = p.n_uploads;
	c->cscas = p.n_cscas;
	IG_INFO(SUB, "%zu UPLOAD and %zu CSCA certificates verified",
	    p.n_uploads, p.n_cscas);
	if ((e = publish_cscas(&p)) != IG_OK)
		goto out;
	/* The DSC delta of this pull's start, copied before the state is
	 * saved with it (ims may point into the state). */
	char ims_copy[IG_GW_DATE_MAX + 1];
	if (ims != NULL) {
		snprintf(ims_copy, sizeof(ims_copy), "%s", ims);
		ims = ims_copy;
	}
	if ((e = dscs(&p, ims)) != IG_OK)
		goto out;
	memcpy(p.st.tl_since, since, sizeof(p.st.tl_since));
	if ((e = save(&p)) != IG_OK)
		goto out;
	if ((e = revocations(&p)) != IG_OK)
		goto out;
	e = save(&p);
out:
	IG_INFO(SUB,
	    "pull %s: %llu entries, csca.put %llu, dsc.put %llu, dsc.del "
	    "%llu, rev.put %llu, rev.del %llu, unchanged %llu, skipped "
	    "%llu%s%s",
	    e == IG_OK ? "done" : "failed", (unsigned long long) c->entries,
	    (unsigned long long) c->csca_put, (unsigned long long) c->dsc_put,
	    (unsigned long long) c->dsc_del, (unsigned long long) c->rev_put,
	    (unsigned long long) c->rev_del, (unsigned long long) c->unchanged,
	    (unsigned long long) c->skipped_total, e == IG_OK ? "" : ": ",
	    e == IG_OK ? "" : why);
	certs_free(p.uploads, p.n_uploads);
	certs_free(p.cscas, p.n_cscas);
	state_free(&p.st);
	(void) flock(fd, LOCK_UN);
	close(fd);
	return e;
}

ig_err
ig_gw_counts_json(const ig_gw_counts *c, ig_buf *out)
{
	ig_err e = ig_buf_printf(out,
	    "{\"full\":%s,\"uploads\":%llu,\"cscas\":%llu,\"entries\":%llu,"
	    "\"csca_put\":%llu,\"dsc_put\":%llu,\"dsc_del\":%llu,"
	    "\"rev_put\":%llu,\"rev_del\":%llu,\"hashes_put\":%llu,"
	    "\"hashes_del\":%llu,\"unchanged\":%llu,\"skipped\":%llu,"
	    "\"skipped_by_reason\":{",
	    c->full ? "true" : "false", (unsigned long long) c->uploads,
	    (unsigned long long) c->cscas, (unsigned long long) c->entries,
	    (unsigned long long) c->csca_put, (unsigned long long) c->dsc_put,
	    (unsigned long long) c->dsc_del, (unsigned long long) c->rev_put,
	    (unsigned long long) c->rev_del,
	    (unsigned long long) c->hashes_put,
	    (unsigned long long) c->hashes_del,
	    (unsigned long long) c->unchanged,
	    (unsigned long long) c->skipped_total);
	for (int i = 0; e == IG_OK && i < IG_GW_SKIP_N_; i++)
		e = ig_buf_printf(out, "%s\"%s\":%llu", i > 0 ? "," : "",
		    ig_gw_skip_name((ig_gw_skip) i),
		    (unsigned long long) c->skipped[i]);
	if (e == IG_OK)
		e = ig_buf_append_str(out, "}}");
	return e;
}
