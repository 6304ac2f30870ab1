/*
 * check_verdict - what an outcome means: a Postfix log record's category
 * (sent delivers; never hard unless bounced for good), a DSN recipient's
 * verdict (its action, the rules; a delay or a 4xx is never hard), an ARF
 * Feedback-Type's, and what each category does (bounce_effect: the counter,
 * the list and the streak lib/feedback.lua applies). The rules themselves:
 * check_bounce; the labelled real bounces: check_corpus.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_bounce.h"
#include "tm_maillog.h"
#include "tm_suppress.h"
#define SUITE_NAME "verdict"
#include "check_main.h"

#include "check_rules.h"

/* a log record's verdict: sent delivers, the rules decide; never hard unless bounced for good */
static const struct {
	int status;
	const char *dsn, *text;
	int cat;
	const char *why;
} log_cases[] = {
    {ML_SENT, "2.0.0", "250 2.0.0 Ok: queued as 1A2B3C", BC_DELIVERED, "delivered"},
    {ML_SENT, "5.1.1", "550 5.1.1 User unknown", BC_DELIVERED, "delivered"},
    {ML_BOUNCED, "5.1.1", "host mx said: 550 5.1.1 User unknown", BC_HARD, "user-unknown"},
    {ML_BOUNCED, "5.2.2", "host mx said: 552 5.2.2 Mailbox full", BC_SOFT, "mailbox-full"},
    /* the receiving host's and the recipient's names are not the reply's words */
    {ML_BOUNCED, "5.1.1",
     "host mx1.spamfilter.example[192.0.2.7] said: 550 5.1.1 <junk@dest.example>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
     BC_HARD, "user-unknown"},
    {ML_BOUNCED, "", "", BC_SOFT, "unknown"},		      /* no proof: not hard */
    {ML_BOUNCED, "5.0.0", "host mx said: 550 Requested action not taken", BC_SOFT, "unknown"},
    {ML_BOUNCED, "2.0.0", "250 2.0.0 Ok", BC_SOFT, "unknown"}, /* "delivered" by the rules */
    {ML_DEFERRED, "", "", BC_SOFT, "on-hold"},
    {ML_DEFERRED, "5.1.1", "host mx said: 550 5.1.1 User unknown", BC_SOFT, "user-unknown"}, /* never hard */
    {ML_DEFERRED, "4.1.1", "host mx said: 450 4.1.1 User unknown", BC_SOFT, "user-unknown"},
    {ML_EXPIRED, "5.1.1", "host mx said: 550 5.1.1 User unknown", BC_SOFT, "user-unknown"},
    {ML_EXPIRED, "4.4.1", "connect to mx.example[192.0.2.1]:25: Connection timed out", BC_SOFT, "expired"},
    {ML_EXPIRED, "4.2.2", "host mx said: 452 4.2.2 Mailbox full", BC_SOFT, "mailbox-full"},
    {ML_DEFERRED, "4.7.0", "host mx said: 421 4.7.0 Try again later", BC_THROTTLE, "rate-limited"},
    {ML_BOUNCED, "5.7.1", "554 5.7.1 Client host [192.0.2.9] blocked using zen.spamhaus.org", BC_BLOCK, "blocked"},
    {ML_BOUNCED, "5.7.1", "host mx said: 550 5.7.1 Message rejected as spam by Content Filtering", BC_BLOCK,
     "spam-content"},
};

START_TEST(log_category)
{
	MAILLOG_REC *rec = calloc(1, sizeof(*rec));
	SBUF *why = sbuf_new(64);
	int cat;

	rec->status = log_cases[_i].status;
	snprintf(rec->dsn, sizeof(rec->dsn), "%s", log_cases[_i].dsn);
	snprintf(rec->text, sizeof(rec->text), "%s", log_cases[_i].text);
	cat = bounce_log_category(rules, rec, why);
	ck_assert_msg(cat == log_cases[_i].cat, "%d %s: %s (%s)", rec->status, rec->text, bounce_category_name(cat),
		      sbuf_str(why));
	if (log_cases[_i].why)
		ck_assert_str_eq(sbuf_str(why), log_cases[_i].why);
	ck_assert_int_eq(bounce_log_final(rec), rec->status != ML_DEFERRED);
	sbuf_free(why);
	free(rec);
}
END_TEST

/* a DSN recipient's verdict: the action, the rules; a delay or a 4xx is never hard */
static const struct {
	const char *action;
	int text_bounce;
	const char *status;
	int code;
	const char *text;
	int cat;
	const char *why;
	int final;
} dsn_cases[] = {
    {"delivered", 0, "5.1.1", 550, "User unknown", BC_DELIVERED, "delivered", 1},
    {"Relayed", 0, "", 0, "", BC_DELIVERED, "delivered", 1},
    {"expanded", 0, "", 0, "", BC_DELIVERED, "delivered", 1},
    {"failed", 0, "5.1.1", 550, "User unknown", BC_HARD, "user-unknown", 1},
    {"failed", 0, "", 0, "", BC_SOFT, "unknown", 1},
    {"failed", 0, "5.0.0", 554, "554 delivery error", BC_SOFT, "unknown", 1},
    {"failed", 0, "4.4.7", 0, "", BC_SOFT, "expired", 1},
    {"delayed", 0, "4.4.7", 0, "", BC_SOFT, "on-hold", 0}, /* a warning's 4.4.7 has not expired yet */
    /* a null MX is the domain's word in DNS: final, it is hard under a bare 4.0.0 status too (Gmail); not
       under a 4xx reply or a detailed 4.x.y, which say "not now" */
    {"failed", 0, "4.0.0", 0, "The domain example.org doesn't receive email according to the administrator: returned Null MX", BC_HARD, "not-accept", 1},
    {"delayed", 0, "4.0.0", 0, "returned Null MX", BC_SOFT, "not-accept", 0},
    {"failed", 0, "4.3.2", 0, "host/domain does not accept mail", BC_SOFT, "not-accept", 1},
    {"failed", 0, "", 452, "452 host/domain does not accept mail.", BC_SOFT, "not-accept", 1},
    /* so is a domain that does not exist under Gmail's bare 4.0.0, failed at the first attempt; not under
       a 4xx reply (Postfix's 450 4.1.2 "Domain not found" while a lookup may still pass), nor delayed */
    {"failed", 0, "4.0.0", 0, "DNS Error: 80480947 DNS type 'mx' lookup of example.org responded with code NXDOMAIN Domain name not found: example.org", BC_HARD, "host-unknown", 1},
    {"failed", 0, "4.1.2", 450, "450 4.1.2 <x@example.org>: Recipient address rejected: Domain not found", BC_SOFT, "host-unknown", 1},
    {"failed", 0, "4.0.0", 450, "450 Domain not found", BC_SOFT, "host-unknown", 1},
    {"delayed", 0, "4.0.0", 0, "responded with code NXDOMAIN", BC_SOFT, "host-unknown", 0},
    {"failed", 0, "4.2.0", 450, "user unknown", BC_SOFT, "user-unknown", 1}, /* other hard reasons: never under 4xx */
    {"delayed", 0, "", 0, "", BC_SOFT, "on-hold", 0},
    {"", 1, "", 0, "", BC_SOFT, "unknown", 0}, /* a text bounce: final all the same */
    {"", 0, "", 0, "", BC_SOFT, "on-hold", 0},
    {"", 0, "5.1.1", 550, "User unknown", BC_HARD, "user-unknown", 1}, /* no Action, a permanent status */
    {"delayed", 0, "5.1.1", 550, "User unknown", BC_SOFT, "user-unknown", 0}, /* a warning is never hard */
    {"failed", 0, "4.1.1", 450, "User unknown", BC_SOFT, "user-unknown", 1},	   /* nor a 4xx */
    {"failed", 0, "2.0.0", 250, "Ok", BC_SOFT, "unknown", 1},
    {"failed", 0, "5.7.1", 550, "Message rejected as spam", BC_BLOCK, "spam-content", 1},
};

START_TEST(dsn_category)
{
	BOUNCE_VERDICT v;
	int cat = bounce_dsn_verdict(rules, dsn_cases[_i].action, dsn_cases[_i].text_bounce, dsn_cases[_i].status,
				     dsn_cases[_i].code, dsn_cases[_i].text, &v);

	ck_assert_msg(cat == dsn_cases[_i].cat, "%s %s: %s (%s)", dsn_cases[_i].action, dsn_cases[_i].text,
		      bounce_category_name(cat), bounce_reason_name(v.reason));
	ck_assert_int_eq(v.category, cat);
	ck_assert_str_eq(bounce_reason_name(v.reason), dsn_cases[_i].why);
	ck_assert_int_eq(bounce_dsn_final(dsn_cases[_i].action, dsn_cases[_i].status), dsn_cases[_i].final);
}
END_TEST

START_TEST(arf_category)
{
	ck_assert_int_eq(bounce_arf_category("abuse"), BC_COMPLAINT);
	ck_assert_int_eq(bounce_arf_category("fraud"), BC_COMPLAINT);
	ck_assert_int_eq(bounce_arf_category("opt-out"), BC_UNSUBSCRIBE);
	ck_assert_int_eq(bounce_arf_category("Opt-Out-List"), BC_UNSUBSCRIBE);
	ck_assert_int_eq(bounce_arf_category("not-spam"), BC_NONE);
	ck_assert_int_eq(bounce_arf_category("NOT-SPAM"), BC_NONE);
	ck_assert_int_eq(bounce_arf_category("virus"), BC_COMPLAINT);
	ck_assert_int_eq(bounce_arf_category("auth-failure"), BC_NONE); /* RFC 6591: the sender's authentication */
	ck_assert_int_eq(bounce_arf_category("other"), BC_NONE);
	ck_assert_int_eq(bounce_arf_reason("fraud"), BR_FEEDBACK_FRAUD);
	ck_assert_int_eq(bounce_arf_reason("opt-out"), BR_FEEDBACK_OPTOUT);
	ck_assert_int_eq(bounce_arf_reason("Abuse"), BR_FEEDBACK_ABUSE);
}
END_TEST

/* what each category does: the counter, the list, the streak (as lib/feedback.lua applied them before) */
static const struct {
	int cat, final, hard_global;
	const char *counter, *reason;
	int global, streak;
	const char *streak_reason;
} effects[] = {
    {BC_DELIVERED, 1, 0, "delivered", NULL, 0, BS_END, NULL},
    {BC_HARD, 1, 0, "bounced_hard", "hard-bounce", 0, BS_END, NULL},
    {BC_HARD, 1, 1, "bounced_hard", "hard-bounce", 1, BS_END, NULL},
    {BC_SOFT, 1, 1, "bounced_soft", NULL, 0, BS_FEED, "soft-bounce-streak"},
    {BC_SOFT, 0, 0, "deferred", NULL, 0, BS_KEEP, NULL},
    {BC_BLOCK, 1, 1, "blocked", NULL, 0, BS_KEEP, NULL},
    {BC_THROTTLE, 0, 0, "throttled", NULL, 0, BS_KEEP, NULL},
    {BC_COMPLAINT, 1, 1, "complaints", "complaint", 0, BS_KEEP, NULL}, /* the tenant's list, whatever the scope */
    {BC_UNSUBSCRIBE, 1, 1, "unsubscribes", "unsubscribe", 0, BS_KEEP, NULL},
    {BC_AUTOREPLY, 1, 0, NULL, NULL, 0, BS_KEEP, NULL},
    {BC_NONE, 1, 0, NULL, NULL, 0, BS_KEEP, NULL},
};

START_TEST(effect)
{
	BOUNCE_EFFECT fx = bounce_effect(effects[_i].cat, effects[_i].final, effects[_i].hard_global);

	if (effects[_i].counter)
		ck_assert_str_eq(fx.counter, effects[_i].counter);
	else
		ck_assert_ptr_null(fx.counter);
	if (effects[_i].reason)
		ck_assert_str_eq(supp_reason_name(fx.supp_reason), effects[_i].reason);
	else
		ck_assert_int_eq(fx.supp_reason, -1);
	ck_assert_int_eq(fx.supp_global, effects[_i].global);
	ck_assert_int_eq(fx.streak, effects[_i].streak);
	if (effects[_i].streak_reason)
		ck_assert_str_eq(supp_reason_name(fx.streak_reason), effects[_i].streak_reason);
	else
		ck_assert_int_eq(fx.streak_reason, -1);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_unchecked_fixture(tc, load_rules, free_rules);
	tcase_add_loop_test(tc, log_category, 0, sizeof(log_cases) / sizeof(log_cases[0]));
	tcase_add_loop_test(tc, dsn_category, 0, sizeof(dsn_cases) / sizeof(dsn_cases[0]));
	tcase_add_test(tc, arf_category);
	tcase_add_loop_test(tc, effect, 0, sizeof(effects) / sizeof(effects[0]));
}
