/*
 * crash_child.c - the process the crash test kills (crash_test.c).
 *
 *   crash_child STORE_DIR ROOT_FILE ENTRIES_FILE [bulk]
 *
 * Reads the signed root and a file of signed entries (each a be32
 * length and the bytes, in one global order that keeps every origin's
 * own order), opens the registry in STORE_DIR, skips the entries the
 * store already holds (seq at or below the origin's head) and applies
 * the rest in groups of the sizes in group_sizes, in turn: a group of
 * one through ig_registry_apply, larger ones through
 * ig_registry_apply_many (group commit: one synced write per group).
 * Writes to file descriptor 3 a be32 READY marker once the store is
 * open, and the be32 index of each entry after the call that applied it
 * returned IG_OK for it, that is after the entry was synced: the parent
 * holds the store to every index it read. When the entries run out it
 * waits to be killed. Exit status 1 on any failure. With "bulk", every
 * group's revocations are committed by SST ingestion
 * (ig_store_set_bulk_min 1; store.c, "bulk commit").
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/base/buf.h"
#include "registry/base/log.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/store.h"

#define ACK_FD       3
#define READY_MARKER 0xffffffffu
#define GROUP_MAX    32

/* The group sizes used in turn, so that a kill falls as often inside a
 * single apply as inside the synced write of a group. */
static const size_t group_sizes[] = { 1, 5, 1, 17, 2, GROUP_MAX };

/* Reads the whole file into b (created with a maximum). */
static int
file_read(const char *path, ig_buf *b)
{
	uint8_t chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = 0;
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ig_buf_append(b, chunk, n) != IG_OK) {
			rc = -1;
			break;
		}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

static int
ack(uint32_t v)
{
	uint8_t b[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16),
		(uint8_t) (v >> 8), (uint8_t) v };
	size_t off = 0;
	while (off < 4) {
		ssize_t w = write(ACK_FD, b + off, 4 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t) w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	ig_registry *reg = NULL;
	ig_buf root, entries;
	ig_reader r;
	uint32_t index = 0;
	int rc = 1;

	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "bulk") == 0)) {
		fprintf(
		    stderr, "usage: crash_child STORE ROOT ENTRIES [bulk]\n");
		return 2;
	}
	ig_log_set_level(IG_LOG_ERROR);
	ig_buf_init(&root, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&entries, (size_t) 256 << 20);
	if (file_read(argv[2], &root) != 0
	    || file_read(argv[3], &entries) != 0) {
		fprintf(stderr, "crash_child: cannot read the input files\n");
		goto out;
	}
	if (ig_registry_open(argv[1], ig_buf_slice(&root), &reg) != IG_OK)
		goto out;
	if (argc == 5)
		ig_store_set_bulk_min(ig_registry_store(reg), 1);
	if (ack(READY_MARKER) != 0)
		goto out;
	ig_reader_init(&r, ig_buf_slice(&entries));
	for (size_t turn = 0; ig_reader_remaining(&r) > 0; turn++) {
		size_t want = group_sizes[turn
		    % (sizeof(group_sizes) / sizeof(group_sizes[0]))];
		ig_slice group[GROUP_MAX];
		uint32_t at[GROUP_MAX];
		ig_err res[GROUP_MAX];
		size_t k = 0;
		ig_err e;

		/* the next want entries the store does not hold yet */
		while (k < want && ig_reader_remaining(&r) > 0) {
			uint32_t len;
			ig_slice bytes;
			ig_entry *en = NULL;
			ig_registry_head h;

			if (ig_reader_be32(&r, &len) != IG_OK
			    || ig_reader_bytes(&r, len, &bytes) != IG_OK
			    || ig_entry_decode(bytes, &en) != IG_OK)
				goto out;
			e = ig_registry_head_get(reg, ig_entry_origin(en), &h);
			if (e == IG_OK && ig_entry_seq(en) > h.seq) {
				group[k] = bytes;
				at[k++] = index;
			}
			ig_entry_free(en);
			if (e != IG_OK) {
				fprintf(stderr, "crash_child: entry %u: %s\n",
				    (unsigned) index, ig_err_name(e));
				goto out;
			}
			index++;
		}
		if (k == 0)
			continue;
		if (k == 1)
			e = res[0] = ig_registry_apply(reg, group[0]);
		else
			e = ig_registry_apply_many(reg, group, k, res);
		/* acknowledged only now: the call has synced the group */
		for (size_t i = 0; i < k; i++) {
			if (e == IG_OK)
				e = res[i];
			if (e != IG_OK) {
				fprintf(stderr, "crash_child: entry %u: %s\n",
				    (unsigned) at[i], ig_err_name(e));
				goto out;
			}
			if (ack(at[i]) != 0)
				goto out;
		}
	}
	for (;;)
		pause();
out:
	ig_registry_close(reg);
	ig_buf_free(&entries);
	ig_buf_free(&root);
	return rc;
}
