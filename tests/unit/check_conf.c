/* check_conf - the configuration parser, including every error it reports */
#include "config.h"

#include <string.h>

#include "tm_conf.h"
#define SUITE_NAME "conf"
#include "check_main.h"

static CONF *
parse(const char *text, SBUF *errs)
{
	return conf_parse("t.conf", text, NULL, 0, errs);
}

START_TEST(defaults)
{
	CONF *c = conf_defaults();

	ck_assert_str_eq(c->tenant_header, "X-Tenant");
	ck_assert_int_eq(c->unknown_tenant_action, ACT_REJECT);
	ck_assert_int_eq(c->store_error_action, ACT_TEMPFAIL);
	ck_assert_int_eq(c->sender_ownership, OWN_ENFORCE);
	ck_assert_int_eq(c->redis_timeout, 200);
	ck_assert_int_eq(c->tenant_cache_max_age, 5000);
	ck_assert_str_eq(c->milter_socket, "unix:/var/spool/postfix/tenant-milter/milter.sock");
	conf_unref(c);
}
END_TEST

START_TEST(syntax)
{
	SBUF *e = sbuf_new(64);
	CONF *c = parse("# comment\n"
			"tenant_header = X-Customer\n"
			"\n"
			"redis_server =\n"
			"   10.0.0.5:6380\n"
			"  # an indented comment does not end the setting\n"
			"redis_timeout = 1s\n"
			"redis_timeout=350\n"
			"unknown_tenant_action = tempfail\n"
			"milter_socket = inet:8891@127.0.0.1\n"
			"redis_password = a # b\n",
			e);

	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	ck_assert_str_eq(c->tenant_header, "X-Customer");
	ck_assert_str_eq(c->redis_server, "10.0.0.5:6380");
	ck_assert_int_eq(c->redis_timeout, 350); /* later wins; bare number is ms */
	ck_assert_int_eq(c->unknown_tenant_action, ACT_TEMPFAIL);
	ck_assert_str_eq(c->redis_password, "a # b"); /* '#' only starts a comment line */
	conf_unref(c);
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *text;
	const char *error;
} bad[] = {
    {"no_such_setting = 1\n", "t.conf:1: unknown setting \"no_such_setting\"\n"},
    {"\n\nredis_db = lots\n", "t.conf:3: redis_db: bad number \"lots\"\n"},
    {"redis_db = 70000\n", "t.conf:1: redis_db: 70000 is out of range 0..65535\n"},
    {"redis_timeout = 0\n", "t.conf:1: redis_timeout: 0 is out of range 1ms..60000ms\n"},
    {"redis_timeout = fast\n",
     "t.conf:1: redis_timeout: bad time value \"fast\" (use a number with ms, s, m, h or d)\n"},
    {"sender_ownership = maybe\n",
     "t.conf:1: sender_ownership: bad value \"maybe\" (expected enforce or warn or off)\n"},
    {"store_error_action = reject\n",
     "t.conf:1: store_error_action: bad value \"reject\" (expected tempfail or accept)\n"},
    {"milter_socket = 8891\n",
     "t.conf:1: milter_socket: bad value \"8891\": expected unix:/path or inet:PORT@HOST\n"},
    {"milter_socket = inet:99999@localhost\n",
     "t.conf:1: milter_socket: bad value \"inet:99999@localhost\": expected inet:PORT@HOST with a port from 1 to 65535\n"},
    {"milter_socket = unix:relative\n",
     "t.conf:1: milter_socket: bad value \"unix:relative\": socket path must be absolute, as in unix:/var/spool/postfix/tenant-milter/milter.sock\n"},
    {"redis_server = localhost\n",
     "t.conf:1: redis_server: bad value \"localhost\": expected HOST:PORT or unix:/path\n"},
    {"   indented = 1\n", "t.conf:1: continuation line without a setting before it\n"},
    {"just words\n", "t.conf:1: missing '=' after \"just words\"\n"},
    {"= 5\n", "t.conf:1: missing setting name before '='\n"},
    {"tenant_header = X-Tenant\n", NULL},
    {"tenant_header = Bad Header\n", "t.conf:1: tenant_header: bad value \"Bad Header\": a header name is letters, digits, '-' and '_'\n"},
};

START_TEST(errors)
{
	SBUF *e = sbuf_new(64);
	CONF *c = parse(bad[_i].text, e);

	if (bad[_i].error == NULL) {
		ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	} else {
		ck_assert_ptr_null(c);
		ck_assert_str_eq(sbuf_str(e), bad[_i].error);
	}
	conf_unref(c);
	sbuf_free(e);
}
END_TEST

START_TEST(all_errors_reported)
{
	SBUF *e = sbuf_new(64);
	CONF *c = parse("a = 1\nredis_db = x\nlog_level = info\nb = 2\n", e);

	ck_assert_ptr_null(c);
	ck_assert_str_eq(sbuf_str(e), "t.conf:1: unknown setting \"a\"\n"
				      "t.conf:2: redis_db: bad number \"x\"\n"
				      "t.conf:4: unknown setting \"b\"\n");
	sbuf_free(e);
}
END_TEST

START_TEST(overrides)
{
	SBUF *e = sbuf_new(64);
	char *ov[] = {"tenant_header=X-T2", "redis_db = 3"};
	char *badov[] = {"nope=1"};
	CONF *c = conf_parse("t.conf", "redis_db = 1\n", ov, 2, e);

	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	ck_assert_str_eq(c->tenant_header, "X-T2");
	ck_assert_int_eq(c->redis_db, 3);
	conf_unref(c);
	c = conf_parse("t.conf", "", badov, 1, e);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(sbuf_str(e), "-o:1: unknown setting \"nope\"\n");
	sbuf_free(e);
}
END_TEST

START_TEST(load_missing_file)
{
	SBUF *e = sbuf_new(64);
	CONF *c = conf_load("/nonexistent/tenant-milter.conf", NULL, 0, e);

	ck_assert_ptr_null(c);
	ck_assert_str_eq(sbuf_str(e), "/nonexistent/tenant-milter.conf: cannot open: No such file or directory\n");
	sbuf_free(e);
}
END_TEST

/*
 * Every type of setting, written in a form other than the one conf_print()
 * uses (bare numbers, ms for whole seconds, days), so parsing the printed
 * text back is a real second parse.
 */
static const char roundtrip_text[] = "milter_socket = inet:9999@127.0.0.1\n"
				     "log_level = debug\n"
				     "milter_timeout = 90000ms\n"
				     "redis_server = 192.0.2.1:6380\n"
				     "redis_password = secret\n"
				     "redis_db = 7\n"
				     "redis_timeout = 2000\n"
				     "tenant_header = X-Customer\n"
				     "store_error_action = accept\n"
				     "sender_ownership = off\n"
				     "hard_bounce_scope = global\n"
				     "soft_bounce_limit = 5\n"
				     "soft_bounce_window = 172800\n"
				     "postfix_syslog_names = postfix/*, other/*\n"
				     "token_lifetime = 30d\n"
				     "unsubscribe_url_host = unsub.example\n"
				     "bulk_multi_recipient = reject\n"
				     "dkim_missing_key = tempfail\n"
				     "httpd_client_rate = 10/s\n";
/* what conf_print(only_changed) must say of it: literal, in table order */
static const char roundtrip_changed[] = "milter_socket = inet:9999@127.0.0.1\n"
					"log_level = debug\n"
					"milter_timeout = 90s\n"
					"redis_server = 192.0.2.1:6380\n"
					"redis_password = (set)\n"
					"redis_db = 7\n"
					"redis_timeout = 2s\n"
					"tenant_header = X-Customer\n"
					"store_error_action = accept\n"
					"sender_ownership = off\n"
					"hard_bounce_scope = global\n"
					"soft_bounce_limit = 5\n"
					"soft_bounce_window = 172800s\n"
					"postfix_syslog_names = postfix/*, other/*\n"
					"token_lifetime = 2592000s\n"
					"unsubscribe_url_host = unsub.example\n"
					"bulk_multi_recipient = reject\n"
					"dkim_missing_key = tempfail\n"
					"httpd_client_rate = 10/s\n";

START_TEST(print_roundtrip)
{
	SBUF *e = sbuf_new(64), *out = sbuf_new(256), *text = sbuf_new(4096), *back = sbuf_new(4096);
	CONF *c = parse("redis_timeout = 1500\nredis_password = secret\n", e), *again, *def;
	const char *pw;

	conf_print(c, out, 1);
	ck_assert_str_eq(sbuf_str(out), "redis_password = (set)\nredis_timeout = 1500ms\n");
	conf_unref(c);

	c = parse(roundtrip_text, e);
	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	sbuf_reset(out);
	conf_print(c, out, 1);
	ck_assert_str_eq(sbuf_str(out), roundtrip_changed);
	/* everything printed, the hidden password put back, parses back to the same values: every field */
	sbuf_reset(out);
	conf_print(c, out, 0);
	pw = strstr(sbuf_str(out), "redis_password = (set)\n");
	ck_assert_ptr_nonnull(pw);
	sbuf_catn(text, sbuf_str(out), (size_t)(pw - sbuf_str(out)));
	sbuf_cat(text, "redis_password = secret\n");
	sbuf_cat(text, pw + strlen("redis_password = (set)\n"));
	again = parse(sbuf_str(text), e);
	ck_assert_msg(again != NULL, "%s", sbuf_str(e));
	conf_print(again, back, 0);
	ck_assert_str_eq(sbuf_str(back), sbuf_str(out));
	ck_assert_str_eq(again->redis_password, "secret");
	/* and the comparison is not between two default configurations */
	def = conf_defaults();
	sbuf_reset(back);
	conf_print(def, back, 1);
	ck_assert_str_eq(sbuf_str(back), "");
	conf_unref(def);
	conf_unref(again);
	conf_unref(c);
	sbuf_free(e);
	sbuf_free(out);
	sbuf_free(text);
	sbuf_free(back);
}
END_TEST

/* fuzz_conf: a long time in days printed as seconds must read back (it once was over a count limit)
 */
START_TEST(print_roundtrip_long_time)
{
	SBUF *e = sbuf_new(64), *out = sbuf_new(256);
	CONF *c = parse("token_lifetime = 4000d\n", e), *again;

	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	conf_print(c, out, 1);
	ck_assert_str_eq(sbuf_str(out), "token_lifetime = 345600000s\n");
	again = parse(sbuf_str(out), e);
	ck_assert_msg(again != NULL, "%s", sbuf_str(e));
	ck_assert_int_eq(again->token_lifetime, 345600000000L);
	conf_unref(again);
	conf_unref(c);
	ck_assert_ptr_null(parse("token_lifetime = 4700d\n", e));
	ck_assert_ptr_null(parse("token_lifetime = 9223372036854775807d\n", e));
	ck_assert_str_eq(
	    sbuf_str(e),
	    "t.conf:1: token_lifetime: 4700d is out of range 86400000ms..400000000000ms\n"
	    "t.conf:1: token_lifetime: bad time value \"9223372036854775807d\" (use a number "
	    "with ms, s, m, h or d)\n");
	sbuf_free(e);
	sbuf_free(out);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, syntax);
	tcase_add_loop_test(tc, errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, all_errors_reported);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, load_missing_file);
	tcase_add_test(tc, print_roundtrip);
	tcase_add_test(tc, print_roundtrip_long_time);
}
