/*
 * check_quota - the RCPT script against a real redis-server: racing
 * threads never exceed a cap, given-back reservations return, and every
 * verdict the milter words. tests/it/quota.sh starts Redis and sets
 * TM_TEST_REDIS; run alone, the suite skips (exit 77).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tm_keys.h"
#include "tm_limits.h"
#include "tm_quota.h"
#include "tm_store.h"

static CONF *conf;
static STORE *st;

static void
cmd(const char *fmt, const char *a, const char *b)
{
	SBUF *err = sbuf_new(64);
	STORE_VAL *r = store_callf(st, err, fmt, a, b);

	ck_assert_msg(r != NULL, "redis: %s", sbuf_str(err));
	store_val_free(r);
	sbuf_free(err);
}

static long long
hget(const char *key, const char *field)
{
	SBUF *err = sbuf_new(64);
	STORE_VAL *r = store_callf(st, err, "HGET %s %s", key, field);
	long long v;

	ck_assert_ptr_nonnull(r);
	v = r->type == STORE_V_STR ? strtoll(r->str, NULL, 10) : -1;
	store_val_free(r);
	sbuf_free(err);
	return v;
}

static void
setup(void)
{
	SBUF *errs = sbuf_new(64), *text = sbuf_new(64);

	sbuf_printf(text, "redis_server = %s\n", getenv("TM_TEST_REDIS"));
	conf = conf_parse("test", sbuf_str(text), NULL, 0, errs);
	ck_assert_msg(conf != NULL, "%s", sbuf_str(errs));
	st = store_new(conf);
	cmd("FLUSHALL", NULL, NULL);
	cmd("HSET {t:acme}:tenant status %s", "active", NULL);
	sbuf_free(errs);
	sbuf_free(text);
}

static void
teardown(void)
{
	st = store_free(st);
	conf = conf_unref(conf);
}

/* limits of a tenant with a one-day schedule of cap, starting today */
static LIMITS *
day_cap(long cap, int active_hours)
{
	LIMITS *l = limits_new();
	SBUF *err = sbuf_new(64);
	char n[32];

	snprintf(n, sizeof(n), "%ld", cap);
	ck_assert_int_eq(limits_set(l, LIM_SCHEDULE, n, err), 0);
	ck_assert_int_eq(limits_set(l, LIM_START, "2000-01-01", err), 0);
	ck_assert_int_eq(limits_set(l, LIM_THEN, n, err), 0);
	snprintf(n, sizeof(n), "%d", active_hours);
	ck_assert_int_eq(limits_set(l, LIM_ACTIVE_HOURS, n, err), 0);
	sbuf_free(err);
	return l;
}

static int
rcpt(STORE *s, const LIMITS *l, const char *addr, const char *prov, QUOTA_RES *res, long ttl)
{
	static long seq;
	char rid[64];
	QUOTA_REQ q = {.tenant = "acme", .lim = l, .rcpt_key = addr, .provider = prov,
		       .rid = rid, .resv_ttl_ms = ttl, .now = time(NULL)};
	SBUF *err = sbuf_new(64);
	int rc;

	snprintf(rid, sizeof(rid), "t:%ld", __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST));
	rc = quota_rcpt(s, &q, res, err);
	ck_assert_msg(rc == 0, "quota_rcpt: %s", sbuf_str(err));
	sbuf_free(err);
	return res->verdict;
}

/* utc_today - today's UTC date by the C library, not by the code under test (tenants here have no zone) */
static void
utc_today(char *date, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, n, "%Y-%m-%d", &tm);
}

static void
use_key(char *key, size_t n)
{
	char date[16];

	utc_today(date, sizeof(date));
	snprintf(key, n, KEY_T_USE_FMT, "acme", date);
}

typedef struct {
	const LIMITS *l;
	int ok, refused;
} RACER;

/* a pooled connection Redis dropped (a restart, an idle timeout) is replaced at its next use, not failed */
START_TEST(killed_connection_is_replaced)
{
	SBUF *e = sbuf_new(64);
	STORE *other = store_new(conf);
	STORE_VAL *r = store_callf(st, e, "SET tm:test:conn 1"), *k;

	ck_assert_msg(r != NULL, "%s", sbuf_str(e));
	store_val_free(r);
	/* another client kills every client but itself: st's connection is now dead */
	k = store_callf(other, e, "CLIENT KILL TYPE normal SKIPME yes");
	ck_assert_msg(k != NULL && k->type == STORE_V_INT && k->integer >= 1, "%s", sbuf_str(e));
	store_val_free(k);
	r = store_callf(st, e, "GET tm:test:conn");
	ck_assert_msg(r != NULL, "the first command after the kill failed: %s", sbuf_str(e));
	ck_assert_str_eq(r->str, "1");
	store_val_free(r);
	/* the same for a script call */
	k = store_callf(other, e, "CLIENT KILL TYPE normal SKIPME yes");
	store_val_free(k);
	{
		LIMITS *l = day_cap(3, 1);
		QUOTA_RES res;
		ck_assert_int_eq(rcpt(st, l, "", "google", &res, 60000), Q_OK);
		quota_res_clear(&res);
		limits_free(l);
	}
	store_free(other);
	sbuf_free(e);
}
END_TEST

static void *
racer(void *arg)
{
	RACER *r = arg;
	STORE *s = store_new(conf);
	QUOTA_RES res;

	for (int i = 0; i < 50; i++) {
		if (rcpt(s, r->l, "", "other", &res, 60000) == Q_OK)
			r->ok++;
		else if (res.verdict == Q_CAP_DAY)
			r->refused++;
		quota_res_clear(&res);
	}
	store_free(s);
	return NULL;
}

START_TEST(race_for_the_last_ten)
{
	LIMITS *l = day_cap(1000, 1);
	pthread_t th[12];
	RACER r[12] = {0};
	char key[128];
	int ok = 0, refused = 0;

	use_key(key, sizeof(key));
	cmd("HSET %s day %s", key, "990"); /* 10 slots left */
	for (int i = 0; i < 12; i++) {
		r[i].l = l;
		pthread_create(&th[i], NULL, racer, &r[i]);
	}
	for (int i = 0; i < 12; i++) {
		pthread_join(th[i], NULL);
		ok += r[i].ok;
		refused += r[i].refused;
	}
	ck_assert_int_eq(ok, 10);
	ck_assert_int_eq(refused, 12 * 50 - 10);
	ck_assert_int_eq(hget(key, "day"), 1000);
	limits_free(l);
}
END_TEST

START_TEST(released_reservations_come_back)
{
	LIMITS *l = day_cap(5, 1);
	QUOTA_RES res;
	char *members[5];
	char key[128], stats[128], today[16];
	SBUF *err = sbuf_new(64);

	use_key(key, sizeof(key));
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(rcpt(st, l, "", "google", &res, 60000), Q_OK);
		members[i] = res.member;
	}
	ck_assert_int_eq(rcpt(st, l, "", "google", &res, 60000), Q_CAP_DAY);
	ck_assert_int_eq(res.used, 5);
	/* an aborted transaction of three recipients gives its three back */
	ck_assert_int_eq(quota_settle(st, "acme", res.at.date, 0, 0, NULL, 0, members + 2, NULL, 3, err), 0);
	ck_assert_int_eq(hget(key, "day"), 2);
	ck_assert_int_eq(hget(key, "p:google"), 2);
	for (int i = 2; i < 5; i++) {
		free(members[i]);
		ck_assert_int_eq(rcpt(st, l, "", "google", &res, 60000), Q_OK);
		members[i] = res.member;
	}
	ck_assert_int_eq(rcpt(st, l, "", "google", &res, 60000), Q_CAP_DAY);
	/* commit counts accepted for the dashboard and keeps the usage */
	{
		char *rk[5] = {"a@gmail.com", "b@gmail.com", "c@gmail.com", "d@gmail.com", "e@gmail.com"};
		ck_assert_int_eq(quota_settle(st, "acme", res.at.date, 1, 0, "4F2A1C0", 600, members, rk, 5, err), 0);
	}
	utc_today(today, sizeof(today));
	ck_assert_str_eq(res.at.date, today);
	snprintf(stats, sizeof(stats), KEY_T_STATS_FMT, "acme", today);
	ck_assert_int_eq(hget(stats, "accepted"), 5);
	ck_assert_int_eq(hget(stats, "google:accepted"), 5);
	ck_assert_int_eq(hget(stats, "deferred_cap"), 2);
	ck_assert_int_eq(hget(key, "day"), 5);
	{ /* the commit recorded the queue id for tenant-feedback, with a ttl */
		SBUF *e2 = sbuf_new(64);
		STORE_VAL *q = store_callf(st, e2, "HGET tm:qid:4F2A1C0 tenant"), *ttl = store_callf(st, e2, "TTL tm:qid:4F2A1C0");
		STORE_VAL *all = store_callf(st, e2, "HLEN tm:qid:4F2A1C0"), *one = store_callf(st, e2, "HGET tm:qid:4F2A1C0 r:c@gmail.com");
		ck_assert_str_eq(q->str, "acme");
		ck_assert(ttl->integer > 590 && ttl->integer <= 600);
		ck_assert_int_eq(all->integer, 6); /* the tenant and the five recipients */
		ck_assert_str_eq(one->str, "1");
		store_val_free(q);
		store_val_free(ttl);
		store_val_free(all);
		store_val_free(one);
		sbuf_free(e2);
	}
	for (int i = 0; i < 5; i++)
		free(members[i]);
	sbuf_free(err);
	limits_free(l);
}
END_TEST

START_TEST(crashed_reservations_expire)
{
	LIMITS *l = day_cap(3, 1);
	QUOTA_RES res;
	char key[128];
	SBUF *err = sbuf_new(64);
	char *late;

	use_key(key, sizeof(key));
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rcpt(st, l, "", "other", &res, 100), Q_OK);
		if (i == 0)
			late = res.member;
		else
			quota_res_clear(&res);
	}
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 100), Q_CAP_DAY);
	usleep(250000); /* nobody settles: the milter crashed */
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 60000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(hget(key, "day"), 1);
	/* a transaction that outlived its reservation still counts when it commits */
	ck_assert_int_eq(quota_settle(st, "acme", res.at.date, 1, 0, NULL, 0, &late, NULL, 1, err), 0);
	ck_assert_int_eq(hget(key, "day"), 2);
	free(late);
	sbuf_free(err);
	limits_free(l);
}
END_TEST

/*
 * Every ledger a call touches is passed in KEYS: a crashed reservation of
 * yesterday is given back to yesterday's ledger (the purge), and a commit
 * counts a late member on the day it names; a reservation older than the
 * ledgers kept (3 days) is dropped and touches no ledger.
 */
START_TEST(other_days_ledgers)
{
	LIMITS *l = day_cap(100, 24);
	QUOTA_RES res;
	SBUF *err = sbuf_new(64);
	char yday[16], old[16], ykey[128], okey[128], member[96], today[16];
	char *late;
	time_t t = time(NULL) - 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(yday, sizeof(yday), "%Y-%m-%d", &tm);
	t = time(NULL) - 9 * 86400;
	gmtime_r(&t, &tm);
	strftime(old, sizeof(old), "%Y-%m-%d", &tm);
	utc_today(today, sizeof(today));
	snprintf(ykey, sizeof(ykey), "{t:acme}:use:%s", yday);
	snprintf(okey, sizeof(okey), "{t:acme}:use:%s", old);
	cmd("HSET %s day 5 h:10 5 p:other 5", ykey, NULL);
	cmd("HSET %s day 5 h:10 5 p:other 5", okey, NULL);
	snprintf(member, sizeof(member), "crashed|%s|10|other", yday);
	cmd("ZADD {t:acme}:resv 1000 %s", member, NULL);
	snprintf(member, sizeof(member), "ancient|%s|10|other", old);
	cmd("ZADD {t:acme}:resv 1000 %s", member, NULL);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 60000), Q_OK); /* purges both */
	quota_res_clear(&res);
	ck_assert_int_eq(hget(ykey, "day"), 4);
	ck_assert_int_eq(hget(ykey, "h:10"), 4);
	ck_assert_int_eq(hget(ykey, "p:other"), 4);
	ck_assert_int_eq(hget(okey, "day"), 5); /* not among the ledgers kept: untouched */
	/* a member of yesterday that expired before its commit is counted again, on yesterday */
	snprintf(member, sizeof(member), "late|%s|10|other", yday);
	late = member;
	ck_assert_int_eq(quota_settle(st, "acme", today, 1, 0, NULL, 0, &late, NULL, 1, err), 0);
	ck_assert_int_eq(hget(ykey, "day"), 5);
	ck_assert_int_eq(hget(ykey, "p:other"), 5);
	sbuf_free(err);
	limits_free(l);
}
END_TEST

START_TEST(suppression_scopes_and_expiry)
{
	QUOTA_RES res;
	char v[64], stats[128], today[16];

	snprintf(v, sizeof(v), "unsubscribe|%ld|0", 1763596800L); /* 2025-11-20 */
	cmd("HSET " KEY_SUPP_GLOBAL " g@example.com %s", v, NULL);
	cmd("HSET {t:acme}:supp t@example.com %s", "complaint|1763596800|0", NULL);
	snprintf(v, sizeof(v), "manual|1|%ld", (long)time(NULL) - 10);
	cmd("HSET {t:acme}:supp old@example.com %s", v, NULL);
	ck_assert_int_eq(rcpt(st, NULL, "g@example.com", "other", &res, 1000), Q_SUPPRESSED);
	ck_assert_str_eq(res.scope, "global");
	ck_assert_str_eq(res.reason, "unsubscribe");
	ck_assert_int_eq(res.since, 1763596800L);
	ck_assert_int_eq(rcpt(st, NULL, "t@example.com", "other", &res, 1000), Q_SUPPRESSED);
	ck_assert_str_eq(res.scope, "tenant");
	ck_assert_int_eq(rcpt(st, NULL, "old@example.com", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(hget("{t:acme}:supp", "old@example.com"), -1); /* the expired entry is gone */
	utc_today(today, sizeof(today));
	snprintf(stats, sizeof(stats), KEY_T_STATS_FMT, "acme", today);
	ck_assert_int_eq(hget(stats, "rejected_suppressed"), 2);
	ck_assert_int_eq(hget(stats, "other:rejected_suppressed"), 2);
}
END_TEST

START_TEST(rate_gcra)
{
	LIMITS *l = limits_new();
	QUOTA_RES res;
	SBUF *err = sbuf_new(64);

	ck_assert_int_eq(limits_set(l, LIM_RATE, "2/s", err), 0);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_RATE);
	ck_assert(res.retry_ms > 0 && res.retry_ms <= 500);
	usleep((useconds_t)(res.retry_ms + 20) * 1000);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	sbuf_free(err);
	limits_free(l);
}
END_TEST

START_TEST(hour_and_provider_caps)
{
	LIMITS *l = day_cap(48, 24); /* two an hour */
	QUOTA_RES res;
	SBUF *err = sbuf_new(64), *text = sbuf_new(64);
	QUOTA_REQ q = {.tenant = "acme", .lim = l, .provider = "other"};

	ck_assert_int_eq(limits_set(l, LIM_PROVIDERS, "google=1", err), 0);
	ck_assert_int_eq(rcpt(st, l, "", "google", &res, 1000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(rcpt(st, l, "", "google", &res, 1000), Q_CAP_PROVIDER);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	ck_assert_int_eq(rcpt(st, l, "", "other", &res, 1000), Q_CAP_HOUR);
	quota_reply(&q, &res, "x@example.com", text);
	ck_assert_msg(strstr(sbuf_str(text), "hourly cap of 2 reached (48 a day over 24 active hours), retry after ") != NULL,
		      "%s", sbuf_str(text));
	sbuf_free(err);
	sbuf_free(text);
	limits_free(l);
}
END_TEST

START_TEST(status_and_store_errors)
{
	QUOTA_RES res;
	QUOTA_REQ q = {.tenant = "acme", .rcpt_key = "", .provider = "other", .rid = "x", .resv_ttl_ms = 1000, .now = time(NULL)};
	SBUF *err = sbuf_new(64);

	cmd("HSET {t:acme}:tenant status paused reason %s", "billing hold", NULL);
	ck_assert_int_eq(rcpt(st, NULL, "", "other", &res, 1000), Q_PAUSED);
	ck_assert_str_eq(res.reason, "billing hold");
	cmd("DEL {t:acme}:tenant", NULL, NULL);
	ck_assert_int_eq(rcpt(st, NULL, "", "other", &res, 1000), Q_UNKNOWN);
	/* the script is reloaded after SCRIPT FLUSH (NOSCRIPT) */
	cmd("HSET {t:acme}:tenant status %s", "active", NULL);
	cmd("SCRIPT FLUSH", NULL, NULL);
	ck_assert_int_eq(rcpt(st, NULL, "", "other", &res, 1000), Q_OK);
	quota_res_clear(&res);
	/* a Redis error reply is an error, never a verdict */
	cmd("SET {t:acme}:resv %s", "not-a-zset", NULL);
	ck_assert_int_eq(quota_rcpt(st, &q, &res, err), -1);
	ck_assert_msg(strstr(sbuf_str(err), "WRONGTYPE") != NULL, "%s", sbuf_str(err));
	sbuf_free(err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("redis");
	SRunner *sr;
	int failed;

	if (getenv("TM_TEST_REDIS") == NULL) {
		fputs("check_quota: TM_TEST_REDIS is not set; run tests/it/quota.sh\n", stderr);
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, race_for_the_last_ten);
	tcase_add_test(tc, released_reservations_come_back);
	tcase_add_test(tc, crashed_reservations_expire);
	tcase_add_test(tc, other_days_ledgers);
	tcase_add_test(tc, suppression_scopes_and_expiry);
	tcase_add_test(tc, rate_gcra);
	tcase_add_test(tc, hour_and_provider_caps);
	tcase_add_test(tc, status_and_store_errors);
	tcase_add_test(tc, killed_connection_is_replaced);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
