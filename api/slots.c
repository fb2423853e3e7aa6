/*
 * slots.c - the service's slots and worker threads: ig_api_run, the
 * workers' loop, their start and their stop (ig_api_quiesce).
 */
#include "api/slots.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <unistd.h>

#include "api/service.h"
#include "registry/base/limits.h"

/* Each slot builds its responses in one buffer that it keeps between
 * jobs (a verdict is about 1 KiB; the buffer is given back when a
 * response made it larger than BODY_KEEP). */
#define BODY_KEEP (64 * 1024)

static ig_api_job *
job_pop(ig_api *api)
{
	ig_api_job *j = api->head;
	api->head = j->next;
	if (api->head == NULL)
		api->tail = NULL;
	api->queued--;
	j->next = NULL;
	return j;
}

/* Takes a free slot; called with api->mtx held. */
static ig_api_worker *
slot_take(ig_api *api)
{
	ig_api_worker *w = api->free_slots[--api->n_free];
	if (api->n_slots - api->n_free > api->slots_peak)
		api->slots_peak = api->n_slots - api->n_free;
	return w;
}

/* Gives a slot back; called with api->mtx held. */
static void
slot_put(ig_api *api, ig_api_worker *w)
{
	if (w->body.cap > BODY_KEEP)
		ig_buf_free(&w->body);
	api->free_slots[api->n_free++] = w;
	if (api->head != NULL)
		nng_cv_wake1(api->cv);
	else if (api->stopping)
		nng_cv_wake(api->cv); /* workers waiting for a slot may end */
}

static void
worker_main(void *arg)
{
	ig_api *api = arg;
	nng_mtx_lock(api->mtx);
	for (;;) {
		ig_api_worker *w;
		if (api->head == NULL && api->stopping)
			break;
		if (api->head == NULL || api->n_free == 0) {
			nng_cv_wait(api->cv);
			continue;
		}
		w = slot_take(api);
		do {
			ig_api_job *j = job_pop(api);
			api->ran_queued++;
			nng_mtx_unlock(api->mtx);
			j->run(j, w);
			nng_mtx_lock(api->mtx);
		} while (api->head != NULL);
		slot_put(api, w);
	}
	nng_mtx_unlock(api->mtx);
}

ig_err
ig_api_run(ig_api *api, ig_api_job *job)
{
	ig_api_worker *w;
	job->next = NULL;
	nng_mtx_lock(api->mtx);
	if (api->stopping) {
		nng_mtx_unlock(api->mtx);
		return IG_ESTATE;
	}
	if (job->inline_ok && api->head == NULL && api->n_free > 0
	    && api->inline_running < api->inline_max) {
		w = slot_take(api);
		api->inline_running++;
		api->ran_inline++;
		nng_mtx_unlock(api->mtx);
		job->run(job, w);
		nng_mtx_lock(api->mtx);
		/* Requests that came in meanwhile, while they are cheap. */
		while (api->head != NULL && api->head->inline_ok) {
			ig_api_job *j = job_pop(api);
			api->ran_inline++;
			nng_mtx_unlock(api->mtx);
			j->run(j, w);
			nng_mtx_lock(api->mtx);
		}
		slot_put(api, w);
		if (--api->inline_running == 0 && api->stopping)
			nng_cv_wake(api->idle_cv);
		nng_mtx_unlock(api->mtx);
		return IG_OK;
	}
	if (api->queued >= IG_HTTP_QUEUE_MAX) {
		nng_mtx_unlock(api->mtx);
		return IG_ETOOBIG;
	}
	if (api->tail != NULL)
		api->tail->next = job;
	else
		api->head = job;
	api->tail = job;
	api->queued++;
	if (api->n_free > 0)
		nng_cv_wake1(api->cv);
	nng_mtx_unlock(api->mtx);
	return IG_OK;
}

ig_err
ig_api_slots_init(ig_api *api)
{
	if (nng_mtx_alloc(&api->mtx) != 0
	    || nng_cv_alloc(&api->cv, api->mtx) != 0
	    || nng_cv_alloc(&api->idle_cv, api->mtx) != 0)
		return IG_ENOMEM;
	return IG_OK;
}

ig_err
ig_api_slots_start(ig_api *api, uint32_t workers)
{
	uint32_t n = workers;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (n == 0)
		n = cpus > IG_HTTP_WORKERS_MAX ? IG_HTTP_WORKERS_MAX
		                               : (uint32_t) cpus;
	/* nng 1.5 runs min(2 x CPUs, 16) task threads: inline jobs may
	 * take at most half of them. */
	api->inline_max = cpus > 8 ? 8 : (size_t) cpus;
	for (uint32_t i = 0; i < n; i++) {
		ig_api_worker *w = &api->workers[i];
		w->api = api;
		ig_buf_init(&w->body, SIZE_MAX / 2);
		if ((w->h = ig_hcert_new()) == NULL)
			return IG_ENOMEM;
		api->free_slots[api->n_free++] = w;
		api->n_slots++;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (nng_thread_create(&api->threads[i], worker_main, api) != 0)
			return IG_ENOMEM;
		nng_thread_set_name(api->threads[i], "ig:api");
		api->n_threads++;
	}
	return IG_OK;
}

void
ig_api_quiesce(ig_api *api)
{
	if (api == NULL)
		return;
	if (api->mtx != NULL && api->cv != NULL) {
		nng_mtx_lock(api->mtx);
		api->stopping = true;
		nng_cv_wake(api->cv);
		nng_mtx_unlock(api->mtx);
	}
	/* The threads run what is queued, then end. */
	for (size_t i = 0; i < api->n_threads; i++)
		nng_thread_destroy(api->threads[i]);
	api->n_threads = 0;
	if (api->idle_cv != NULL) {
		nng_mtx_lock(api->mtx);
		while (api->inline_running > 0)
			nng_cv_wait(api->idle_cv);
		nng_mtx_unlock(api->mtx);
	}
	for (size_t i = 0; i < api->n_slots; i++) {
		ig_hcert_free(api->workers[i].h);
		api->workers[i].h = NULL;
		ig_buf_free(&api->workers[i].body);
		json_decref(api->workers[i].ctx_root);
		json_decref(api->workers[i].ctx_heads);
		api->workers[i].ctx_root = NULL;
		api->workers[i].ctx_heads = NULL;
	}
	api->n_slots = 0;
	api->n_free = 0;
}

void
ig_api_slots_fini(ig_api *api)
{
	if (api->idle_cv != NULL)
		nng_cv_free(api->idle_cv);
	if (api->cv != NULL)
		nng_cv_free(api->cv);
	if (api->mtx != NULL)
		nng_mtx_free(api->mtx);
	api->idle_cv = NULL;
	api->cv = NULL;
	api->mtx = NULL;
}
