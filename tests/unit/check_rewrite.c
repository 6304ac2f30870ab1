/* check_rewrite - trivial-rewrite replayed: source routes, bang paths, the percent hack, local domains */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tm_rewrite.h"
#include "tm_suppress.h"
#define SUITE_NAME "rewrite"
#include "check_main.h"

/* what "postconf -x" prints for a relay whose own name is relay.test */
static const char relay_postconf[] = "allow_percent_hack = yes\n"
				     "swap_bangpath = yes\n"
				     "mydestination = relay.test, localhost\n"
				     "myorigin = relay.test\n";

enum { DEFAULTS, RELAY, NO_PERCENT, NO_BANG };

static const struct {
	int rw;
	const char *in, *out, *err; /* out "" with err NULL: the null address */
} cases[] = {
    {DEFAULTS, "gone@x.test", "gone@x.test", NULL},
    {DEFAULTS, "<gone@x.test>", "gone@x.test", NULL},
    {DEFAULTS, "@a.example,@b.example:gone@x.test", "gone@x.test", NULL},
    {DEFAULTS, "x.test!gone", "gone@x.test", NULL},
    {DEFAULTS, "a!b!gone", "b!gone@a", NULL},
    {DEFAULTS, "gone%x.test", "gone@x.test", NULL},
    {DEFAULTS, "a%b%x.test", "a%b@x.test", NULL},
    {DEFAULTS, "gone@x.test...", "gone@x.test", NULL},
    {DEFAULTS, "gone%x.test@relay.test", "gone%x.test@relay.test", NULL}, /* not local here */
    {DEFAULTS, "\"gone%x.test\"", NULL, "address has no domain"},         /* quoted: never split */
    {DEFAULTS, "gone", NULL, "address has no domain"},
    {DEFAULTS, "<>", "", NULL},
    {DEFAULTS, "", "", NULL},
    {DEFAULTS, "@", "", NULL},
    {DEFAULTS, "@a.example:", NULL, "malformed source route"},
    {DEFAULTS, "@a.example", NULL, "malformed source route"},
    {DEFAULTS, "gone@", NULL, "address has no domain"},
    {DEFAULTS, "@x.test", NULL, "malformed source route"},
    {DEFAULTS, "a\rb@x.test", NULL, "control character in address"},
    {RELAY, "gone%x.test@relay.test", "gone@x.test", NULL},
    {RELAY, "gone%x.test@RELAY.TEST.", "gone@x.test", NULL},
    {RELAY, "x.test!gone@relay.test", "gone@x.test", NULL},
    {RELAY, "gone@x.test@relay.test", "gone@x.test", NULL},
    {RELAY, "gone%x.test@localhost", "gone@x.test", NULL},
    {RELAY, "gone%x.test@[127.0.0.1]", "gone@x.test", NULL},
    {RELAY, "\"gone@x.test\"@relay.test", "gone@x.test", NULL}, /* resolve_dequoted */
    {RELAY, "\"gone%x.test\"@relay.test", "gone@x.test", NULL},
    {RELAY, "\"gone\"@relay.test", "\"gone\"@relay.test", NULL},
    {DEFAULTS, "\"gone@x.test\"@relay.test", "\"gone@x.test\"@relay.test",
     NULL}, /* not local: kept */
    {RELAY, "gone@relay.test", "gone@relay.test", NULL},
    {RELAY, "\"a ", NULL, "address has no domain"}, /* fuzz_addr: @relay.test inside the quote */
    {RELAY, "\"gone", NULL, "address has no domain"},
    {RELAY, "gone", "gone@relay.test", NULL},
    {RELAY,
     "u%relay.test%relay.test%relay.test%relay.test%relay.test%relay.test%relay.test%relay.test@"
     "relay.test",
     NULL, "address needs too many rewrites"},
    {NO_PERCENT, "gone%x.test@relay.test", "gone%x.test@relay.test", NULL},
    {NO_PERCENT, "gone%x.test", "gone%x.test@relay.test", NULL},
    {NO_BANG, "x.test!gone", "x.test!gone@relay.test", NULL},
    {NO_BANG, "x.test!gone@relay.test", "x.test!gone@relay.test", NULL},
};

static RW_CONF *
make(int which)
{
	SBUF *e = sbuf_new(64), *t = sbuf_new(256);
	RW_CONF *rw;

	if (which == DEFAULTS) {
		sbuf_free(e);
		sbuf_free(t);
		return NULL;
	}
	sbuf_cat(t, relay_postconf);
	if (which == NO_PERCENT)
		sbuf_cat(t, "allow_percent_hack = no\n");
	if (which == NO_BANG)
		sbuf_cat(t, "swap_bangpath = no\n");
	rw = rw_parse(sbuf_str(t), e);
	ck_assert_msg(rw != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	sbuf_free(t);
	return rw;
}

START_TEST(canon)
{
	RW_CONF *rw = make(cases[_i].rw);
	SBUF *out = sbuf_new(64), *err = sbuf_new(64);
	int rc = rw_canon(rw, cases[_i].in, out, err);

	if (cases[_i].err) {
		ck_assert_msg(rc == -1, "%s: expected failure, got %s", cases[_i].in, sbuf_str(out));
		ck_assert_str_eq(sbuf_str(err), cases[_i].err);
	} else {
		ck_assert_msg(rc == 0, "%s: %s", cases[_i].in, sbuf_str(err));
		ck_assert_str_eq(sbuf_str(out), cases[_i].out);
	}
	rw_free(rw);
	sbuf_free(out);
	sbuf_free(err);
}
END_TEST

START_TEST(parse_postconf)
{
	SBUF *e = sbuf_new(64);
	RW_CONF *rw = rw_parse("allow_percent_hack = no\nswap_bangpath = yes\n"
			       "mydestination = Relay.Test., localhost hash:/etc/postfix/dest, /etc/postfix/more\n"
			       "myorigin = Relay.Test.\n",
			       e);

	ck_assert_msg(rw != NULL, "%s", sbuf_str(e));
	ck_assert_int_eq(rw->percent_hack, 0);
	ck_assert_int_eq(rw->swap_bangpath, 1);
	ck_assert_uint_eq(rw->nlocal, 2);
	ck_assert_str_eq(rw->local_domains[0], "relay.test");
	ck_assert_str_eq(rw->local_domains[1], "localhost");
	ck_assert_uint_eq(rw->ntables, 2);
	ck_assert_str_eq(rw->myorigin, "relay.test");
	ck_assert_int_eq(rw_is_local(rw, "relay.test"), 1);
	ck_assert_int_eq(rw_is_local(rw, "x.test"), 0);
	rw_free(rw);
	ck_assert_ptr_null(rw_parse("swap_bangpath = maybe\n", e));
	ck_assert_str_eq(sbuf_str(e), "swap_bangpath: not a boolean: maybe");
	sbuf_free(e);
}
END_TEST

/* the key the milter builds: one per mailbox, whatever form reached Postfix */
START_TEST(one_key_per_mailbox)
{
	static const char *const forms[] = {"gone@x.test", "GONE@X.TEST.", "x.test!gone", "gone%x.test",
					    "@r.example:gone@x.test", "gone%x.test@relay.test",
					    "x.test!gone@relay.test", "\"gone\"@x.test", "\"GONE\"@x.test"};
	RW_CONF *rw = make(RELAY);
	SBUF *k = sbuf_new(64), *e = sbuf_new(64);

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		sbuf_reset(k);
		ck_assert_msg(supp_key_rw(rw, forms[i], k, e) == 0, "%s: %s", forms[i], sbuf_str(e));
		ck_assert_msg(strcmp(sbuf_str(k), "gone@x.test") == 0, "%s keyed as %s", forms[i], sbuf_str(k));
	}
	rw_free(rw);
	sbuf_free(k);
	sbuf_free(e);
}
END_TEST

/* a local part over 64 octets is keyed in full; over 256 it is refused, never cut */
START_TEST(long_local_parts)
{
	char in[600], want[600];
	SBUF *k = sbuf_new(64), *e = sbuf_new(64);

	memset(in, 'a', 200);
	strcpy(in + 200, "@x.test");
	memcpy(want, in, sizeof(in));
	ck_assert_int_eq(supp_key(in, k, e), 0);
	ck_assert_str_eq(sbuf_str(k), want);
	memset(in, 'a', 257);
	strcpy(in + 257, "@x.test");
	sbuf_reset(k);
	ck_assert_int_eq(supp_key(in, k, e), -1);
	ck_assert_str_eq(sbuf_str(e), "local part longer than 256 characters");
	ck_assert_uint_eq(k->len, 0);
	sbuf_free(k);
	sbuf_free(e);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, canon, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, parse_postconf);
	tcase_add_test(tc, one_key_per_mailbox);
	tcase_add_test(tc, long_local_parts);
}
