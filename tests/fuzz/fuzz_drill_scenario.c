/*
 * fuzz_drill_scenario.c - the drill scenario parser (cli/drill_scenario.h):
 * any input is parsed or refused without a crash, leak or sanitizer
 * report; a refusal names a line; a scenario that parses keeps the
 * invariants the runner relies on (start first, end last, sorted
 * offsets, node references within the scenario).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/drill_scenario.h"
#include "registry/base/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_drill_scenario *sc = ig_malloc(sizeof(*sc));
	char why[256];

	if (sc == NULL)
		return 0;
	why[0] = '\0';
	if (ig_drill_scenario_parse(
	        (const char *) data, size, sc, why, sizeof(why))
	    != IG_OK) {
		if (strncmp(why, "line ", 5) != 0)
			abort();
		ig_free(sc);
		return 0;
	}
	if (sc->n_events < 2 || sc->events[0].kind != IG_DRILL_EV_START
	    || sc->events[sc->n_events - 1].kind != IG_DRILL_EV_END
	    || sc->agencies < 1 || sc->agencies > IG_DRILL_AGENCIES_MAX
	    || sc->agencies + sc->joins > IG_DRILL_AGENCIES_MAX
	    || sc->mirrors > IG_DRILL_MIRRORS_MAX)
		abort();
	for (size_t i = 0; i < sc->n_events; i++) {
		const ig_drill_event *ev = &sc->events[i];
		if (i > 0 && ev->at_ms < sc->events[i - 1].at_ms)
			abort();
		if (ev->node >= (ev->is_mirror ? sc->mirrors
		                               : sc->agencies + sc->joins)
		    && ev->kind != IG_DRILL_EV_START
		    && ev->kind != IG_DRILL_EV_END
		    && ev->kind != IG_DRILL_EV_LOAD)
			abort();
	}
	ig_free(sc);
	return 0;
}
