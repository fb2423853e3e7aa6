/*
 * drill_report.c - the readiness report of `intyg drill`: report.json
 * (schema "intyg-drill-report/1", docs/drill.md) and report.html, one
 * self-contained page: inline CSS and SVG, no script, no external file,
 * so that it can be mailed, archived or served by the operator portal as
 * it is.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/drill.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"

#define REPORT_MAX (16 * 1024 * 1024)

/* Buckets of the propagation histogram: upper bounds in ms. */
static const uint32_t hist_le[]
    = { 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, UINT32_MAX };
#define N_HIST (sizeof(hist_le) / sizeof(hist_le[0]))

/* One second of verifier load. */
typedef struct second {
	uint32_t n, ok, p99;
} second;

static second *
seconds_make(const ig_drill_run *r, size_t *count)
{
	size_t n = r->elapsed_ms / 1000 + 1;
	second *s = ig_calloc(n, sizeof(*s));
	uint32_t *lat = ig_calloc(r->n_vs + 1, sizeof(*lat));

	if (s == NULL || lat == NULL) {
		ig_free(s);
		ig_free(lat);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		size_t m = 0;
		for (size_t i = 0; i < r->n_vs; i++) {
			if (r->vs[i].t_ms / 1000 != k)
				continue;
			s[k].n++;
			s[k].ok += r->vs[i].ok;
			lat[m++] = r->vs[i].lat_ms;
		}
		s[k].p99 = ig_drill_percentile(lat, m, 99);
	}
	ig_free(lat);
	*count = n;
	return s;
}

static void
node_lag(const ig_drill_run *r, size_t node, uint32_t *p50, uint32_t *p99,
    size_t *n)
{
	uint32_t *v = ig_calloc(r->n_ps + 1, sizeof(*v));
	size_t m = 0;

	*p50 = *p99 = 0;
	*n = 0;
	if (v == NULL)
		return;
	for (size_t i = 0; i < r->n_ps; i++) {
		if (r->ps[i].node == node)
			v[m++] = r->ps[i].ms;
	}
	*p50 = ig_drill_percentile(v, m, 50);
	*p99 = ig_drill_percentile(v, m, 99);
	*n = m;
	ig_free(v);
}

static json_t *
json_make(const ig_drill_run *r, const second *sec, size_t nsec)
{
	const ig_drill_scenario *sc = r->sc;
	json_t *j = json_object(), *a;
	size_t hist[N_HIST] = { 0 };

	json_object_set_new(j, "schema", json_string("intyg-drill-report/1"));
	json_object_set_new(j, "scenario", json_string(sc->name));
	json_object_set_new(j, "scenario_file", json_string(r->scenario_path));
	json_object_set_new(j, "started_at", json_string(r->started_at));
	json_object_set_new(j, "duration_ms", json_integer(r->elapsed_ms));
	json_object_set_new(j, "complete", json_boolean(r->complete));
	json_object_set_new(j, "incomplete_reason",
	    r->complete ? json_null() : json_string(r->incomplete_why));
	json_object_set_new(j, "passed", json_boolean(r->passed));
	json_object_set_new(j, "base_port", json_integer(sc->base_port));

	a = json_array();
	for (size_t i = 0; i < IG_DRILL_OBJECTIVES; i++) {
		const ig_drill_objective *o = &r->obj[i];
		if (o->name == NULL)
			continue;
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s, s:f, s:o, s:b, s:s}", "name",
		        o->name, "unit", o->unit, "comparison",
		        o->at_least ? ">=" : "<=", "threshold", o->threshold,
		        "measured",
		        o->measured ? json_real(o->value) : json_null(), "met",
		        o->met, "detail", o->detail));
	}
	json_object_set_new(j, "objectives", a);

	a = json_array();
	for (size_t i = 0; i < r->n_nodes; i++) {
		const ig_drill_node *n = &r->nodes[i];
		uint32_t p50, p99;
		size_t cnt;
		json_t *o;
		node_lag(r, i, &p50, &p99, &cnt);
		o = json_pack("{s:s, s:s, s:s, s:o}", "id", n->id, "role",
		    n->mirror ? "mirror" : "member", "http", n->http,
		    "first_verify_ms",
		    n->first_verify_ms >= 0 ? json_integer(n->first_verify_ms)
		                            : json_null());
		if (n->mirror) {
			json_object_set_new(o, "checkpoint_age_max_s",
			    json_real(n->mirror_age_max_s));
		} else {
			json_object_set_new(o, "admin", json_string(n->admin));
			json_object_set_new(
			    o, "lag_samples", json_integer(cnt));
			json_object_set_new(
			    o, "lag_p50_ms", json_integer(p50));
			json_object_set_new(
			    o, "lag_p99_ms", json_integer(p99));
		}
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "nodes", a);

	a = json_array();
	for (size_t i = 0; i < r->n_done; i++) {
		const ig_drill_done *e = &r->done[i];
		json_array_append_new(a,
		    json_pack("{s:i, s:i, s:i, s:s, s:b, s:s}", "at_ms",
		        (int) e->ev->at_ms, "ran_at_ms", (int) e->t_ms, "line",
		        e->ev->line, "event", ig_drill_event_name(e->ev->kind),
		        "ok", e->ok, "detail", e->detail));
	}
	json_object_set_new(j, "events", a);

	a = json_array();
	for (size_t p = 0; p < r->n_pubs; p++) {
		const ig_drill_publish *pub = &r->pubs[p];
		uint32_t mx = 0;
		size_t cnt = 0;
		for (size_t i = 0; i < r->n_ps; i++) {
			if (r->ps[i].publish != p)
				continue;
			cnt++;
			if (r->ps[i].ms > mx)
				mx = r->ps[i].ms;
		}
		json_array_append_new(a,
		    json_pack("{s:s, s:I, s:s, s:i, s:i, s:i, s:i}", "origin",
		        r->nodes[pub->origin].id, "seq", (json_int_t) pub->seq,
		        "what", pub->what, "line", pub->line, "acked_ms",
		        (int) pub->acked_ms, "reached", (int) cnt, "max_ms",
		        (int) mx));
	}
	json_object_set_new(j, "publishes", a);
	for (size_t i = 0; i < r->n_ps; i++) {
		for (size_t b = 0; b < N_HIST; b++) {
			if (r->ps[i].ms <= hist_le[b]) {
				hist[b]++;
				break;
			}
		}
	}
	a = json_array();
	for (size_t b = 0; b < N_HIST; b++)
		json_array_append_new(a,
		    json_pack("{s:o, s:i}", "le_ms",
		        hist_le[b] == UINT32_MAX ? json_null()
		                                 : json_integer(hist_le[b]),
		        "count", (int) hist[b]));
	json_object_set_new(j, "propagation_histogram", a);

	a = json_array();
	for (size_t k = 0; k < nsec; k++)
		json_array_append_new(a,
		    json_pack("{s:i, s:i, s:i, s:i}", "second", (int) k,
		        "verifications", (int) sec[k].n, "failed",
		        (int) (sec[k].n - sec[k].ok), "p99_ms",
		        (int) sec[k].p99));
	json_object_set_new(j, "verifications_per_second", a);
	return j;
}

/* --- HTML -------------------------------------------------------------- */

/* Appends s with &, <, >, " escaped. */
static ig_err
esc(ig_buf *b, const char *s)
{
	ig_err err = IG_OK;

	for (; *s != '\0' && err == IG_OK; s++) {
		switch (*s) {
		case '&':
			err = ig_buf_printf(b, "&amp;");
			break;
		case '<':
			err = ig_buf_printf(b, "&lt;");
			break;
		case '>':
			err = ig_buf_printf(b, "&gt;");
			break;
		case '"':
			err = ig_buf_printf(b, "&quot;");
			break;
		default:
			err = ig_buf_append(b, s, 1);
		}
	}
	return err;
}

#define W  760
#define H  220
#define ML 50
#define MB 30

static ig_err
chart_load(ig_buf *b, const ig_drill_run *r, const second *sec, size_t nsec)
{
	uint32_t maxn = 1, maxp = 1;
	double xs;
	ig_err err;

	for (size_t k = 0; k < nsec; k++) {
		if (sec[k].n > maxn)
			maxn = sec[k].n;
		if (sec[k].p99 > maxp)
			maxp = sec[k].p99;
	}
	xs = (double) (W - ML - 10) / (double) (nsec > 1 ? nsec : 1);
	err = ig_buf_printf(b,
	    "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"verifications per second and p99 latency\">"
	    "<rect x=\"%d\" y=\"10\" width=\"%d\" height=\"%d\" "
	    "class=\"frame\"/>",
	    W, H + 20, ML, W - ML - 10, H - MB - 10);
	/* bars: verifications/s; failed in red on top */
	for (size_t k = 0; err == IG_OK && k < nsec; k++) {
		double h = (double) sec[k].n * (H - MB - 10) / maxn;
		double hf
		    = (double) (sec[k].n - sec[k].ok) * (H - MB - 10) / maxn;
		err = ig_buf_printf(b,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" class=\"bar\"><title>%zu s: %u "
		    "verifications, %u failed, p99 %u ms</title></rect>",
		    ML + (double) k * xs, H - MB - h, xs > 1 ? xs - 0.5 : xs,
		    h, k, sec[k].n, sec[k].n - sec[k].ok, sec[k].p99);
		if (err == IG_OK && hf > 0)
			err = ig_buf_printf(b,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" class=\"fail\"/>",
			    ML + (double) k * xs, H - MB - h, xs, hf);
	}
	/* line: p99 */
	if (err == IG_OK)
		err = ig_buf_printf(b, "<polyline class=\"p99\" points=\"");
	for (size_t k = 0; err == IG_OK && k < nsec; k++)
		err = ig_buf_printf(b, "%.1f,%.1f ",
		    ML + ((double) k + 0.5) * xs,
		    H - MB - (double) sec[k].p99 * (H - MB - 10) / maxp);
	if (err == IG_OK)
		err = ig_buf_printf(b, "\"/>");
	/* events */
	for (size_t i = 0; err == IG_OK && i < r->n_done; i++) {
		double x = ML + (double) r->done[i].t_ms / 1000.0 * xs;
		err = ig_buf_printf(b,
		    "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" "
		    "class=\"ev\"/><text x=\"%.1f\" y=\"%d\" "
		    "class=\"evt\" transform=\"rotate(90 %.1f %d)\">%s"
		    "</text>",
		    x, x, H - MB, x + 2, 14, x + 2, 14,
		    ig_drill_event_name(r->done[i].ev->kind));
	}
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "<text x=\"2\" y=\"20\" class=\"ax\">%u/s</text>"
		    "<text x=\"2\" y=\"40\" class=\"ax p99t\">%u ms</text>"
		    "<text x=\"%d\" y=\"%d\" class=\"ax\">0 s</text>"
		    "<text x=\"%d\" y=\"%d\" class=\"ax\">%zu s</text>"
		    "</svg>",
		    maxn, maxp, ML, H - MB + 15, W - 50, H - MB + 15, nsec);
	return err;
}

static ig_err
chart_bars(ig_buf *b, const char *label, const char *const *names,
    const double *vals, size_t n, const char *unit)
{
	double mx = 1;
	double bw = (double) (W - ML - 10) / (double) (n > 0 ? n : 1);
	ig_err err;

	for (size_t i = 0; i < n; i++) {
		if (vals[i] > mx)
			mx = vals[i];
	}
	err = ig_buf_printf(b,
	    "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"%s\"><rect x=\"%d\" y=\"10\" width=\"%d\" "
	    "height=\"%d\" class=\"frame\"/>",
	    W, H, label, ML, W - ML - 10, H - MB - 10);
	for (size_t i = 0; err == IG_OK && i < n; i++) {
		double h = vals[i] * (H - MB - 10) / mx;
		err = ig_buf_printf(b,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" class=\"bar\"><title>%s: %.0f %s"
		    "</title></rect><text x=\"%.1f\" y=\"%d\" "
		    "class=\"ax\">%s</text><text x=\"%.1f\" y=\"%.1f\" "
		    "class=\"ax\">%.0f</text>",
		    ML + (double) i * bw + 2, H - MB - h, bw - 4, h, names[i],
		    vals[i], unit, ML + (double) i * bw + 4, H - MB + 15,
		    names[i], ML + (double) i * bw + 4, H - MB - h - 3,
		    vals[i]);
	}
	if (err == IG_OK)
		err = ig_buf_printf(b, "</svg>");
	return err;
}

static ig_err
html_make(ig_buf *b, const ig_drill_run *r, const second *sec, size_t nsec)
{
	const ig_drill_scenario *sc = r->sc;
	const char
	    *names[N_HIST > IG_DRILL_NODES_MAX ? N_HIST : IG_DRILL_NODES_MAX];
	char labels[N_HIST][16];
	double vals[N_HIST > IG_DRILL_NODES_MAX ? N_HIST : IG_DRILL_NODES_MAX];
	ig_err err;

	err = ig_buf_printf(b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>intyg drill: ");
	if (err == IG_OK)
		err = esc(b, sc->name);
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</title><style>"
		    "body{font:14px/1.4 sans-serif;margin:2em;color:#222}"
		    "table{border-collapse:collapse}td,th{border:1px solid "
		    "#ccc;padding:3px 8px;text-align:left}"
		    ".met{background:#c8f0c8}.miss{background:#f6c0c0}"
		    ".frame{fill:none;stroke:#999}.bar{fill:#7aa6d8}"
		    ".fail{fill:#d33}.p99{fill:none;stroke:#e80;"
		    "stroke-width:2}.ev{stroke:#555;stroke-dasharray:3 3}"
		    ".evt{font-size:10px;fill:#555}.ax{font-size:11px;"
		    "fill:#333}.p99t{fill:#e80}.banner{font-size:20px;"
		    "padding:8px;display:inline-block}"
		    "</style></head><body>\n<h1>Readiness report: ");
	if (err == IG_OK)
		err = esc(b, sc->name);
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</h1>\n<p class=\"banner %s\">%s</p>\n"
		    "<p>Scenario file ",
		    r->passed ? "met" : "miss",
		    !r->complete    ? "INCOMPLETE: the drill did not finish"
		        : r->passed ? "Every objective met"
		                    : "Objectives missed");
	if (err == IG_OK)
		err = esc(b, r->scenario_path);
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    ", started %s, ran %u.%u s, %zu agencies, %zu mirrors, "
		    "ports %u..%u on 127.0.0.1.",
		    r->started_at, r->elapsed_ms / 1000,
		    (r->elapsed_ms % 1000) / 100, sc->agencies, sc->mirrors,
		    (unsigned) sc->base_port,
		    sc->base_port + IG_DRILL_PORTS(sc) - 1);
	if (err == IG_OK && !r->complete) {
		err = ig_buf_printf(b, " Why incomplete: ");
		if (err == IG_OK)
			err = esc(b, r->incomplete_why);
	}
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</p>\n<h2>Objectives</h2>\n<table><tr><th>objective"
		    "</th><th>measured</th><th>threshold</th><th>status</th>"
		    "<th>how</th></tr>\n");
	for (size_t i = 0; err == IG_OK && i < IG_DRILL_OBJECTIVES; i++) {
		const ig_drill_objective *o = &r->obj[i];
		char v[32];
		if (o->name == NULL)
			continue;
		if (o->measured)
			snprintf(v, sizeof(v), "%.1f %s", o->value, o->unit);
		else
			snprintf(v, sizeof(v), "not measured");
		err = ig_buf_printf(b,
		    "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s %g %s"
		    "</td><td>%s</td><td>",
		    o->met ? "met" : "miss", o->name, v,
		    o->at_least ? "&ge;" : "&le;", o->threshold, o->unit,
		    o->met ? "met" : "MISSED");
		if (err == IG_OK)
			err = esc(b, o->detail);
		if (err == IG_OK)
			err = ig_buf_printf(b, "</td></tr>\n");
	}
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</table>\n<h2>Verifications per second (bars, failed in "
		    "red) and p99 latency (line), events marked</h2>\n");
	if (err == IG_OK)
		err = chart_load(b, r, sec, nsec);

	if (err == IG_OK) {
		for (size_t k = 0; k < N_HIST; k++) {
			vals[k] = 0;
			if (hist_le[k] == UINT32_MAX)
				snprintf(labels[k], sizeof(labels[k]), ">%u",
				    hist_le[k - 1]);
			else
				snprintf(labels[k], sizeof(labels[k]), "<=%u",
				    hist_le[k]);
			names[k] = labels[k];
		}
		for (size_t i = 0; i < r->n_ps; i++) {
			for (size_t k = 0; k < N_HIST; k++) {
				if (r->ps[i].ms <= hist_le[k]) {
					vals[k]++;
					break;
				}
			}
		}
		err = ig_buf_printf(b,
		    "\n<h2>Propagation: acknowledged entry to each member "
		    "(ms, samples per bucket)</h2>\n");
	}
	if (err == IG_OK)
		err = chart_bars(b, "propagation histogram", names, vals,
		    N_HIST, "samples");
	if (err == IG_OK) {
		for (size_t i = 0; i < r->n_nodes; i++) {
			uint32_t p50, p99;
			size_t cnt;
			names[i] = r->nodes[i].id;
			if (r->nodes[i].mirror) {
				vals[i] = r->nodes[i].mirror_age_max_s * 1000;
			} else {
				node_lag(r, i, &p50, &p99, &cnt);
				vals[i] = p99;
			}
		}
		err = ig_buf_printf(b,
		    "\n<h2>Lag per node (members: p99 propagation in ms; "
		    "mirrors: the oldest checkpoint seen, in ms)</h2>\n");
	}
	if (err == IG_OK)
		err = chart_bars(
		    b, "lag per node", names, vals, r->n_nodes, "ms");
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "\n<h2>Nodes</h2>\n<table><tr><th>node</th><th>role</th>"
		    "<th>HTTP API</th><th>first valid verification</th>"
		    "</tr>\n");
	for (size_t i = 0; err == IG_OK && i < r->n_nodes; i++) {
		const ig_drill_node *n = &r->nodes[i];
		char fv[32];
		if (n->first_verify_ms >= 0)
			snprintf(fv, sizeof(fv), "%lld ms",
			    (long long) n->first_verify_ms);
		else
			snprintf(fv, sizeof(fv), "never");
		err = ig_buf_printf(b,
		    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
		    n->id, n->mirror ? "mirror" : "member", n->http, fv);
	}
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</table>\n<h2>Timeline</h2>\n<table><tr><th>planned"
		    "</th><th>ran</th><th>line</th><th>event</th><th>result"
		    "</th></tr>\n");
	for (size_t i = 0; err == IG_OK && i < r->n_done; i++) {
		const ig_drill_done *e = &r->done[i];
		err = ig_buf_printf(b,
		    "<tr class=\"%s\"><td>%u.%03u s</td><td>%u.%03u s</td>"
		    "<td>%d</td><td>%s</td><td>",
		    e->ok ? "" : "miss", e->ev->at_ms / 1000,
		    e->ev->at_ms % 1000, e->t_ms / 1000, e->t_ms % 1000,
		    e->ev->line, ig_drill_event_name(e->ev->kind));
		if (err == IG_OK)
			err = esc(b, e->detail);
		if (err == IG_OK)
			err = ig_buf_printf(b, "</td></tr>\n");
	}
	if (err == IG_OK)
		err = ig_buf_printf(b,
		    "</table>\n<p>The same data: report.json "
		    "(schema intyg-drill-report/1, docs/drill.md).</p>\n"
		    "</body></html>\n");
	return err;
}

ig_err
ig_drill_report_write(
    const ig_drill_run *r, const char *dir, char *why, size_t why_len)
{
	char path[IG_PATH_MAX];
	size_t nsec = 0;
	second *sec = seconds_make(r, &nsec);
	json_t *j = NULL;
	char *text = NULL;
	ig_buf html;
	ig_err err = IG_OK;

	ig_buf_init(&html, REPORT_MAX);
	if (sec == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto out;
	}
	j = json_make(r, sec, nsec);
	text = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)
	                 : NULL;
	if (text == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/report.json", dir);
	if ((err = ig_file_write(path, text, strlen(text), 0644)) != IG_OK) {
		snprintf(why, why_len, "cannot write %s: %s", path,
		    ig_strerror(err));
		goto out;
	}
	if ((err = html_make(&html, r, sec, nsec)) != IG_OK) {
		snprintf(why, why_len, "report.html: %s", ig_strerror(err));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/report.html", dir);
	if ((err = ig_file_write(path, html.ptr, html.len, 0644)) != IG_OK)
		snprintf(why, why_len, "cannot write %s: %s", path,
		    ig_strerror(err));
out:
	free(text);
	json_decref(j);
	ig_buf_free(&html);
	ig_free(sec);
	return err;
}
