/*
 * crash_test.c - crash safety of the registry store (docs/registry.md: "a node
 * killed at any instant reopens consistent and loses nothing it
 * acknowledged").
 *
 *   crash_test CRASH_CHILD [KILLS [bulk]]
 *
 * The parent pre-generates a long sequence of signed entries of three
 * origins (DSCs, revocations and revocation removals, interleaved), then
 * repeatedly starts crash_child (a separate program, so that no process
 * forks with RocksDB open) on one store directory and kills it with
 * SIGKILL at a random moment: 5..80 ms after the child reported the
 * store open, or, every fifth time, after the start (a kill during open
 * and WAL recovery). After each kill the parent reopens the store and
 * checks that every entry the child acknowledged is there byte for byte,
 * that every origin's log is contiguous up to its head, and that the
 * state digest equals that of a separate store into which the stored
 * logs are replayed. At the end the logs are replayed once more into a
 * fresh store. One summary line goes to stdout.
 *
 * With "bulk" the child commits every group's revocations by SST
 * ingestion (store.c, "bulk commit"), so that kills fall between the
 * file's write, the commit and the ingestion, and the reopen completes
 * or drops the ingestion; the parent's replay store keeps the merge
 * path, so the digests also compare the two paths.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "registry/base/log.h"
#include "registry/registry.h"
#include "testkit.h"

extern char **environ;

#define ORIGINS       3
#define PER_ORIGIN    1200 /* entries per origin: more than 50 kills use */
#define HASHES        20 /* per rev.put */
#define KILLS_DEFAULT 50
#define READY_MARKER  0xffffffffu

static tk_fed fed;
static const char *child_path;
static int kills_wanted = KILLS_DEFAULT;
static bool bulk;

/* The pre-generated entries, in the order the child applies them. */
static ig_buf *entries;
static size_t n_entries;
static int *entry_origin;
static uint64_t *entry_seq;
static bool *acked;

static const int origin_member[ORIGINS] = { TK_SE, TK_DK, TK_GW };

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
rand_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t) (random() >> 7);
}

/* Builds the entries of the three origins and interleaves them. */
static void
entries_make(void)
{
	ig_buf *per[ORIGINS];
	size_t next[ORIGINS] = { 0 };
	const ig_x509 *dsc[ORIGINS] = { fed.dsc_se, fed.dsc_dk, fed.dsc_se2 };
	const char *cc[ORIGINS] = { "SE", "DK", "SE" };

	for (int o = 0; o < ORIGINS; o++) {
		uint8_t prev[32] = { 0 }, kid[8];
		uint8_t hashes[HASHES * 16];
		uint8_t last[HASHES * 16];

		per[o] = calloc(PER_ORIGIN, sizeof(ig_buf));
		assert_non_null(per[o]);
		ig_x509_kid(dsc[o], kid);
		for (size_t i = 0; i < PER_ORIGIN; i++) {
			ig_entry_op op;
			if (i == 0) {
				op = tk_op_dsc_put(cc[o], dsc[o]);
				if (origin_member[o] == TK_GW)
					op.gateway_cms
					    = ig_slice_make("cms", 3);
			} else if (i % 7 == 0) {
				/* withdraw the previous batch */
				op = tk_op_rev_put(
				    dsc[o], ig_slice_make(last, sizeof(last)));
				op.kind = IG_OP_REV_DEL;
				op.expires_ms = 0;
			} else {
				rand_bytes(hashes, sizeof(hashes));
				memcpy(last, hashes, sizeof(last));
				op = tk_op_rev_put(dsc[o],
				    ig_slice_make(hashes, sizeof(hashes)));
				op.expires_ms = 1900000000000ull + i;
			}
			tk_entry_one(&fed, origin_member[o], i + 1,
			    i > 0 ? prev : NULL, &op, &per[o][i]);
			tk_entry_hash(ig_buf_slice(&per[o][i]), prev);
		}
	}
	n_entries = ORIGINS * PER_ORIGIN;
	entries = calloc(n_entries, sizeof(ig_buf));
	entry_origin = calloc(n_entries, sizeof(int));
	entry_seq = calloc(n_entries, sizeof(uint64_t));
	acked = calloc(n_entries, sizeof(bool));
	assert_true(entries && entry_origin && entry_seq && acked);
	for (size_t k = 0; k < n_entries;) {
		int o = (int) (random() % ORIGINS);
		if (next[o] == PER_ORIGIN)
			continue;
		entries[k] = per[o][next[o]]; /* moves the buffer */
		entry_origin[k] = o;
		entry_seq[k] = ++next[o];
		k++;
	}
	for (int o = 0; o < ORIGINS; o++)
		free(per[o]);
}

static void
file_write(const char *path, bool framed)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (!framed) {
		assert_int_equal(
		    fwrite(fed.signed_root.ptr, 1, fed.signed_root.len, f),
		    fed.signed_root.len);
	} else {
		for (size_t i = 0; i < n_entries; i++) {
			uint32_t n = (uint32_t) entries[i].len;
			uint8_t be[4]
			    = { (uint8_t) (n >> 24), (uint8_t) (n >> 16),
				      (uint8_t) (n >> 8), (uint8_t) n };
			assert_int_equal(fwrite(be, 1, 4, f), 4);
			assert_int_equal(
			    fwrite(entries[i].ptr, 1, entries[i].len, f),
			    entries[i].len);
		}
	}
	assert_int_equal(fclose(f), 0);
}

/* Reads the acks available on fd (non-blocking); returns false on EOF. */
static bool
acks_read(
    int fd, uint8_t *part, size_t *part_len, bool *ready, size_t *n_acked)
{
	for (;;) {
		ssize_t r = read(fd, part + *part_len, 4 - *part_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return true;
		assert_true(r >= 0);
		if (r == 0)
			return false;
		*part_len += (size_t) r;
		if (*part_len < 4)
			continue;
		*part_len = 0;
		uint32_t v = (uint32_t) part[0] << 24
		    | (uint32_t) part[1] << 16 | (uint32_t) part[2] << 8
		    | part[3];
		if (v == READY_MARKER) {
			*ready = true;
			continue;
		}
		assert_true(v < n_entries);
		if (!acked[v])
			(*n_acked)++;
		acked[v] = true;
	}
}

/* Waits up to ms for acks; returns false once the pipe is at EOF. */
static bool
acks_wait(int fd, double until, uint8_t *part, size_t *part_len, bool *ready,
    size_t *n_acked, bool stop_when_ready)
{
	for (;;) {
		double left = until - now_s();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || (stop_when_ready && *ready))
			return true;
		if (poll(&p, 1, (int) (left * 1000) + 1) > 0
		    && !acks_read(fd, part, part_len, ready, n_acked))
			return false;
	}
}

struct entry_check {
	ig_slice want;
	uint64_t seq;
	bool found;
};

static ig_err
entry_one(void *arg, uint64_t seq, ig_slice bytes, bool *stop)
{
	struct entry_check *ec = arg;
	*stop = true;
	ec->found = seq == ec->seq && ig_slice_eq(bytes, ec->want);
	return IG_OK;
}

struct replay {
	ig_registry *to;
	uint64_t n;
	uint64_t expect_seq;
	bool contiguous;
};

static ig_err
replay_one(void *arg, uint64_t seq, ig_slice bytes, bool *stop)
{
	struct replay *rp = arg;
	(void) stop;
	if (seq != rp->expect_seq)
		rp->contiguous = false;
	rp->expect_seq = seq + 1;
	rp->n++;
	return rp->to != NULL ? ig_registry_apply(rp->to, bytes) : IG_OK;
}

/* Replays every stored log of reg into to; checks each log is contiguous
 * from seq 1 to its head. Returns the number of stored entries. */
static uint64_t
replay_into(ig_registry *reg, ig_registry *to)
{
	uint64_t total = 0;
	for (int o = 0; o < ORIGINS; o++) {
		struct replay rp = { to, 0, 1, true };
		ig_registry_head h;
		ig_slice id = tk_id(origin_member[o]);
		assert_int_equal(ig_registry_head_get(reg, id, &h), IG_OK);
		assert_int_equal(
		    ig_registry_entries_each(reg, id, 1, replay_one, &rp),
		    IG_OK);
		assert_true(rp.contiguous);
		assert_int_equal(rp.n, h.seq);
		total += rp.n;
	}
	return total;
}

static const char *
scratch_root(void)
{
	struct stat st;
	/* the replay store is synced on every entry too: tmpfs keeps the
	 * check fast; the store under test is on the real disk */
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)
	    && access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

static void
dir_make_in(const char *base, char *dir, size_t cap)
{
	assert_true(snprintf(dir, cap, "%s/ig-crash-XXXXXX", base) > 0);
	assert_non_null(mkdtemp(dir));
}

/* The SST files a killed child left in the store's bulk-ingest
 * directory (written, maybe committed, not yet ingested). */
static size_t
ingest_files(const char *store)
{
	char path[256];
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	assert_true(snprintf(path, sizeof(path), "%s/bulk-ingest", store) > 0);
	if ((d = opendir(path)) == NULL)
		return 0; /* killed before the store was created */
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static const char *
leftovers_text(size_t n)
{
	static char t[96];
	(void) snprintf(t, sizeof(t),
	    "; %zu left an SST file for the reopen to ingest or drop", n);
	return t;
}

static void
test_crash(void **state)
{
	char work[64], store[128], rootf[128], entf[128], replay_dir[96];
	char fresh_dir[96];
	ig_registry *reg = NULL, *rep = NULL, *fresh = NULL;
	size_t n_acked = 0, early_kills = 0, leftovers = 0;
	uint64_t stored = 0, last_stored = 0;
	uint8_t d1[32], d2[32];
	double t0 = now_s();
	int kills = 0;
	(void) state;

	srandom((unsigned) time(NULL) ^ (unsigned) getpid());
	entries_make();
	tk_dir_make(work);
	assert_true(snprintf(store, sizeof(store), "%s/store", work) > 0);
	assert_true(snprintf(rootf, sizeof(rootf), "%s/root", work) > 0);
	assert_true(snprintf(entf, sizeof(entf), "%s/entries", work) > 0);
	file_write(rootf, false);
	file_write(entf, true);
	dir_make_in(scratch_root(), replay_dir, sizeof(replay_dir));
	assert_int_equal(
	    ig_registry_open(replay_dir, ig_buf_slice(&fed.signed_root), &rep),
	    IG_OK);

	while (kills < kills_wanted) {
		int pfd[2], status;
		pid_t pid;
		posix_spawn_file_actions_t fa;
		char *argv[] = { (char *) child_path, store, rootf, entf,
			bulk ? "bulk" : NULL, NULL };
		uint8_t part[4];
		size_t part_len = 0;
		bool ready = false, early = kills % 5 == 4;
		double until;

		assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
		assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
		assert_int_equal(
		    posix_spawn_file_actions_adddup2(&fa, pfd[1], 3), 0);
		assert_int_equal(
		    posix_spawn(&pid, child_path, &fa, NULL, argv, environ),
		    0);
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[1]);
		assert_int_equal(fcntl(pfd[0], F_SETFL, O_NONBLOCK), 0);

		if (!early) {
			/* wait for the open, then 5..80 ms of applying */
			bool open = acks_wait(pfd[0], now_s() + 20, part,
			    &part_len, &ready, &n_acked, true);
			assert_true(open && ready);
		}
		until = now_s() + (double) (5 + random() % 76) / 1000.0;
		(void) acks_wait(
		    pfd[0], until, part, &part_len, &ready, &n_acked, false);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg(
			    "the child ended by itself (status %d)", status);
		/* everything the child wrote before it died */
		fcntl(pfd[0], F_SETFL, 0);
		while (acks_read(pfd[0], part, &part_len, &ready, &n_acked))
			;
		close(pfd[0]);
		kills++;
		if (!ready)
			early_kills++;
		if (bulk)
			leftovers += ingest_files(store);

		/* reopen: every acknowledged entry is there, the logs are
		 * contiguous, and the state is a replay of the logs */
		assert_int_equal(ig_registry_open(store,
		                     ig_buf_slice(&fed.signed_root), &reg),
		    IG_OK);
		for (size_t i = 0; i < n_entries; i++) {
			struct entry_check ec = { ig_buf_slice(&entries[i]),
				entry_seq[i], false };
			if (!acked[i])
				continue;
			assert_int_equal(
			    ig_registry_entries_each(reg,
			        tk_id(origin_member[entry_origin[i]]),
			        entry_seq[i], entry_one, &ec),
			    IG_OK);
			if (!ec.found)
				fail_msg("kill %d: acknowledged entry %zu "
				         "(seq %llu) is missing",
				    kills, i,
				    (unsigned long long) entry_seq[i]);
		}
		stored = replay_into(reg, rep);
		assert_true(stored >= last_stored);
		last_stored = stored;
		assert_int_equal(ig_registry_state_digest(reg, d1), IG_OK);
		assert_int_equal(ig_registry_state_digest(rep, d2), IG_OK);
		assert_memory_equal(d1, d2, 32);
		ig_registry_close(reg);
		reg = NULL;
	}

	/* once more into a fresh store */
	assert_int_equal(
	    ig_registry_open(store, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	dir_make_in(scratch_root(), fresh_dir, sizeof(fresh_dir));
	assert_int_equal(ig_registry_open(fresh_dir,
	                     ig_buf_slice(&fed.signed_root), &fresh),
	    IG_OK);
	assert_int_equal(replay_into(reg, fresh), stored);
	assert_int_equal(ig_registry_state_digest(reg, d1), IG_OK);
	assert_int_equal(ig_registry_state_digest(fresh, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_true(stored >= n_acked);

	printf("crash%s: %d kills (%zu before the store was open%s), %zu "
	       "entries acknowledged, %llu stored of %zu, every "
	       "acknowledged entry present, state equal to a replay, "
	       "%.1f s\n",
	    bulk ? " (bulk ingestion)" : "", kills, early_kills,
	    bulk ? leftovers_text(leftovers) : "", n_acked,
	    (unsigned long long) stored, n_entries, now_s() - t0);
	ig_registry_close(fresh);
	ig_registry_close(reg);
	ig_registry_close(rep);
	tk_dir_remove(fresh_dir);
	tk_dir_remove(replay_dir);
	tk_dir_remove(work);
	for (size_t i = 0; i < n_entries; i++)
		ig_buf_free(&entries[i]);
	free(entries);
	free(entry_origin);
	free(entry_seq);
	free(acked);
}

static int
group_setup(void **state)
{
	(void) state;
	ig_log_set_level(IG_LOG_ERROR);
	tk_fed_init(&fed);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash),
	};
	if (argc < 2) {
		fprintf(stderr, "usage: crash_test CRASH_CHILD [KILLS]\n");
		return 2;
	}
	child_path = argv[1];
	if (argc > 2) {
		char *end = NULL;
		long k = strtol(argv[2], &end, 10);
		if (end == argv[2] || *end != '\0' || k < 1 || k > 100000) {
			fprintf(stderr, "crash_test: bad KILLS\n");
			return 2;
		}
		kills_wanted = (int) k;
	}
	if (argc > 3) {
		if (strcmp(argv[3], "bulk") != 0) {
			fprintf(stderr, "crash_test: bad mode %s\n", argv[3]);
			return 2;
		}
		bulk = true;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
