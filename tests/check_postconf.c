/* check_postconf - postconf output read back: when local_login_sender_maps leaves the null sender open */
#include "config.h"

#include <string.h>

#include "tm_postconf.h"
#define SUITE_NAME "postconf"
#include "check_main.h"

#define TAIL "empty_address_local_login_sender_maps_lookup_key = <>\nmail_version = 3.7.11\n"
#define OPEN                                                                                       \
	"any local user can submit mail with a null sender through sendmail(1), which "            \
	"tenant-milter passes untagged"

/* postconf -x output (so "$$" already reads "$") and the warning expected for it; NULL: no warning */
static const struct {
	const char *text, *why;
} risks[] = {
    /* Postfix's default: every login, every sender */
    {"local_login_sender_maps = static:*\n" TAIL,
     "local_login_sender_maps is not set in /etc/postfix/main.cf: " OPEN
     "; add the line tenantctl postfix-config prints"},
    /* what tenantctl postfix-config prints, expanded */
    {"local_login_sender_maps = inline:{ { root = * }, { postfix = * }, { tenant-milter = * } }, regexp:{ { "
     "/^(.+)/ ${1} ${1}@relay.test } }\n" TAIL,
     NULL},
    /* postconf(5)'s own example */
    {"local_login_sender_maps = inline:{ { root = * }, { postfix = * } }, pcre:/etc/postfix/login_senders\n" TAIL,
     NULL},
    {"local_login_sender_maps = hash:/etc/postfix/login_senders\n" TAIL, NULL},
    /* empty: postdrop refuses every login; nothing is open */
    {"local_login_sender_maps =\n" TAIL, NULL},
    /* a static table answers every login, listed or not, that comes to it */
    {"local_login_sender_maps = inline:{ { root = * } }, static:*\n" TAIL,
     "local_login_sender_maps in /etc/postfix/main.cf answers every login with static:*: " OPEN
     "; use the line tenantctl postfix-config prints"},
    {"local_login_sender_maps = static:{ nobody, <> }\n" TAIL,
     "local_login_sender_maps in /etc/postfix/main.cf answers every login with static:{ nobody, <> }: " OPEN
     "; use the line tenantctl postfix-config prints"},
    {"local_login_sender_maps = static:nobody\n" TAIL, NULL},
    {"local_login_sender_maps = hash:/etc/postfix/a,static:{<>}\r\n" TAIL,
     "local_login_sender_maps in /etc/postfix/main.cf answers every login with static:{<>}: " OPEN
     "; use the line tenantctl postfix-config prints"},
    /* the null sender's pattern is the lookup key Postfix is told to use */
    {"local_login_sender_maps = static:{ NULL }\nempty_address_local_login_sender_maps_lookup_key = NULL\n",
     "local_login_sender_maps in /etc/postfix/main.cf answers every login with static:{ NULL }: " OPEN
     "; use the line tenantctl postfix-config prints"},
    {"local_login_sender_maps = static:{ <> }\nempty_address_local_login_sender_maps_lookup_key = NULL\n", NULL},
    /* braces inside an inline table are not a static table */
    {"local_login_sender_maps = inline:{ { static:* = * } }\n" TAIL, NULL},
    /* Postfix before 3.6: postconf only warns about the unknown name */
    {"mail_version = 3.5.18\n",
     "Postfix 3.5.18 in /etc/postfix has no local_login_sender_maps (Postfix 3.6 and later): " OPEN
     "; upgrade Postfix, or limit sendmail(1) to trusted users with authorized_submit_users"},
    {"", "Postfix (version unknown) in /etc/postfix has no local_login_sender_maps (Postfix 3.6 and later): " OPEN
	 "; upgrade Postfix, or limit sendmail(1) to trusted users with authorized_submit_users"},
};

START_TEST(null_sender_risk)
{
	SBUF *why = sbuf_new(64);
	int r = pc_null_sender_risk(risks[_i].text, "/etc/postfix", why);

	ck_assert_int_eq(r, risks[_i].why != NULL);
	ck_assert_str_eq(sbuf_str(why), risks[_i].why ? risks[_i].why : "");
	sbuf_free(why);
}
END_TEST

static const struct {
	const char *text, *name, *value; /* value NULL: no line */
} values[] = {
    {"mail_version = 3.7.11\n", "mail_version", "3.7.11"},
    {"  mail_version=3.7.11  \r\n", "mail_version", "3.7.11"},
    {"mail_version_x = 1\nmail_version = 2\n", "mail_version", "2"},
    {"mail_version_x = 1\n", "mail_version", NULL},
    {"xmail_version = 1\n", "mail_version", NULL},
    {"mail_version 3.7\n", "mail_version", NULL},
    {"a = 1\nmail_version =\nb = 2", "mail_version", ""},
    {"a = 1\nmail_version = 3", "mail_version", "3"},
    {"", "mail_version", NULL},
};

START_TEST(value)
{
	SBUF *out = sbuf_new(16);

	ck_assert_int_eq(pc_value(values[_i].text, values[_i].name, out), values[_i].value != NULL);
	ck_assert_str_eq(sbuf_str(out), values[_i].value ? values[_i].value : "");
	sbuf_free(out);
}
END_TEST

START_TEST(login_senders)
{
	static const struct {
		const char *user, *line;
	} cases[] = {
	    {"tenant-milter", "inline:{ { root = * }, { postfix = * }, { tenant-milter = * } }, regexp:{ { /^(.+)/ "
			      "$${1} $${1}@$myorigin } }"},
	    {"postfix", "inline:{ { root = * }, { postfix = * } }, regexp:{ { /^(.+)/ $${1} $${1}@$myorigin } }"},
	    {"root", "inline:{ { root = * }, { postfix = * } }, regexp:{ { /^(.+)/ $${1} $${1}@$myorigin } }"},
	    {"", "inline:{ { root = * }, { postfix = * } }, regexp:{ { /^(.+)/ $${1} $${1}@$myorigin } }"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SBUF *out = sbuf_new(16);
		pc_login_senders(cases[i].user, out);
		ck_assert_str_eq(sbuf_str(out), cases[i].line);
		sbuf_free(out);
	}
}
END_TEST

/* the fork/exec, with stand-ins for postconf: echo shows the argument vector */
START_TEST(run)
{
	static const char *const args[] = {"-x", "mail_version", NULL};
	SBUF *out = sbuf_new(16), *err = sbuf_new(16);

	ck_assert_int_eq(pc_run("echo", "/etc/pf", args, out, err), 0);
	ck_assert_str_eq(sbuf_str(out), "-c /etc/pf -x mail_version\n");
	ck_assert_str_eq(sbuf_str(err), "");
	sbuf_reset(out);
	ck_assert_int_eq(pc_run("false", "/etc/pf", args, out, err), -1);
	ck_assert_str_eq(sbuf_str(err), "\"false -c /etc/pf\" failed (exit 1): is Postfix installed and "
					"postfix_config_directory right?");
	sbuf_reset(err);
	ck_assert_int_eq(pc_run("/nonexistent/postconf", "/etc/pf", args, out, err), -1);
	ck_assert_str_eq(sbuf_str(err), "\"/nonexistent/postconf -c /etc/pf\" failed (exit 127): is Postfix "
					"installed and postfix_config_directory right?");
	ck_assert_str_eq(sbuf_str(out), "");
	sbuf_free(out);
	sbuf_free(err);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, null_sender_risk, 0, sizeof(risks) / sizeof(risks[0]));
	tcase_add_loop_test(tc, value, 0, sizeof(values) / sizeof(values[0]));
	tcase_add_test(tc, login_senders);
	tcase_add_test(tc, run);
}
