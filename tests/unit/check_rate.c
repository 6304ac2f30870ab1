/* check_rate - rate parsing and GCRA: bursts, steady state, retry times */
#include "config.h"

#include "tm_rate.h"
#define SUITE_NAME "rate"
#include "check_main.h"

static const struct {
	const char *text;
	long burst, count, period_ms, rburst, interval_us;
	long long tolerance_us; /* GCRA: (burst - 1) intervals, worked out by hand */
} good[] = {
    {"100/min", 0, 100, 60000, 100, 600000, 59400000LL},
    {"2000/h", 50, 2000, 3600000, 50, 1800000, 88200000LL},
    {"10/s", 1, 10, 1000, 1, 100000, 0},
    {"5000/d", 0, 5000, 86400000, 5000, 17280000, 86382720000LL},
    {"3/sec", 0, 3, 1000, 3, 333333, 666666LL},
};

START_TEST(parse_good)
{
	RATE r;
	SBUF *e = sbuf_new(64);

	ck_assert_msg(rate_parse(good[_i].text, good[_i].burst, &r, e) == 0, "%s", sbuf_str(e));
	ck_assert_int_eq(r.count, good[_i].count);
	ck_assert_int_eq(r.period_ms, good[_i].period_ms);
	ck_assert_int_eq(r.burst, good[_i].rburst);
	ck_assert_int_eq(r.interval_us, good[_i].interval_us);
	ck_assert_int_eq(r.tolerance_us, good[_i].tolerance_us);
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *text;
	long burst;
	const char *err;
} bad[] = {
    {"100", 0, "bad rate \"100\": expected N/unit with N from 1 to 100000000, as in 100/min"},
    {"0/min", 0, "bad rate \"0/min\": expected N/unit with N from 1 to 100000000, as in 100/min"},
    {"-5/min", 0, "bad rate \"-5/min\": expected N/unit with N from 1 to 100000000, as in 100/min"},
    {"x/min", 0, "bad rate \"x/min\": expected N/unit with N from 1 to 100000000, as in 100/min"},
    {"10/fortnight", 0, "bad rate unit \"fortnight\": use s, min, h or d"},
    {"10/min", -1, "bad burst -1: use 1 to 100000000"},
};

START_TEST(parse_bad)
{
	RATE r;
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(rate_parse(bad[_i].text, bad[_i].burst, &r, e), -1);
	ck_assert_str_eq(sbuf_str(e), bad[_i].err);
	sbuf_free(e);
}
END_TEST

START_TEST(burst_then_steady)
{
	RATE r;
	SBUF *e = sbuf_new(64);
	long long tat = 0, retry, now = 1000000000LL;
	int passed = 0;

	rate_parse("60/min", 10, &r, e); /* one per second, bursts of 10 */
	for (int i = 0; i < 20; i++)
		passed += gcra_check(&r, now, &tat, &retry);
	ck_assert_int_eq(passed, 10); /* the burst, and no more */
	ck_assert_int_eq(retry, 1000000); /* the next one in exactly one interval */
	ck_assert_int_eq(gcra_check(&r, now + 999999, &tat, &retry), 0);
	ck_assert_int_eq(retry, 1);
	ck_assert_int_eq(gcra_check(&r, now + 1000000, &tat, &retry), 1);
	/* after a long idle period the full burst is available again, not more */
	passed = 0;
	for (int i = 0; i < 20; i++)
		passed += gcra_check(&r, now + 3600000000LL, &tat, &retry);
	ck_assert_int_eq(passed, 10);
	sbuf_free(e);
}
END_TEST

START_TEST(long_run_rate)
{
	RATE r;
	SBUF *e = sbuf_new(64);
	long long tat = 0, retry, now = 0;
	int passed = 0;

	rate_parse("100/min", 1, &r, e);
	/* offered 10 per second for ten minutes: exactly the rate passes */
	for (int i = 0; i < 6000; i++, now += 100000)
		passed += gcra_check(&r, now, &tat, &retry);
	ck_assert_int_eq(passed, 1000);
	sbuf_free(e);
}
END_TEST

START_TEST(format)
{
	RATE r;
	SBUF *e = sbuf_new(64), *o = sbuf_new(64);

	rate_parse("2000/h", 0, &r, e);
	rate_format(&r, o);
	ck_assert_str_eq(sbuf_str(o), "2000/h burst 2000");
	sbuf_free(e);
	sbuf_free(o);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, parse_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, burst_then_steady);
	tcase_add_test(tc, long_run_rate);
	tcase_add_test(tc, format);
}
