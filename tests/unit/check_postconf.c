/* check_postconf - postconf output read back: the null sender guard; the socket layout a chrooted Postfix needs */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* "postconf -M" of Debian 12's stock master.cf (an excerpt): smtpd, cleanup, trivial-rewrite and
 * smtp chrooted */
#define DEBIAN_MASTER                                                                              \
	"smtp       inet  n       -       y       -       -       smtpd\n"                         \
	"submission inet  n       -       y       -       -       smtpd -o "                       \
	"syslog_name=postfix/submission "                                                          \
	"-o smtpd_tls_security_level=encrypt\n"                                                    \
	"pickup     unix  n       -       y       60      1       pickup\n"                        \
	"cleanup    unix  n       -       y       -       0       cleanup\n"                       \
	"qmgr       unix  n       -       n       300     1       qmgr\n"                          \
	"rewrite    unix  -       -       y       -       -       trivial-rewrite\n"               \
	"bounce     unix  -       -       y       -       0       bounce\n"                        \
	"smtp       unix  -       -       y       -       -       smtp\n"                          \
	"local      unix  -       n       n       -       -       local\n"                         \
	"maildrop   unix  -       n       n       -       -       pipe flags=DRXhu user=vmail "    \
	"argv=/usr/bin/maildrop -d ${recipient}\n"
/* the test bed's own master.cf: nothing chrooted */
#define TESTBED_MASTER                                                                             \
	"127.0.0.1:2525 inet n    -       n       -       -       smtpd\n"                         \
	"cleanup    unix  n       -       n       -       0       cleanup\n"                       \
	"rewrite    unix  -       -       n       -       -       trivial-rewrite\n"
/* chroot "-": Postfix 3's default, n; the folded form postconf -Mf prints; a comment */
#define DASH_MASTER                                                                                \
	"# smtp inet n - y - - smtpd\n"                                                            \
	"smtp       inet  n       -       -       -       -       smtpd\n"                         \
	"    -o smtpd_milters=\n"                                                                  \
	"cleanup    unix  n       -       -       -       0       cleanup\n"                       \
	"rewrite    unix  -       -       -       -       -       trivial-rewrite\n"
#define DEB_MAIN                                                                                   \
	"queue_directory = /var/spool/postfix\nrelayhost =\ndefault_filter_nexthop =\nmail_owner " \
	"= postfix\n"
#define SPOOL "unix:/var/spool/postfix/tenant-milter/"
#define RUN "unix:/run/tenant-milter/"

#define W_MILTER_SMTPD                                                                             \
	"milter_socket unix:/run/tenant-milter/milter.sock is outside queue_directory "            \
	"/var/spool/postfix, and "                                                                 \
	"master.cf runs smtpd (smtpd_milters) chrooted there (smtp/inet, submission/inet, chroot " \
	"= y): it "                                                                                \
	"cannot reach the socket, so mail tempfails; use milter_socket = "                         \
	"unix:/var/spool/postfix/tenant-milter/milter.sock, or set chroot = n for smtp/inet, "     \
	"submission/inet\n"
#define W_MILTER_CLEANUP                                                                           \
	"milter_socket unix:/run/tenant-milter/milter.sock is outside queue_directory "            \
	"/var/spool/postfix, and "                                                                 \
	"master.cf runs cleanup (non_smtpd_milters) chrooted there (cleanup/unix, chroot = y): "   \
	"it cannot "                                                                               \
	"reach the socket, so mail tempfails; use milter_socket = "                                \
	"unix:/var/spool/postfix/tenant-milter/milter.sock, or set chroot = n for cleanup/unix\n"
#define W_POLICY                                                                                   \
	"policy_socket unix:/run/tenant-milter/policy.sock is outside queue_directory "            \
	"/var/spool/postfix, and "                                                                 \
	"master.cf runs smtpd (check_policy_service) chrooted there (smtp/inet, submission/inet, " \
	"chroot = y): "                                                                            \
	"it cannot reach the socket, so mail tempfails; use policy_socket = "                      \
	"unix:/var/spool/postfix/tenant-milter/policy.sock, or set chroot = n for smtp/inet, "     \
	"submission/inet\n"
#define W_SOCKETMAP                                                                                \
	"socketmap_socket unix:/run/tenant-milter/socketmap.sock is outside queue_directory "      \
	"/var/spool/postfix, and master.cf runs trivial-rewrite "                                  \
	"(sender_dependent_default_transport_maps) "                                               \
	"chrooted there (rewrite/unix, chroot = y): it cannot reach the socket, so tenant mail "   \
	"waits in the "                                                                            \
	"queue; use socketmap_socket = unix:/var/spool/postfix/tenant-milter/socketmap.sock, or "  \
	"set chroot = "                                                                            \
	"n for rewrite/unix\n"
#define W_GROUP                                                                                    \
	"mail_owner postfix is not in group tenant-milter, which the unix sockets (mode 0660) "    \
	"belong to: "                                                                              \
	"Postfix cannot connect to them, so mail tempfails; run \"adduser postfix "                \
	"tenant-milter\" and "                                                                     \
	"restart Postfix\n"
#define W_RELAY_TAIL                                                                               \
	" and default_filter_nexthop is empty: when tenant-policyd answers FILTER (a tenant "      \
	"known only from "                                                                         \
	"its SASL login or client network) that mail goes to the recipient's MX, not through the " \
	"relayhost; "                                                                              \
	"set default_filter_nexthop = $relayhost, or give each transport a --nexthop\n"
#define RELAY_MAIN                                                                                 \
	"queue_directory = /var/spool/postfix\nrelayhost = [smart.example]:587\nmail_owner = "     \
	"postfix\n"

static const struct {
	const char *what;
	PC_LAYOUT l;
	int n;
	const char *out;
} layouts[] = {
    {"Debian, the default sockets",
     {DEB_MAIN, DEBIAN_MASTER, SPOOL "milter.sock", SPOOL "policy.sock", SPOOL "socketmap.sock",
      "tenant-milter", 1, ""},
     0,
     ""},
    {"Debian, sockets under /run",
     {DEB_MAIN, DEBIAN_MASTER, RUN "milter.sock", RUN "policy.sock", RUN "socketmap.sock",
      "tenant-milter", 1, ""},
     4,
     W_MILTER_SMTPD W_MILTER_CLEANUP W_POLICY W_SOCKETMAP},
    {"tenant-milter -n: only the milter's",
     {DEB_MAIN, DEBIAN_MASTER, RUN "milter.sock", NULL, NULL, "tenant-milter", 1, NULL},
     2,
     W_MILTER_SMTPD W_MILTER_CLEANUP},
    {"tenant-policyd -n: only its two",
     {DEB_MAIN, DEBIAN_MASTER, NULL, RUN "policy.sock", RUN "socketmap.sock", "tenant-milter", 1,
      NULL},
     2,
     W_POLICY W_SOCKETMAP},
    {"the test bed: nothing chrooted",
     {DEB_MAIN, TESTBED_MASTER, RUN "milter.sock", RUN "policy.sock", RUN "socketmap.sock",
      "postfix", 1, ""},
     0,
     ""},
    {"chroot \"-\" is n; continuation lines and comments",
     {DEB_MAIN, DASH_MASTER, RUN "milter.sock", RUN "policy.sock", RUN "socketmap.sock",
      "tenant-milter", 1, ""},
     0,
     ""},
    {"TCP sockets reach out of the chroot",
     {DEB_MAIN, DEBIAN_MASTER, "inet:8891@127.0.0.1", "inet:10040@127.0.0.1", "inet6:10041@[::1]",
      "tenant-milter", 0, ""},
     0,
     ""},
    {"a queue_directory prefix that is not its directory",
     {"queue_directory = /var/spool/postfix/\n", DEBIAN_MASTER, NULL, NULL,
      "unix:/var/spool/postfixx/socketmap.sock", "tenant-milter", 1, ""},
     1,
     "socketmap_socket unix:/var/spool/postfixx/socketmap.sock is outside queue_directory "
     "/var/spool/postfix, "
     "and master.cf runs trivial-rewrite (sender_dependent_default_transport_maps) chrooted there "
     "(rewrite/unix, chroot = y): it cannot reach the socket, so tenant mail waits in the queue; "
     "use "
     "socketmap_socket = unix:/var/spool/postfix/tenant-milter/socketmap.sock, or set chroot = n "
     "for "
     "rewrite/unix\n"},
    {"postfix not in the sockets' group",
     {DEB_MAIN, DEBIAN_MASTER, SPOOL "milter.sock", NULL, NULL, "tenant-milter", 0, NULL},
     1,
     W_GROUP},
    {"group membership unknown: no claim",
     {DEB_MAIN, DEBIAN_MASTER, SPOOL "milter.sock", NULL, NULL, NULL, -1, NULL},
     0,
     ""},
    {"no group matters for TCP",
     {DEB_MAIN, DEBIAN_MASTER, "inet:8891@127.0.0.1", NULL, NULL, "tenant-milter", 0, NULL},
     0,
     ""},
    {"relayhost, transports unknown (policyd -n)",
     {RELAY_MAIN, TESTBED_MASTER, NULL, SPOOL "policy.sock", SPOOL "socketmap.sock", "postfix", 1,
      NULL},
     1,
     "relayhost = [smart.example]:587 is set, but a transport without --nexthop" W_RELAY_TAIL},
    {"relayhost, two transports without a next hop",
     {RELAY_MAIN, TESTBED_MASTER, NULL, SPOOL "policy.sock", NULL, "postfix", 1, "out-a, out-b"},
     1,
     "relayhost = [smart.example]:587 is set, but transport(s) out-a, out-b have no "
     "--nexthop" W_RELAY_TAIL},
    {"relayhost, every transport has a next hop",
     {RELAY_MAIN, TESTBED_MASTER, NULL, SPOOL "policy.sock", NULL, "postfix", 1, ""},
     0,
     ""},
    {"relayhost and default_filter_nexthop",
     {RELAY_MAIN "default_filter_nexthop = $relayhost\n", TESTBED_MASTER, NULL, SPOOL "policy.sock",
      NULL, "postfix", 1, NULL},
     0,
     ""},
    {"relayhost: the milter alone does not FILTER",
     {RELAY_MAIN, TESTBED_MASTER, SPOOL "milter.sock", NULL, NULL, "postfix", 1, NULL},
     0,
     ""},
    {"everything wrong at once",
     {RELAY_MAIN, DEBIAN_MASTER, NULL, RUN "policy.sock", NULL, "tenant-milter", 0, "out-a"},
     3,
     W_POLICY W_GROUP "relayhost = [smart.example]:587 is set, but transport(s) out-a have no "
                      "--nexthop" W_RELAY_TAIL},
    {"postconf printed nothing",
     {NULL, NULL, RUN "milter.sock", RUN "policy.sock", RUN "socketmap.sock", NULL, -1, NULL},
     0,
     ""},
};

START_TEST(layout)
{
	SBUF *out = sbuf_new(64);
	int n = pc_layout_warnings(&layouts[_i].l, out);

	ck_assert_msg(n == layouts[_i].n, "%s: %d warnings, not %d", layouts[_i].what, n,
	              layouts[_i].n);
	ck_assert_str_eq(sbuf_str(out), layouts[_i].out);
	sbuf_free(out);
}
END_TEST

START_TEST(postfix_socket)
{
	static const struct {
		const char *spec, *qdir, *postfix;
	} cases[] = {
	    {"unix:/var/spool/postfix/tenant-milter/milter.sock", "/var/spool/postfix",
	     "unix:tenant-milter/milter.sock"},
	    {"unix:/var/spool/postfix/tenant-milter/policy.sock", "/var/spool/postfix/",
	     "unix:tenant-milter/policy.sock"},
	    {"local:/var/spool/postfix//tenant-milter/socketmap.sock", "/var/spool/postfix",
	     "unix:tenant-milter/socketmap.sock"},
	    {"unix:/run/tenant-milter/milter.sock", "/var/spool/postfix",
	     "unix:/run/tenant-milter/milter.sock"},
	    {"unix:/var/spool/postfixx/m.sock", "/var/spool/postfix",
	     "unix:/var/spool/postfixx/m.sock"},
	    {"unix:/var/spool/postfix", "/var/spool/postfix", "unix:/var/spool/postfix"},
	    {"unix:/var/spool/postfix/m.sock", "", "unix:/var/spool/postfix/m.sock"},
	    {"unix:/var/spool/postfix/m.sock", NULL, "unix:/var/spool/postfix/m.sock"},
	    {"unix:/srv/pf/queue/m.sock", "/srv/pf/queue", "unix:m.sock"},
	    {"inet:10040@127.0.0.1", "/var/spool/postfix", "inet:127.0.0.1:10040"},
	    {"inet:10040", "/var/spool/postfix", "inet:127.0.0.1:10040"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SBUF *out = sbuf_new(16);
		pc_postfix_socket(cases[i].spec, cases[i].qdir, out);
		ck_assert_str_eq(sbuf_str(out), cases[i].postfix);
		sbuf_free(out);
	}
}
END_TEST

/* the groups of this machine's users: root is in root's group; nobody is not in root's group */
/* the chroot column the tenant transports copy from smtp/unix */
START_TEST(service_chroot)
{
	ck_assert_int_eq(pc_service_chroot(DEBIAN_MASTER, "smtp", "unix"), 'y');
	ck_assert_int_eq(pc_service_chroot(DEBIAN_MASTER, "qmgr", "unix"), 'n');
	ck_assert_int_eq(pc_service_chroot(DEBIAN_MASTER, "smtp", "inet"), 'y');
	ck_assert_int_eq(pc_service_chroot(TESTBED_MASTER, "rewrite", "unix"), 'n');
	ck_assert_int_eq(pc_service_chroot(DASH_MASTER, "cleanup", "unix"), '-');
	/* no smtp/unix at all; a commented-out line and an -o line name no service */
	ck_assert_int_eq(pc_service_chroot(TESTBED_MASTER, "smtp", "unix"), '-');
	ck_assert_int_eq(pc_service_chroot("# smtp unix - - y - - smtp\n    -o smtp unix - - y - - smtp\n",
	                                   "smtp", "unix"),
	                 '-');
	ck_assert_int_eq(pc_service_chroot("smtpx      unix  -       -       y       -       -       smtp\n",
	                                   "smtp", "unix"),
	                 '-');
	ck_assert_int_eq(pc_service_chroot("", "smtp", "unix"), '-');
}
END_TEST

START_TEST(groups_of_users)
{
	SBUF *g = sbuf_new(16);

	ck_assert_int_eq(pc_group_member("root", "root", g), 1);
	ck_assert_str_eq(sbuf_str(g), "root");
	sbuf_reset(g);
	ck_assert_int_eq(pc_group_member("nobody", "root", g), 0);
	ck_assert_str_eq(sbuf_str(g), "root");
	sbuf_reset(g);
	ck_assert_int_eq(pc_group_member("no-such-user-x", "root", g), -1);
	sbuf_reset(g);
	ck_assert_int_eq(pc_group_member("root", "no-such-user-x", g), -1);
	ck_assert_int_eq(pc_group_member("root", "", g), -1);
	sbuf_free(g);
}
END_TEST

/* pc_check_layout with a stand-in postconf that prints Debian's answers */
START_TEST(check_layout)
{
	char dir[] = "/tmp/check_postconf.XXXXXX", path[64];
	PC_LAYOUT want = {.milter_socket = RUN "milter.sock"};
	SBUF *qd = sbuf_new(16), *out = sbuf_new(64), *err = sbuf_new(16);
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/postconf", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs("#!/bin/sh\ncase \"$3\" in\n-M) printf '%s' '" DEBIAN_MASTER
	      "';;\n*) printf '%s' '" DEB_MAIN "';;\nesac\n",
	      fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(pc_check_layout(path, "/etc/postfix", "postfix", &want, qd, out, err),
	                 0); /* mail_owner itself */
	ck_assert_str_eq(sbuf_str(qd), "/var/spool/postfix");
	ck_assert_str_eq(sbuf_str(out), W_MILTER_SMTPD W_MILTER_CLEANUP);
	ck_assert_str_eq(sbuf_str(err), "");
	ck_assert_int_eq(pc_check_layout("false", "/etc/postfix", "root", &want, qd, out, err), -1);
	ck_assert_uint_gt(sbuf_len(err), 0);
	unlink(path);
	rmdir(dir);
	sbuf_free(qd);
	sbuf_free(out);
	sbuf_free(err);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, layout, 0, sizeof(layouts) / sizeof(layouts[0]));
	tcase_add_test(tc, postfix_socket);
	tcase_add_test(tc, groups_of_users);
	tcase_add_test(tc, service_chroot);
	tcase_add_test(tc, check_layout);
	tcase_add_loop_test(tc, null_sender_risk, 0, sizeof(risks) / sizeof(risks[0]));
	tcase_add_loop_test(tc, value, 0, sizeof(values) / sizeof(values[0]));
	tcase_add_test(tc, login_senders);
	tcase_add_test(tc, run);
}
