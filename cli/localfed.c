/*
 * localfed.c - a local federation: keys, root and configs under one
 * directory, and the processes that run it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin_client.h"
#include "node/keyfiles.h"
#include "cli/localfed.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"
#include "registry/root.h"

extern char **environ;

/* Countries of the first members; later ones get user-assigned codes. */
static const char *const countries[]
    = { "SE", "DK", "NO", "FI", "IS", "EE", "LV", "LT", "DE", "NL", "BE", "FR",
	      "ES", "PT", "IT", "AT", "PL", "CZ", "SK", "HU", "SI", "HR", "RO",
	      "BG", "GR", "CY", "MT", "IE", "LU", "LI" };
#define N_COUNTRIES (sizeof(countries) / sizeof(countries[0]))

/* snprintf into a path buffer; false when it does not fit. */
static bool IG_PRINTF(3, 4) pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t) n < len;
}

void
ig_localfed_id(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "node%zu", i + 1);
}

void
ig_localfed_country(size_t i, char cc[3])
{
	if (i < N_COUNTRIES) {
		memcpy(cc, countries[i], 3);
	} else {
		size_t k = i - N_COUNTRIES; /* XA..XZ, QM.. */
		cc[0] = k < 26 ? 'X' : 'Q';
		cc[1] = (char) ('A' + (k % 26));
		cc[2] = '\0';
	}
}

void
ig_localfed_config_path(const char *dir, size_t i, char *buf, size_t len)
{
	(void) pathf(buf, len, "%s/node%zu.ini", dir, i + 1);
}

void
ig_localfed_admin_url(uint16_t base, size_t i, char *buf, size_t len)
{
	snprintf(
	    buf, len, "tcp://127.0.0.1:%u", (unsigned) (base + 2 * i + 1));
}

void
ig_localfed_http_url(uint16_t base, size_t n, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "http://127.0.0.1:%u",
	    (unsigned) (base + 2 * n + 2 * i));
}

void
ig_localfed_rpc_url(uint16_t base, size_t n, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "tcp://127.0.0.1:%u",
	    (unsigned) (base + 2 * n + 2 * i + 1));
}

static ig_err
mkdir_p(const char *path, char *why, size_t why_len)
{
	char tmp[IG_PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp)) {
		snprintf(why, why_len, "path too long: %s", path);
		return IG_EINVAL;
	}
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
			snprintf(why, why_len, "cannot create %s: %s", tmp,
			    strerror(errno));
			return IG_EIO;
		}
		tmp[i] = c;
	}
	return IG_OK;
}

/* What root creation needs of one member. */
typedef struct member_keys {
	char id[IG_MEMBER_ID_MAX + 1];
	uint8_t priv[IG_ED25519_PRIV_LEN];
	uint8_t pub[IG_ED25519_PUB_LEN];
	ig_x509 *cert;
	char gossip_url[64];
	char api_url[64]; /* the root names it: verifiers find the node */
} member_keys;

static ig_err
member_prepare(const ig_localfed_opts *o, const char *keys, size_t i,
    member_keys *mk, char *why, size_t why_len)
{
	char path[IG_PATH_MAX];
	struct stat st;
	ig_buf cert_pem, key_pem;
	ig_err err;

	ig_localfed_id(i, mk->id, sizeof(mk->id));
	snprintf(mk->gossip_url, sizeof(mk->gossip_url), "%s://127.0.0.1:%u",
	    o->insecure ? "tcp" : "tls+tcp",
	    (unsigned) (o->base_port + 2 * i));
	ig_localfed_http_url(
	    o->base_port, o->n, i, mk->api_url, sizeof(mk->api_url));
	if (!pathf(path, sizeof(path), "%s/%s.sign.key", keys, mk->id)) {
		snprintf(why, why_len, "path too long");
		return IG_EINVAL;
	}
	if (!o->reuse_keys || stat(path, &st) != 0) {
		if ((err
		        = ig_keyfiles_create(keys, mk->id, true, why, why_len))
		    != IG_OK)
			return err;
	}
	if ((err = ig_keyfiles_load_sign(
	         keys, mk->id, mk->priv, mk->pub, why, why_len))
	    != IG_OK)
		return err;
	ig_buf_init(&cert_pem, IG_TRUSTFILE_MAX);
	ig_buf_init(&key_pem, IG_TRUSTFILE_MAX);
	err = ig_keyfiles_load_tls(
	    keys, mk->id, &cert_pem, &key_pem, why, why_len);
	if (err == IG_OK
	    && (err = ig_x509_from_pem(ig_buf_slice(&cert_pem), &mk->cert))
	        != IG_OK)
		snprintf(why, why_len, "%s/%s.tls.pem: %s", keys, mk->id,
		    ig_strerror(err));
	if (key_pem.ptr != NULL)
		ig_wipe(key_pem.ptr, key_pem.len);
	ig_buf_free(&key_pem);
	ig_buf_free(&cert_pem);
	return err;
}

static ig_err
config_write(const ig_localfed_opts *o, size_t i, const uint8_t hash[32],
    char *why, size_t why_len)
{
	char path[IG_PATH_MAX], id[IG_MEMBER_ID_MAX + 1], admin[64];
	char http[64], rpc[64], hex[65];
	ig_buf b;
	ig_err err;

	ig_buf_init(&b, IG_CONFIG_FILE_MAX);
	ig_localfed_id(i, id, sizeof(id));
	ig_localfed_config_path(o->dir, i, path, sizeof(path));
	ig_localfed_admin_url(o->base_port, i, admin, sizeof(admin));
	ig_localfed_http_url(o->base_port, o->n, i, http, sizeof(http));
	ig_localfed_rpc_url(o->base_port, o->n, i, rpc, sizeof(rpc));
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", hash[k]);
	err = ig_buf_printf(&b,
	    "; Member %s of a local federation (written by intyg; see\n"
	    "; configs/README.md for every key).\n"
	    "[node]\n"
	    "id = %s\n"
	    "data_dir = data/%s\n"
	    "keys_dir = keys\n"
	    "root_file = root.bin\n"
	    "root_hash = %s\n"
	    "log_level = %s\n"
	    "\n"
	    "[gossip]\n"
	    "insecure_transport = %s\n",
	    id, id, id, hex, o->log_level != NULL ? o->log_level : "info",
	    o->insecure ? "true" : "false");
	if (err == IG_OK && o->n_root != 0 && i >= o->n_root)
		err = ig_buf_printf(&b, "listen = %s://127.0.0.1:%u\n",
		    o->insecure ? "tcp" : "tls+tcp",
		    (unsigned) (o->base_port + 2 * i));
	if (err == IG_OK && o->period_ms != 0)
		err = ig_buf_printf(&b, "period_ms = %u\n", o->period_ms);
	if (err == IG_OK && o->timeout_ms != 0)
		err = ig_buf_printf(&b, "timeout_ms = %u\n", o->timeout_ms);
	if (err == IG_OK && o->backoff_max_ms != 0)
		err = ig_buf_printf(&b,
		    "backoff_min_ms = %u\nbackoff_max_ms = %u\n",
		    o->backoff_max_ms < 100 ? o->backoff_max_ms : 100,
		    o->backoff_max_ms);
	if (err == IG_OK)
		err = ig_buf_printf(&b,
		    "reconnect_min_ms = 50\n"
		    "reconnect_max_ms = 1000\n"
		    "\n"
		    "[admin]\n"
		    "listen = %s\n"
		    "\n"
		    "[api]\n"
		    "listen = %s\n"
		    "rpc_listen = %s\n"
		    "workers = 2\n",
		    admin, http, rpc);
	if (err == IG_OK)
		err = ig_file_write(path, b.ptr, b.len, 0644);
	if (err != IG_OK)
		snprintf(why, why_len, "cannot write %s: %s", path,
		    ig_strerror(err));
	ig_buf_free(&b);
	return err;
}

ig_err
ig_localfed_create(const ig_localfed_opts *o, char *why, size_t why_len)
{
	char keys[IG_PATH_MAX], path[IG_PATH_MAX];
	member_keys *mk = NULL;
	ig_root_member *members = NULL;
	ig_root_sig *sigs = NULL;
	ig_buf rb, sb;
	ig_root_info info;
	uint8_t hash[32];
	ig_err err;

	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sb, IG_ROOT_SIGNED_MAX);
	size_t n_root = o->n_root != 0 ? o->n_root : o->n;

	if (o->n == 0 || o->n > IG_ROOT_MEMBERS_MAX || n_root > o->n
	    || o->base_port + IG_LOCALFED_PORTS_PER_NODE * o->n > 65535
	    || o->base_port < 1024) {
		snprintf(why, why_len,
		    "1..256 members and ports in "
		    "1024..65535");
		err = IG_EINVAL;
		goto out;
	}
	if (strlen(o->dir) > IG_PATH_MAX - 64) {
		snprintf(why, why_len, "work directory path too long");
		err = IG_EINVAL;
		goto out;
	}
	if (!pathf(keys, sizeof(keys), "%s/keys", o->dir)
	    || (err = mkdir_p(keys, why, why_len)) != IG_OK
	    || !pathf(path, sizeof(path), "%s/data", o->dir)
	    || (err = mkdir_p(path, why, why_len)) != IG_OK
	    || !pathf(path, sizeof(path), "%s/logs", o->dir)
	    || (err = mkdir_p(path, why, why_len)) != IG_OK) {
		if (err == IG_OK) {
			snprintf(why, why_len, "path too long");
			err = IG_EINVAL;
		}
		goto out;
	}

	mk = ig_calloc(o->n, sizeof(*mk));
	members = ig_calloc(o->n, sizeof(*members));
	sigs = ig_calloc(o->n, sizeof(*sigs));
	if (mk == NULL || members == NULL || sigs == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < o->n; i++) {
		ig_root_member *m = &members[i];
		if ((err = member_prepare(o, keys, i, &mk[i], why, why_len))
		    != IG_OK)
			goto out;
		m->id = ig_slice_make(mk[i].id, strlen(mk[i].id));
		m->name = m->id;
		memcpy(m->pub, mk[i].pub, sizeof(m->pub));
		m->tls_cert_der = ig_x509_der(mk[i].cert);
		m->n_countries = 1;
		ig_localfed_country(i, m->countries[0]);
		m->roles = IG_ROLE_AUTHORITY;
		m->gossip_url = ig_slice_make(
		    mk[i].gossip_url, strlen(mk[i].gossip_url));
		m->api_url
		    = ig_slice_make(mk[i].api_url, strlen(mk[i].api_url));
	}
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("intyg-local", 11);
	info.serial = 1;
	info.expires_ms
	    = (uint64_t) ig_time_now_ms() + UINT64_C(365) * 86400 * 1000;
	info.threshold = n_root / 2 + 1;
	info.n_members = n_root;
	info.members = members;
	if ((err = ig_root_encode(&info, &rb)) != IG_OK) {
		snprintf(why, why_len, "root: %s", ig_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < n_root; i++) {
		sigs[i].member_id = members[i].id;
		if ((err = ig_root_sign(
		         ig_buf_slice(&rb), mk[i].priv, sigs[i].sig))
		    != IG_OK) {
			snprintf(why, why_len, "root signature: %s",
			    ig_strerror(err));
			goto out;
		}
	}
	if ((err = ig_root_signed_encode(ig_buf_slice(&rb), sigs, n_root, &sb))
	        != IG_OK
	    || (err = ig_sha256(ig_buf_slice(&rb), hash)) != IG_OK) {
		snprintf(why, why_len, "signed root: %s", ig_strerror(err));
		goto out;
	}
	(void) pathf(path, sizeof(path), "%s/root.bin", o->dir);
	if ((err = ig_file_write(path, sb.ptr, sb.len, 0644)) != IG_OK) {
		snprintf(why, why_len, "cannot write %s: %s", path,
		    ig_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < o->n; i++) {
		if ((err = config_write(o, i, hash, why, why_len)) != IG_OK)
			goto out;
	}
	err = IG_OK;
out:
	if (mk != NULL) {
		for (size_t i = 0; i < o->n; i++) {
			ig_x509_free(mk[i].cert);
			ig_wipe(mk[i].priv, sizeof(mk[i].priv));
		}
	}
	ig_free(mk);
	ig_free(members);
	ig_free(sigs);
	ig_buf_free(&rb);
	ig_buf_free(&sb);
	return err;
}

bool
ig_localfed_ports_free(uint16_t base, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		int rc;

		if (fd < 0)
			return false;
		/* As nng's listeners bind: a port that a closed connection
		 * left in TIME_WAIT is free for them (and stays so for about
		 * a minute after a demo stopped), while one that a socket
		 * listens on is still refused. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))
		    != 0) {
			close(fd);
			return false;
		}
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t) (base + i));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = bind(fd, (struct sockaddr *) &a, sizeof(a));
		close(fd);
		if (rc != 0)
			return false;
	}
	return true;
}

uint16_t
ig_localfed_pick_base(size_t n)
{
	uint32_t r;

	for (int tries = 0; tries < 50; tries++) {
		uint16_t base;
		if (ig_random(&r, sizeof(r)) != IG_OK)
			r = (uint32_t) getpid() * 7919u + (uint32_t) tries;
		/* Below Linux's ephemeral range (32768-60999 by default):
		 * there a reconnecting client can take a node's port as its
		 * source port between our check and the node's bind. */
		base = (uint16_t) (10000 + (r % 22000) / 2 * 2);
		if (base + IG_LOCALFED_PORTS_PER_NODE * n < 32768
		    && ig_localfed_ports_free(
		        base, (unsigned) (IG_LOCALFED_PORTS_PER_NODE * n)))
			return base;
	}
	return 0;
}

ig_err
ig_localfed_spawn(
    const char *bin, const char *config, const char *log_path, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *) "intyg", (char *) "node",
		(char *) "--config", (char *) config, NULL };
	pid_t p;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return IG_ENOMEM;
	rc = posix_spawn_file_actions_addopen(
	    &fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(
		    &fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn(&p, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return IG_EIO;
	*pid = p;
	return IG_OK;
}

void
ig_localfed_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long) (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
ig_localfed_stop(pid_t pid, int timeout_ms)
{
	int status;

	if (pid <= 0)
		return -1;
	(void) kill(pid, SIGTERM);
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0)
			return -1;
		if (waited >= timeout_ms) {
			(void) kill(pid, SIGKILL);
			if (waitpid(pid, &status, 0) != pid)
				return -1;
			break;
		}
		ig_localfed_sleep_ms(10);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

ig_err
ig_localfed_wait_ready(const char *url, int timeout_ms)
{
	ig_admin_status *st = ig_malloc(sizeof(*st));
	char why[256];
	ig_err err = IG_EIO;
	int64_t deadline = ig_time_now_ms() + timeout_ms;

	if (st == NULL)
		return IG_ENOMEM;
	while (ig_time_now_ms() < deadline) {
		if (ig_admin_status_get(url, NULL, st, why, sizeof(why))
		    == IG_OK) {
			err = IG_OK;
			break;
		}
		ig_localfed_sleep_ms(50);
	}
	ig_free(st);
	return err;
}

static bool
same_state(const ig_admin_status *a, const ig_admin_status *b)
{
	if (memcmp(a->digest, b->digest, 32) != 0 || a->n_heads != b->n_heads
	    || a->evidence != b->evidence)
		return false;
	for (size_t i = 0; i < a->n_heads; i++) {
		if (strcmp(a->heads[i].origin, b->heads[i].origin) != 0
		    || a->heads[i].seq != b->heads[i].seq
		    || memcmp(a->heads[i].hash, b->heads[i].hash, 32) != 0)
			return false;
	}
	return true;
}

ig_err
ig_localfed_wait_converged(
    const char *const *urls, size_t n, uint64_t min_entries, int timeout_ms)
{
	ig_admin_status *st = ig_calloc(2, sizeof(*st));
	char why[256];
	int64_t deadline = ig_time_now_ms() + timeout_ms;
	ig_err err = IG_EIO;

	if (st == NULL)
		return IG_ENOMEM;
	while (ig_time_now_ms() < deadline) {
		bool ok = true;
		uint64_t total = 0;

		for (size_t i = 0; i < n && ok; i++) {
			ig_admin_status *cur = &st[i == 0 ? 0 : 1];
			ok = ig_admin_status_get(
			         urls[i], NULL, cur, why, sizeof(why))
			    == IG_OK;
			if (ok && i > 0)
				ok = same_state(&st[0], cur);
		}
		if (ok) {
			for (size_t h = 0; h < st[0].n_heads; h++)
				total += st[0].heads[h].seq;
			if (total >= min_entries) {
				err = IG_OK;
				break;
			}
		}
		ig_localfed_sleep_ms(20);
	}
	ig_free(st);
	return err;
}
