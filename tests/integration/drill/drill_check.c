/*
 * drill_check.c - the helper of the drill tests:
 *
 *   drill_check report REPORT.json pass|fail [OBJECTIVE]
 *       parses the report with jansson and checks its schema: every
 *       objective present with a threshold and a met flag; "pass": the
 *       run complete, passed, every objective met; "fail": passed false,
 *       OBJECTIVE (when given) not met and every other one met.
 *   drill_check incomplete REPORT.json
 *       the report of an interrupted run: complete false, passed false.
 *   drill_check hold PORT CMD...
 *       listens on 127.0.0.1:PORT while CMD runs; exits with CMD's
 *       status (a port in use for the bad-input test).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const objectives[] = { "first_verify_ms",
	"propagation_p50_ms", "propagation_p99_ms", "verify_success_percent",
	"verify_p99_ms", "converge_after_heal_ms", "lost_entries_max",
	"compromise_refused_ms" };

static int
bad(const char *what)
{
	fprintf(stderr, "drill_check: FAIL: %s\n", what);
	return 1;
}

static json_t *
objective(json_t *j, const char *name)
{
	json_t *a = json_object_get(j, "objectives"), *o;
	size_t i;

	json_array_foreach(a, i, o)
	{
		if (json_is_string(json_object_get(o, "name"))
		    && strcmp(
		           json_string_value(json_object_get(o, "name")), name)
		        == 0)
			return o;
	}
	return NULL;
}

static int
report(const char *path, const char *mode, const char *which)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	bool pass = strcmp(mode, "pass") == 0;

	if (j == NULL) {
		fprintf(stderr, "drill_check: %s: %s (line %d)\n", path,
		    e.text, e.line);
		return 1;
	}
	if (!json_is_string(json_object_get(j, "schema"))
	    || strcmp(json_string_value(json_object_get(j, "schema")),
	           "intyg-drill-report/1")
	        != 0)
		return bad("schema is not intyg-drill-report/1");
	if (json_array_size(json_object_get(j, "objectives")) != 8)
		return bad("not 8 objectives");
	if (!json_is_array(json_object_get(j, "nodes"))
	    || !json_is_array(json_object_get(j, "events"))
	    || !json_is_array(json_object_get(j, "verifications_per_second"))
	    || !json_is_array(json_object_get(j, "propagation_histogram")))
		return bad("nodes, events, verifications_per_second or "
		           "propagation_histogram missing");
	for (size_t i = 0; i < 8; i++) {
		json_t *o = objective(j, objectives[i]);
		if (o == NULL
		    || !json_is_number(json_object_get(o, "threshold"))
		    || !json_is_boolean(json_object_get(o, "met"))) {
			fprintf(stderr, "drill_check: objective %s\n",
			    objectives[i]);
			return bad("an objective is missing or malformed");
		}
		if (pass && !json_is_true(json_object_get(o, "met"))) {
			fprintf(stderr, "drill_check: %s not met: %s\n",
			    objectives[i],
			    json_string_value(json_object_get(o, "detail")));
			return bad("an objective was missed");
		}
		if (pass && !json_is_number(json_object_get(o, "measured")))
			return bad("a met objective without a measurement");
	}
	if (strcmp(mode, "incomplete") == 0) {
		if (!json_is_false(json_object_get(j, "complete"))
		    || !json_is_false(json_object_get(j, "passed"))
		    || !json_is_string(
		        json_object_get(j, "incomplete_reason")))
			return bad("not marked incomplete");
	} else if (pass) {
		if (!json_is_true(json_object_get(j, "complete"))
		    || !json_is_true(json_object_get(j, "passed")))
			return bad("complete and passed are not both true");
	} else {
		if (!json_is_false(json_object_get(j, "passed")))
			return bad("passed is not false");
		if (which != NULL
		    && !json_is_false(
		        json_object_get(objective(j, which), "met")))
			return bad("the unreachable objective is marked met");
		for (size_t i = 0; which != NULL && i < 8; i++) {
			if (strcmp(objectives[i], which) != 0
			    && !json_is_true(json_object_get(
			        objective(j, objectives[i]), "met"))) {
				fprintf(stderr, "drill_check: %s not met\n",
				    objectives[i]);
				return bad("another objective was missed too");
			}
		}
	}
	json_decref(j);
	printf("drill_check: %s: %s as expected\n", path, mode);
	return 0;
}

static int
hold(int port, char **cmd)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, st;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0
	    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))
	    || bind(fd, (struct sockaddr *) &a, sizeof(a)) != 0
	    || listen(fd, 1) != 0)
		return bad("cannot listen on the port");
	pid = fork();
	if (pid == 0) {
		close(fd);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return bad("cannot run the command");
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "report") == 0)
		return report(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (argc == 3 && strcmp(argv[1], "incomplete") == 0)
		return report(argv[2], "incomplete", NULL);
	if (argc >= 4 && strcmp(argv[1], "hold") == 0)
		return hold((int) strtol(argv[2], NULL, 10), argv + 3);
	fprintf(stderr, "usage: drill_check report|incomplete|hold ...\n");
	return 2;
}
