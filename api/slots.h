/*
 * slots.h - internal to api/: the slots and worker threads that run the
 * service's jobs.
 *
 * A job runs with a slot (ig_api_worker) held, and there are `workers`
 * slots: that is the number of cores the service computes on. Worker
 * threads run queued jobs; an inline_ok job (one verification) is run by
 * the nng thread that received it when a slot is free, which spares two
 * thread wake-ups per request (queueing to a sleeping worker, and the
 * worker going back to sleep). At most inline_max jobs run inline, so
 * that nng keeps threads for its I/O (it has 2 per CPU; docs/libraries.md).
 *
 * The queue and the slots live in the service object (api/service.h)
 * and are guarded by its mutex (mtx, with the conditions cv and
 * idle_cv). Life: ig_api_slots_init, ig_api_slots_start, ...,
 * ig_api_quiesce (api/http.h), ig_api_slots_fini.
 */
#ifndef IG_API_SLOTS_H
#define IG_API_SLOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/hcert.h"

/* A slot: the scratch of one running job. There are `workers` slots, so
 * at most that many jobs run at once, whichever thread runs them. */
typedef struct ig_api_worker {
	ig_api *api;
	ig_hcert *h; /* decoder for this slot's verifications */
	ig_buf body; /* the response being built, kept between jobs */
	/* the verdicts' context (routes_verify.c), for one generation */
	uint64_t ctx_gen;
	json_t *ctx_root, *ctx_heads;
} ig_api_worker;

/* A unit of work. run is called once, with a slot held; the job frees
 * itself in run. inline_ok: the job is short and bounded (one or two
 * verifications, a few RocksDB point reads, usually cached), so the nng
 * thread that received it may run it itself when a slot is free,
 * instead of waking a worker. */
typedef struct ig_api_job ig_api_job;
struct ig_api_job {
	ig_api_job *next;
	void (*run)(ig_api_job *job, ig_api_worker *w);
	bool inline_ok;
};

/* Runs or queues a job. An inline_ok job runs at once on the calling
 * thread when a slot is free, nothing waits before it and fewer than
 * ig_api.inline_max jobs run inline already; that thread then also runs
 * the inline_ok jobs queued meanwhile. Any other job is queued for the
 * worker threads. IG_ESTATE when the service is stopping, IG_ETOOBIG
 * when IG_HTTP_QUEUE_MAX jobs wait already: the job is not taken then.
 * On IG_OK the job is taken (and may be freed already). Never blocks
 * except by running the job: callable from nng callbacks. */
IG_MUST_CHECK ig_err ig_api_run(ig_api *api, ig_api_job *job);

/* Allocates the service's mutex and conditions. IG_ENOMEM; what was
 * allocated is freed by ig_api_slots_fini. */
IG_MUST_CHECK ig_err ig_api_slots_init(ig_api *api);

/* Makes `workers` slots (0: one per online CPU, at most
 * IG_HTTP_WORKERS_MAX) and as many worker threads, and sets inline_max.
 * IG_ENOMEM; what was made is undone by ig_api_quiesce. */
IG_MUST_CHECK ig_err ig_api_slots_start(ig_api *api, uint32_t workers);

/* Frees the mutex and conditions, after ig_api_quiesce. */
void ig_api_slots_fini(ig_api *api);

#endif /* IG_API_SLOTS_H */
