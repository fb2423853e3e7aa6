/*
 * signer_probe.c - the helper of signer_test.sh.
 *
 *   signer_probe fork SOCK ID
 *       Talks to `intyg signer` directly on its socket, as a compromised
 *       node would: takes its last signed entry (seq N, prev P) and asks
 *       it to sign a different entry for seq N after P (a fork), an entry
 *       for seq 1 (a rollback), an entry for seq N + 1 after another
 *       hash, and one of another origin. Exit 0 when every one is
 *       refused with the expected status, 1 otherwise.
 *
 *   signer_probe memscan PID KEYFILE
 *       Searches the readable memory of process PID (/proc/PID/maps and
 *       /proc/PID/mem) for the 32-byte Ed25519 seed of KEYFILE. Exit 0
 *       when it is not there, 1 when it is, 77 when the memory cannot be
 *       read (not permitted), 2 on a usage or file error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/signer.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

static void
entry_make(const char *origin, uint64_t seq, const uint8_t prev[32],
    uint64_t time_ms, ig_buf *out)
{
	ig_entry_op op;
	ig_entry_info info;

	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_ROOT_ACK;
	op.root_serial = 1000; /* any: the signer judges the shape only */
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make(origin, strlen(origin));
	info.seq = seq;
	memcpy(info.prev_hash, prev, 32);
	info.time_ms = time_ms;
	info.n_ops = 1;
	info.ops = &op;
	if (ig_entry_encode(&info, out) != IG_OK)
		abort();
}

static int
expect(ig_signer_client *c, const char *what, const char *origin, uint64_t seq,
    const uint8_t prev[32], ig_err want)
{
	ig_buf eb;
	uint8_t sig[64];
	char why[512];
	ig_err e;

	ig_buf_init(&eb, IG_ENTRY_MAX);
	entry_make(origin, seq, prev, 4102444800000ULL + seq, &eb);
	e = ig_signer_client_sign_entry(
	    c, ig_buf_slice(&eb), sig, why, sizeof(why));
	ig_buf_free(&eb);
	if (e != want) {
		printf("%s: got %s (%s), wanted %s\n", what, ig_err_name(e),
		    e == IG_OK ? "SIGNED" : why, ig_err_name(want));
		return 1;
	}
	printf("%s: refused (%s): %s\n", what, ig_err_name(e), why);
	return 0;
}

static int
probe_fork(const char *sock, const char *id)
{
	ig_signer_client *c = NULL;
	uint8_t pub[32], h[32], other[32];
	uint64_t seq;
	ig_buf last;
	ig_entry *en = NULL;
	char why[512];
	int bad = 0;

	ig_buf_init(&last, IG_ENTRY_SIGNED_MAX);
	if (ig_signer_client_new(sock, 5000, &c) != IG_OK
	    || ig_signer_client_pubkey(c, pub, &seq, h, why, sizeof(why))
	        != IG_OK
	    || ig_signer_client_last(c, &last, why, sizeof(why)) != IG_OK
	    || last.len == 0
	    || ig_entry_decode(ig_buf_slice(&last), &en) != IG_OK
	    || ig_entry_seq(en) != seq) {
		printf("cannot read the signer's last entry\n");
		return 2;
	}
	memset(other, 0x5a, sizeof(other));
	bad += expect(c, "fork at the last seq", id, seq,
	    ig_entry_prev_hash(en), IG_EEQUIVOCATION);
	bad += expect(c, "rollback to seq 1", id, 1, (const uint8_t[32]) { 0 },
	    IG_EEQUIVOCATION);
	bad += expect(c, "next seq after another hash", id, seq + 1, other,
	    IG_EPREVHASH);
	bad += expect(c, "another origin's entry", "intruder", seq + 1, h,
	    IG_EUNKNOWNORIGIN);
	ig_entry_free(en);
	ig_buf_free(&last);
	ig_signer_client_free(c);
	return bad == 0 ? 0 : 1;
}

static int
probe_memscan(const char *pid, const char *keyfile)
{
	char path[64];
	uint8_t seed[32];
	ig_buf pem;
	FILE *maps;
	char line[512];
	int fd, found = 0, readable = 0;
	static uint8_t chunk[(1 << 20) + 32];

	ig_buf_init(&pem, 16384);
	if (ig_buf_read_file(&pem, keyfile) != IG_OK
	    || ig_ed25519_priv_from_pem(ig_buf_slice(&pem), seed) != IG_OK) {
		printf("%s: not an Ed25519 key\n", keyfile);
		return 2;
	}
	ig_buf_free(&pem);
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((maps = fopen(path, "r")) == NULL)
		return 77;
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	if ((fd = open(path, O_RDONLY)) < 0) {
		fclose(maps);
		printf("%s: %s\n", path, strerror(errno));
		return 77;
	}
	while (!found && fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		char *end;
		lo = strtoul(line, &end, 16);
		if (*end != '-')
			continue;
		hi = strtoul(end + 1, &end, 16);
		while (*end == ' ')
			end++;
		memcpy(perms, end, 4);
		perms[4] = '\0';
		/* A region of terabytes is a sanitizer's shadow, not data. */
		if (perms[0] != 'r' || hi - lo > (64UL << 30))
			continue;
		for (unsigned long at = lo; at < hi && !found;) {
			size_t n = hi - at > (1 << 20) ? (1 << 20) : hi - at;
			ssize_t r = pread(fd, chunk, n, (off_t) at);
			if (r <= 0)
				break;
			readable = 1;
			if (memmem(chunk, (size_t) r, seed, 32) != NULL)
				found = 1;
			/* overlap the next read by 31 bytes */
			at += (unsigned long) r > 31 && (size_t) r == n
			        && at + n < hi
			    ? (unsigned long) r - 31
			    : (unsigned long) r;
		}
	}
	close(fd);
	fclose(maps);
	ig_wipe(seed, sizeof(seed));
	if (!readable)
		return 77;
	return found;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "fork") == 0)
		return probe_fork(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "memscan") == 0)
		return probe_memscan(argv[2], argv[3]);
	fprintf(
	    stderr, "usage: signer_probe fork SOCK ID | memscan PID KEY\n");
	return 2;
}
