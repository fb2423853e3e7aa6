/*
 * select.c - the client's choices without I/O (select.h): the latency
 * window and hedge deadline, endpoint states and back-off, the active
 * set, probe scheduling, and the check of a candidate URL.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/select.h"

void
ig_client_latwin_init(ig_client_latwin *w)
{
	memset(w, 0, sizeof(*w));
}

void
ig_client_latwin_add(ig_client_latwin *w, uint32_t ms)
{
	w->ms[w->next] = ms;
	w->next = (w->next + 1) % IG_CLIENT_LAT_WINDOW;
	if (w->n < IG_CLIENT_LAT_WINDOW)
		w->n++;
}

uint32_t
ig_client_latwin_quantile(const ig_client_latwin *w, unsigned permille)
{
	uint32_t s[IG_CLIENT_LAT_WINDOW];
	size_t n = w->n, rank;

	if (n == 0)
		return 0;
	if (permille < 1)
		permille = 1;
	if (permille > 1000)
		permille = 1000;
	memcpy(s, w->ms, n * sizeof(s[0]));
	/* Insertion sort: 64 numbers at most. */
	for (size_t i = 1; i < n; i++) {
		uint32_t v = s[i];
		size_t j = i;
		while (j > 0 && s[j - 1] > v) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = v;
	}
	/* Nearest rank: the smallest sample with at least permille/1000 of
	 * the samples at or below it, ceil(n * p / 1000). */
	rank = (n * permille + 999) / 1000;
	if (rank < 1)
		rank = 1;
	return s[rank - 1];
}

uint32_t
ig_client_hedge_deadline(
    const ig_client_latwin *w, uint32_t floor_ms, uint32_t ceiling_ms)
{
	uint32_t d = w->n >= IG_CLIENT_LAT_MIN_SAMPLES
	    ? ig_client_latwin_quantile(w, IG_CLIENT_HEDGE_PERMILLE)
	    : IG_CLIENT_HEDGE_COLD_MS;

	if (d < floor_ms)
		d = floor_ms;
	if (d > ceiling_ms)
		d = ceiling_ms;
	return d;
}

void
ig_client_ep_init(ig_client_ep *ep, const char *url, int source)
{
	memset(ep, 0, sizeof(*ep));
	snprintf(ep->url, sizeof(ep->url), "%s", url);
	ep->source = source;
	ep->state = IG_CLIENT_STATE_UNKNOWN;
}

static void
why_set(ig_client_ep *ep, const char *why)
{
	if (why != NULL)
		snprintf(ep->why, sizeof(ep->why), "%s", why);
}

void
ig_client_ep_probe_ok(
    ig_client_ep *ep, uint32_t rtt_ms, int64_t now, uint32_t interval_ms)
{
	if (ep->state != IG_CLIENT_STATE_UP || ep->rtt_ms == 0)
		ep->rtt_ms = rtt_ms;
	else
		ep->rtt_ms
		    = (uint32_t) (((uint64_t) ep->rtt_ms * 3 + rtt_ms + 2)
		        / 4);
	if (ep->rtt_ms == 0)
		ep->rtt_ms = 1; /* 0 means "not measured" */
	ep->state = IG_CLIENT_STATE_UP;
	ep->fails = 0;
	ep->why[0] = '\0';
	ep->next_probe_ms = now + interval_ms;
}

uint32_t
ig_client_retry_ms(uint32_t fails)
{
	uint32_t ms = IG_CLIENT_RETRY_MIN_MS;

	for (uint32_t i = 1; i < fails && ms < IG_CLIENT_RETRY_MAX_MS; i++)
		ms *= 2;
	return ms < IG_CLIENT_RETRY_MAX_MS ? ms : IG_CLIENT_RETRY_MAX_MS;
}

void
ig_client_ep_fail(ig_client_ep *ep, int64_t now, const char *why)
{
	if (ep->fails < UINT32_MAX)
		ep->fails++;
	ep->state = IG_CLIENT_STATE_DOWN;
	ep->next_probe_ms = now + ig_client_retry_ms(ep->fails);
	why_set(ep, why);
}

void
ig_client_ep_refuse(ig_client_ep *ep, int64_t now, const char *why)
{
	ep->state = IG_CLIENT_STATE_REFUSED;
	ep->rtt_ms = 0;
	ep->next_probe_ms = now + IG_CLIENT_REFUSED_RETRY_MS;
	why_set(ep, why);
}

size_t
ig_client_pick(const ig_client_ep *eps, size_t n, size_t want, size_t *idx)
{
	size_t k = 0;

	if (want > IG_CLIENT_ACTIVE_MAX)
		want = IG_CLIENT_ACTIVE_MAX;
	/* Insertion into a sorted prefix of at most `want`: stable, so
	 * equal round trips keep the candidates' order. */
	for (size_t i = 0; i < n; i++) {
		size_t j;
		if (eps[i].state != IG_CLIENT_STATE_UP)
			continue;
		j = k < want ? k : want;
		while (j > 0 && eps[idx[j - 1]].rtt_ms > eps[i].rtt_ms) {
			if (j < want)
				idx[j] = idx[j - 1];
			j--;
		}
		if (j < want) {
			idx[j] = i;
			if (k < want)
				k++;
		}
	}
	return k;
}

size_t
ig_client_due(
    const ig_client_ep *eps, size_t n, int64_t now, size_t max, size_t *idx)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		if (eps[i].probing)
			continue;
		if (eps[i].state == IG_CLIENT_STATE_UNKNOWN
		    || eps[i].next_probe_ms <= now)
			idx[k++] = i;
	}
	return k;
}

int64_t
ig_client_next_due(const ig_client_ep *eps, size_t n)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; i < n; i++) {
		if (eps[i].probing)
			continue;
		if (eps[i].state == IG_CLIENT_STATE_UNKNOWN)
			return 0;
		if (eps[i].next_probe_ms < t)
			t = eps[i].next_probe_ms;
	}
	return t;
}

static bool
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
	    || c == '[' || c == ']' || c == ':';
}

static bool
refuse(char *why, size_t why_len, const char *url, const char *msg)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%.80s: %s", url, msg);
	return false;
}

bool
ig_client_url_check(const char *url, char out[IG_CLIENT_URL_MAX + 1],
    char *why, size_t why_len)
{
	size_t len, skip, host_len = 0;
	const char *p;

	if (url == NULL)
		return refuse(why, why_len, "(null)", "no URL");
	len = strlen(url);
	if (len > IG_CLIENT_URL_MAX)
		return refuse(why, why_len, url, "longer than 512 bytes");
	if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return refuse(
		    why, why_len, url, "not an http:// or https:// URL");
	for (p = url; *p != '\0'; p++) {
		unsigned char c = (unsigned char) *p;
		if (c <= 0x20 || c >= 0x7f)
			return refuse(why, why_len, url,
			    "white space, a control or non-ASCII byte");
		if (c == '@' || c == '?' || c == '#' || c == '\\')
			return refuse(why, why_len, url,
			    "user info, a query or a fragment");
	}
	/* The authority: host[:port] up to the first '/'. */
	for (p = url + skip; *p != '\0' && *p != '/'; p++) {
		if (!is_host_char(*p))
			return refuse(
			    why, why_len, url, "a bad character in the host");
		host_len++;
	}
	if (host_len == 0 || url[skip] == ':')
		return refuse(why, why_len, url, "no host");
	/* A port, when given, is 1..65535 in decimal. */
	{
		const char *colon = NULL, *end = url + skip + host_len;
		for (const char *q = url + skip; q < end; q++) {
			if (*q == ']')
				colon = NULL; /* an IPv6 literal's colons */
			else if (*q == ':')
				colon = q;
		}
		if (colon != NULL && url[skip] != '[') {
			/* host:port; more than one colon outside brackets
			 * is not a host. */
			if (memchr(
			        url + skip, ':', (size_t) (colon - url - skip))
			    != NULL)
				return refuse(why, why_len, url, "a bad port");
		}
		if (colon != NULL) {
			unsigned long port = 0;
			const char *q = colon + 1;
			if (q == end)
				return refuse(why, why_len, url, "a bad port");
			for (; q < end; q++) {
				if (*q < '0' || *q > '9')
					return refuse(
					    why, why_len, url, "a bad port");
				port = port * 10 + (unsigned long) (*q - '0');
				if (port > 65535)
					return refuse(
					    why, why_len, url, "a bad port");
			}
			if (port == 0)
				return refuse(why, why_len, url, "a bad port");
		}
	}
	/* Lower-case scheme, the rest as given, no trailing '/'. */
	memcpy(out, skip == 7 ? "http://" : "https://", skip);
	memcpy(out + skip, url + skip, len - skip);
	while (len > skip + host_len && out[len - 1] == '/')
		len--;
	out[len] = '\0';
	return true;
}
