/*
 * check_limits - a tenant's limits as stored (field by field, any order),
 * what they allow at one instant in the tenant's time zone, and the exact
 * sentences a refused client reads.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tm_limits.h"
#include "tm_quota.h"
#define SUITE_NAME "limits"
#include "check_main.h"

/* 2026-11-23 23:30 UTC is 2026-11-24 00:30 in Berlin (UTC+1) */
#define T_LATE 1795476600L

static LIMITS *
make(const char *const *fv)
{
	LIMITS *l = limits_new();
	SBUF *e = sbuf_new(64);

	for (int i = 0; fv[i]; i += 2)
		ck_assert_msg(limits_set(l, fv[i], fv[i + 1], e) == 0, "%s=%s: %s", fv[i], fv[i + 1], sbuf_str(e));
	sbuf_free(e);
	return l;
}

START_TEST(day_and_hour_in_the_tenants_zone)
{
	const char *fv[] = {LIM_SCHEDULE, "50,100,200", LIM_START, "2026-11-22", LIM_TIMEZONE, "Europe/Berlin", NULL};
	LIMITS *l = make(fv);
	LIMITS_NOW at;

	limits_at(l, T_LATE, "google", &at);
	ck_assert_str_eq(at.date, "2026-11-24");
	ck_assert_str_eq(at.hour, "00");
	ck_assert_int_eq(at.day_index, 2);
	ck_assert_int_eq(at.cap_day, 200);
	ck_assert_int_eq(at.cap_hour, 17); /* ceil(200 / 12) */
	ck_assert_int_eq(at.cap_provider, -1);
	limits_free(l);
	/* the same instant in UTC is still the 23rd, day 2 */
	const char *utc[] = {LIM_SCHEDULE, "50,100,200", LIM_START, "2026-11-22", NULL};
	l = make(utc);
	limits_at(l, T_LATE, "google", &at);
	ck_assert_str_eq(at.date, "2026-11-23");
	ck_assert_str_eq(at.hour, "23");
	ck_assert_int_eq(at.cap_day, 100);
	limits_free(l);
}
END_TEST

START_TEST(then_and_provider_caps)
{
	const char *fv[] = {LIM_SCHEDULE, "10", LIM_START, "2026-01-01", LIM_THEN, "5000", LIM_ACTIVE_HOURS, "24",
			    LIM_PROVIDERS, "google=100,microsoft=0", NULL};
	LIMITS *l = make(fv);
	LIMITS_NOW at;
	SBUF *b = sbuf_new(64);

	limits_at(l, T_LATE, "microsoft", &at);
	ck_assert_int_eq(at.cap_day, 5000);
	ck_assert_int_eq(at.cap_hour, 209);
	ck_assert_int_eq(at.cap_provider, 0);
	limits_at(l, T_LATE, "yahoo", &at);
	ck_assert_int_eq(at.cap_provider, -1);
	limits_format_providers(l->provider_cap, b);
	ck_assert_str_eq(sbuf_str(b), "google=100,microsoft=0");
	sbuf_free(b);
	limits_free(l);
	limits_at(NULL, T_LATE, "other", &at); /* no limits at all */
	ck_assert_int_eq(at.cap_day, -1);
	ck_assert_int_eq(at.cap_hour, -1);
	ck_assert_int_eq(at.day_index, -1);
}
END_TEST

START_TEST(rate_and_burst_in_either_order)
{
	const char *a[] = {LIM_BURST, "5", LIM_RATE, "10/s", NULL};
	const char *b[] = {LIM_RATE, "10/s", LIM_BURST, "5", NULL};
	const char *c[] = {LIM_RATE, "10/s", NULL};
	LIMITS *la = make(a), *lb = make(b), *lc = make(c);

	ck_assert(la->has_rate && lb->has_rate);
	ck_assert_int_eq(la->rate.burst, 5);
	ck_assert_int_eq(lb->rate.burst, 5);
	ck_assert_int_eq(la->rate.tolerance_us, lb->rate.tolerance_us);
	ck_assert_int_eq(lc->rate.burst, 10); /* the default burst is N */
	limits_free(la);
	limits_free(lb);
	limits_free(lc);
}
END_TEST

static const struct {
	const char *field, *value, *err;
} bad[] = {
    {LIM_SCHEDULE, "50,,100", "schedule entry 2 \"\" is not a number from 1 to 100000000"},
    {LIM_START, "2026-02-30", "bad date \"2026-02-30\": no such day"},
    {LIM_THEN, "lots", "--then takes \"unlimited\" or a number from 1 to 100000000, not \"lots\""},
    {LIM_ACTIVE_HOURS, "25", "active hours \"25\": use a number from 1 to 24"},
    {LIM_TIMEZONE, "Mars/Olympus", "unknown time zone \"Mars/Olympus\": use an IANA name such as UTC or Europe/Berlin"},
    {LIM_PROVIDERS, "gmail=5", "provider cap \"gmail\": use GROUP=N with GROUP one of google, microsoft, yahoo, apple, other"},
    {LIM_PROVIDERS, "google=-1", "provider cap google=\"-1\": use a number from 0 to 100000000"},
    {LIM_BURST, "0", "burst \"0\": use a number from 1 to 100000000"},
};

START_TEST(bad_values_are_named)
{
	LIMITS *l = limits_new();
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(limits_set(l, bad[_i].field, bad[_i].value, e), -1);
	ck_assert_str_eq(sbuf_str(e), bad[_i].err);
	ck_assert_int_eq(limits_set(l, "some_future_field", "x", e), 0); /* ignored, not fatal */
	sbuf_free(e);
	limits_free(l);
}
END_TEST

START_TEST(reply_sentences)
{
	const char *fv[] = {LIM_SCHEDULE, "50,100,200", LIM_START, "2026-11-22", LIM_RATE, "100/min",
			    LIM_TIMEZONE, "Europe/Berlin", NULL};
	LIMITS *l = make(fv);
	QUOTA_REQ q = {.tenant = "acme", .lim = l, .provider = "google", .now = T_LATE};
	QUOTA_RES r = {0};
	SBUF *b = sbuf_new(64);

	limits_at(l, T_LATE, "google", &r.at);
	r.verdict = Q_CAP_DAY;
	quota_reply(&q, &r, "x@y", b);
	ck_assert_str_eq(sbuf_str(b), "tenant acme: warm-up day 3 cap of 200 reached, retry after 00:00 Europe/Berlin");
	sbuf_reset(b);
	r.verdict = Q_CAP_HOUR;
	quota_reply(&q, &r, "x@y", b);
	ck_assert_str_eq(sbuf_str(b), "tenant acme: warm-up day 3 hourly cap of 17 reached (200 a day over 12 active hours), retry after 01:00 Europe/Berlin");
	sbuf_reset(b);
	r.verdict = Q_RATE;
	r.retry_ms = 1200;
	quota_reply(&q, &r, "x@y", b);
	ck_assert_str_eq(sbuf_str(b), "tenant acme: rate limit of 100/min reached, retry in 2 s");
	sbuf_reset(b);
	r.verdict = Q_SUPPRESSED;
	snprintf(r.reason, sizeof(r.reason), "unsubscribe");
	r.since = 1795132800; /* 2026-11-20 */
	quota_reply(&q, &r, "a@example.com", b);
	ck_assert_str_eq(sbuf_str(b), "<a@example.com>: recipient suppressed (unsubscribe, 2026-11-20)");
	sbuf_reset(b);
	r.verdict = Q_PAUSED;
	r.reason[0] = 0;
	quota_reply(&q, &r, "a@example.com", b);
	ck_assert_str_eq(sbuf_str(b), "tenant acme is paused: no reason given");
	sbuf_free(b);
	limits_free(l);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, day_and_hour_in_the_tenants_zone);
	tcase_add_test(tc, then_and_provider_caps);
	tcase_add_test(tc, rate_and_burst_in_either_order);
	tcase_add_loop_test(tc, bad_values_are_named, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, reply_sentences);
}
