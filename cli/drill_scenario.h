/*
 * drill_scenario.h - the scenario file of `intyg drill` (docs/drill.md
 * describes every key): which agencies (members) and mirrors take part,
 * how fast each agency issues certificates, the readiness objectives with
 * their thresholds, and a timeline of events at offsets in seconds.
 *
 * The parser is pure: it reads bytes and fills a value, without I/O, so
 * that it can be fuzzed (tests/fuzz/fuzz_drill_scenario.c). Every error
 * names the line it was found on ("line 12: ..."), and a scenario that
 * parses is consistent: the timeline starts with `start`, ends with `end`,
 * names only nodes that exist, restarts only a killed node, heals only a
 * partitioned one. Whether the ports are free is a separate check
 * (ig_drill_scenario_ports_check), made before anything starts.
 */
#ifndef IG_CLI_DRILL_SCENARIO_H
#define IG_CLI_DRILL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* Limits of a scenario, each with its reason. */
#define IG_DRILL_FILE_MAX      (64 * 1024) /* bytes: a scenario is a page */
#define IG_DRILL_LINE_MAX      512 /* bytes of one line */
#define IG_DRILL_AGENCIES_MAX  16 /* members: 4 ports and a process each */
#define IG_DRILL_MIRRORS_MAX   8 /* mirrors: a port and a process each */
#define IG_DRILL_EVENTS_MAX    256 /* timeline lines */
#define IG_DRILL_AT_MAX_S      3600 /* a drill is a test, not a service */
#define IG_DRILL_RATE_MAX      5000 /* verifications/s of one load event */
#define IG_DRILL_VERIFIERS_MAX 64 /* threads, each with its own client */
#define IG_DRILL_ISSUE_MAX     100 /* certificates/s of one agency */
#define IG_DRILL_REVOKE_MAX    1000000 /* hashes of one storm */
#define IG_DRILL_MS_MAX        3600000 /* any threshold in ms: one hour */
#define IG_DRILL_NAME_MAX      64

/* The ports a scenario's processes listen on, from base_port: 4 per
 * member, joining members included (gossip, admin, HTTP, RPC;
 * cli/localfed.h), then 1 per mirror
 * (HTTP), then 1 for the fixture gateway. */
#define IG_DRILL_PORTS(sc)                                                    \
	((unsigned) (4 * ((sc)->agencies + (sc)->joins) + (sc)->mirrors + 1))

typedef enum ig_drill_event_kind {
	IG_DRILL_EV_START = 1, /* start every process, publish the PKIs */
	IG_DRILL_EV_PUBLISH, /* an agency publishes a new DSC */
	IG_DRILL_EV_REVOKE, /* a revocation storm of count hashes */
	IG_DRILL_EV_LOAD, /* rate verifications/s from verifiers, for dur */
	IG_DRILL_EV_KILL, /* SIGKILL a node (member or mirror) */
	IG_DRILL_EV_RESTART, /* start a killed node again */
	IG_DRILL_EV_PARTITION, /* cut a member off from every peer */
	IG_DRILL_EV_HEAL, /* undo a partition */
	IG_DRILL_EV_GATEWAY_DOWN, /* stop the fixture gateway */
	IG_DRILL_EV_GATEWAY_UP, /* start it again */
	IG_DRILL_EV_MEMBER_ADD, /* root N+1 with the next joining member */
	IG_DRILL_EV_MEMBER_REMOVE, /* root N+1 without a member, its log cut */
	IG_DRILL_EV_COMPROMISE, /* an agency's DSC is revoked (dsc.del) */
	IG_DRILL_EV_END /* stop everything, write the report */
} ig_drill_event_kind;

typedef struct ig_drill_event {
	uint32_t at_ms; /* offset from the scenario's 0 */
	ig_drill_event_kind kind;
	int line; /* the scenario line, for messages and the report */
	/* The node it concerns: a member index (0-based, "node1" is 0) or,
	 * when is_mirror, a mirror index ("mirror1" is 0). */
	size_t node;
	bool is_mirror;
	uint32_t count; /* revoke: hashes */
	uint32_t rate; /* load: verifications/s in total */
	uint32_t verifiers; /* load: simulated verifiers (threads) */
	uint32_t duration_ms; /* load */
} ig_drill_event;

/* Objectives: each measured during the run and compared with its
 * threshold (docs/drill.md, "Objectives"). */
typedef struct ig_drill_objectives {
	uint32_t first_verify_ms; /* start -> a valid verdict at every node */
	uint32_t propagation_p50_ms; /* ack at the origin -> every member */
	uint32_t propagation_p99_ms;
	uint32_t success_bp; /* verifier success rate, basis points */
	uint32_t verify_p99_ms; /* verifier latency */
	uint32_t converge_ms; /* heal -> every member holds the same state */
	uint32_t lost_max; /* acknowledged entries lost */
	uint32_t compromise_ms; /* dsc.del ack -> refused at every node */
	int line[8]; /* where each was set (0: default) */
} ig_drill_objectives;

typedef struct ig_drill_scenario {
	char name[IG_DRILL_NAME_MAX + 1];
	uint16_t base_port;
	int base_port_line;
	uint64_t seed;
	uint32_t period_ms; /* gossip anti-entropy period */
	bool insecure; /* plain TCP between members instead of mutual TLS */
	size_t agencies; /* members at start: node1..node<agencies> */
	size_t joins; /* member_add events: node<agencies+1>.. join */
	size_t mirrors;
	uint32_t issue_rate[IG_DRILL_AGENCIES_MAX]; /* certificates/s */
	ig_drill_objectives obj;
	size_t n_events;
	ig_drill_event events[IG_DRILL_EVENTS_MAX];
} ig_drill_scenario;

/* Parses the scenario text (len bytes, not NUL-terminated; borrowed) into
 * *out. On error *out is unspecified and why holds "line N: what" (N
 * 0 for the file as a whole). IG_ETOOBIG over IG_DRILL_FILE_MAX,
 * IG_EFORMAT for everything else. Thread-safe. */
IG_MUST_CHECK ig_err ig_drill_scenario_parse(const char *text, size_t len,
    ig_drill_scenario *out, char *why, size_t why_len);

/* Checks that every port of the scenario is free on 127.0.0.1 now (a
 * check, not a reservation). IG_ESTATE with why naming base_port's line
 * and the busy range. */
IG_MUST_CHECK ig_err ig_drill_scenario_ports_check(
    const ig_drill_scenario *sc, char *why, size_t why_len);

/* The event kind's name as the scenario spells it ("kill"). */
const char *ig_drill_event_name(ig_drill_event_kind k);

#endif /* IG_CLI_DRILL_SCENARIO_H */
