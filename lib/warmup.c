/*
 * NAME
 *	warmup - warm-up schedule math
 * DESCRIPTION
 *	Pure functions of a schedule, an explicit "now" and a time zone.
 *	Time zones come from GLib's GTimeZone (the system tzdata), which is
 *	thread-safe, unlike setting TZ for localtime().
 *
 *	Presets, chosen from the deliverability guides' advice to roughly
 *	double every one to three days:
 *	  aggressive   14 days, 50 -> 400000: doubles daily, then steps of 2x
 *	  standard     21 days, 50 -> 400000: week 1 doubles daily, then ~1.5x
 *	  conservative 30 days, 20 -> 160000: ~1.3x a day
 *	Each ends "then unlimited" unless the administrator says otherwise.
 * SEE ALSO
 *	tm_warmup.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_warmup.h"

static const long preset_aggressive[] = {50,   100,   200,   400,   800,    1500,   3000,
					 6000, 12000, 25000, 50000, 100000, 200000, 400000};
static const long preset_standard[] = {50,    100,   200,   400,    800,    1500,   3000,
				       4500,  6000,  9000,  12000,  18000,  25000,  35000,
				       50000, 70000, 100000, 140000, 200000, 280000, 400000};
static const long preset_conservative[] = {
    20,	  40,	80,    150,   250,   400,   600,   800,	  1000,	  1500,	  2000,	  2500,	  3000,	  4000,	  5000,
    6500, 8000, 10000, 12500, 15000, 20000, 25000, 30000, 40000, 50000, 65000, 80000, 100000, 130000, 160000};

static const struct {
	const char *name;
	const long *days;
	size_t n;
} presets[] = {
    {"aggressive", preset_aggressive, sizeof(preset_aggressive) / sizeof(long)},
    {"standard", preset_standard, sizeof(preset_standard) / sizeof(long)},
    {"conservative", preset_conservative, sizeof(preset_conservative) / sizeof(long)},
};

int
warmup_preset(const char *name, WARMUP *w, SBUF *err)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(name, presets[i].name) == 0) {
			memcpy(w->days, presets[i].days, presets[i].n * sizeof(long));
			w->ndays = presets[i].n;
			return 0;
		}
	}
	sbuf_printf(err, "unknown preset \"%.40s\": use conservative, standard or aggressive", name);
	return -1;
}

/* warmup_number - a whole number 1..100000000 from [p, end) */
static int
warmup_number(const char *p, const char *end, long *out)
{
	long n = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p) || n > 100000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > 100000000)
		return -1;
	*out = n;
	return 0;
}

int
warmup_parse_schedule(const char *text, WARMUP *w, SBUF *err)
{
	const char *p = text, *comma;
	size_t n = 0;

	for (;;) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (n == WARMUP_MAX_DAYS) {
			sbuf_printf(err, "schedule longer than %d days", WARMUP_MAX_DAYS);
			return -1;
		}
		if (warmup_number(p, comma, &w->days[n]) < 0) {
			sbuf_printf(err, "schedule entry %zu \"%.*s\" is not a number from 1 to 100000000", n + 1,
				    (int)(comma - p > 20 ? 20 : comma - p), p);
			return -1;
		}
		n++;
		if (*comma == 0)
			break;
		p = comma + 1;
	}
	w->ndays = n;
	return 0;
}

int
warmup_parse_then(const char *text, long *then, SBUF *err)
{
	if (strcmp(text, "unlimited") == 0) {
		*then = WARMUP_UNLIMITED;
		return 0;
	}
	if (warmup_number(text, text + strlen(text), then) < 0) {
		sbuf_printf(err, "--then takes \"unlimited\" or a number from 1 to 100000000, not \"%.20s\"", text);
		return -1;
	}
	return 0;
}

int64_t
warmup_days_from_civil(int y, int m, int d)
{
	/* era-based conversion: exact for the proleptic Gregorian calendar */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int
warmup_parse_date(const char *text, int *y, int *m, int *d, SBUF *err)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap, n = 0;

	if (strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || n != 10 ||
	    text[4] != '-' || text[7] != '-') {
		sbuf_printf(err, "bad date \"%.20s\": use YYYY-MM-DD", text);
		return -1;
	}
	leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	if (*y < 2000 || *y > 2199 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > mdays[*m - 1] + (*m == 2 && leap)) {
		sbuf_printf(err, "bad date \"%.20s\": no such day", text);
		return -1;
	}
	return 0;
}

void
warmup_local_date(int64_t now_unix, GTimeZone *tz, int *y, int *m, int *d, int *hour)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(now_unix);
	GDateTime *loc = tz ? g_date_time_to_timezone(utc, tz) : g_date_time_ref(utc);

	*y = g_date_time_get_year(loc);
	*m = g_date_time_get_month(loc);
	*d = g_date_time_get_day_of_month(loc);
	if (hour)
		*hour = g_date_time_get_hour(loc);
	g_date_time_unref(loc);
	g_date_time_unref(utc);
}

long
warmup_day_index(const WARMUP *w, int64_t now_unix, GTimeZone *tz)
{
	int y, m, d;

	warmup_local_date(now_unix, tz, &y, &m, &d, NULL);
	return (long)(warmup_days_from_civil(y, m, d) -
		      warmup_days_from_civil(w->start_y, w->start_m, w->start_d));
}

long
warmup_daily_cap(const WARMUP *w, long day_index)
{
	if (w->ndays == 0)
		return w->then;
	if (day_index < 0)
		return w->days[0];
	if ((size_t)day_index < w->ndays)
		return w->days[day_index];
	return w->then;
}

long
warmup_hourly_cap(const WARMUP *w, long daily)
{
	int h = w->active_hours >= 1 && w->active_hours <= 24 ? w->active_hours : 24;

	if (daily == WARMUP_UNLIMITED)
		return WARMUP_UNLIMITED;
	return (daily + h - 1) / h;
}

int64_t
warmup_next_midnight(int64_t now_unix, GTimeZone *tz)
{
	int y, m, d;
	GDateTime *mid, *next;
	int64_t t;
	GTimeZone *z = tz ? g_time_zone_ref(tz) : g_time_zone_new_utc();

	warmup_local_date(now_unix, tz, &y, &m, &d, NULL);
	mid = g_date_time_new(z, y, m, d, 0, 0, 0);
	next = g_date_time_add_days(mid, 1);
	/* a zone whose midnight falls in a DST gap gets the first valid instant */
	t = g_date_time_to_unix(next);
	g_date_time_unref(mid);
	g_date_time_unref(next);
	g_time_zone_unref(z);
	return t;
}
