/* check_feedback - when a feedback loop's ARF report may name its tenant: our verifier's Authentication-Results */
#include "config.h"

#include <string.h>

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

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, fbl, 0, sizeof(cases) / sizeof(cases[0]));
}
