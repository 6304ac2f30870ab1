/*
 * NAME
 *	tm_warmup 3h - warm-up schedules
 * DESCRIPTION
 *	A schedule is a list of daily caps, indexed by the number of days
 *	since the start date in the tenant's time zone: index 0 is the start
 *	date itself (shown to people as "day 1"). After the last entry, "then"
 *	applies (-1: unlimited). Days are counted on local calendar dates, so a
 *	DST change never makes a day 23 or 25 hours "long" in the count.
 *
 *	Smoothing: with active_hours H, no clock hour may take more than
 *	ceil(daily / H).
 */
#ifndef TM_WARMUP_H
#define TM_WARMUP_H

#include <glib.h>
#include <stdint.h>

#include "tm_sbuf.h"

#define WARMUP_MAX_DAYS 366
#define WARMUP_UNLIMITED (-1L)
#define WARMUP_DEFAULT_ACTIVE_HOURS 12

typedef struct {
	long days[WARMUP_MAX_DAYS];
	size_t ndays;
	long then;	 /* after the last day; WARMUP_UNLIMITED or a cap */
	int active_hours; /* 1..24; 24 means no smoothing beyond the day */
	int start_y, start_m, start_d;
} WARMUP;

/* Presets: "conservative" (30 days), "standard" (21), "aggressive" (14). */
int warmup_preset(const char *name, WARMUP *w, SBUF *err);
/* warmup_parse_schedule - "50,100,200,..."; each 1..100000000, non-decreasing not required */
int warmup_parse_schedule(const char *text, WARMUP *w, SBUF *err);
/* warmup_parse_then - "unlimited" or N */
int warmup_parse_then(const char *text, long *then, SBUF *err);
/* warmup_parse_date - "YYYY-MM-DD", a real calendar date */
int warmup_parse_date(const char *text, int *y, int *m, int *d, SBUF *err);

/* warmup_days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
int64_t warmup_days_from_civil(int y, int m, int d);

/*
 * warmup_local_date - the calendar date and hour of now_unix in tz (NULL: UTC).
 * Thread-safe: GTimeZone, not TZ and localtime().
 */
void warmup_local_date(int64_t now_unix, GTimeZone *tz, int *y, int *m, int *d, int *hour);

/* warmup_day_index - days since the start date, in tz; negative before the start */
long warmup_day_index(const WARMUP *w, int64_t now_unix, GTimeZone *tz);

/* warmup_daily_cap - the cap for a day index; before the start, the first day's */
long warmup_daily_cap(const WARMUP *w, long day_index);

/* warmup_hourly_cap - ceil(daily / active_hours); WARMUP_UNLIMITED stays unlimited */
long warmup_hourly_cap(const WARMUP *w, long daily);

/* warmup_next_midnight - unix time of the next local midnight after now_unix in tz */
int64_t warmup_next_midnight(int64_t now_unix, GTimeZone *tz);

#endif
