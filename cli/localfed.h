/*
 * localfed.h - a whole federation on one machine, for `intyg demo`, the
 * integration tests and the gossip bench.
 *
 * ig_localfed_create writes, under one work directory:
 *
 *   keys/              every member's key files (node/keyfiles.h)
 *   root.bin           the serial 1 root, signed by every member
 *   nodeI.ini          member I's config (I = 1..n)
 *   data/nodeI/        member I's registry (created by the node)
 *   logs/nodeI.log     member I's log lines (written by ig_localfed_spawn)
 *
 * Member I has id "nodeI", the I-th country of a fixed list (SE, DK, NO,
 * FI, ...), role authority, gossip on 127.0.0.1:base+2(I-1) and its admin
 * endpoint on 127.0.0.1:base+2(I-1)+1. Its query API ([api], two workers)
 * serves HTTP on 127.0.0.1:base+2n+2(I-1) and RPC on
 * 127.0.0.1:base+2n+2(I-1)+1, above every gossip and admin port, so the
 * older assignments stay where they were. The root names each member's
 * HTTP API as its api_url (what libintyg-client finds the nodes by). A
 * federation of n members uses the 4n ports base..base+4n-1
 * (IG_LOCALFED_PORTS_PER_NODE). In a real federation every member makes its
 * own keys and only public parts travel; here one process makes them all.
 *
 * The process helpers start and stop `intyg node` processes with
 * posix_spawn, which is safe after nng has started threads (the child
 * execs at once).
 */
#ifndef IG_NODE_LOCALFED_H
#define IG_NODE_LOCALFED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Ports of one member: gossip, admin, HTTP API, RPC. */
#define IG_LOCALFED_PORTS_PER_NODE 4

typedef struct ig_localfed_opts {
	const char *dir; /* the work directory (created when missing) */
	size_t n; /* members, 1..IG_ROOT_MEMBERS_MAX */
	uint16_t base_port;
	bool insecure; /* plain tcp:// instead of mutual TLS */
	uint32_t period_ms; /* anti-entropy period; 0: the default */
	uint32_t timeout_ms; /* 0: the default */
	uint32_t backoff_max_ms; /* 0: the default */
	const char *log_level; /* NULL: info */
	bool reuse_keys; /* keep keys (and so the root) that exist */
	/* Members the serial 1 root lists: the first n_root; 0 means all n.
	 * The others are joining members: they have keys and a config
	 * (with [gossip] listen, as the root does not name their address)
	 * and become members through a later root (intyg drill's
	 * member_add). */
	size_t n_root;
} ig_localfed_opts;

/* Creates (or refreshes) the federation described by o. Configs and the
 * root are rewritten; existing key files are kept when reuse_keys, else
 * replaced. IG_EINVAL for bad options; errors of keyfiles, root encoding
 * and file writing, with why. */
IG_MUST_CHECK ig_err ig_localfed_create(
    const ig_localfed_opts *o, char *why, size_t why_len);

/* The id of member i (0-based): "node<i+1>". */
void ig_localfed_id(size_t i, char *buf, size_t len);

/* The country of member i: two capital letters. */
void ig_localfed_country(size_t i, char cc[3]);

/* Paths and URLs of member i under dir. */
void ig_localfed_config_path(const char *dir, size_t i, char *buf, size_t len);
void ig_localfed_admin_url(uint16_t base, size_t i, char *buf, size_t len);
/* The public HTTP API ("http://127.0.0.1:PORT") and the RPC endpoint
 * ("tcp://127.0.0.1:PORT") of member i of n. */
void ig_localfed_http_url(
    uint16_t base, size_t n, size_t i, char *buf, size_t len);
void ig_localfed_rpc_url(
    uint16_t base, size_t n, size_t i, char *buf, size_t len);

/* True when every port base..base+count-1 can be bound on 127.0.0.1 now
 * (a check, not a reservation), with SO_REUSEADDR as nng binds: a port
 * in TIME_WAIT after a stopped demo is free, one with a listener is
 * not. */
bool ig_localfed_ports_free(uint16_t base, unsigned count);

/* Picks a base in [10000, 32768), below the ephemeral port range, whose
 * IG_LOCALFED_PORTS_PER_NODE * n
 * ports are free; 0 when none is found in a few tries. */
uint16_t ig_localfed_pick_base(size_t n);

/* Starts `bin node --config config` with stdout and stderr appended to
 * log_path. *pid is the child. IG_EIO when it cannot be started. */
IG_MUST_CHECK ig_err ig_localfed_spawn(
    const char *bin, const char *config, const char *log_path, pid_t *pid);

/* Sends SIGTERM, waits up to timeout_ms, then SIGKILL. Returns the exit
 * status (0..255), 128+signal when killed, -1 when it was not a child. */
int ig_localfed_stop(pid_t pid, int timeout_ms);

/* Polls the admin endpoint at url until it answers a status request;
 * IG_EIO after timeout_ms. */
IG_MUST_CHECK ig_err ig_localfed_wait_ready(const char *url, int timeout_ms);

/* Polls the n admin endpoints until every node reports the same state
 * digest and the same version vector, with at least min_entries entries
 * in total; IG_EIO after timeout_ms. */
IG_MUST_CHECK ig_err ig_localfed_wait_converged(
    const char *const *urls, size_t n, uint64_t min_entries, int timeout_ms);

/* Sleeps ms milliseconds. */
void ig_localfed_sleep_ms(int ms);

#endif /* IG_NODE_LOCALFED_H */
