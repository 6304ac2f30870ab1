/* check_warmup - schedule math: day boundaries, time zones across DST, --then, presets */
#include "config.h"

#include <time.h>

#include "tm_warmup.h"
#define SUITE_NAME "warmup"
#include "check_main.h"

/* at - unix time of a UTC date and time, by the C library (timegm), not by the code under test */
static int64_t
at(int y, int m, int d, int hh, int mm, int ss)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mm, .tm_sec = ss};

	return (int64_t)timegm(&tm);
}

static WARMUP
sched(const char *text, const char *start)
{
	WARMUP w = {.then = WARMUP_UNLIMITED, .active_hours = WARMUP_DEFAULT_ACTIVE_HOURS};
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(warmup_parse_schedule(text, &w, e), 0);
	ck_assert_int_eq(warmup_parse_date(start, &w.start_y, &w.start_m, &w.start_d, e), 0);
	sbuf_free(e);
	return w;
}

START_TEST(utc_day_boundaries)
{
	WARMUP w = sched("50,100,200", "2026-11-20");

	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 20, 0, 0, 0), NULL), 0);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 20, 23, 59, 59), NULL), 0);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 21, 0, 0, 0), NULL), 1);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 19, 23, 59, 59), NULL), -1);
	ck_assert_int_eq(warmup_daily_cap(&w, 0), 50);
	ck_assert_int_eq(warmup_daily_cap(&w, 2), 200);
	ck_assert_int_eq(warmup_daily_cap(&w, -4), 50); /* before the start: the first day's cap */
	ck_assert_int_eq(warmup_daily_cap(&w, 3), WARMUP_UNLIMITED);
	w.then = 5000;
	ck_assert_int_eq(warmup_daily_cap(&w, 3), 5000);
	ck_assert_int_eq(warmup_daily_cap(&w, 300), 5000);
}
END_TEST

START_TEST(new_york_across_dst_end)
{
	/* DST ends 2026-11-01 02:00 EDT; local midnight of Nov 2 is 05:00 UTC, of Nov 1 04:00 UTC */
	GTimeZone *ny = g_time_zone_new_identifier("America/New_York");
	WARMUP w = sched("10,20,30", "2026-10-31");

	ck_assert_ptr_nonnull(ny);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 1, 3, 59, 59), ny), 0);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 1, 4, 0, 0), ny), 1);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 2, 4, 59, 59), ny), 1); /* the 25-hour day */
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 11, 2, 5, 0, 0), ny), 2);
	ck_assert_int_eq(warmup_next_midnight(at(2026, 11, 1, 12, 0, 0), ny), at(2026, 11, 2, 5, 0, 0));
	g_time_zone_unref(ny);
}
END_TEST

START_TEST(berlin_across_dst_start)
{
	/* DST starts 2026-03-29 02:00 CET: that local day is 23 hours long */
	GTimeZone *ber = g_time_zone_new_identifier("Europe/Berlin");
	WARMUP w = sched("10,20,30", "2026-03-29");
	int y, m, d, h;

	ck_assert_int_eq(warmup_day_index(&w, at(2026, 3, 28, 22, 59, 59), ber), -1);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 3, 28, 23, 0, 0), ber), 0);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 3, 29, 21, 59, 59), ber), 0);
	ck_assert_int_eq(warmup_day_index(&w, at(2026, 3, 29, 22, 0, 0), ber), 1);
	ck_assert_int_eq(warmup_next_midnight(at(2026, 3, 29, 12, 0, 0), ber), at(2026, 3, 29, 22, 0, 0));
	warmup_local_date(at(2026, 3, 29, 1, 30, 0), ber, &y, &m, &d, &h);
	ck_assert_int_eq(h, 3); /* 01:30 UTC is 03:30 CEST: 02:xx never happens */
	g_time_zone_unref(ber);
}
END_TEST

START_TEST(hourly_smoothing)
{
	WARMUP w = sched("200", "2026-11-20");

	ck_assert_int_eq(warmup_hourly_cap(&w, 200), 17); /* ceil(200/12) */
	w.active_hours = 8;
	ck_assert_int_eq(warmup_hourly_cap(&w, 200), 25);
	w.active_hours = 24;
	ck_assert_int_eq(warmup_hourly_cap(&w, 50), 3);
	ck_assert_int_eq(warmup_hourly_cap(&w, WARMUP_UNLIMITED), WARMUP_UNLIMITED);
	w.active_hours = 1;
	ck_assert_int_eq(warmup_hourly_cap(&w, 50), 50);
}
END_TEST

START_TEST(presets)
{
	WARMUP w = {0};
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(warmup_preset("aggressive", &w, e), 0);
	ck_assert_int_eq(w.ndays, 14);
	ck_assert_int_eq(warmup_preset("standard", &w, e), 0);
	ck_assert_int_eq(w.ndays, 21);
	ck_assert_int_eq(w.days[0], 50);
	ck_assert_int_eq(w.days[5], 1500); /* the guides' week 1: 50..1500 */
	ck_assert_int_eq(warmup_preset("conservative", &w, e), 0);
	ck_assert_int_eq(w.ndays, 30);
	for (size_t i = 1; i < w.ndays; i++)
		ck_assert(w.days[i] > w.days[i - 1]);
	ck_assert_int_eq(warmup_preset("reckless", &w, e), -1);
	ck_assert_str_eq(sbuf_str(e), "unknown preset \"reckless\": use conservative, standard or aggressive");
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *text, *err;
} bad_schedules[] = {
    {"", "schedule entry 1 \"\" is not a number from 1 to 100000000"},
    {"50,,100", "schedule entry 2 \"\" is not a number from 1 to 100000000"},
    {"50,100,x", "schedule entry 3 \"x\" is not a number from 1 to 100000000"},
    {"50,0", "schedule entry 2 \"0\" is not a number from 1 to 100000000"},
    {"50,-3", "schedule entry 2 \"-3\" is not a number from 1 to 100000000"},
    {"999999999999999999999", "schedule entry 1 \"99999999999999999999\" is not a number from 1 to 100000000"},
};

START_TEST(schedule_errors)
{
	WARMUP w;
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(warmup_parse_schedule(bad_schedules[_i].text, &w, e), -1);
	ck_assert_str_eq(sbuf_str(e), bad_schedules[_i].err);
	sbuf_free(e);
}
END_TEST

START_TEST(dates_and_then)
{
	int y, m, d;
	long then;
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(warmup_parse_date("2028-02-29", &y, &m, &d, e), 0);
	ck_assert_int_eq(warmup_parse_date("2026-02-29", &y, &m, &d, e), -1);
	ck_assert_int_eq(warmup_parse_date("2026-13-01", &y, &m, &d, e), -1);
	ck_assert_int_eq(warmup_parse_date("26-11-01", &y, &m, &d, e), -1);
	ck_assert_int_eq(warmup_parse_date("2026-11-01x", &y, &m, &d, e), -1);
	ck_assert_int_eq(warmup_parse_then("unlimited", &then, e), 0);
	ck_assert_int_eq(then, WARMUP_UNLIMITED);
	ck_assert_int_eq(warmup_parse_then("25000", &then, e), 0);
	ck_assert_int_eq(then, 25000);
	ck_assert_int_eq(warmup_parse_then("lots", &then, e), -1);
	ck_assert_int_eq(warmup_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(warmup_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(warmup_days_from_civil(2026, 11, 20), 20777); /* date -u -d 2026-11-20 +%s / 86400 */
	ck_assert_int_eq(warmup_days_from_civil(2024, 2, 29), 19782);
	ck_assert_int_eq(warmup_days_from_civil(1969, 12, 31), -1);
	sbuf_free(e);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, utc_day_boundaries);
	tcase_add_test(tc, new_york_across_dst_end);
	tcase_add_test(tc, berlin_across_dst_start);
	tcase_add_test(tc, hourly_smoothing);
	tcase_add_test(tc, presets);
	tcase_add_loop_test(tc, schedule_errors, 0, sizeof(bad_schedules) / sizeof(bad_schedules[0]));
	tcase_add_test(tc, dates_and_then);
}
