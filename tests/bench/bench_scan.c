/*
 * bench_scan.c - the QR reader of POST /v1/scan (api/scan.c, zbar) on
 * one core: a 640x480 grayscale frame holding the QR code of a 560-byte
 * text (the size of a test-PKI vaccination certificate, version 20 at 4
 * pixels per module, as tests/integration/vpage/qr_y4m draws it), and as
 * the reference measured in the same run, the same frame blank (what
 * zbar spends on a frame without a code: the page's usual frame while
 * the user aims).
 *
 * Usage: bench_scan [N]   (frames of each kind; default 200)
 * Prints:
 *   scan_code_ms          milliseconds per frame with the code
 *   scan_blank_ms         milliseconds per blank frame (the reference)
 *   scan_code_ratio       the first / the second
 *   scan_frames_per_s     frames with the code per second on one core
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/scan.h"
#include "registry/base/limits.h"

#define W 640
#define H 480

static uint8_t frame[W * H];

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Seconds per scan of the frame; *found: the scans that read text. */
static double
per_scan(unsigned long n, unsigned long *found)
{
	char out[IG_HCERT_TEXT_MAX + 1];
	size_t len;
	double t0 = now_s();
	*found = 0;
	for (unsigned long i = 0; i < n; i++)
		if (ig_scan_y800(frame, W, H, out, sizeof(out), &len) == IG_OK)
			(*found)++;
	return (now_s() - t0) / (double) n;
}

int
main(int argc, char **argv)
{
	static const char b45[]
	    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
	char text[561], *end = NULL;
	unsigned long n = argc > 1 ? strtoul(argv[1], &end, 10) : 200, f1, f2;
	QRcode *qr;
	double code, blank;
	int side, scale;

	if (argc > 2 || (argc > 1 && (*end != '\0' || n == 0))) {
		fprintf(stderr, "usage: bench_scan [N]\n");
		return 2;
	}
	memcpy(text, "HC1:", 4);
	srand(1);
	for (size_t i = 4; i < sizeof(text) - 1; i++)
		text[i] = b45[rand() % 45];
	text[sizeof(text) - 1] = '\0';
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1))
	    == NULL)
		return 1;
	side = qr->width + 8;
	scale = H / side;
	memset(frame, 200, sizeof(frame));
	for (int y = 0; y < side * scale; y++)
		for (int x = 0; x < side * scale; x++) {
			int mx = x / scale - 4, my = y / scale - 4;
			int dark = mx >= 0 && my >= 0 && mx < qr->width
			    && my < qr->width
			    && (qr->data[my * qr->width + mx] & 1);
			frame[(size_t) ((H - side * scale) / 2 + y) * W
			    + (size_t) ((W - side * scale) / 2 + x)]
			    = dark ? 16 : 235;
		}
	QRcode_free(qr);
	code = per_scan(n, &f1);
	memset(frame, 200, sizeof(frame));
	blank = per_scan(n, &f2);
	if (f1 != n || f2 != 0) {
		fprintf(stderr,
		    "bench_scan: read %lu of %lu codes, %lu blank\n", f1, n,
		    f2);
		return 1;
	}
	printf("scan_code_ms: %.2f\n", code * 1e3);
	printf("scan_blank_ms: %.2f\n", blank * 1e3);
	printf("scan_code_ratio: %.2f\n", code / blank);
	printf("scan_frames_per_s: %.0f\n", 1.0 / code);
	return 0;
}
