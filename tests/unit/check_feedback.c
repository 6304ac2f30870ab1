/*
 * check_feedback - when a feedback loop's ARF report may name its tenant
 * (our verifier's Authentication-Results), and the script call of an
 * outcome whose tenant needs no queue-id map: every key in KEYS, one call
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tm_bounce.h"

#include "tm_feedback.h"
#define SUITE_NAME "feedback"
#include "check_main.h"

static const struct {
	const char *ar, *id, *domains;
	const char *domain; /* trusted: the domain; NULL: not trusted, with why */
	const char *why;
} cases[] = {
    {"mx.relay.example; dkim=pass header.d=fbl.yahoo.example header.s=s1", "mx.relay.example",
     "fbl.yahoo.example", "fbl.yahoo.example", NULL},
    {"MX.Relay.Example 1; spf=pass smtp.mailfrom=x; dkim=pass (2048-bit key) header.d=FBL.Yahoo.Example",
     "mx.relay.example", "other.example, fbl.yahoo.example", "fbl.yahoo.example", NULL},
    {"mx.relay.example; dkim=pass header.i=@fbl.example", "mx.relay.example", "fbl.example", "fbl.example", NULL},
    /* somebody else's verifier, or a header the sender wrote */
    {"evil.example; dkim=pass header.d=fbl.example", "mx.relay.example", "fbl.example", NULL,
     "its Authentication-Results are not ours (authserv-id evil.example)"},
    {"mx.relay.example.evil; dkim=pass header.d=fbl.example", "mx.relay.example", "fbl.example", NULL,
     "its Authentication-Results are not ours (authserv-id mx.relay.example.evil)"},
    /* ours, but no verified signature of a listed domain */
    {"mx.relay.example; dkim=fail header.d=fbl.example", "mx.relay.example", "fbl.example", NULL,
     "no verified DKIM signature of a feedback-loop domain"},
    {"mx.relay.example; dkim=pass header.d=fbl.example.evil.test", "mx.relay.example", "fbl.example", NULL,
     "no verified DKIM signature of a feedback-loop domain"},
    {"mx.relay.example; dkim=passed header.d=fbl.example", "mx.relay.example", "fbl.example", NULL,
     "no verified DKIM signature of a feedback-loop domain"},
    {"mx.relay.example; dkim=pass (header.d=fbl.example) header.d=attacker.example", "mx.relay.example",
     "fbl.example", NULL, "no verified DKIM signature of a feedback-loop domain"},
    {"mx.relay.example; spf=pass smtp.mailfrom=fbl.example", "mx.relay.example", "fbl.example", NULL,
     "no verified DKIM signature of a feedback-loop domain"},
    {NULL, "mx.relay.example", "fbl.example", NULL, "the report carries no Authentication-Results"},
    {"mx.relay.example; dkim=pass header.d=fbl.example", "", "fbl.example", NULL,
     "no feedback loop is configured (feedback_loop_authserv_id, feedback_loop_domains)"},
    {"mx.relay.example; dkim=pass header.d=fbl.example", "mx.relay.example", "", NULL,
     "no feedback loop is configured (feedback_loop_authserv_id, feedback_loop_domains)"},
};

START_TEST(fbl)
{
	SBUF *d = sbuf_new(32), *why = sbuf_new(64);
	int rc = feedback_fbl_trusted(cases[_i].ar, cases[_i].id, cases[_i].domains, d, why);

	if (cases[_i].domain) {
		ck_assert_msg(rc == 1, "%s: %s", cases[_i].ar, sbuf_str(why));
		ck_assert_str_eq(sbuf_str(d), cases[_i].domain);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(sbuf_str(why), cases[_i].why);
	}
	sbuf_free(d);
	sbuf_free(why);
}
END_TEST

/* today - the UTC date, as the schema's DATE */
static void
today(char *day, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(day, n, "%Y-%m-%d", &tm);
}

/*
 * argv_is - feedback_argv of e (no store: none may be needed) is EVALSHA,
 * a SHA-1, then exactly want (the key count, KEYS, ARGV; "DAY" for today's date)
 */
static void
argv_is(const FB_EVENT *e, const char *conf, const char *const *want, int nwant)
{
	const char *argv[FB_ARGV_MAX];
	char buf[FB_BUF_MAX][384], day[16], day2[16];
	SBUF *errs = sbuf_new(64), *err = sbuf_new(64), *w = sbuf_new(64);
	CONF *c = conf_parse("test", conf, NULL, 0, errs);
	int n;

	ck_assert_msg(c != NULL, "%s", sbuf_str(errs));
	do {
		today(day, sizeof(day));
		n = feedback_argv(NULL, c, NULL, e, argv, buf, err);
		today(day2, sizeof(day2));
	} while (strcmp(day, day2) != 0);
	ck_assert_msg(n == 2 + nwant, "%d arguments: %s", n, sbuf_str(err));
	ck_assert_str_eq(argv[0], "EVALSHA");
	ck_assert_uint_eq(strlen(argv[1]), 40);
	for (int i = 0; i < nwant; i++) {
		const char *d = strstr(want[i], "DAY");
		sbuf_reset(w);
		if (d)
			sbuf_printf(w, "%.*s%s%s", (int)(d - want[i]), want[i], day, d + 3);
		else
			sbuf_cat(w, want[i]);
		ck_assert_msg(strcmp(argv[2 + i], sbuf_str(w)) == 0, "argument %d: \"%s\", not \"%s\"", 2 + i,
			      argv[2 + i], sbuf_str(w));
	}
	conf_unref(c);
	sbuf_free(errs);
	sbuf_free(err);
	sbuf_free(w);
}

/* a VERP tenant: its three keys in KEYS, built in C; the recipient's key; the hard bounce's effect */
START_TEST(verp_keys)
{
	FB_EVENT e = {.tenant = "acme", .qid = "3F2A1C0", .rcpt = "<Gone@Dest.Example.>", .category = BC_HARD,
		      .transport = "postfix-out-acme/smtp", .final = 1, .pos_key = "tm:fb:pos:/var/log/mail.log",
		      .pos = "12:345"};
	static const char *const want[] = {
	    "8", "tm:fb:pos:/var/log/mail.log", "tm:supp", "tm:fb:seen:3F2A1C0:gone@dest.example", "tm:stats:DAY",
	    "{t:acme}:supp", "{t:acme}:fb:DAY", "{t:acme}:streak", "",
	    /* ARGV */
	    "acme", "bounced_hard", "gone@dest.example", "other", "postfix-out-acme/smtp", "12:345", "tenant", "5",
	    "3600", "34560000", "172800", "1", "", "hard-bounce", "end", "", ""};

	argv_is(&e, "soft_bounce_limit = 5\nsoft_bounce_window = 1h\nqueue_map_ttl = 2d\n", want,
		sizeof(want) / sizeof(want[0]));
}
END_TEST

/* a VERP report naming no queue id: its token's id is the dedup key, KEYS[8] */
START_TEST(verp_report_id)
{
	FB_EVENT e = {.tenant = "acme", .qid = "", .report_id = "V0123456789abcdef01234567.hard", .rcpt = "gone@dest.example",
		      .category = BC_HARD, .transport = "", .final = 1};
	static const char *const want[] = {
	    "8", "", "tm:supp", "", "tm:stats:DAY", "{t:acme}:supp", "{t:acme}:fb:DAY", "{t:acme}:streak",
	    "tm:fb:seen:V0123456789abcdef01234567.hard:gone@dest.example",
	    /* ARGV */
	    "acme", "bounced_hard", "gone@dest.example", "other", "", "", "tenant", "3", "1209600", "34560000",
	    "604800", "1", "", "hard-bounce", "end", "", ""};

	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
}
END_TEST

/* no queue id and no tenant: no map to read, nobody's keys, and why */
START_TEST(no_qid)
{
	FB_EVENT e = {.qid = "", .rcpt = "x@y.example", .orig_rcpt = "z@y.example", .category = BC_SOFT,
		      .transport = "", .final = 0};
	static const char *const want[] = {"8", "", "tm:supp", "", "tm:stats:DAY", "", "", "", "",
					   /* ARGV */
					   "", "deferred", "x@y.example", "other", "", "", "tenant", "3", "1209600",
					   "34560000", "604800", "0", "no queue id", "", "", "", ""};

	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
}
END_TEST

/* a tenant name that is not one builds no key: unattributed, and the queue ids are not looked up */
START_TEST(bad_tenant)
{
	const char *qids[] = {"AB12"};
	FB_EVENT e = {.tenant = "Acme}x", .qid = "3F2A1C0", .qids = qids, .nqids = 1, .rcpt = "x@y.example",
		      .category = BC_COMPLAINT, .final = 1, .transport = ""};
	static const char *const want[] = {"8", "", "tm:supp", "tm:fb:seen:3F2A1C0:x@y.example", "tm:stats:DAY", "",
					   "", "", "",
					   /* ARGV */
					   "", "complaints", "x@y.example", "other", "", "", "tenant", "3", "1209600",
					   "34560000", "604800", "1", "no queue id", "complaint", "", "", ""};

	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
}
END_TEST

/*
 * a complaint whose recipient the provider redacted, its tenant named by a
 * trusted feedback loop: the tenant's counters, no recipient, no dedup key
 * (none is per message without a queue id), the script told it names no one;
 * with a queue id in its original, once per that queue id; from anyone but a
 * verified loop, unattributed, and no map is read (no store is given)
 */
START_TEST(unnamed_complaint)
{
	FB_EVENT e = {.tenant = "acme", .qid = "", .category = BC_COMPLAINT, .final = 1, .transport = "", .unnamed = 1};
	static const char *const want[] = {"8", "", "tm:supp", "", "tm:stats:DAY", "{t:acme}:supp", "{t:acme}:fb:DAY",
					   "{t:acme}:streak", "",
					   /* ARGV */
					   "acme", "complaints", "", "", "", "", "tenant", "3", "1209600", "34560000",
					   "604800", "1", "", "complaint", "", "", "1"};

	const char *qids[] = {"4F2A1C0B9"};
	FB_EVENT q = e, anyone = {.qid = "", .qids = qids, .nqids = 1, .category = BC_COMPLAINT, .final = 1,
				  .transport = "", .unnamed = -1};
	static const char *const want_q[] = {"8", "", "tm:supp", "tm:fb:seen:4F2A1C0B9:-", "tm:stats:DAY",
					     "{t:acme}:supp", "{t:acme}:fb:DAY", "{t:acme}:streak", "",
					     /* ARGV */
					     "acme", "complaints", "", "", "", "", "tenant", "3", "1209600", "34560000",
					     "604800", "1", "", "complaint", "", "", "1"};
	static const char *const want_anyone[] = {
	    "8", "", "tm:supp", "", "tm:stats:DAY", "", "", "", "",
	    /* ARGV */
	    "", "complaints", "", "", "", "", "tenant", "3", "1209600", "34560000", "604800", "1",
	    "a report that names no recipient counts only from a verified feedback loop", "complaint", "", "", ""};

	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
	q.qids = qids;
	q.nqids = 1;
	argv_is(&q, "", want_q, sizeof(want_q) / sizeof(want_q[0]));
	argv_is(&anyone, "", want_anyone, sizeof(want_anyone) / sizeof(want_anyone[0]));
}
END_TEST

/*
 * a long address (341 bytes) keeps its key: with a VERP report's long dedup
 * id the dedup key would pass its 384-byte buffer, so there is none (never a
 * cut one); with a short queue id there is
 */
START_TEST(long_address)
{
	char rcpt[400], seen[420], local[151], label[61];
	FB_EVENT e = {.tenant = "acme", .qid = "", .report_id = "V0123456789abcdef01234567.hard", .category = BC_HARD,
		      .final = 1, .transport = ""};
	const char *want[] = {"8", "", "tm:supp", "", "tm:stats:DAY", "{t:acme}:supp", "{t:acme}:fb:DAY",
			      "{t:acme}:streak", "",
			      /* ARGV */
			      "acme", "bounced_hard", rcpt, "other", "", "", "tenant", "3", "1209600", "34560000", "604800",
			      "1", "", "hard-bounce", "end", "", ""};

	memset(local, 'a', 150);
	local[150] = 0;
	memset(label, 'b', 60);
	label[60] = 0;
	snprintf(rcpt, sizeof(rcpt), "%s@%s.%s.%s.example", local, label, label, label);
	ck_assert_uint_eq(strlen(rcpt), 341);
	e.rcpt = rcpt;
	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
	e.qid = "3F2A1C0";
	e.report_id = NULL;
	snprintf(seen, sizeof(seen), "tm:fb:seen:3F2A1C0:%s", rcpt);
	want[3] = seen;
	argv_is(&e, "", want, sizeof(want) / sizeof(want[0]));
}
END_TEST

/* a record with a queue id and no tenant needs the maps: without a store, an error, never a guess */
START_TEST(needs_maps)
{
	FB_EVENT e = {.qid = "3F2A1C0", .rcpt = "x@y.example", .category = BC_DELIVERED, .final = 1};
	const char *argv[FB_ARGV_MAX];
	char buf[FB_BUF_MAX][384];
	SBUF *err = sbuf_new(64);
	CONF *c = conf_defaults();

	ck_assert_int_eq(feedback_argv(NULL, c, NULL, &e, argv, buf, err), -1);
	ck_assert_str_eq(sbuf_str(err), "feedback: no store to read the queue-id maps from");
	conf_unref(c);
	sbuf_free(err);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, fbl, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, verp_keys);
	tcase_add_test(tc, verp_report_id);
	tcase_add_test(tc, no_qid);
	tcase_add_test(tc, bad_tenant);
	tcase_add_test(tc, unnamed_complaint);
	tcase_add_test(tc, long_address);
	tcase_add_test(tc, needs_maps);
}
