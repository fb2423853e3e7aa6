/*
 * drill_scenario.c - the parser of drill scenarios (drill_scenario.h).
 *
 * The format is the INI dialect of the node's configs: "[section]" lines,
 * "key = value" lines, comments starting with ';' or '#', blank lines.
 * Every key is known (an unknown one is an error), given at most once,
 * and every number is strict (digits only, within its range). The
 * timeline's keys are offsets in seconds ("12" or "12.5") and may repeat.
 */
#include "cli/drill_scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/localfed.h"

static const char *const event_names[] = { "?", "start", "publish", "revoke",
	"load", "kill", "restart", "partition", "heal", "gateway_down",
	"gateway_up", "member_add", "member_remove", "compromise", "end" };

const char *
ig_drill_event_name(ig_drill_event_kind k)
{
	if ((size_t) k >= sizeof(event_names) / sizeof(event_names[0]))
		return "?";
	return event_names[k];
}

typedef struct parser {
	ig_drill_scenario *sc;
	char *why;
	size_t why_len;
	int line;
	unsigned seen; /* keys given, by bit (see key_bit) */
	unsigned seen_agency[IG_DRILL_AGENCIES_MAX];
	int agency_line[IG_DRILL_AGENCIES_MAX]; /* [agency N] headers */
} parser;

static ig_err IG_PRINTF(2, 3) perr(parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->why, p->why_len, "line %d: ", p->line);

	if (n < 0 || (size_t) n >= p->why_len)
		return IG_EFORMAT;
	va_start(ap, fmt);
	(void) vsnprintf(p->why + n, p->why_len - (size_t) n, fmt, ap);
	va_end(ap);
	return IG_EFORMAT;
}

/* A decimal number of digits only, in [min, max]. */
static bool
num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 12)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t) (*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "12", "12.5", "12.25", "12.125": a number with up to `places` decimals,
 * scaled by 10^places. */
static bool
fixed(const char *s, int places, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int dec = -1;

	if (*s == '\0' || *s == '.' || strlen(s) > 16)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (dec >= 0 || s[1] == '\0')
				return false;
			dec = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || dec >= places)
			return false;
		v = v * 10 + (uint64_t) (*s - '0');
		if (dec >= 0)
			dec++;
	}
	for (int k = dec < 0 ? 0 : dec; k < places; k++)
		v *= 10;
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Splits "word rest" in place: returns the first word, *rest the rest
 * (after white space) or "". */
static char *
word(char *s, char **rest)
{
	char *w = s;

	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0') {
		*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
	}
	*rest = s;
	return w;
}

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

enum section {
	SEC_NONE,
	SEC_DRILL,
	SEC_AGENCIES,
	SEC_AGENCY,
	SEC_OBJ,
	SEC_TIMELINE
};

/* Marks key bit b as seen; an error when it was given before. */
static ig_err
once(parser *p, unsigned *seen, unsigned b, const char *key)
{
	if (*seen & (1u << b))
		return perr(p, "'%s' is given twice", key);
	*seen |= 1u << b;
	return IG_OK;
}

static ig_err
key_drill(parser *p, const char *k, const char *v)
{
	ig_drill_scenario *sc = p->sc;
	uint64_t n;
	ig_err e;

	if (strcmp(k, "name") == 0) {
		size_t len = strlen(v);
		if ((e = once(p, &p->seen, 0, k)) != IG_OK)
			return e;
		if (len == 0 || len > IG_DRILL_NAME_MAX)
			return perr(
			    p, "name: 1..%d characters", IG_DRILL_NAME_MAX);
		for (size_t i = 0; i < len; i++) {
			char c = v[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			        || (c >= '0' && c <= '9') || c == '-'
			        || c == '_' || c == '.'))
				return perr(p,
				    "name: letters, digits, '-', '_', '.' "
				    "only");
		}
		memcpy(sc->name, v, len + 1);
		return IG_OK;
	}
	if (strcmp(k, "base_port") == 0) {
		if ((e = once(p, &p->seen, 1, k)) != IG_OK)
			return e;
		if (!num(v, 1024, 65000, &n))
			return perr(p, "base_port: a number in 1024..65000");
		sc->base_port = (uint16_t) n;
		sc->base_port_line = p->line;
		return IG_OK;
	}
	if (strcmp(k, "seed") == 0) {
		if ((e = once(p, &p->seen, 2, k)) != IG_OK)
			return e;
		if (!num(v, 0, UINT64_C(999999999999), &n))
			return perr(p, "seed: a number of up to 12 digits");
		sc->seed = n;
		return IG_OK;
	}
	if (strcmp(k, "gossip_period_ms") == 0) {
		if ((e = once(p, &p->seen, 3, k)) != IG_OK)
			return e;
		if (!num(v, 50, 60000, &n))
			return perr(p, "gossip_period_ms: 50..60000");
		sc->period_ms = (uint32_t) n;
		return IG_OK;
	}
	if (strcmp(k, "transport") == 0) {
		if ((e = once(p, &p->seen, 4, k)) != IG_OK)
			return e;
		if (strcmp(v, "tls") == 0)
			sc->insecure = false;
		else if (strcmp(v, "tcp") == 0)
			sc->insecure = true;
		else
			return perr(p, "transport: 'tls' or 'tcp'");
		return IG_OK;
	}
	return perr(p, "unknown key '%s' in [drill]", k);
}

static ig_err
key_agencies(parser *p, const char *k, const char *v)
{
	ig_drill_scenario *sc = p->sc;
	uint64_t n;
	ig_err e;

	if (strcmp(k, "count") == 0) {
		if ((e = once(p, &p->seen, 5, k)) != IG_OK)
			return e;
		if (!num(v, 1, IG_DRILL_AGENCIES_MAX, &n))
			return perr(
			    p, "count: 1..%d agencies", IG_DRILL_AGENCIES_MAX);
		sc->agencies = (size_t) n;
		return IG_OK;
	}
	if (strcmp(k, "mirrors") == 0) {
		if ((e = once(p, &p->seen, 6, k)) != IG_OK)
			return e;
		if (!num(v, 0, IG_DRILL_MIRRORS_MAX, &n))
			return perr(p, "mirrors: 0..%d", IG_DRILL_MIRRORS_MAX);
		sc->mirrors = (size_t) n;
		return IG_OK;
	}
	if (strcmp(k, "issue_rate") == 0) {
		if ((e = once(p, &p->seen, 7, k)) != IG_OK)
			return e;
		if (!num(v, 0, IG_DRILL_ISSUE_MAX, &n))
			return perr(p, "issue_rate: 0..%d certificates/s",
			    IG_DRILL_ISSUE_MAX);
		for (size_t i = 0; i < IG_DRILL_AGENCIES_MAX; i++) {
			if (p->seen_agency[i] == 0)
				sc->issue_rate[i] = (uint32_t) n;
		}
		return IG_OK;
	}
	return perr(p, "unknown key '%s' in [agencies]", k);
}

static ig_err
key_agency(parser *p, size_t a, const char *k, const char *v)
{
	uint64_t n;
	ig_err e;

	if (strcmp(k, "issue_rate") == 0) {
		if ((e = once(p, &p->seen_agency[a], 0, k)) != IG_OK)
			return e;
		if (!num(v, 0, IG_DRILL_ISSUE_MAX, &n))
			return perr(p, "issue_rate: 0..%d certificates/s",
			    IG_DRILL_ISSUE_MAX);
		p->sc->issue_rate[a] = (uint32_t) n;
		return IG_OK;
	}
	return perr(p, "unknown key '%s' in [agency %zu]", k, a + 1);
}

static ig_err
key_obj(parser *p, const char *k, const char *v)
{
	static const char *const names[]
	    = { "first_verify_ms", "propagation_p50_ms", "propagation_p99_ms",
		      "verify_success_percent", "verify_p99_ms",
		      "converge_after_heal_ms", "lost_entries_max",
		      "compromise_refused_ms" };
	ig_drill_objectives *o = &p->sc->obj;
	uint32_t *slot[] = { &o->first_verify_ms, &o->propagation_p50_ms,
		&o->propagation_p99_ms, &o->success_bp, &o->verify_p99_ms,
		&o->converge_ms, &o->lost_max, &o->compromise_ms };
	uint64_t n;
	ig_err e;

	for (unsigned i = 0; i < 8; i++) {
		if (strcmp(k, names[i]) != 0)
			continue;
		if ((e = once(p, &p->seen, 10 + i, k)) != IG_OK)
			return e;
		if (i == 3) {
			if (!fixed(v, 2, 10000, &n))
				return perr(p,
				    "%s: a percentage 0..100 with at most "
				    "two decimals",
				    k);
		} else if (i == 6) {
			if (!num(v, 0, 1000000, &n))
				return perr(p, "%s: 0..1000000", k);
		} else if (!num(v, 0, IG_DRILL_MS_MAX, &n)) {
			return perr(p, "%s: 0..%d ms", k, IG_DRILL_MS_MAX);
		}
		*slot[i] = (uint32_t) n;
		o->line[i] = p->line;
		return IG_OK;
	}
	return perr(p, "unknown key '%s' in [objectives]", k);
}

/* "node3" -> member 2; "mirror1" -> mirror 0. */
static ig_err
node_ref(parser *p, const char *s, bool mirrors_ok, ig_drill_event *ev)
{
	uint64_t n;

	if (strncmp(s, "node", 4) == 0 && num(s + 4, 1, 999, &n)) {
		/* joining members (member_add) are checked in order later */
		if (n > IG_DRILL_AGENCIES_MAX)
			return perr(p,
			    "'%s': there is no such node (at most node%d)", s,
			    IG_DRILL_AGENCIES_MAX);
		ev->node = (size_t) n - 1;
		ev->is_mirror = false;
		return IG_OK;
	}
	if (strncmp(s, "mirror", 6) == 0 && num(s + 6, 1, 999, &n)) {
		if (!mirrors_ok)
			return perr(p, "'%s': this event needs a member", s);
		if (n > p->sc->mirrors)
			return perr(p,
			    "'%s': there is no such mirror (the scenario "
			    "has %zu)",
			    s, p->sc->mirrors);
		ev->node = (size_t) n - 1;
		ev->is_mirror = true;
		return IG_OK;
	}
	return perr(p, "'%s' is not a node name (node1, mirror1, ...)", s);
}

/* One timeline line "AT = EVENT ARGS"; the order and state checks come
 * after the whole file (check_timeline). */
static ig_err
key_timeline(parser *p, const char *k, char *v)
{
	ig_drill_scenario *sc = p->sc;
	ig_drill_event *ev;
	char *rest, *args[4];
	size_t nargs = 0;
	const char *name;
	uint64_t n;
	size_t kind;

	if (sc->n_events >= IG_DRILL_EVENTS_MAX)
		return perr(
		    p, "more than %d timeline events", IG_DRILL_EVENTS_MAX);
	ev = &sc->events[sc->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->line = p->line;
	if (!fixed(k, 3, (uint64_t) IG_DRILL_AT_MAX_S * 1000, &n))
		return perr(p,
		    "'%s' is not an offset in seconds (0..%d, at most "
		    "three decimals)",
		    k, IG_DRILL_AT_MAX_S);
	ev->at_ms = (uint32_t) n;
	name = word(v, &rest);
	while (*rest != '\0') {
		if (nargs == 4)
			return perr(p, "too many arguments");
		args[nargs++] = word(rest, &rest);
	}
	for (kind = 1; kind < sizeof(event_names) / sizeof(event_names[0]);
	     kind++) {
		if (strcmp(name, event_names[kind]) == 0)
			break;
	}
	if (kind == sizeof(event_names) / sizeof(event_names[0]))
		return perr(p, "unknown event '%s'", name);
	ev->kind = (ig_drill_event_kind) kind;
	switch (ev->kind) {
	case IG_DRILL_EV_START:
	case IG_DRILL_EV_END:
	case IG_DRILL_EV_GATEWAY_DOWN:
	case IG_DRILL_EV_GATEWAY_UP:
	case IG_DRILL_EV_MEMBER_ADD:
		if (nargs != 0)
			return perr(p, "'%s' takes no arguments", name);
		break;
	case IG_DRILL_EV_PUBLISH:
	case IG_DRILL_EV_COMPROMISE:
	case IG_DRILL_EV_PARTITION:
	case IG_DRILL_EV_HEAL:
	case IG_DRILL_EV_MEMBER_REMOVE:
		if (nargs != 1)
			return perr(
			    p, "'%s' takes a member: %s nodeN", name, name);
		return node_ref(p, args[0], false, ev);
	case IG_DRILL_EV_KILL:
	case IG_DRILL_EV_RESTART:
		if (nargs != 1)
			return perr(p, "'%s' takes a node: %s nodeN|mirrorN",
			    name, name);
		return node_ref(p, args[0], true, ev);
	case IG_DRILL_EV_REVOKE:
		if (nargs != 2)
			return perr(p, "usage: revoke nodeN HASHES");
		if (!num(args[1], 1, IG_DRILL_REVOKE_MAX, &n))
			return perr(
			    p, "revoke: 1..%d hashes", IG_DRILL_REVOKE_MAX);
		ev->count = (uint32_t) n;
		return node_ref(p, args[0], false, ev);
	case IG_DRILL_EV_LOAD:
		if (nargs != 3)
			return perr(p,
			    "usage: load RATE VERIFIERS SECONDS "
			    "(verifications/s in total)");
		if (!num(args[0], 1, IG_DRILL_RATE_MAX, &n))
			return perr(
			    p, "load: a rate of 1..%d/s", IG_DRILL_RATE_MAX);
		ev->rate = (uint32_t) n;
		if (!num(args[1], 1, IG_DRILL_VERIFIERS_MAX, &n))
			return perr(p, "load: 1..%d verifiers",
			    IG_DRILL_VERIFIERS_MAX);
		ev->verifiers = (uint32_t) n;
		if (!num(args[2], 1, IG_DRILL_AT_MAX_S, &n))
			return perr(
			    p, "load: 1..%d seconds", IG_DRILL_AT_MAX_S);
		ev->duration_ms = (uint32_t) n * 1000;
		break;
	}
	return IG_OK;
}

/* The whole timeline: sorted by offset (stable: lines at the same
 * offset keep their order), one start first, one end last, and every
 * kill/restart and partition/heal in a possible order. */
static ig_err
check_timeline(parser *p)
{
	ig_drill_scenario *sc = p->sc;
	bool down[IG_DRILL_AGENCIES_MAX + IG_DRILL_MIRRORS_MAX];
	bool cut[IG_DRILL_AGENCIES_MAX];
	bool removed[IG_DRILL_AGENCIES_MAX];
	bool gw_down = false;
	int start_line = 0;
	size_t present = sc->agencies, removed_n = 0;

	/* insertion sort: small, stable */
	for (size_t i = 1; i < sc->n_events; i++) {
		ig_drill_event t = sc->events[i];
		size_t j = i;
		while (j > 0 && sc->events[j - 1].at_ms > t.at_ms) {
			sc->events[j] = sc->events[j - 1];
			j--;
		}
		sc->events[j] = t;
	}
	memset(down, 0, sizeof(down));
	memset(cut, 0, sizeof(cut));
	memset(removed, 0, sizeof(removed));
	sc->joins = 0;
	p->line = 0;
	if (sc->n_events == 0)
		return perr(p,
		    "the [timeline] is empty (it needs start and "
		    "end)");
	for (size_t i = 0; i < sc->n_events; i++) {
		ig_drill_event *ev = &sc->events[i];
		size_t slot
		    = ev->is_mirror ? sc->agencies + ev->node : ev->node;
		p->line = ev->line;
		if (i == 0 && ev->kind != IG_DRILL_EV_START) {
			if (start_line == 0) {
				for (size_t k = 0; k < sc->n_events; k++) {
					if (sc->events[k].kind
					    == IG_DRILL_EV_START)
						start_line
						    = sc->events[k].line;
				}
			}
			if (start_line == 0)
				return perr(p, "the timeline has no start");
			return perr(p,
			    "'%s' at %u.%03u s comes before start (line %d)",
			    ig_drill_event_name(ev->kind), ev->at_ms / 1000,
			    ev->at_ms % 1000, start_line);
		}
		if (i > 0 && ev->kind == IG_DRILL_EV_START)
			return perr(p, "a second start");
		if (ev->kind == IG_DRILL_EV_END && i + 1 != sc->n_events)
			return perr(p, "'%s' (line %d) comes after end",
			    ig_drill_event_name(sc->events[i + 1].kind),
			    sc->events[i + 1].line);
		if (!ev->is_mirror && ev->kind != IG_DRILL_EV_START
		    && ev->kind != IG_DRILL_EV_END
		    && ev->kind != IG_DRILL_EV_LOAD
		    && ev->kind != IG_DRILL_EV_GATEWAY_DOWN
		    && ev->kind != IG_DRILL_EV_GATEWAY_UP
		    && ev->kind != IG_DRILL_EV_MEMBER_ADD
		    && ev->node >= sc->agencies + sc->joins)
			return perr(p,
			    "'node%zu': there is no such node (the scenario "
			    "has node1..node%zu at this point)",
			    ev->node + 1, sc->agencies + sc->joins);
		if (!ev->is_mirror && ev->kind != IG_DRILL_EV_START
		    && ev->kind != IG_DRILL_EV_END
		    && ev->kind != IG_DRILL_EV_LOAD
		    && ev->kind != IG_DRILL_EV_GATEWAY_DOWN
		    && ev->kind != IG_DRILL_EV_GATEWAY_UP
		    && ev->kind != IG_DRILL_EV_MEMBER_ADD && removed[ev->node])
			return perr(
			    p, "node%zu was removed before", ev->node + 1);
		switch (ev->kind) {
		case IG_DRILL_EV_KILL:
			if (down[slot])
				return perr(p, "%s%zu is already killed",
				    ev->is_mirror ? "mirror" : "node",
				    ev->node + 1);
			down[slot] = true;
			break;
		case IG_DRILL_EV_RESTART:
			if (!down[slot])
				return perr(p,
				    "%s%zu is not killed, so it cannot be "
				    "restarted",
				    ev->is_mirror ? "mirror" : "node",
				    ev->node + 1);
			down[slot] = false;
			break;
		case IG_DRILL_EV_PARTITION:
			if (cut[ev->node])
				return perr(p, "node%zu is already cut off",
				    ev->node + 1);
			if (down[slot])
				return perr(
				    p, "node%zu is killed", ev->node + 1);
			cut[ev->node] = true;
			break;
		case IG_DRILL_EV_HEAL:
			if (!cut[ev->node])
				return perr(p,
				    "node%zu is not cut off, so there is "
				    "nothing to heal",
				    ev->node + 1);
			if (down[slot])
				return perr(
				    p, "node%zu is killed", ev->node + 1);
			cut[ev->node] = false;
			break;
		case IG_DRILL_EV_PUBLISH:
		case IG_DRILL_EV_REVOKE:
		case IG_DRILL_EV_COMPROMISE:
			if (down[slot])
				return perr(p,
				    "node%zu is killed: it cannot publish",
				    ev->node + 1);
			break;
		case IG_DRILL_EV_GATEWAY_DOWN:
		case IG_DRILL_EV_GATEWAY_UP:
			if (gw_down == (ev->kind == IG_DRILL_EV_GATEWAY_DOWN))
				return perr(p, "the gateway is already %s",
				    gw_down ? "down" : "up");
			return perr(p,
			    "'%s' is not supported by this version of "
			    "intyg drill (docs/drill.md, \"Not yet\")",
			    ig_drill_event_name(ev->kind));
		case IG_DRILL_EV_MEMBER_ADD:
			if (present + removed_n >= IG_DRILL_AGENCIES_MAX)
				return perr(p,
				    "member_add: at most %d members in all",
				    IG_DRILL_AGENCIES_MAX);
			ev->node = present + removed_n;
			present++;
			sc->joins++;
			break;
		case IG_DRILL_EV_MEMBER_REMOVE:
			if (present < 3)
				return perr(p,
				    "member_remove: %zu members; a removal "
				    "needs 3 (the rest sign the new root)",
				    present);
			if (down[slot])
				return perr(
				    p, "node%zu is killed", ev->node + 1);
			if (cut[ev->node])
				return perr(
				    p, "node%zu is cut off", ev->node + 1);
			removed[ev->node] = true;
			removed_n++;
			present--;
			break;
		default:
			break;
		}
	}
	if (sc->events[sc->n_events - 1].kind != IG_DRILL_EV_END) {
		p->line = sc->events[sc->n_events - 1].line;
		return perr(p, "the timeline has no end (add 'T = end')");
	}
	return IG_OK;
}

static ig_err
parse_line(parser *p, char *line, enum section *sec, size_t *agency)
{
	char *eq, *k, *v;
	uint64_t n;

	line = trim(line);
	if (*line == '\0' || *line == ';' || *line == '#')
		return IG_OK;
	if (*line == '[') {
		size_t len = strlen(line);
		char *name, *rest;
		if (line[len - 1] != ']')
			return perr(p, "a section header ends with ']'");
		line[len - 1] = '\0';
		name = word(trim(line + 1), &rest);
		if (strcmp(name, "drill") == 0 && *rest == '\0') {
			*sec = SEC_DRILL;
		} else if (strcmp(name, "agencies") == 0 && *rest == '\0') {
			*sec = SEC_AGENCIES;
		} else if (strcmp(name, "objectives") == 0 && *rest == '\0') {
			*sec = SEC_OBJ;
		} else if (strcmp(name, "timeline") == 0 && *rest == '\0') {
			*sec = SEC_TIMELINE;
		} else if (strcmp(name, "agency") == 0) {
			if (!num(rest, 1, IG_DRILL_AGENCIES_MAX, &n))
				return perr(p, "[agency N]: N in 1..%d",
				    IG_DRILL_AGENCIES_MAX);
			*sec = SEC_AGENCY;
			*agency = (size_t) n - 1;
			if (p->agency_line[*agency] != 0)
				return perr(p, "[agency %zu] is given twice",
				    *agency + 1);
			p->agency_line[*agency] = p->line;
		} else {
			return perr(p,
			    "unknown section '[%s%s%s]' (drill, agencies, "
			    "agency N, objectives, timeline)",
			    name, *rest != '\0' ? " " : "", rest);
		}
		return IG_OK;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return perr(p, "expected 'key = value'");
	*eq = '\0';
	k = trim(line);
	v = trim(eq + 1);
	if (*k == '\0')
		return perr(p, "a key is missing before '='");
	switch (*sec) {
	case SEC_NONE:
		return perr(p, "'%s' is outside any section", k);
	case SEC_DRILL:
		return key_drill(p, k, v);
	case SEC_AGENCIES:
		return key_agencies(p, k, v);
	case SEC_AGENCY:
		return key_agency(p, *agency, k, v);
	case SEC_OBJ:
		return key_obj(p, k, v);
	case SEC_TIMELINE:
		if (!(p->seen & (1u << 5)))
			return perr(p,
			    "[timeline] comes after [agencies] count (it "
			    "names the nodes)");
		return key_timeline(p, k, v);
	}
	return IG_EINTERNAL;
}

ig_err
ig_drill_scenario_parse(const char *text, size_t len, ig_drill_scenario *out,
    char *why, size_t why_len)
{
	static const char *const obj_names[]
	    = { "first_verify_ms", "propagation_p50_ms", "propagation_p99_ms",
		      "verify_success_percent", "verify_p99_ms",
		      "converge_after_heal_ms", "lost_entries_max",
		      "compromise_refused_ms" };
	parser p;
	char line[IG_DRILL_LINE_MAX + 1];
	enum section sec = SEC_NONE;
	size_t agency = 0, pos = 0;
	ig_err e;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	p.sc = out;
	p.why = why;
	p.why_len = why_len;
	if (len > IG_DRILL_FILE_MAX) {
		(void) perr(
		    &p, "the scenario is over %d bytes", IG_DRILL_FILE_MAX);
		return IG_ETOOBIG;
	}
	memcpy(out->name, "drill", 6);
	out->base_port = 6100;
	out->seed = 1;
	out->period_ms = 200;
	for (size_t i = 0; i < IG_DRILL_AGENCIES_MAX; i++)
		out->issue_rate[i] = 2;
	while (pos < len) {
		size_t n = 0;
		p.line++;
		while (pos < len && text[pos] != '\n') {
			char c = text[pos++];
			if (c == '\0' || (c < ' ' && c != '\t' && c != '\r'))
				return perr(&p,
				    "a control character (byte "
				    "%d)",
				    (int) (unsigned char) c);
			if (n == IG_DRILL_LINE_MAX)
				return perr(&p, "the line is over %d bytes",
				    IG_DRILL_LINE_MAX);
			line[n++] = c;
		}
		pos++; /* the '\n' */
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if ((e = parse_line(&p, line, &sec, &agency)) != IG_OK)
			return e;
	}
	p.line = 0;
	if (!(p.seen & (1u << 5)))
		return perr(&p, "[agencies] count is missing");
	if ((e = check_timeline(&p)) != IG_OK)
		return e;
	p.line = 0; /* what follows concerns the file as a whole */
	for (size_t i = 0; i < IG_DRILL_AGENCIES_MAX; i++) {
		if (p.agency_line[i] != 0 && i >= out->agencies + out->joins) {
			p.line = p.agency_line[i];
			return perr(&p,
			    "[agency %zu]: the scenario has %zu agencies",
			    i + 1, out->agencies + out->joins);
		}
	}
	for (unsigned i = 0; i < 8; i++) {
		if (!(p.seen & (1u << (10 + i))))
			return perr(&p,
			    "[objectives] %s is missing (every objective "
			    "needs a threshold)",
			    obj_names[i]);
	}
	if ((unsigned) out->base_port + IG_DRILL_PORTS(out) > 65535) {
		p.line = out->base_port_line;
		return perr(&p, "base_port: the %u ports from %u pass 65535",
		    IG_DRILL_PORTS(out), (unsigned) out->base_port);
	}
	return IG_OK;
}

ig_err
ig_drill_scenario_ports_check(
    const ig_drill_scenario *sc, char *why, size_t why_len)
{
	unsigned n = IG_DRILL_PORTS(sc);

	for (unsigned i = 0; i < n; i++) {
		if (!ig_localfed_ports_free(
		        (uint16_t) (sc->base_port + i), 1)) {
			snprintf(why, why_len,
			    "line %d: base_port: port %u (of %u..%u, the "
			    "drill's) is in use on 127.0.0.1; pick another "
			    "base_port",
			    sc->base_port_line, sc->base_port + i,
			    (unsigned) sc->base_port, sc->base_port + n - 1);
			return IG_ESTATE;
		}
	}
	return IG_OK;
}
