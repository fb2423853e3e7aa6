/*
 * drill.h - what a run of `intyg drill` measured (cmd_drill.c fills it)
 * and the readiness report written from it (drill_report.c):
 * report.json, whose schema docs/drill.md documents, and report.html,
 * one self-contained page with inline SVG charts.
 */
#ifndef IG_CLI_DRILL_H
#define IG_CLI_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/drill_scenario.h"
#include "registry/base/err.h"

#define IG_DRILL_NODES_MAX  (IG_DRILL_AGENCIES_MAX + IG_DRILL_MIRRORS_MAX)
#define IG_DRILL_OBJECTIVES 8

/* One verification of the simulated verifiers. */
typedef struct ig_drill_vsample {
	uint32_t t_ms; /* since start, when it was sent */
	uint32_t lat_ms;
	bool ok; /* a verdict came back and it was the expected one */
} ig_drill_vsample;

/* One propagation sample: an acknowledged entry reaching a member. */
typedef struct ig_drill_psample {
	uint32_t ms;
	uint16_t node; /* the member it reached */
	uint16_t publish; /* index into the run's publishes */
} ig_drill_psample;

/* One acknowledged entry. */
typedef struct ig_drill_publish {
	size_t origin; /* member index */
	uint64_t seq;
	uint32_t acked_ms; /* since start */
	int line; /* the event's line */
	const char *what; /* "pki", "dsc", "revocations", "dsc.del" */
	unsigned eligible; /* members it is measured at */
	unsigned reached;
} ig_drill_publish;

/* One executed timeline event. */
typedef struct ig_drill_done {
	uint32_t t_ms; /* when it ran, since start */
	const ig_drill_event *ev;
	bool ok;
	char detail[200];
} ig_drill_done;

typedef struct ig_drill_objective {
	const char *name; /* the scenario key */
	const char *unit; /* "ms", "percent", "entries" */
	bool at_least; /* the measured value must be >= the threshold */
	double threshold;
	bool measured;
	double value;
	bool met;
	char detail[200];
} ig_drill_objective;

typedef struct ig_drill_node {
	char id[16]; /* node1, mirror1 */
	bool mirror;
	bool joiner; /* joins with member_add: not part of the start */
	char http[64];
	char admin[64]; /* members only */
	int64_t first_verify_ms; /* since start; -1 never */
	double mirror_age_max_s; /* mirrors: the oldest checkpoint seen */
} ig_drill_node;

typedef struct ig_drill_run {
	const ig_drill_scenario *sc;
	const char *scenario_path;
	char started_at[32]; /* ISO 8601 UTC */
	uint32_t elapsed_ms;
	bool complete; /* false when interrupted or a step failed */
	char incomplete_why[200];
	size_t n_nodes;
	ig_drill_node nodes[IG_DRILL_NODES_MAX];
	size_t n_done;
	ig_drill_done done[IG_DRILL_EVENTS_MAX];
	ig_drill_vsample *vs;
	size_t n_vs, cap_vs;
	ig_drill_psample *ps;
	size_t n_ps, cap_ps;
	ig_drill_publish *pubs;
	size_t n_pubs, cap_pubs;
	ig_drill_objective obj[IG_DRILL_OBJECTIVES];
	bool passed; /* every objective met and the run complete */
} ig_drill_run;

/* The p-th percentile (0..100) of n values (sorted in place); 0 when n
 * is 0. */
uint32_t ig_drill_percentile(uint32_t *v, size_t n, double p);

/* Writes dir/report.json and dir/report.html from r (borrowed). IG_EIO
 * with why when a file cannot be written, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_drill_report_write(
    const ig_drill_run *r, const char *dir, char *why, size_t why_len);

#endif /* IG_CLI_DRILL_H */
