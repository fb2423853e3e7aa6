/*
 * scan_test.c - api/scan.c: the frame dimensions of POST /v1/scan and
 * QR codes read from grayscale frames. The frames are drawn here from
 * QR codes that libqrencode makes (a test-only dependency), so each
 * case knows the text it must read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "api/scan.h"
#include "registry/base/limits.h"

#define W 640
#define H 480

static uint8_t frame[W * H];

/* Draws the QR code of the first n bytes of data (8-bit mode) into a
 * w x h frame at `scale` pixels per module, with its quiet zone. */
static void
draw(const char *data, size_t n, uint32_t w, uint32_t h, int scale)
{
	QRcode *qr = QRcode_encodeData(
	    (int) n, (const unsigned char *) data, 0, QR_ECLEVEL_M);
	int side;
	assert_non_null(qr);
	side = (qr->width + 8) * scale;
	assert_true(side <= (int) w && side <= (int) h);
	memset(frame, 200, sizeof(frame));
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++) {
			int mx = x / scale - 4, my = y / scale - 4;
			int dark = mx >= 0 && my >= 0 && mx < qr->width
			    && my < qr->width
			    && (qr->data[my * qr->width + mx] & 1);
			frame[(uint32_t) y * w + (uint32_t) x]
			    = dark ? 20 : 230;
		}
	QRcode_free(qr);
}

static void
test_dims(void **state)
{
	uint32_t w = 7, h = 7;
	(void) state;
	assert_int_equal(ig_scan_dims("640", "480", 307200, &w, &h), IG_OK);
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	assert_int_equal(ig_scan_dims("480", "640", 307200, &w, &h), IG_OK);
	assert_int_equal(ig_scan_dims("32", "32", 1024, &w, &h), IG_OK);
	assert_int_equal(ig_scan_dims("1024", "300", 307200, &w, &h), IG_OK);
	w = h = 7;
	/* not numbers */
	assert_int_equal(ig_scan_dims(NULL, "480", 0, &w, &h), IG_EFORMAT);
	assert_int_equal(ig_scan_dims("640", NULL, 0, &w, &h), IG_EFORMAT);
	assert_int_equal(ig_scan_dims("", "480", 0, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("0640", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("+640", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("-640", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("640 ", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("0x40", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(ig_scan_dims("0", "480", 0, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("00640", "480", 307200, &w, &h), IG_EFORMAT);
	assert_int_equal(
	    ig_scan_dims("10000", "30", 300000, &w, &h), IG_EFORMAT);
	/* out of bounds */
	assert_int_equal(ig_scan_dims("31", "32", 992, &w, &h), IG_ETOOBIG);
	assert_int_equal(
	    ig_scan_dims("1025", "32", 32800, &w, &h), IG_ETOOBIG);
	assert_int_equal(
	    ig_scan_dims("641", "480", 307680, &w, &h), IG_ETOOBIG);
	assert_int_equal(
	    ig_scan_dims("1024", "1024", 1048576, &w, &h), IG_ETOOBIG);
	/* the body is not w * h bytes */
	assert_int_equal(
	    ig_scan_dims("640", "480", 307199, &w, &h), IG_ETRUNC);
	assert_int_equal(ig_scan_dims("640", "480", 0, &w, &h), IG_ETRUNC);
	/* nothing written on failure */
	assert_int_equal(w, 7);
	assert_int_equal(h, 7);
}

static void
test_reads_the_code(void **state)
{
	const char *hc1 = "HC1:NCFOXN%TS3DH0RGPJB/IB-OM7533H$2N 6ROQDL4HL7"
	                  "QV:9OH6L8I:E7R%T*9UHS0Y-EBKGG:TN7OUB6J4N+$HL$KE";
	char out[IG_HCERT_TEXT_MAX + 1];
	size_t n = 0;
	(void) state;
	draw(hc1, strlen(hc1), W, H, 4);
	assert_int_equal(
	    ig_scan_y800(frame, W, H, out, sizeof(out), &n), IG_OK);
	assert_int_equal(n, strlen(hc1));
	assert_string_equal(out, hc1);
	/* the same code in a small portrait frame */
	draw(hc1, strlen(hc1), 240, 320, 3);
	n = 0;
	assert_int_equal(
	    ig_scan_y800(frame, 240, 320, out, sizeof(out), &n), IG_OK);
	assert_string_equal(out, hc1);
}

static void
test_no_code(void **state)
{
	char out[64] = "untouched";
	size_t n = 99;
	(void) state;
	memset(frame, 200, sizeof(frame));
	assert_int_equal(
	    ig_scan_y800(frame, W, H, out, sizeof(out), &n), IG_ENOTFOUND);
	/* noise */
	srand(7);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t) (rand() & 255);
	assert_int_equal(
	    ig_scan_y800(frame, W, H, out, sizeof(out), &n), IG_ENOTFOUND);
	assert_string_equal(out, "untouched");
	assert_int_equal(n, 99);
}

static void
test_refused_text(void **state)
{
	static const char ctl[] = "HC1:AB\001CD";
	char big[600], fit[601], out[512] = "untouched";
	size_t n = 99;
	(void) state;
	/* a control byte: not an HC1 string */
	draw(ctl, sizeof(ctl) - 1, W, H, 6);
	assert_int_equal(
	    ig_scan_y800(frame, W, H, out, sizeof(out), &n), IG_EFORMAT);
	/* longer than the room given */
	memset(big, 'A', sizeof(big));
	draw(big, sizeof(big), W, H, 4);
	assert_int_equal(
	    ig_scan_y800(frame, W, H, out, sizeof(out), &n), IG_ETOOBIG);
	assert_string_equal(out, "untouched");
	assert_int_equal(n, 99);
	/* exactly cap bytes leave no room for the NUL; one more fits */
	assert_int_equal(
	    ig_scan_y800(frame, W, H, fit, sizeof(big), &n), IG_ETOOBIG);
	assert_int_equal(
	    ig_scan_y800(frame, W, H, fit, sizeof(big) + 1, &n), IG_OK);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(fit, big, sizeof(big));
	assert_int_equal(fit[sizeof(big)], '\0');
}

static void
test_bad_arguments(void **state)
{
	char out[16];
	size_t n;
	(void) state;
	assert_int_equal(
	    ig_scan_y800(frame, 31, 32, out, sizeof(out), &n), IG_EINVAL);
	assert_int_equal(
	    ig_scan_y800(frame, 641, 480, out, sizeof(out), &n), IG_EINVAL);
	assert_int_equal(
	    ig_scan_y800(frame, 1025, 40, out, sizeof(out), &n), IG_EINVAL);
	assert_int_equal(
	    ig_scan_y800(NULL, 64, 64, out, sizeof(out), &n), IG_EINVAL);
	assert_int_equal(ig_scan_y800(frame, 64, 64, out, 0, &n), IG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dims),
		cmocka_unit_test(test_reads_the_code),
		cmocka_unit_test(test_no_code),
		cmocka_unit_test(test_refused_text),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
