/*
 * qr_y4m.c - writes a QR code of a text as camera frames, for the
 * browser test of the verification page (vpage_test.sh).
 *
 *   qr_y4m TEXT OUT.y4m    a Y4M video (640x480, 4:2:0, 10 frames at
 *                          10 fps) for Chromium's fake camera
 *                          (--use-file-for-fake-video-capture), the
 *                          code centred on a light grey background
 *   qr_y4m --y800 TEXT OUT one raw 8-bit grayscale frame (640x480), the
 *                          body of POST /v1/scan?w=640&h=480
 *
 * The code is made by libqrencode (Debian's libqrencode-dev, a test-only
 * dependency), error correction level M, with as many whole pixels per
 * module as fit and the 4-module quiet zone. Exit 0, or 1 with a message.
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W      640
#define H      480
#define FRAMES 10

static unsigned char frame[W * H];

/* Draws the code of text into frame; false when it cannot be encoded or
 * does not fit. */
static int
draw(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int side, scale, x0, y0;
	if (qr == NULL) {
		fprintf(stderr, "qr_y4m: cannot encode the text\n");
		return 0;
	}
	side = qr->width + 8;
	scale = H / side;
	if (scale < 1) {
		fprintf(stderr, "qr_y4m: %d modules do not fit\n", qr->width);
		QRcode_free(qr);
		return 0;
	}
	memset(frame, 200, sizeof(frame)); /* a grey table */
	x0 = (W - side * scale) / 2;
	y0 = (H - side * scale) / 2;
	for (int y = 0; y < side * scale; y++)
		for (int x = 0; x < side * scale; x++) {
			int mx = x / scale - 4, my = y / scale - 4;
			int dark = mx >= 0 && my >= 0 && mx < qr->width
			    && my < qr->width
			    && (qr->data[my * qr->width + mx] & 1);
			frame[(y0 + y) * W + x0 + x] = dark ? 16 : 235;
		}
	QRcode_free(qr);
	return 1;
}

int
main(int argc, char **argv)
{
	int y800 = argc == 4 && strcmp(argv[1], "--y800") == 0;
	const char *text, *path;
	static unsigned char chroma[W * H / 4];
	FILE *f;
	int ok;

	if (argc != 3 && !y800) {
		fprintf(stderr, "usage: qr_y4m [--y800] TEXT OUT\n");
		return 1;
	}
	text = argv[y800 ? 2 : 1];
	path = argv[y800 ? 3 : 2];
	if (!draw(text))
		return 1;
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		return 1;
	}
	if (y800)
		ok = fwrite(frame, 1, sizeof(frame), f) == sizeof(frame);
	else {
		memset(chroma, 128, sizeof(chroma)); /* no colour */
		ok = fprintf(
		         f, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", W, H)
		    > 0;
		for (int i = 0; ok && i < FRAMES; i++)
			ok = fputs("FRAME\n", f) >= 0
			    && fwrite(frame, 1, sizeof(frame), f)
			        == sizeof(frame)
			    && fwrite(chroma, 1, sizeof(chroma), f)
			        == sizeof(chroma)
			    && fwrite(chroma, 1, sizeof(chroma), f)
			        == sizeof(chroma);
	}
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "qr_y4m: cannot write %s\n", path);
		return 1;
	}
	return 0;
}
