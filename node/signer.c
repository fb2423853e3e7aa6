/*
 * signer.c - the side of `intyg signer` that holds the key: its state
 * file, the rules it signs by and its socket (contract in signer.h).
 *
 * The state file, written whole with fsync and an atomic rename (and the
 * directory synced) before any signature it covers leaves the process:
 *
 *   "intyg-signer-state-v1\n"
 *   id length (1) || id || seq (8 BE) || hash (32)
 *   || entry length (4 BE) || the last signed entry [entry_bytes, sig]
 *   || SHA-256 of everything before (32)
 *
 * A state file that does not parse or whose digest does not match stops
 * the signer at start: it never guesses where its log stands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "node/keyfiles.h"
#include "node/signer.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/checkpoint.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

#define SUB "signer"

#define STATE_MAGIC "intyg-signer-state-v1\n"

struct ig_signer {
	char id[IG_MEMBER_ID_MAX + 1];
	char state_file[IG_PATH_MAX];
	uint8_t priv[IG_ED25519_PRIV_LEN]; /* wiped on close */
	uint8_t pub[IG_ED25519_PUB_LEN];
	uint64_t seq; /* the last seq signed (or adopted) */
	uint8_t hash[32]; /* its entry hash */
	ig_buf last; /* that signed entry; empty after an adopt */
};

/* --- state file -------------------------------------------------------- */

static ig_err
state_encode(const ig_signer *s, uint64_t seq, const uint8_t hash[32],
    ig_slice entry, ig_buf *out)
{
	uint8_t d[32];
	size_t idlen = strlen(s->id);
	ig_err e;

	if ((e = ig_buf_append_str(out, STATE_MAGIC)) != IG_OK
	    || (e = ig_buf_append_u8(out, (uint8_t) idlen)) != IG_OK
	    || (e = ig_buf_append(out, s->id, idlen)) != IG_OK
	    || (e = ig_buf_append_be64(out, seq)) != IG_OK
	    || (e = ig_buf_append(out, hash, 32)) != IG_OK
	    || (e = ig_buf_append_be32(out, (uint32_t) entry.len)) != IG_OK
	    || (entry.len > 0
	        && (e = ig_buf_append(out, entry.ptr, entry.len)) != IG_OK)
	    || (e = ig_sha256(ig_buf_slice(out), d)) != IG_OK)
		return e;
	return ig_buf_append(out, d, sizeof(d));
}

/* Syncs the directory of path, so that a rename in it is durable. */
static ig_err
dir_sync(const char *path)
{
	char dir[IG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;
	ig_err e = IG_OK;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return IG_EIO;
	if (fsync(fd) != 0)
		e = IG_EIO;
	close(fd);
	return e;
}

/* Writes the state (seq, hash, entry) durably; s is changed only after
 * the write succeeded. */
static ig_err
state_write(ig_signer *s, uint64_t seq, const uint8_t hash[32], ig_slice entry)
{
	ig_buf b;
	ig_err e;

	ig_buf_init(&b, IG_SIGNER_MSG_MAX + 256);
	if ((e = state_encode(s, seq, hash, entry, &b)) != IG_OK
	    || (e = ig_file_write(s->state_file, b.ptr, b.len, 0600)) != IG_OK
	    || (e = dir_sync(s->state_file)) != IG_OK)
		goto out;
	ig_buf_reset(&s->last);
	if (entry.len > 0
	    && (e = ig_buf_append(&s->last, entry.ptr, entry.len)) != IG_OK)
		goto out; /* cannot happen: last is as large as any entry */
	s->seq = seq;
	memcpy(s->hash, hash, 32);
out:
	ig_buf_free(&b);
	return e;
}

/* Reads the state file into s. IG_ENOTFOUND when there is none. */
static ig_err
state_read(ig_signer *s, char *why, size_t why_len)
{
	ig_buf b;
	ig_reader r;
	ig_slice magic, id, entry;
	uint8_t idlen, hash[32], d[32], want[32];
	uint64_t seq;
	uint32_t elen;
	ig_err e;

	ig_buf_init(&b, IG_SIGNER_MSG_MAX + 256);
	if (access(s->state_file, F_OK) != 0 && errno == ENOENT) {
		e = IG_ENOTFOUND;
		goto out;
	}
	if ((e = ig_buf_read_file(&b, s->state_file)) != IG_OK) {
		snprintf(why, why_len, "%s: cannot be read", s->state_file);
		goto out;
	}
	e = IG_EFORMAT;
	if (b.len < 32)
		goto bad;
	ig_reader_init(&r, ig_slice_make(b.ptr, b.len - 32));
	if (ig_reader_bytes(&r, strlen(STATE_MAGIC), &magic) != IG_OK
	    || memcmp(magic.ptr, STATE_MAGIC, magic.len) != 0
	    || ig_reader_u8(&r, &idlen) != IG_OK
	    || ig_reader_bytes(&r, idlen, &id) != IG_OK
	    || ig_reader_be64(&r, &seq) != IG_OK
	    || ig_reader_copy(&r, hash, 32) != IG_OK
	    || ig_reader_be32(&r, &elen) != IG_OK || elen > IG_ENTRY_SIGNED_MAX
	    || ig_reader_bytes(&r, elen, &entry) != IG_OK
	    || ig_reader_remaining(&r) != 0)
		goto bad;
	if (ig_sha256(ig_slice_make(b.ptr, b.len - 32), d) != IG_OK
	    || !ig_ct_equal(d, b.ptr + b.len - 32, 32))
		goto bad;
	if (id.len != strlen(s->id) || memcmp(id.ptr, s->id, id.len) != 0) {
		snprintf(why, why_len,
		    "%s: the state of member '%.*s', not of '%s'",
		    s->state_file, (int) id.len, (const char *) id.ptr, s->id);
		e = IG_ESTATE;
		goto out;
	}
	/* The entry kept must be the one the state names. */
	if (elen > 0) {
		ig_entry *en = NULL;
		if (ig_entry_decode(entry, &en) != IG_OK)
			goto bad;
		ig_entry_hash(en, want);
		if (ig_entry_seq(en) != seq || !ig_ct_equal(want, hash, 32)) {
			ig_entry_free(en);
			goto bad;
		}
		ig_entry_free(en);
	}
	if ((e = ig_buf_append(&s->last, entry.ptr, entry.len)) != IG_OK)
		goto out;
	s->seq = seq;
	memcpy(s->hash, hash, 32);
	e = IG_OK;
	goto out;
bad:
	snprintf(why, why_len,
	    "%s: not a signer state file, or damaged (digest, lengths); the "
	    "signer does not guess where its log stands: restore the file "
	    "or adopt the log's head again (docs/operations.md)",
	    s->state_file);
	e = IG_EFORMAT;
out:
	ig_buf_free(&b);
	return e;
}

/* --- open / close ------------------------------------------------------ */

static ig_err
key_load(ig_signer *s, const char *path, char *why, size_t why_len)
{
	ig_buf pem;
	ig_err e;

	ig_buf_init(&pem, 16 * 1024);
	if ((e = ig_keyfiles_private_check(path, why, why_len)) != IG_OK)
		goto out;
	if ((e = ig_buf_read_file(&pem, path)) != IG_OK) {
		snprintf(why, why_len, "%s: cannot be read", path);
		goto out;
	}
	if ((e = ig_ed25519_priv_from_pem(ig_buf_slice(&pem), s->priv))
	        != IG_OK
	    || (e = ig_ed25519_public(s->priv, s->pub)) != IG_OK) {
		snprintf(why, why_len, "%s: not an Ed25519 private key (PEM)",
		    path);
		e = IG_EFORMAT;
	}
out:
	if (pem.ptr != NULL)
		ig_wipe(pem.ptr, pem.cap);
	ig_buf_free(&pem);
	return e;
}

ig_err
ig_signer_open(
    const ig_signer_config *cfg, ig_signer **out, char *why, size_t why_len)
{
	ig_signer *s;
	ig_err e;

	if (!ig_keyfiles_id_ok(cfg->id)) {
		snprintf(why, why_len,
		    "member id '%s' is not 1..%d of [a-z0-9-]",
		    cfg->id != NULL ? cfg->id : "", IG_MEMBER_ID_MAX);
		return IG_EINVAL;
	}
	if (strlen(cfg->state_file) >= IG_PATH_MAX - 32) {
		snprintf(why, why_len, "state file path too long");
		return IG_EINVAL;
	}
	if ((s = ig_calloc(1, sizeof(*s))) == NULL) {
		snprintf(why, why_len, "out of memory");
		return IG_ENOMEM;
	}
	ig_buf_init(&s->last, IG_ENTRY_SIGNED_MAX);
	snprintf(s->id, sizeof(s->id), "%s", cfg->id);
	snprintf(s->state_file, sizeof(s->state_file), "%s", cfg->state_file);
	if ((e = key_load(s, cfg->key_file, why, why_len)) != IG_OK)
		goto fail;
	e = state_read(s, why, why_len);
	if (e == IG_ENOTFOUND) {
		if (!cfg->adopt) {
			snprintf(why, why_len,
			    "%s: no state file; at first start give the head "
			    "of member %s's log with --adopt-head SEQ:HASH "
			    "(0 for a new log; docs/operations.md)",
			    s->state_file, s->id);
			e = IG_ESTATE;
			goto fail;
		}
		if ((e = state_write(s, cfg->adopt_seq, cfg->adopt_hash,
		         ig_slice_make(NULL, 0)))
		    != IG_OK) {
			snprintf(why, why_len, "%s: cannot be written",
			    s->state_file);
			goto fail;
		}
		IG_INFO(SUB, "adopted the head of %s's log: seq %llu", s->id,
		    (unsigned long long) s->seq);
	} else if (e != IG_OK) {
		goto fail;
	} else if (cfg->adopt
	    && (cfg->adopt_seq != s->seq
	        || !ig_ct_equal(cfg->adopt_hash, s->hash, 32))) {
		snprintf(why, why_len,
		    "%s: --adopt-head differs from the state (seq %llu): a "
		    "signer adopts a head once; remove the state file only if "
		    "no entry above the head you give was ever signed",
		    s->state_file, (unsigned long long) s->seq);
		e = IG_ESTATE;
		goto fail;
	}
	*out = s;
	return IG_OK;
fail:
	ig_signer_close(s);
	return e;
}

void
ig_signer_close(ig_signer *s)
{
	if (s == NULL)
		return;
	ig_wipe(s->priv, sizeof(s->priv));
	ig_buf_free(&s->last);
	ig_free(s);
}

void
ig_signer_state(const ig_signer *s, uint64_t *seq, uint8_t hash[32])
{
	*seq = s->seq;
	memcpy(hash, s->hash, 32);
}

/* --- the rules ------------------------------------------------------------
 */

static ig_err
reply_ok(ig_buf *reply)
{
	ig_err e;

	ig_buf_reset(reply);
	if ((e = ig_buf_append_u8(reply, IG_SIGNER_VERSION)) != IG_OK)
		return e;
	return ig_buf_append_be16(reply, 0);
}

/* A refusal: logged, and the reply carries the status and the reason. */
static ig_err
refuse(ig_buf *reply, ig_err status, const char *why)
{
	ig_err e;

	IG_WARN(SUB, "refused: %s (%s)", why, ig_err_name(status));
	ig_buf_reset(reply);
	if ((e = ig_buf_append_u8(reply, IG_SIGNER_VERSION)) != IG_OK
	    || (e = ig_buf_append_be16(reply, (uint16_t) status)) != IG_OK)
		return e;
	return ig_buf_append_str(reply, why);
}

static ig_err
sign_reply(ig_signer *s, const char *what, ig_slice msg, ig_buf *reply)
{
	uint8_t sig[64];
	ig_err e;

	if ((e = ig_ed25519_sign(s->priv, msg, sig)) != IG_OK)
		return refuse(reply, e, what);
	if ((e = reply_ok(reply)) == IG_OK)
		e = ig_buf_append(reply, sig, sizeof(sig));
	return e;
}

static ig_err
op_sign_entry(ig_signer *s, ig_slice body, ig_buf *reply)
{
	uint8_t zero[64], sig[64], h[32];
	char why[256];
	ig_entry *en = NULL;
	ig_buf sb;
	ig_slice origin;
	ig_err e;

	memset(zero, 0, sizeof(zero));
	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	if (body.len == 0 || body.len > IG_ENTRY_MAX) {
		e = refuse(reply, IG_ETOOBIG, "entry empty or too large");
		goto out;
	}
	/* The decoder is the registry's own: the shape the peers accept. */
	if ((e = ig_entry_signed_encode(body, zero, &sb)) != IG_OK
	    || (e = ig_entry_decode(ig_buf_slice(&sb), &en)) != IG_OK) {
		if (e == IG_ENOMEM)
			goto out;
		snprintf(why, sizeof(why), "not a well-formed entry: %s",
		    ig_strerror(e));
		e = refuse(reply, e, why);
		goto out;
	}
	if (!ig_slice_eq(ig_entry_bytes(en), body)) {
		e = refuse(reply, IG_EFORMAT, "entry bytes do not round-trip");
		goto out;
	}
	origin = ig_entry_origin(en);
	if (origin.len != strlen(s->id)
	    || memcmp(origin.ptr, s->id, origin.len) != 0) {
		snprintf(why, sizeof(why),
		    "an entry of origin '%.*s': this signer signs for '%s' "
		    "only",
		    (int) (origin.len > 64 ? 64 : origin.len),
		    (const char *) origin.ptr, s->id);
		e = refuse(reply, IG_EUNKNOWNORIGIN, why);
		goto out;
	}
	ig_entry_hash(en, h);
	/* A repeat of the last entry gets its signature again (Ed25519 is
	 * deterministic): a node whose reply was lost asks again. */
	if (ig_entry_seq(en) == s->seq && s->seq > 0
	    && ig_ct_equal(h, s->hash, 32)) {
		if ((e = ig_entry_sign(body, s->priv, sig)) != IG_OK) {
			e = refuse(reply, e, "signing failed");
			goto out;
		}
		if ((e = reply_ok(reply)) == IG_OK)
			e = ig_buf_append(reply, sig, sizeof(sig));
		goto out;
	}
	if (ig_entry_seq(en) != s->seq + 1) {
		snprintf(why, sizeof(why),
		    "entry seq %llu of %s: the next seq is %llu (%s)",
		    (unsigned long long) ig_entry_seq(en), s->id,
		    (unsigned long long) (s->seq + 1),
		    ig_entry_seq(en) <= s->seq
		        ? "a second entry for a signed seq would fork the log"
		        : "a gap");
		e = refuse(reply,
		    ig_entry_seq(en) <= s->seq ? IG_EEQUIVOCATION : IG_ESEQGAP,
		    why);
		goto out;
	}
	if (!ig_ct_equal(ig_entry_prev_hash(en), s->hash, 32)) {
		snprintf(why, sizeof(why),
		    "entry seq %llu of %s: prev_hash is not the hash of the "
		    "entry signed at seq %llu (a fork)",
		    (unsigned long long) ig_entry_seq(en), s->id,
		    (unsigned long long) s->seq);
		e = refuse(reply, IG_EPREVHASH, why);
		goto out;
	}
	ig_buf_reset(&sb);
	if ((e = ig_entry_sign(body, s->priv, sig)) != IG_OK
	    || (e = ig_entry_signed_encode(body, sig, &sb)) != IG_OK) {
		if (e == IG_ENOMEM)
			goto out;
		e = refuse(reply, e, "signing failed");
		goto out;
	}
	/* On disk before the signature leaves. */
	if ((e = state_write(s, ig_entry_seq(en), h, ig_buf_slice(&sb)))
	    != IG_OK) {
		snprintf(why, sizeof(why),
		    "the state file cannot be written (%s): nothing signed",
		    ig_strerror(e));
		e = refuse(reply, IG_EIO, why);
		goto out;
	}
	IG_INFO(
	    SUB, "signed entry %s/%llu", s->id, (unsigned long long) s->seq);
	if ((e = reply_ok(reply)) == IG_OK)
		e = ig_buf_append(reply, sig, sizeof(sig));
out:
	ig_wipe(sig, sizeof(sig));
	ig_entry_free(en);
	ig_buf_free(&sb);
	return e;
}

/* The hash of the entry before the last one, when known. */
static bool
prev_of_last(const ig_signer *s, uint8_t out[32])
{
	ig_entry *en = NULL;

	if (s->last.len == 0
	    || ig_entry_decode(ig_buf_slice(&s->last), &en) != IG_OK)
		return false;
	memcpy(out, ig_entry_prev_hash(en), 32);
	ig_entry_free(en);
	return true;
}

static ig_err
op_sign_note(ig_signer *s, ig_slice body, ig_buf *reply)
{
	ig_checkpoint *cp = NULL;
	const ig_checkpoint_log *lg;
	uint8_t prev[32];
	char why[256];
	ig_err e;

	if (body.len == 0 || body.len > IG_SIGNER_NOTE_MAX)
		return refuse(reply, IG_ETOOBIG, "note empty or too large");
	if ((e = ig_checkpoint_parse(body, &cp)) != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		snprintf(why, sizeof(why), "not a checkpoint note: %s",
		    ig_strerror(e));
		return refuse(reply, e, why);
	}
	/* This member's log, when the note names it, is the one signed
	 * here: its last entry, or the one before (the node may not have
	 * stored the last yet). Anything else would be a signed statement
	 * of a fork or a rollback. */
	lg = ig_checkpoint_log_find(cp, ig_slice_make(s->id, strlen(s->id)));
	if (lg != NULL
	    && !((lg->size == s->seq && ig_ct_equal(lg->head, s->hash, 32))
	        || (s->seq > 0 && lg->size == s->seq - 1
	            && prev_of_last(s, prev)
	            && ig_ct_equal(lg->head, prev, 32)))) {
		snprintf(why, sizeof(why),
		    "checkpoint names %s's log at size %llu with another head "
		    "than this signer's (seq %llu)",
		    s->id, (unsigned long long) lg->size,
		    (unsigned long long) s->seq);
		ig_checkpoint_free(cp);
		return refuse(reply, IG_EEQUIVOCATION, why);
	}
	ig_checkpoint_free(cp);
	return sign_reply(s, "signing failed", body, reply);
}

static ig_err
op_sign_stats(ig_signer *s, ig_slice body, ig_buf *reply)
{
	size_t n = sizeof(IG_SIGNER_STATS_DOMAIN); /* with its NUL */

	if (body.len > IG_SIGNER_STATS_MAX)
		return refuse(
		    reply, IG_ETOOBIG, "statistics message too large");
	if (body.len < n + 1
	    || memcmp(body.ptr, IG_SIGNER_STATS_DOMAIN, n) != 0)
		return refuse(reply, IG_EFORMAT,
		    "not a statistics message (\"intyg-stats-v1\" 0x00 ...)");
	return sign_reply(s, "signing failed", body, reply);
}

ig_err
ig_signer_handle(ig_signer *s, ig_slice req, ig_buf *reply)
{
	ig_slice body;
	ig_err e;

	if (req.len < 2 || req.ptr[0] != IG_SIGNER_VERSION)
		return refuse(
		    reply, IG_EUNSUPPORTED, "not a version 1 signer request");
	body = ig_slice_make(req.ptr + 2, req.len - 2);
	switch (req.ptr[1]) {
	case IG_SIGNER_OP_PUBKEY:
		if ((e = reply_ok(reply)) != IG_OK
		    || (e = ig_buf_append(reply, s->pub, 32)) != IG_OK
		    || (e = ig_buf_append_be64(reply, s->seq)) != IG_OK)
			return e;
		return ig_buf_append(reply, s->hash, 32);
	case IG_SIGNER_OP_SIGN_ENTRY:
		return op_sign_entry(s, body, reply);
	case IG_SIGNER_OP_SIGN_NOTE:
		return op_sign_note(s, body, reply);
	case IG_SIGNER_OP_SIGN_STATS:
		return op_sign_stats(s, body, reply);
	case IG_SIGNER_OP_LAST:
		if ((e = reply_ok(reply)) != IG_OK)
			return e;
		return s->last.len == 0
		    ? IG_OK
		    : ig_buf_append(reply, s->last.ptr, s->last.len);
	default:
		return refuse(reply, IG_EUNSUPPORTED, "unknown op");
	}
}

/* --- the socket -----------------------------------------------------------
 */

ig_err
ig_signer_addr_parse(const char *addr, char *out, size_t size)
{
	struct sockaddr_un sa;
	const char *p;

	if (strncmp(addr, "unix:", 5) == 0)
		p = addr + 5;
	else if (strncmp(addr, "ipc://", 6) == 0)
		p = addr + 6;
	else
		return IG_EINVAL;
	if (p[0] == '\0' || strlen(p) >= sizeof(sa.sun_path)
	    || strlen(p) >= size)
		return IG_EINVAL;
	memcpy(out, p, strlen(p) + 1);
	return IG_OK;
}

int64_t
ig_signer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads or writes exactly n bytes before the deadline. */
static ig_err
io_full(int fd, void *p, size_t n, bool wr, int64_t deadline)
{
	uint8_t *q = p;

	while (n > 0) {
		struct pollfd pfd = { fd, wr ? POLLOUT : POLLIN, 0 };
		int64_t left = deadline - ig_signer_now_ms();
		ssize_t r;
		if (left <= 0)
			return IG_EIO;
		if (poll(&pfd, 1, (int) left) <= 0) {
			if (errno == EINTR)
				continue;
			return IG_EIO;
		}
		r = wr ? send(fd, q, n, MSG_NOSIGNAL) : recv(fd, q, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return IG_EIO;
		q += r;
		n -= (size_t) r;
	}
	return IG_OK;
}

ig_err
ig_signer_frame_send(int fd, ig_slice msg, int64_t deadline)
{
	uint8_t h[4] = { (uint8_t) (msg.len >> 24), (uint8_t) (msg.len >> 16),
		(uint8_t) (msg.len >> 8), (uint8_t) msg.len };
	ig_err e;

	if (msg.len > IG_SIGNER_MSG_MAX)
		return IG_ETOOBIG;
	if ((e = io_full(fd, h, 4, true, deadline)) != IG_OK)
		return e;
	return msg.len == 0
	    ? IG_OK
	    : io_full(fd, (void *) msg.ptr, msg.len, true, deadline);
}

ig_err
ig_signer_frame_recv(int fd, ig_buf *out, size_t *len, int64_t deadline)
{
	uint8_t h[4];
	size_t n;
	ig_err e;

	if ((e = io_full(fd, h, 4, false, deadline)) != IG_OK)
		return e;
	n = (size_t) h[0] << 24 | (size_t) h[1] << 16 | (size_t) h[2] << 8
	    | h[3];
	*len = n;
	if (n > IG_SIGNER_MSG_MAX)
		return IG_ETOOBIG; /* refused unread */
	if ((e = ig_buf_reserve(out, n)) != IG_OK)
		return e;
	if (n > 0
	    && (e = io_full(fd, out->ptr + out->len, n, false, deadline))
	        != IG_OK)
		return e;
	out->len += n;
	return IG_OK;
}

/* Serves one connection: one request, one reply. */
static void
serve_one(ig_signer *s, int fd, uint32_t timeout_ms)
{
	int64_t deadline = ig_signer_now_ms() + timeout_ms;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	ig_buf req, reply;
	size_t len = 0;
	ig_err e;

	memset(&cred, 0, sizeof(cred));
	(void) getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
	ig_buf_init(&req, IG_SIGNER_MSG_MAX);
	ig_buf_init(&reply, IG_SIGNER_MSG_MAX);
	e = ig_signer_frame_recv(fd, &req, &len, deadline);
	if (e == IG_ETOOBIG) {
		char why[128];
		snprintf(why, sizeof(why),
		    "a request of %zu bytes from pid %ld (at most %d)", len,
		    (long) cred.pid, (int) IG_SIGNER_MSG_MAX);
		if (refuse(&reply, IG_ETOOBIG, why) == IG_OK
		    && ig_signer_frame_send(fd, ig_buf_slice(&reply), deadline)
		        != IG_OK)
			IG_WARN(SUB, "pid %ld did not take its refusal",
			    (long) cred.pid);
		goto out;
	}
	if (e != IG_OK) {
		if (len > 0 || e != IG_EIO)
			IG_WARN(SUB,
			    "connection from pid %ld: no whole request within "
			    "%u ms",
			    (long) cred.pid, (unsigned) timeout_ms);
		goto out;
	}
	if (ig_signer_handle(s, ig_buf_slice(&req), &reply) != IG_OK) {
		IG_ERROR(
		    SUB, "out of memory answering pid %ld", (long) cred.pid);
		goto out;
	}
	if (ig_signer_frame_send(fd, ig_buf_slice(&reply), deadline) != IG_OK)
		IG_WARN(
		    SUB, "pid %ld did not take its reply", (long) cred.pid);
out:
	ig_buf_free(&req);
	ig_buf_free(&reply);
}

ig_err
ig_signer_serve(ig_signer *s, const char *path, uint32_t timeout_ms,
    volatile const int *stop, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int lfd = -1;
	ig_err e = IG_EIO;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, why_len, "%s: socket path too long", path);
		return IG_EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(why, why_len,
			    "%s exists and is not a socket: not replaced",
			    path);
			return IG_EIO;
		}
		(void) unlink(path); /* a stale socket of a stopped signer */
	}
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, why_len, "socket: %s", strerror(errno));
		return IG_EIO;
	}
	/* 0660 from the start: no moment in which others may connect. */
	old = umask(0117);
	if (bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		umask(old);
		snprintf(why, why_len, "%s: bind: %s", path, strerror(errno));
		goto out;
	}
	umask(old);
	if (chmod(path, 0660) != 0 || listen(lfd, 16) != 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	IG_INFO(SUB, "signing for %s on %s (seq %llu)", s->id, path,
	    (unsigned long long) s->seq);
	while (!*stop) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		int fd;
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		serve_one(s, fd, timeout_ms);
		close(fd);
	}
	e = IG_OK;
out:
	close(lfd);
	if (e == IG_OK)
		(void) unlink(path);
	return e;
}
