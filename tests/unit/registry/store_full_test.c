/*
 * store_full_test.c - a full disk is an error, never a crash, and space
 * coming back is enough (store.h, "write failures").
 *
 * Each round runs in a child process, in a mount namespace of its own,
 * on a fresh 16 MiB tmpfs that also holds a 6 MiB filler file: the child
 * applies revocation entries of the gateway-bridge member until the
 * store refuses one, then requires that
 *   - later applies are refused at once (RocksDB is not written to
 *     again: Debian's RocksDB 7.8 aborts when a WAL written after a
 *     failed write, which is what killed the node before);
 *   - reads go on: the head is the last acknowledged entry and a hash
 *     of the first entry is revoked;
 *   - the store says why it is not writable, and ig_store_recover does
 *     not reopen while there is no room;
 *   - once the filler is deleted, ig_store_recover reopens it and the
 *     next entry is accepted; after a close and reopen every
 *     acknowledged entry is there.
 * The parent requires each child to exit 0 (an abort is a signal).
 * Odd rounds send the revocations through the bulk path (SST files).
 *
 * It needs root (mount(2)); without it, it says so and is skipped (77),
 * which CTest reports as skipped, not passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "registry/base/log.h"
#include "registry/registry.h"
#include "registry/store.h"
#include "testkit.h"

#define ROUNDS       24
#define TMPFS_SIZE   "size=16m"
#define FILLER_BYTES ((size_t) 6 << 20)
#define HASHES       2000 /* 32 KB of hashes per entry */
#define ENTRIES_MAX  4000 /* far more than fit */

static tk_fed fed;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "store_full_test: %s:%d: %s\n",       \
			    __FILE__, __LINE__, #cond);                       \
			exit(1);                                              \
		}                                                             \
	} while (0)

static void
hashes_for(uint64_t seq, uint8_t *h)
{
	/* distinct per seq and index: seq(4) index(4) filler */
	for (size_t i = 0; i < HASHES; i++) {
		uint8_t *p = h + i * 16;
		memset(p, (int) (seq * 7 + 1), 16);
		p[0] = (uint8_t) (seq >> 24);
		p[1] = (uint8_t) (seq >> 16);
		p[2] = (uint8_t) (seq >> 8);
		p[3] = (uint8_t) seq;
		p[4] = (uint8_t) (i >> 8);
		p[5] = (uint8_t) i;
	}
}

/* Applies the gateway member's entry seq (prev = *prev), updating *prev
 * when accepted. */
static ig_err
apply_one(ig_registry *reg, uint64_t seq, uint8_t prev[32], uint8_t *hs)
{
	ig_entry_op op;
	ig_buf e;
	ig_err err;

	hashes_for(seq, hs);
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, HASHES * 16));
	tk_entry_one(&fed, TK_GW, seq, prev, &op, &e);
	err = ig_registry_apply(reg, ig_buf_slice(&e));
	if (err == IG_OK)
		tk_entry_hash(ig_buf_slice(&e), prev);
	ig_buf_free(&e);
	return err;
}

static void
filler_write(const char *path)
{
	static uint8_t block[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	memset(block, 0x5a, sizeof(block));
	for (size_t n = 0; n < FILLER_BYTES; n += sizeof(block))
		CHECK(write(fd, block, sizeof(block))
		    == (ssize_t) sizeof(block));
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
round_child(const char *mnt, int round)
{
	char store[128], filler[128], why[IG_STORE_WHY_MAX];
	uint8_t prev[32], kid[8], h0[16];
	uint8_t *hs = malloc(HASHES * 16);
	ig_registry *reg;
	ig_registry_head head;
	uint64_t acked = 0, exp;
	ig_err e = IG_OK;

	CHECK(hs != NULL);
	CHECK(mount("tmpfs", mnt, "tmpfs", 0, TMPFS_SIZE) == 0);
	(void) snprintf(store, sizeof(store), "%s/store", mnt);
	(void) snprintf(filler, sizeof(filler), "%s/filler", mnt);
	filler_write(filler);
	CHECK(ig_registry_open(store, ig_buf_slice(&fed.signed_root), &reg)
	    == IG_OK);
	if (round % 2 == 1)
		ig_store_set_bulk_min(ig_registry_store(reg), 1);
	memset(prev, 0, sizeof(prev));

	/* Fill the disk. */
	for (uint64_t seq = 1; seq <= ENTRIES_MAX; seq++) {
		if ((e = apply_one(reg, seq, prev, hs)) != IG_OK)
			break;
		acked = seq;
	}
	CHECK(e == IG_ESTORE);
	CHECK(acked > 0);
	/* On the bulk path the failure may come after the commit point
	 * (the ingestion of the file): then the entry is stored and the
	 * reopen completes its revocations (docs/registry.md). */
	CHECK(ig_registry_head_get(reg, tk_id(TK_GW), &head) == IG_OK);
	CHECK(head.seq == acked || (round % 2 == 1 && head.seq == acked + 1));
	if (head.seq == acked + 1) {
		memcpy(prev, head.hash, 32);
		acked++;
	}

	/* The store that refused one write stays refusing. */
	for (int i = 0; i < 3; i++) {
		e = apply_one(reg, acked + 1, prev, hs);
		if (e != IG_ESTORE)
			fprintf(stderr, "refused apply %d: %s\n", i,
			    ig_err_name(e));
		CHECK(e == IG_ESTORE);
	}
	CHECK(!ig_store_writable(ig_registry_store(reg), why, sizeof(why)));
	CHECK(why[0] != '\0');

	/* Reads go on. */
	CHECK(ig_registry_head_get(reg, tk_id(TK_GW), &head) == IG_OK);
	CHECK(head.seq == acked);
	ig_x509_kid(fed.dsc_se, kid);
	hashes_for(1, hs);
	memcpy(h0, hs, 16);
	CHECK(ig_registry_rev_get(reg, kid, IG_HASH_UCI, h0, &exp) == IG_OK);

	/* No room: no reopen. */
	sleep_ms(IG_STORE_RECOVER_MS + 50);
	CHECK(ig_store_recover(ig_registry_store(reg)) == IG_ESTORE);
	CHECK(!ig_store_writable(ig_registry_store(reg), NULL, 0));

	/* Room again: the store reopens and takes the next entry. */
	CHECK(unlink(filler) == 0);
	sleep_ms(IG_STORE_RECOVER_MS + 50);
	CHECK(ig_store_recover(ig_registry_store(reg)) == IG_OK);
	CHECK(ig_store_writable(ig_registry_store(reg), why, sizeof(why)));
	CHECK(ig_registry_head_get(reg, tk_id(TK_GW), &head) == IG_OK);
	/* A refused write may have reached the WAL before it failed: the
	 * reopen replays it (it was never acknowledged; it is a valid
	 * entry). What was acknowledged is there in any case. */
	CHECK(head.seq >= acked && head.seq <= acked + 1);
	if (head.seq == acked + 1)
		memcpy(prev, head.hash, 32);
	acked = head.seq;
	CHECK(apply_one(reg, acked + 1, prev, hs) == IG_OK);
	acked++;
	ig_registry_close(reg);

	/* Everything acknowledged survives a close and reopen. */
	CHECK(ig_registry_open(store, ig_buf_slice(&fed.signed_root), &reg)
	    == IG_OK);
	CHECK(ig_registry_head_get(reg, tk_id(TK_GW), &head) == IG_OK);
	CHECK(head.seq == acked);
	for (uint64_t seq = 1; seq <= acked; seq += 1 + acked / 16) {
		hashes_for(seq, hs);
		CHECK(ig_registry_rev_get(reg, kid, IG_HASH_UCI, hs, &exp)
		    == IG_OK);
	}
	ig_registry_close(reg);
	CHECK(umount(mnt) == 0);
	free(hs);
	printf("round %d (%s path): %llu entries acknowledged before the "
	       "disk was full, refused, recovered\n",
	    round, round % 2 == 1 ? "bulk" : "batch",
	    (unsigned long long) acked - 1);
	return 0;
}

int
main(void)
{
	char base[64], mnt[96];
	int failed = 0, rounds = ROUNDS;
	const char *env = getenv("IG_FULL_ROUNDS"); /* to debug one round */

	if (env != NULL)
		rounds = (int) strtol(env, NULL, 10);

	/* The tmpfs mounts go below base, a private bind mount of its own
	 * in a mount namespace of this process: nothing propagates to the
	 * machine's mounts. (Making "/" private instead fails in a chroot,
	 * where "/" is no mount point.) */
	tk_dir_make(base);
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0
	    || mount(base, base, NULL, MS_BIND, NULL) != 0
	    || mount(NULL, base, NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		printf("store_full_test: SKIPPED: needs root and a mount "
		       "namespace for its tmpfs (%s); the full-disk "
		       "behaviour is NOT checked\n",
		    strerror(errno));
		tk_dir_remove(base);
		return 77;
	}
	/* IG_FULL_LOG=1: the store's error lines, to debug a round */
	ig_log_set_level(
	    getenv("IG_FULL_LOG") != NULL ? IG_LOG_ERROR : IG_LOG_OFF);
	tk_fed_init(&fed);
	for (int r = 0; r < rounds; r++) {
		int st;
		pid_t pid;
		(void) snprintf(mnt, sizeof(mnt), "%s/round-%d", base, r);
		CHECK(mkdir(mnt, 0700) == 0);
		fflush(stdout);
		if ((pid = fork()) == 0)
			_exit(round_child(mnt, r));
		CHECK(pid > 0);
		CHECK(waitpid(pid, &st, 0) == pid);
		(void) umount2(mnt, MNT_DETACH); /* after a failed child */
		(void) rmdir(mnt);
		if (WIFSIGNALED(st)) {
			printf("round %d: the process died of signal %d\n", r,
			    WTERMSIG(st));
			failed++;
		} else if (WEXITSTATUS(st) != 0) {
			printf("round %d: failed (exit %d)\n", r,
			    WEXITSTATUS(st));
			failed++;
		}
	}
	tk_fed_free(&fed);
	(void) umount2(base, MNT_DETACH);
	tk_dir_remove(base);
	printf("%d passed, %d failed\n", rounds - failed, failed);
	return failed == 0 ? 0 : 1;
}
