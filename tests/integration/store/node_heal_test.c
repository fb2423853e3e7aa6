/*
 * node_heal_test.c - a node whose store is damaged finds it and heals
 * from its peers (node/checker.h), on a 3-node federation on 127.0.0.1
 * (ports picked free by the harness).
 *
 * node1 publishes an issuer and revocations (7 entries); all converge.
 *  1. node2 is stopped; through RocksDB (store_tool, valid checksums)
 *     node1's entry 5 is altered and entry 7 (its last) deleted in node2's
 * store. node2 restarts: its start check finds the log damaged from seq 5 on,
 * rolls it back, fetches the rest again from its peers, and ends in the same
 *     state as the others; `intyg check` then finds its store intact.
 *  2. node3 is stopped, set to run the full check every 2 s, node1's DSC
 *     record is deleted from its store (a derived record: the logs are
 *     intact) and it restarts: the start check cannot see that, the
 *     background check's replay does, rebuilds the records from the
 *     logs and node3 ends in the others' state.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "cli/localfed.h"

static const char *tool;

static void
data_dir(h_fed *f, size_t i, char *out, size_t cap)
{
	char cfg[1100];
	ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
	snprintf(out, cap, "%s/data/node%zu", dirname(cfg), i + 1);
}

static int
run_tool(const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5)
{
	char *argv[] = { (char *) tool, (char *) a1, (char *) a2, (char *) a3,
		(char *) a4, (char *) a5, NULL };
	return h_run(argv, 20000);
}

/* The entries key of node1's seq, in hex. */
static void
ekey(uint64_t seq, char *out)
{
	const char *id = "node1";
	size_t n = strlen(id), o = 0;
	snprintf(out + o, 3, "%02x", (unsigned) n);
	o += 2;
	for (size_t i = 0; i < n; i++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char) id[i]);
	for (int i = 7; i >= 0; i--, o += 2)
		snprintf(
		    out + o, 3, "%02x", (unsigned) (seq >> (8 * i)) & 0xff);
}

static bool
log_has(h_fed *f, size_t i, const char *text)
{
	char path[1100], line[4096];
	bool found = false;
	FILE *fp;
	snprintf(path, sizeof(path), "%s/logs/node%zu.log", f->dir, i + 1);
	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, text) != NULL;
	fclose(fp);
	return found;
}

/* Adds a [node] key to node i's config. */
static void
config_add(h_fed *f, size_t i, const char *line)
{
	char cfg[1100], buf[16384];
	size_t n;
	FILE *fp;
	char *p;

	ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
	H_CHECK((fp = fopen(cfg, "r")) != NULL, "%s", cfg);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	H_CHECK((p = strstr(buf, "[node]\n")) != NULL, "no [node]");
	p += strlen("[node]\n");
	H_CHECK((fp = fopen(cfg, "w")) != NULL, "%s", cfg);
	fwrite(buf, 1, (size_t) (p - buf), fp);
	fprintf(fp, "%s\n", line);
	fputs(p, fp);
	fclose(fp);
}

int
main(void)
{
	h_fed *f;
	h_issuer is;
	char dir[1200], k5[64], k7[64], key[256];
	uint64_t last;

	tool = getenv("IG_STORE_TOOL");
	if (tool == NULL) {
		fprintf(stderr, "IG_STORE_TOOL is not set\n");
		return 1;
	}
	f = h_setup("heal", 3, 200, true, 140);
	h_start_n(f, 3);
	h_publish_issuer(f, 0, &is);
	last = h_publish_revocations(f, 0, is.kid, 300, 50);
	H_CHECK(last >= 7, "node1 published %llu entries, expected 7",
	    (unsigned long long) last);
	h_converge_n(f, 3, last, 30000);

	/* 1. entries altered and missing */
	h_stop(f, 1);
	data_dir(f, 1, dir, sizeof(dir));
	ekey(5, k5);
	ekey(7, k7);
	H_CHECK(run_tool("flip", dir, "entries", k5, "60") == 0, "flip");
	H_CHECK(run_tool("del", dir, "entries", k7, NULL) == 0, "del");
	h_start(f, 1);
	h_converge_n(f, 3, last, 30000);
	H_CHECK(log_has(f, 1, "store damage: log of node1 from seq"),
	    "node2 did not report the damage");
	H_CHECK(
	    log_has(f, 1, "healed the log of node1"), "node2 did not heal");
	h_stop(f, 1);
	{
		char *argv[]
		    = { (char *) f->bin, "check", "--data", dir, NULL };
		int st = h_run(argv, 30000);
		H_CHECK(st == 0, "intyg check of the healed store: %d", st);
	}
	h_start(f, 1);

	/* 2. a derived record deleted */
	h_stop(f, 2);
	data_dir(f, 2, dir, sizeof(dir));
	{
		/* the DSC key: kid(8) idlen origin thumbprint: find it */
		char cmd[1500];
		FILE *p;
		snprintf(cmd, sizeof(cmd), "%s keys %s dsc", tool, dir);
		H_CHECK((p = popen(cmd, "r")) != NULL, "popen");
		H_CHECK(fgets(key, sizeof(key), p) != NULL, "no DSC key");
		pclose(p);
		key[strcspn(key, "\n")] = '\0';
	}
	H_CHECK(run_tool("del", dir, "dsc", key, NULL) == 0, "del dsc");
	config_add(f, 2, "check_interval_s = 2");
	h_start(f, 2);
	h_converge_n(f, 3, last, 40000);
	H_CHECK(log_has(f, 2, "store damage: dsc"),
	    "node3's background check did not find the DSC");

	h_issuer_free(&is);
	h_teardown(f);
	printf("node_heal_test: ok\n");
	return 0;
}
