/*
 * checker.c - the node's store check and healing (checker.h).
 */
#include "node/checker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/check.h"

#define SUB "check"

struct ig_checker {
	ig_registry *reg;
	char scratch[IG_PATH_MAX + 16];
	uint32_t interval_s, rate;
	pthread_t thr;
	bool started;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	_Atomic bool stop;
};

/* What a check found about the store as a whole. */
struct found {
	ig_registry *reg;
	bool state_differs;
};

static void
on_finding(void *arg, ig_slice origin, uint64_t seq, const char *what)
{
	struct found *f = arg;
	if (origin.len > 0) {
		/* Logs mark themselves (registry.c); a finding of the
		 * check alone (entries without a head) is marked there. */
		ig_registry_damage_mark(
		    f->reg, origin, seq == 0 ? 1 : seq, what);
		return;
	}
	IG_ERROR(SUB, "store damage: %s%s", what,
	    seq == 0 ? " (a derived column family differs from what the "
	               "logs make)"
	             : "");
	f->state_differs = true;
}

/* Rebuilds every log's derived records from the log itself. */
static void
rebuild_all(ig_registry *reg)
{
	ig_registry_head_copy *v = NULL;
	size_t n = 0;

	if (ig_registry_heads_copy(reg, &v, &n) != IG_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		ig_slice id = ig_slice_make(v[i].id, v[i].len);
		if (ig_registry_log_heal(reg, id, v[i].seq) != IG_OK)
			IG_ERROR(SUB, "cannot rebuild the records of %.*s",
			    (int) id.len, (const char *) id.ptr);
	}
	ig_free(v);
}

size_t
ig_checker_heal(ig_registry *reg)
{
	ig_registry_damage d[IG_REGISTRY_DAMAGE_MAX];
	size_t n = ig_registry_damage_list(reg, d, IG_REGISTRY_DAMAGE_MAX);
	size_t left = 0;

	if (n > IG_REGISTRY_DAMAGE_MAX)
		n = IG_REGISTRY_DAMAGE_MAX;
	for (size_t i = 0; i < n; i++) {
		ig_slice id = ig_slice_make(d[i].id, d[i].len);
		uint64_t keep = d[i].seq > 0 ? d[i].seq - 1 : 0;
		ig_err e = ig_registry_log_heal(reg, id, keep);
		if (e == IG_OK)
			e = ig_registry_log_check(
			    reg, id, true, NULL, NULL, NULL);
		if (e == IG_OK) {
			ig_registry_damage_clear(reg, id);
			continue;
		}
		left++;
		IG_ERROR(SUB,
		    "the log of %.*s cannot be healed in place (%s): stop "
		    "the node, move its data_dir away and start it again; "
		    "it fetches every log from its peers (docs/operations.md, "
		    "\"Checking a store\")",
		    (int) id.len, (const char *) id.ptr, ig_strerror(e));
	}
	return left;
}

static void
check_once(ig_checker *c, bool full)
{
	ig_check_opts o;
	ig_check_result res;
	struct found f = { c->reg, false };
	ig_err e;

	memset(&o, 0, sizeof(o));
	o.full = full;
	o.rate = full ? c->rate : 0;
	o.stop = &c->stop;
	o.scratch_dir = full ? c->scratch : NULL;
	/* A scratch directory left by a crash is removed first. */
	if (full && ig_check_rmtree(c->scratch) != IG_OK)
		return;
	e = ig_check_run(c->reg, &o, on_finding, &f, &res);
	if (e != IG_OK) {
		IG_WARN(SUB, "store check did not run: %s", ig_strerror(e));
		return;
	}
	if (res.stopped)
		return;
	if (res.findings == 0) {
		IG_INFO(SUB,
		    "store check (%s): %llu logs, %llu entries intact%s",
		    full ? "full" : "at start", (unsigned long long) res.logs,
		    (unsigned long long) res.entries,
		    res.replayed ? ", derived state equal" : "");
		return;
	}
	if (f.state_differs)
		rebuild_all(c->reg);
	(void) ig_checker_heal(c->reg);
}

static void *
checker_main(void *arg)
{
	ig_checker *c = arg;
	time_t next_heal = 0;

	for (;;) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += c->interval_s;
		pthread_mutex_lock(&c->mtx);
		while (!atomic_load(&c->stop)) {
			/* damage found by reads is healed within seconds */
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			if (t.tv_sec >= until.tv_sec)
				break;
			t.tv_sec += 1;
			(void) pthread_cond_timedwait(&c->cv, &c->mtx, &t);
			/* Damage found by a read is healed within a second;
			 * what cannot be healed is tried once a minute. */
			if (t.tv_sec >= next_heal
			    && ig_registry_damage_list(c->reg, NULL, 0) > 0) {
				pthread_mutex_unlock(&c->mtx);
				if (ig_checker_heal(c->reg) > 0)
					next_heal = t.tv_sec + 60;
				pthread_mutex_lock(&c->mtx);
			}
		}
		pthread_mutex_unlock(&c->mtx);
		if (atomic_load(&c->stop))
			break;
		check_once(c, true);
	}
	return NULL;
}

ig_err
ig_checker_start(ig_registry *reg, const char *data_dir, uint32_t interval_s,
    uint32_t rate, ig_checker **out)
{
	ig_checker *c = ig_calloc(1, sizeof(*c));

	if (c == NULL)
		return IG_ENOMEM;
	c->reg = reg;
	c->interval_s = interval_s;
	c->rate = rate;
	atomic_init(&c->stop, false);
	pthread_mutex_init(&c->mtx, NULL);
	pthread_cond_init(&c->cv, NULL);
	snprintf(c->scratch, sizeof(c->scratch), "%s.check", data_dir);
	check_once(c, false);
	if (interval_s > 0) {
		if (pthread_create(&c->thr, NULL, checker_main, c) != 0) {
			ig_checker_stop(c);
			return IG_EINTERNAL;
		}
		c->started = true;
	}
	*out = c;
	return IG_OK;
}

void
ig_checker_stop(ig_checker *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	atomic_store(&c->stop, true);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mtx);
	if (c->started)
		pthread_join(c->thr, NULL);
	pthread_mutex_destroy(&c->mtx);
	pthread_cond_destroy(&c->cv);
	ig_free(c);
}
