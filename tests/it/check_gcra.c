/*
 * check_gcra - GCRA lives once: lib/rate.c's gcra_check() (tenant-httpd's
 * per-client limit) is the reference, and the real quota script
 * (lib/quota.lua, through quota_rcpt) runs in a real redis-server on the
 * same inputs: the same rate, the same stored theoretical arrival time.
 * The script reads Redis's clock, so each call is bracketed by TIME
 * before and after, and gcra_check runs at both ends: the script's
 * verdict must be the one both ends give (and the case's, written by
 * hand), its new arrival time and its retry must lie between theirs.
 * tests/it/gcra.sh starts Redis and sets TM_TEST_REDIS; run alone, the
 * suite skips (exit 77).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tm_limits.h"
#include "tm_quota.h"
#include "tm_rate.h"
#include "tm_store.h"

#define GCRA_KEY                                                                                   \
	"{t:acme}:gcra" /* docs/redis-schema.md: STRING, the theoretical arrival time in us */
#define NONE LLONG_MIN

static CONF *conf;
static STORE *st;

static STORE_VAL *
call(const char *fmt, const char *a)
{
	SBUF *err = sbuf_new(64);
	STORE_VAL *r = store_callf(st, err, fmt, a);

	ck_assert_msg(r != NULL && r->type != STORE_V_ERR, "redis: %s %s", sbuf_str(err),
	              r ? r->str : "");
	sbuf_free(err);
	return r;
}

/* redis_now_us - Redis's clock, the one the script reads */
static long long
redis_now_us(void)
{
	STORE_VAL *r = call("TIME", NULL);
	long long us;

	ck_assert_int_eq(r->type, STORE_V_ARR);
	ck_assert_int_eq(r->elements, 2);
	us =
	    strtoll(r->element[0]->str, NULL, 10) * 1000000 + strtoll(r->element[1]->str, NULL, 10);
	store_val_free(r);
	return us;
}

/* stored_tat - the arrival time the script keeps, or 0 for none (gcra_check's "none") */
static long long
stored_tat(void)
{
	STORE_VAL *r = call("GET " GCRA_KEY, NULL);
	long long v = r->type == STORE_V_STR ? strtoll(r->str, NULL, 10) : 0;

	store_val_free(r);
	return v;
}

static void
setup(void)
{
	SBUF *errs = sbuf_new(64), *text = sbuf_new(64);
	STORE_VAL *r;

	sbuf_printf(text, "redis_server = %s\n", getenv("TM_TEST_REDIS"));
	conf = conf_parse("test", sbuf_str(text), NULL, 0, errs);
	ck_assert_msg(conf != NULL, "%s", sbuf_str(errs));
	st = store_new(conf);
	store_val_free(call("FLUSHALL", NULL));
	r = call("HSET {t:acme}:tenant status %s", "active");
	store_val_free(r);
	sbuf_free(errs);
	sbuf_free(text);
}

static void
teardown(void)
{
	st = store_free(st);
	conf = conf_unref(conf);
}

/*
 * Each case: a rate and burst, the stored arrival time before the first
 * call (relative to Redis's clock then; NONE: no key), and the verdicts
 * of calls made back to back (+ passes, - waits). Intervals are 100 ms or
 * more and no case sits within 100 ms of a boundary, so a slow call
 * (sanitizers) cannot change a verdict.
 */
static const struct {
	const char *rate, *burst;
	long long tat_offset_us;
	const char *want;
} cases[] = {
    {"1/s", "1", NONE, "+-"},              /* one, then a second's wait */
    {"10/s", "3", NONE, "+++-"},           /* a burst of three, then the rate */
    {"60/min", "10", NONE, "++++++++++-"}, /* a burst of ten */
    {"1/s", "2", 500000, "+-"},            /* half an interval owed, within the tolerance */
    {"1/s", "1", 300000, "-"},             /* owed with no tolerance: a wait of about 300 ms */
    {"1/s", "1", -10000000, "+-"},         /* an arrival time in the past counts as now */
    {"2/s", "1", 1200000, "-"},            /* far ahead: about 1.2 s */
};

START_TEST(lua_agrees_with_c)
{
	LIMITS *l = limits_new();
	SBUF *err = sbuf_new(64);
	const char *want = cases[_i].want;

	ck_assert_int_eq(limits_set(l, LIM_RATE, cases[_i].rate, err), 0);
	ck_assert_int_eq(limits_set(l, LIM_BURST, cases[_i].burst, err), 0);
	ck_assert(l->has_rate);
	if (cases[_i].tat_offset_us != NONE) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", redis_now_us() + cases[_i].tat_offset_us);
		store_val_free(call("SET " GCRA_KEY " %s", v));
	}
	for (size_t n = 0; want[n]; n++) {
		char rid[32];
		QUOTA_REQ q = {.tenant = "acme",
		               .lim = l,
		               .rcpt_key = "",
		               .provider = "other",
		               .rid = rid,
		               .resv_ttl_ms = 60000,
		               .now = time(NULL)};
		QUOTA_RES res;
		long long before = stored_tat(), t0, t1, tat0 = before, tat1 = before, retry0,
		          retry1, lua_tat;
		int c0, c1, lua_pass;

		snprintf(rid, sizeof(rid), "g:%zu", n);
		t0 = redis_now_us();
		ck_assert_msg(quota_rcpt(st, &q, &res, err) == 0, "quota_rcpt: %s", sbuf_str(err));
		t1 = redis_now_us();
		c0 = gcra_check(&l->rate, t0, &tat0, &retry0);
		c1 = gcra_check(&l->rate, t1, &tat1, &retry1);
		ck_assert_msg(c0 == c1,
		              "case %d call %zu: C's verdict changed within the call: the case is "
		              "too close to "
		              "a boundary",
		              _i, n);
		ck_assert_msg(res.verdict == Q_OK || res.verdict == Q_RATE, "verdict %d",
		              res.verdict);
		lua_pass = res.verdict == Q_OK;
		ck_assert_msg(lua_pass == c0, "case %d call %zu: Lua %s, C %s", _i, n,
		              lua_pass ? "passes" : "waits", c0 ? "passes" : "waits");
		ck_assert_msg(lua_pass == (want[n] == '+'), "case %d call %zu: want %c", _i, n,
		              want[n]);
		if (lua_pass) {
			/* the new arrival time: max(stored, now) + interval, now somewhere in [t0,
			 * t1] */
			lua_tat = stored_tat();
			ck_assert_msg(lua_tat >= tat0 && lua_tat <= tat1,
			              "case %d call %zu: Lua's arrival time %lld, C's %lld..%lld",
			              _i, n, lua_tat, tat0, tat1);
		} else {
			/* the wait, in ms rounded up as the script rounds; the later now waits less
			 */
			long long lo = (retry1 + 999) / 1000, hi = (retry0 + 999) / 1000;
			ck_assert_msg(res.retry_ms >= lo && res.retry_ms <= hi,
			              "case %d call %zu: Lua's retry %ld ms, C's %lld..%lld", _i, n,
			              res.retry_ms, lo, hi);
			ck_assert_int_eq(stored_tat(), before); /* a refusal changes nothing */
		}
		quota_res_clear(&res);
	}
	sbuf_free(err);
	limits_free(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gcra");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (getenv("TM_TEST_REDIS") == NULL) {
		fputs("check_gcra: TM_TEST_REDIS is not set; run tests/it/gcra.sh\n", stderr);
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, lua_agrees_with_c, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
