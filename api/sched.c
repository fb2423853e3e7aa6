/*
 * sched.c - ig_api_sched_batch: the scheduling policy of the node's
 * threads (api/http.h). SCHED_BATCH is a GNU extension of <sched.h>.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"

ig_err
ig_api_sched_batch(void)
{
	struct sched_param sp;
	struct dirent *d;
	DIR *dir;
	ig_err e = IG_OK;

	memset(&sp, 0, sizeof(sp));
	/* Linux applies a policy to one thread (the pid is a thread id). */
	if ((dir = opendir("/proc/self/task")) == NULL)
		return sched_setscheduler(0, SCHED_BATCH, &sp) == 0 ? IG_OK
		                                                    : IG_EIO;
	while ((d = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(d->d_name, &end, 10);
		if (d->d_name[0] == '.' || *end != '\0' || tid <= 0)
			continue;
		if (sched_setscheduler((pid_t) tid, SCHED_BATCH, &sp) != 0)
			e = IG_EIO;
	}
	closedir(dir);
	return e;
}
