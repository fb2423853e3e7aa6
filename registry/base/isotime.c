/*
 * isotime.c - strict ISO 8601 parsing and formatting in UTC.
 */
#include "registry/base/isotime.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Reads exactly n digits at s[*i]. */
static bool
digits(const char *s, size_t len, size_t *i, unsigned n, int *out)
{
	int v = 0;
	for (unsigned k = 0; k < n; k++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	*out = v;
	return true;
}

static bool
expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return false;
	(*i)++;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

ig_err
ig_isotime_parse(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!digits(s, len, &i, 4, &y) || !expect(s, len, &i, '-')
	    || !digits(s, len, &i, 2, &mo) || !expect(s, len, &i, '-')
	    || !digits(s, len, &i, 2, &d))
		return IG_EFORMAT;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return IG_EFORMAT;
	int64_t offset = 0;
	if (i < len) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return IG_EFORMAT;
		i++;
		if (!digits(s, len, &i, 2, &h) || !expect(s, len, &i, ':')
		    || !digits(s, len, &i, 2, &mi))
			return IG_EFORMAT;
		if (i < len && s[i] == ':') {
			i++;
			if (!digits(s, len, &i, 2, &sec))
				return IG_EFORMAT;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				i++;
				size_t start = i;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
				if (i == start || i - start > 9)
					return IG_EFORMAT;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return IG_EFORMAT;
		if (i < len) {
			if (s[i] == 'Z' || s[i] == 'z') {
				i++;
			} else if (s[i] == '+' || s[i] == '-') {
				int sign = s[i] == '-' ? -1 : 1;
				int oh, om = 0;
				i++;
				if (!digits(s, len, &i, 2, &oh))
					return IG_EFORMAT;
				if (i < len && s[i] == ':')
					i++;
				if (i < len && !digits(s, len, &i, 2, &om))
					return IG_EFORMAT;
				if (oh > 23 || om > 59)
					return IG_EFORMAT;
				offset = sign * (oh * 3600 + om * 60);
			} else {
				return IG_EFORMAT;
			}
		}
		if (i != len)
			return IG_EFORMAT;
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
	    - offset;
	return IG_OK;
}

ig_err
ig_isotime_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t) t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL)
		return IG_EINVAL;
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return n == 0 ? IG_EINVAL : IG_OK;
}

int64_t
ig_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec;
}

int64_t
ig_time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
