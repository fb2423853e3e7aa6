/*
 * admin_root_test.c - `intyg federation submit`'s path: the client
 * (ig_admin_root_submit) against a rep0 socket served by
 * ig_admin_root_serve over a real registry, as node/admin_server.c's
 * dispatch does: a valid root N+1 is accepted, its repeat reports
 * "held", a root with too few signatures is refused with ETHRESHOLD and
 * a rollback with EROOTSERIAL, and a malformed request gets EFORMAT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include "../consensus/govkit.h"
#include "cli/admin_client.h"
#include "registry/base/log.h"
#include "registry/registry.h"

static tk_fed fed;

struct server {
	nng_socket sock;
	ig_registry *reg;
	int requests; /* to serve, then the thread ends */
};

static void
serve(void *arg)
{
	struct server *sv = arg;
	for (int i = 0; i < sv->requests; i++) {
		nng_msg *m = NULL;
		msgpack_unpacked u;
		const msgpack_object *items;
		size_t n;
		ig_buf reply;
		if (nng_recvmsg(sv->sock, &m, 0) != 0)
			return;
		ig_buf_init(&reply, IG_ADMIN_REPLY_MAX);
		if (ig_msgpack_unpack(
		        ig_slice_make(nng_msg_body(m), nng_msg_len(m)), 3, &u)
		        == IG_OK
		    && ig_msgpack_array_read(&u.data, 3, 5, &items, &n)
		        == IG_OK) {
			(void) ig_admin_root_serve(
			    sv->reg, items + 3, n - 3, 1800000000000, &reply);
			msgpack_unpacked_destroy(&u);
		}
		nng_msg_clear(m);
		(void) nng_msg_append(m, reply.ptr, reply.len);
		ig_buf_free(&reply);
		(void) nng_sendmsg(sv->sock, m, 0);
	}
}

static void
test_submit(void **state)
{
	static const char url[] = "inproc://admin-root-test";
	struct server sv;
	nng_thread *thr = NULL;
	char dir[64], why[256];
	gk_signer s[2] = { { "se", NULL }, { "dk", NULL } };
	ig_buf r2, weak, old1;
	uint64_t serial = 0;
	bool changed = false;
	(void) state;

	s[0].priv = fed.priv[TK_SE];
	s[1].priv = fed.priv[TK_DK];
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 2, &r2);
	gk_root_make(
	    3, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 1, &weak);
	gk_root_make(
	    1, GK_FAR_FUTURE - 1, 2, fed.members, TK_MEMBERS, s, 2, &old1);
	tk_dir_make(dir);
	memset(&sv, 0, sizeof(sv));
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &sv.reg),
	    IG_OK);
	sv.requests = 4;
	assert_int_equal(nng_rep0_open(&sv.sock), 0);
	assert_int_equal(nng_listen(sv.sock, url, NULL, 0), 0);
	assert_int_equal(nng_thread_create(&thr, serve, &sv), 0);

	assert_int_equal(ig_admin_root_submit(url, NULL, ig_buf_slice(&r2),
	                     &serial, &changed, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(serial, 2);
	assert_true(changed);
	assert_int_equal(ig_admin_root_submit(url, "tok", ig_buf_slice(&r2),
	                     &serial, &changed, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(serial, 2);
	assert_false(changed);
	assert_int_equal(ig_admin_root_submit(url, NULL, ig_buf_slice(&weak),
	                     &serial, &changed, why, sizeof(why)),
	    IG_ETHRESHOLD);
	assert_non_null(strstr(why, "serial 2"));
	assert_int_equal(ig_admin_root_submit(url, NULL, ig_buf_slice(&old1),
	                     &serial, &changed, why, sizeof(why)),
	    IG_EROOTSERIAL);
	assert_int_equal(
	    ig_admin_root_submit(url, NULL, ig_slice_make(NULL, 0), &serial,
	        &changed, why, sizeof(why)),
	    IG_ETOOBIG);

	nng_thread_destroy(thr);
	nng_close(sv.sock);
	ig_registry_close(sv.reg);
	tk_dir_remove(dir);
	ig_buf_free(&r2);
	ig_buf_free(&weak);
	ig_buf_free(&old1);
}

static void
test_serve_malformed(void **state)
{
	char dir[64];
	ig_registry *reg = NULL;
	msgpack_object arg;
	ig_buf reply;
	(void) state;

	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	ig_buf_init(&reply, IG_ADMIN_REPLY_MAX);
	memset(&arg, 0, sizeof(arg));
	arg.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	assert_int_equal(
	    ig_admin_root_serve(reg, &arg, 1, 0, &reply), IG_EFORMAT);
	assert_int_equal(
	    ig_admin_root_serve(reg, &arg, 0, 0, &reply), IG_EFORMAT);
	assert_true(reply.len > 0 && reply.ptr[1] == 0xc2); /* false */
	ig_buf_free(&reply);
	ig_registry_close(reg);
	tk_dir_remove(dir);
}

static int
setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_serve_malformed),
	};
	ig_log_set_level(IG_LOG_OFF);
	return cmocka_run_group_tests(tests, setup, teardown);
}
