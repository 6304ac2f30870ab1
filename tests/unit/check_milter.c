/*
 * check_milter - the callbacks, driven through the recording seam: every
 * reply a client can get at MAIL FROM and end of message, and the header
 * changes at end of message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "milter.h"
#include "seam_fake.h"
#include "tm_dkim.h"
#include "tm_egress.h"
#include "tm_quota.h"
#include "tm_store.h"
#include "tm_token.h"
#define SUITE_NAME "milter"
#include "check_main.h"

static TSNAP *fixture;
static int store_down;

/*
 * The Redis side of RCPT and end of message, faked at link time: Makefile.am
 * links this suite with --wrap for spool_get, spool_put, quota_rcpt,
 * quota_settle and store_hincrby. With store_fake set, every recipient passes
 * but suppressed_key, which is suppressed for "unsubscribe", and settling
 * and counting are written to store_log; unset, the real functions run.
 */
static int store_fake;
static const char *suppressed_key;
static SBUF *store_log;
static char store_dummy; /* the fake connection */

STORE *__real_spool_get(SPOOL *p, const CONF *c, SBUF *err);
void __real_spool_put(SPOOL *p, STORE *s);
int __real_quota_rcpt(STORE *s, const QUOTA_REQ *q, QUOTA_RES *res, SBUF *err);
int __real_quota_settle(STORE *s, const char *tenant, const char *today, int commit,
                        long rate_interval_us, const char *qid, long map_ttl_s,
                        char *const *members, char *const *rkeys, size_t n, SBUF *err);
STORE *__wrap_spool_get(SPOOL *p, const CONF *c, SBUF *err);
void __wrap_spool_put(SPOOL *p, STORE *s);
int __wrap_quota_rcpt(STORE *s, const QUOTA_REQ *q, QUOTA_RES *res, SBUF *err);
int __wrap_quota_settle(STORE *s, const char *tenant, const char *today, int commit,
                        long rate_interval_us, const char *qid, long map_ttl_s,
                        char *const *members, char *const *rkeys, size_t n, SBUF *err);
int __wrap_store_hincrby(STORE *s, const char *key, const char *field, long long by, SBUF *err);

STORE *
__wrap_spool_get(SPOOL *p, const CONF *c, SBUF *err)
{
	return store_fake ? (STORE *)(void *)&store_dummy : __real_spool_get(p, c, err);
}

void
__wrap_spool_put(SPOOL *p, STORE *s)
{
	if (s != (STORE *)(void *)&store_dummy)
		__real_spool_put(p, s);
}

int
__wrap_quota_rcpt(STORE *s, const QUOTA_REQ *q, QUOTA_RES *res, SBUF *err)
{
	if (s != (STORE *)(void *)&store_dummy)
		return __real_quota_rcpt(s, q, res, err);
	memset(res, 0, sizeof(*res));
	if (suppressed_key && strcmp(q->rcpt_key, suppressed_key) == 0) {
		res->verdict = Q_SUPPRESSED;
		snprintf(res->scope, sizeof(res->scope), "tenant");
		snprintf(res->reason, sizeof(res->reason), "unsubscribe");
	} else {
		res->verdict = Q_OK;
		res->member = strdup(q->rid);
	}
	return 0;
}

int
__wrap_quota_settle(STORE *s, const char *tenant, const char *today, int commit,
                    long rate_interval_us, const char *qid, long map_ttl_s, char *const *members,
                    char *const *rkeys, size_t n, SBUF *err)
{
	if (s != (STORE *)(void *)&store_dummy)
		return __real_quota_settle(s, tenant, today, commit, rate_interval_us, qid,
		                           map_ttl_s, members, rkeys, n, err);
	sbuf_printf(store_log, "%s %s %zu:", commit ? "commit" : "release", tenant, n);
	for (size_t i = 0; rkeys && i < n; i++)
		sbuf_printf(store_log, " %s", rkeys[i]);
	sbuf_cat(store_log, "\n");
	return 0;
}

/* __wrap_store_hincrby - only the fake connection is expected here: no unit test talks to a Redis */
int
__wrap_store_hincrby(STORE *s, const char *key, const char *field, long long by, SBUF *err)
{
	ck_assert_msg(s == (STORE *)(void *)&store_dummy, "store_hincrby on a real connection: %s",
	              key);
	sbuf_printf(store_log, "cmd HINCRBY %s %s %lld\n", key, field, by);
	sbuf_cat(err, "fake store: no replies");
	return -1;
}
/* a pause reason with CR, LF, TAB, DEL and 500 more bytes: the reply must stay one clean line */
#define NOISY_PREFIX "a\r\nb\tc\x7f"
static char noisy_reason[sizeof(NOISY_PREFIX) + 500];

static TSNAP *
fake_source(long max_age_ms, long *age_ms)
{
	*age_ms = store_down ? 9000 : 10;
	return store_down ? NULL : tsnap_ref(fixture);
}

static void
setup(void)
{
	memcpy(noisy_reason, NOISY_PREFIX, sizeof(NOISY_PREFIX) - 1);
	memset(noisy_reason + sizeof(NOISY_PREFIX) - 1, 'x', 500);
	noisy_reason[sizeof(noisy_reason) - 1] = 0;
	SBUF *e = sbuf_new(64);
	CONF *c = conf_defaults();
	int a, b, p, d, n;

	fixture = tsnap_new(1);
	a = tsnap_add_tenant(fixture, "acme", TS_ACTIVE, NULL);
	b = tsnap_add_tenant(fixture, "beta", TS_ACTIVE, NULL);
	p = tsnap_add_tenant(fixture, "sleepy", TS_PAUSED, "unpaid invoice 100%");
	d = tsnap_add_tenant(fixture, "gone", TS_DISABLED, NULL);
	n = tsnap_add_tenant(fixture, "noisy", TS_PAUSED, noisy_reason);
	tsnap_add_network(fixture, a, "127.0.0.2", e);
	tsnap_add_sasl(fixture, b, "beta-user", e);
	tsnap_add_domain(fixture, a, "acme.example", e);
	tsnap_add_domain_stream(fixture, a, "bulk.acme.example", STREAM_BULK, e);
	tsnap_add_domain(fixture, b, "beta.example", e);
	tsnap_add_domain(fixture, p, "sleepy.example", e);
	tsnap_add_domain(fixture, d, "gone.example", e);
	tsnap_add_domain(fixture, n, "noisy.example", e);
	tsnap_finish(fixture, e);
	store_down = 0;
	store_fake = 0;
	suppressed_key = NULL;
	store_log = sbuf_new(64);
	milter_cb_init(fake_source, c);
	conf_unref(c);
	sbuf_free(e);
}

static void
teardown(void)
{
	milter_cb_shutdown();
	fixture = tsnap_unref(fixture);
	store_log = sbuf_free(store_log);
}

/* run - connect from client, MAIL FROM sender, headers (NULL-terminated name/value pairs) */
typedef struct {
	sfsistat mail, eom;
} RESULT;

static RESULT
run(FAKE_CTX *f, const char *client, const char *sender, const char *const *hdrs)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char *argv[] = {(char *)sender, NULL};
	RESULT r = {SMFIS_CONTINUE, SMFIS_CONTINUE};
	SMFICTX *ctx = (SMFICTX *)(void *)f;

	inet_pton(AF_INET, client, &sin.sin_addr);
	milter_desc.xxfi_connect(ctx, "client", (struct sockaddr *)&sin);
	fake_envelope(f, "{mail_addr}", sender);
	if ((r.mail = milter_desc.xxfi_envfrom(ctx, argv)) != SMFIS_CONTINUE)
		goto out;
	for (int i = 0; hdrs && hdrs[i]; i += 2)
		milter_desc.xxfi_header(ctx, (char *)hdrs[i], (char *)hdrs[i + 1]);
	r.eom = milter_desc.xxfi_eom(ctx);
out:
	milter_desc.xxfi_close(ctx);
	return r;
}

static const char *const acme_from[] = {"From", " Acme <news@acme.example>", NULL};

/* rcpt_unreachable - MAIL FROM, then RCPT with Redis unreachable, under action */
static sfsistat
rcpt_unreachable(FAKE_CTX *f, const char *action)
{
	SBUF *e = sbuf_new(64), *ov = sbuf_new(64);
	char *ovs[2];
	CONF *c;
	char *mail[] = {"<a@acme.example>", NULL}, *rcpt[] = {"<x@gmail.com>", NULL};
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sfsistat r;

	sbuf_printf(ov, "store_error_action = %s", action);
	ovs[0] = "redis_server = 127.0.0.1:1"; /* nothing listens on port 1 */
	ovs[1] = ov->s;
	c = conf_parse("t", "", ovs, 2, e);
	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	milter_cb_set_conf(c);
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	milter_desc.xxfi_connect(ctx, "client", (struct sockaddr *)&sin);
	fake_envelope(f, "{mail_addr}", mail[0]);
	ck_assert_int_eq(milter_desc.xxfi_envfrom(ctx, mail), SMFIS_CONTINUE);
	fake_envelope(f, "{rcpt_addr}", rcpt[0]);
	r = milter_desc.xxfi_envrcpt(ctx, rcpt);
	conf_unref(c);
	sbuf_free(e);
	sbuf_free(ov);
	return r;
}

START_TEST(rcpt_store_down_tempfails)
{
	FAKE_CTX *f = fake_new();

	ck_assert_int_eq(rcpt_unreachable(f, "tempfail"), SMFIS_TEMPFAIL);
	ck_assert_str_eq(f->rcode, "451");
	ck_assert_str_eq(f->xcode, "4.3.0");
	ck_assert_str_eq(sbuf_str(f->reply), "tenant limits temporarily unavailable, try again later");
	/* the next recipient is answered at once, from the back-off, the same way */
	sbuf_reset(f->reply);
	fake_envelope(f, "{rcpt_addr}", "y@gmail.com");
	ck_assert_int_eq(milter_desc.xxfi_envrcpt((SMFICTX *)(void *)f, (char *[]){"<y@gmail.com>", NULL}),
			 SMFIS_TEMPFAIL);
	ck_assert_str_eq(sbuf_str(f->reply), "tenant limits temporarily unavailable, try again later");
	milter_desc.xxfi_close((SMFICTX *)(void *)f);
	fake_free(f);
}
END_TEST

START_TEST(rcpt_store_down_fail_open)
{
	FAKE_CTX *f = fake_new();
	const char *const *h = (const char *const[]){"From", " <news@acme.example>", NULL};

	ck_assert_int_eq(rcpt_unreachable(f, "accept"), SMFIS_CONTINUE);
	milter_desc.xxfi_header((SMFICTX *)(void *)f, (char *)h[0], (char *)h[1]);
	ck_assert_int_eq(milter_desc.xxfi_eom((SMFICTX *)(void *)f), SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	milter_desc.xxfi_close((SMFICTX *)(void *)f);
	fake_free(f);
}
END_TEST

START_TEST(tags_network_tenant)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"X-Tenant", " beta", "From", " news@acme.example",
				 "x-TENANT", " forged\r\n\tfolded", NULL};
	RESULT r;

	fake_macro(f, "i", "QID1");
	r = run(f, "127.0.0.2", "<news@acme.example>", h);
	ck_assert_int_eq(r.mail, SMFIS_CONTINUE);
	ck_assert_int_eq(r.eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "del X-Tenant 2\ndel X-Tenant 1\nins 0 X-Tenant: acme\n");
	fake_free(f);
}
END_TEST

START_TEST(tags_sasl_tenant)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"From", " b@beta.example", NULL};

	fake_macro(f, "{auth_authen}", "beta-user");
	ck_assert_int_eq(run(f, "127.0.0.2", "<b@beta.example>", h).eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: beta\n");
	fake_free(f);
}
END_TEST

static const struct {
	const char *client, *auth, *sender, *from;
	int at_mail; /* 1: refused at MAIL FROM, 0: at end of message */
	const char *rcode, *xcode, *text;
} refusals[] = {
    {"192.0.2.9", NULL, "<x@example.org>", NULL, 1, "550", "5.7.1",
     "no tenant for this message: not authenticated, client 192.0.2.9 is in no tenant network, "
     "sender domain example.org belongs to no tenant"},
    {"192.0.2.9", "stranger", "<>", NULL, 1, "550", "5.7.1",
     "no tenant for this message: SASL login stranger belongs to no tenant, and a login is never resolved by "
     "its client network or sender domain"},
    /* a login that maps to no tenant never borrows the network's or the sender domain's tenant */
    {"127.0.0.2", "stranger", "<news@acme.example>", NULL, 1, "550", "5.7.1",
     "no tenant for this message: SASL login stranger belongs to no tenant, and a login is never resolved by "
     "its client network or sender domain"},
    {"192.0.2.9", "Beta-User", "<b@beta.example>", NULL, 1, "550", "5.7.1",
     "no tenant for this message: SASL login Beta-User belongs to no tenant, and a login is never resolved by "
     "its client network or sender domain"},
    {"127.0.0.2", NULL, "<ceo@beta.example>", NULL, 1, "550", "5.7.1",
     "tenant acme: sender domain beta.example is not a domain of tenant acme"},
    {"127.0.0.2", NULL, "<ceo@acme.example.evil.test>", NULL, 1, "550", "5.7.1",
     "tenant acme: sender domain acme.example.evil.test is not a domain of tenant acme"},
    {"127.0.0.2", NULL, "<ceo@acme..example>", NULL, 1, "550", "5.1.7",
     "tenant acme: sender address <ceo@acme..example> is malformed: empty label in domain"},
    {"192.0.2.9", NULL, "<a@sleepy.example>", NULL, 1, "451", "4.7.1",
     "tenant sleepy is paused: unpaid invoice 100%%"}, /* libmilter's own escape for '%' */
    {"192.0.2.9", NULL, "<a@gone.example>", NULL, 1, "550", "5.7.1", "tenant gone is disabled"},
    {"127.0.0.2", NULL, "<a@acme.example>", " ceo@beta.example", 0, "550", "5.7.1",
     "tenant acme: From domain beta.example is not a domain of tenant acme"},
    {"127.0.0.2", NULL, "<>", " ceo@beta.example", 0, "550", "5.7.1",
     "tenant acme: From domain beta.example is not a domain of tenant acme"},
    {"127.0.0.2", NULL, "<a@acme.example>", "", 0, "550", "5.7.1",
     "tenant acme: message has no From author; add a From header with a domain of tenant acme"},
    {"127.0.0.2", NULL, "<a@acme.example>", " a@acme.example, b@beta.example", 0, "550", "5.7.1",
     "tenant acme: From field names 2 mailboxes; use a single author address"},
};

START_TEST(refused)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"From", refusals[_i].from, NULL};
	RESULT r;

	if (refusals[_i].auth)
		fake_macro(f, "{auth_authen}", refusals[_i].auth);
	r = run(f, refusals[_i].client, refusals[_i].sender, refusals[_i].from && *refusals[_i].from ? h : NULL);
	ck_assert_int_eq(refusals[_i].at_mail ? r.mail : r.eom,
			 refusals[_i].rcode[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT);
	ck_assert_str_eq(f->rcode, refusals[_i].rcode);
	ck_assert_str_eq(f->xcode, refusals[_i].xcode);
	ck_assert_str_eq(sbuf_str(f->reply), refusals[_i].text);
	ck_assert_str_eq(sbuf_str(f->changes), "");
	fake_free(f);
}
END_TEST

/* a reply with control bytes reaches libmilter as one line of at most 400 bytes */
START_TEST(reply_text_cleaned)
{
	FAKE_CTX *f = fake_new();
	char want[401];
	const char *head = "tenant noisy is paused: a??b?c?"; /* 31 bytes, then 369 of the x's */

	ck_assert_int_eq(run(f, "192.0.2.9", "<a@noisy.example>", NULL).mail, SMFIS_TEMPFAIL);
	memcpy(want, head, 31);
	memset(want + 31, 'x', 369);
	want[400] = 0;
	ck_assert_uint_eq(f->reply->len, 400);
	ck_assert_str_eq(sbuf_str(f->reply), want);
	fake_free(f);
}
END_TEST

START_TEST(two_from_fields)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"From", " a@acme.example", "FROM", " b@acme.example", NULL};

	ck_assert_int_eq(run(f, "127.0.0.2", "<a@acme.example>", h).eom, SMFIS_REJECT);
	ck_assert_str_eq(sbuf_str(f->reply), "tenant acme: message has 2 From header fields; exactly one is allowed");
	fake_free(f);
}
END_TEST

START_TEST(store_down_tempfails)
{
	FAKE_CTX *f = fake_new();

	store_down = 1;
	ck_assert_int_eq(run(f, "127.0.0.2", "<a@acme.example>", acme_from).mail, SMFIS_TEMPFAIL);
	ck_assert_str_eq(f->rcode, "451");
	ck_assert_str_eq(f->xcode, "4.3.0");
	ck_assert_str_eq(sbuf_str(f->reply), "tenant directory temporarily unavailable, try again later");
	fake_free(f);
}
END_TEST

START_TEST(store_down_fail_open_still_strips_tags)
{
	FAKE_CTX *f = fake_new();
	SBUF *e = sbuf_new(64);
	char *ov[] = {"store_error_action = accept"};
	CONF *c = conf_parse("t", "", ov, 1, e);
	const char *const h[] = {"X-Tenant", " beta", NULL};

	milter_cb_set_conf(c);
	store_down = 1;
	ck_assert_int_eq(run(f, "127.0.0.2", "<a@acme.example>", h).eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "del X-Tenant 1\n");
	conf_unref(c);
	sbuf_free(e);
	fake_free(f);
}
END_TEST

START_TEST(warn_mode_accepts)
{
	FAKE_CTX *f = fake_new();
	SBUF *e = sbuf_new(64);
	char *ov[] = {"sender_ownership = warn", "tenant_header = X-Customer"};
	CONF *c = conf_parse("t", "", ov, 2, e);
	const char *const h[] = {"From", " x@beta.example", NULL};

	milter_cb_set_conf(c);
	ck_assert_int_eq(run(f, "127.0.0.2", "<x@beta.example>", h).eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Customer: acme\n");
	conf_unref(c);
	sbuf_free(e);
	fake_free(f);
}
END_TEST

START_TEST(unknown_accept_and_tempfail)
{
	FAKE_CTX *f = fake_new();
	SBUF *e = sbuf_new(64);
	char *ov[] = {"unknown_tenant_action = accept"};
	char *ov2[] = {"unknown_tenant_action = tempfail"};
	CONF *c = conf_parse("t", "", ov, 1, e);
	const char *const h[] = {"X-Tenant", " acme", NULL};

	milter_cb_set_conf(c);
	ck_assert_int_eq(run(f, "192.0.2.1", "<a@example.org>", h).eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "del X-Tenant 1\n"); /* no tag, forged one removed */
	conf_unref(c);
	c = conf_parse("t", "", ov2, 1, e);
	milter_cb_set_conf(c);
	ck_assert_int_eq(run(f, "192.0.2.1", "<a@example.org>", h).mail, SMFIS_TEMPFAIL);
	ck_assert_str_eq(f->xcode, "4.7.1");
	conf_unref(c);
	sbuf_free(e);
	fake_free(f);
}
END_TEST

/* a null sender through sendmail(1): cleanup knows the queue id at MAIL, smtpd does not */
START_TEST(local_null_sender)
{
	FAKE_CTX *f = fake_new();

	fake_macro(f, "i", "QID9");
	fake_macro(f, "_", "localhost [127.0.0.1]");
	ck_assert_int_eq(run(f, "127.0.0.1", "<>", NULL).eom, SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), ""); /* passes untagged */
	fake_free(f);
	f = fake_new();
	fake_macro(f, "_", "localhost [127.0.0.1]"); /* SMTP: no queue id yet */
	ck_assert_int_eq(run(f, "127.0.0.1", "<>", NULL).mail, SMFIS_REJECT);
	fake_free(f);
	f = fake_new();
	fake_macro(f, "i", "QID9");
	fake_macro(f, "_", "unknown [192.0.2.1]"); /* smtpd_delay_open_until_valid_rcpt = no */
	ck_assert_int_eq(run(f, "192.0.2.1", "<>", NULL).mail, SMFIS_REJECT);
	fake_free(f);
	f = fake_new();
	fake_macro(f, "i", "QID9");
	fake_macro(f, "_", "localhost [127.0.0.1]");
	ck_assert_int_eq(run(f, "127.0.0.1", "<root@relay.test>", NULL).mail, SMFIS_REJECT); /* only <> */
	fake_free(f);
}
END_TEST

START_TEST(header_change_failure_tempfails)
{
	FAKE_CTX *f = fake_new();

	f->fail_changes = 1;
	ck_assert_int_eq(run(f, "127.0.0.2", "<a@acme.example>", acme_from).eom, SMFIS_TEMPFAIL);
	ck_assert_str_eq(sbuf_str(f->reply), "cannot add the tenant tag, try again later");
	fake_free(f);
}
END_TEST

START_TEST(in_flight_keeps_configuration)
{
	FAKE_CTX *f = fake_new();
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char *argv[] = {"<a@acme.example>", NULL};
	SBUF *e = sbuf_new(64);
	char *ov[] = {"tenant_header = X-New"};
	CONF *c = conf_parse("t", "", ov, 1, e);

	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	milter_desc.xxfi_connect(ctx, "client", (struct sockaddr *)&sin);
	fake_envelope(f, "{mail_addr}", argv[0]);
	milter_desc.xxfi_envfrom(ctx, argv);
	milter_cb_set_conf(c); /* a reload lands mid-message */
	milter_desc.xxfi_header(ctx, "From", " a@acme.example");
	milter_desc.xxfi_eom(ctx);
	milter_desc.xxfi_close(ctx);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	conf_unref(c);
	sbuf_free(e);
	fake_free(f);
}
END_TEST

START_TEST(abort_then_next_message)
{
	FAKE_CTX *f = fake_new();
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char *argv[] = {"<a@acme.example>", NULL};

	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	milter_desc.xxfi_connect(ctx, "client", (struct sockaddr *)&sin);
	fake_envelope(f, "{mail_addr}", argv[0]);
	milter_desc.xxfi_envfrom(ctx, argv);
	milter_desc.xxfi_header(ctx, "X-Tenant", " x");
	milter_desc.xxfi_abort(ctx); /* RSET */
	milter_desc.xxfi_envfrom(ctx, argv);
	milter_desc.xxfi_header(ctx, "From", " a@acme.example");
	milter_desc.xxfi_eom(ctx);
	milter_desc.xxfi_close(ctx);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n"); /* no stale delete */
	fake_free(f);
}
END_TEST

/* connect_acme - a connection from acme's network */
static SMFICTX *
connect_acme(FAKE_CTX *f)
{
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	struct sockaddr_in sin = {.sin_family = AF_INET};

	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	milter_desc.xxfi_connect(ctx, "client", (struct sockaddr *)&sin);
	return ctx;
}

/* mail_rcpt - connect from acme's network, MAIL FROM with {mail_addr}, RCPT with {rcpt_addr} (NULL: unset) */
static sfsistat
mail_rcpt(FAKE_CTX *f, const char *rcpt_addr)
{
	SMFICTX *ctx = connect_acme(f);
	char *mail[] = {"<a@acme.example>", NULL}, *rcpt[] = {"<raw text>", NULL};

	fake_envelope(f, "{mail_addr}", "a@acme.example");
	ck_assert_int_eq(milter_desc.xxfi_envfrom(ctx, mail), SMFIS_CONTINUE);
	if (rcpt_addr)
		fake_envelope(f, "{rcpt_addr}", rcpt_addr);
	return milter_desc.xxfi_envrcpt(ctx, rcpt);
}

START_TEST(no_mail_addr_macro_tempfails)
{
	FAKE_CTX *f = fake_new();
	SMFICTX *ctx = connect_acme(f);
	char *mail[] = {"<a@acme.example>", NULL};

	ck_assert_int_eq(milter_desc.xxfi_envfrom(ctx, mail), SMFIS_TEMPFAIL);
	ck_assert_str_eq(f->rcode, "451");
	ck_assert_str_eq(f->xcode, "4.3.0");
	ck_assert_str_eq(sbuf_str(f->reply), "sender address unavailable to the tenant check, try again later");
	milter_desc.xxfi_close(ctx);
	fake_free(f);
}
END_TEST

START_TEST(no_rcpt_addr_macro_tempfails)
{
	FAKE_CTX *f = fake_new();

	ck_assert_int_eq(mail_rcpt(f, NULL), SMFIS_TEMPFAIL);
	ck_assert_str_eq(f->rcode, "451");
	ck_assert_str_eq(f->xcode, "4.3.0");
	ck_assert_str_eq(sbuf_str(f->reply), "recipient address unavailable to the tenant checks, try again later");
	milter_desc.xxfi_close((SMFICTX *)(void *)f);
	fake_free(f);
}
END_TEST

/* a recipient no key can be built for is refused, never passed unchecked; no Redis is asked */
START_TEST(unkeyable_rcpt_refused)
{
	FAKE_CTX *f = fake_new();

	ck_assert_int_eq(mail_rcpt(f, "gone"), SMFIS_REJECT);
	ck_assert_str_eq(f->rcode, "550");
	ck_assert_str_eq(f->xcode, "5.1.3");
	ck_assert_str_eq(sbuf_str(f->reply), "<gone>: bad recipient address syntax: address has no domain");
	milter_desc.xxfi_close((SMFICTX *)(void *)f);
	fake_free(f);
}
END_TEST

/* submitted with sendmail(1): the recipient cannot be refused alone, so the message is, at its end */
START_TEST(local_unkeyable_rcpt_refuses_message)
{
	FAKE_CTX *f = fake_new();
	SMFICTX *ctx = (SMFICTX *)(void *)f;

	fake_macro(f, "i", "4AB12C");
	fake_macro(f, "_", "localhost [127.0.0.1]");
	ck_assert_int_eq(mail_rcpt(f, "a\"b@x.test"), SMFIS_CONTINUE);
	ck_assert_str_eq(f->rcode, "");
	milter_desc.xxfi_header(ctx, "From", " a@acme.example");
	ck_assert_int_eq(milter_desc.xxfi_eom(ctx), SMFIS_REJECT);
	ck_assert_str_eq(f->rcode, "550");
	ck_assert_str_eq(f->xcode, "5.7.1");
	ck_assert_str_eq(sbuf_str(f->reply), "<a\"b@x.test>: bad recipient address syntax: address has no domain; mail submitted with sendmail(1) cannot lose one recipient, so none was "
					     "sent: send it again without that recipient");
	ck_assert_str_eq(sbuf_str(f->changes), ""); /* no tag: nothing of it goes out */
	milter_desc.xxfi_close(ctx);
	fake_free(f);
}
END_TEST

/* ---- end of message: unsubscribe headers, VERP, DKIM and dropped recipients ---- */

/* the token keys the milter seals with, and a second copy the tests open tokens with */
static const char ring_text[] =
    "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1795000000\n";

/* use_conf - one case's configuration: these overrides (NULL-terminated), and no real Redis */
static void
use_conf(const char *const *ov)
{
	char *o[16];
	int n = 0;
	SBUF *e = sbuf_new(64);
	CONF *c;

	o[n++] = "redis_server = 127.0.0.1:1"; /* nothing listens on port 1 */
	for (int i = 0; ov && ov[i] && n < 16; i++)
		o[n++] = (char *)ov[i];
	c = conf_parse("t", "", o, n, e);
	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	milter_cb_set_conf(c);
	conf_unref(c);
	sbuf_free(e);
}

static void
use_keyring(void)
{
	SBUF *e = sbuf_new(64);
	KEYRING *k = keyring_parse("ring", ring_text, e);

	ck_assert_msg(k != NULL, "%s", sbuf_str(e));
	milter_cb_set_keyring(k);
	sbuf_free(e);
}

/*
 * use_dkim - a DKIM key table in dir with one line, "DOMAIN TENANT s1 dir/k.key";
 * good: a fresh 1024-bit key, else a file that only looks like one
 */
static void
use_dkim(char *dir, const char *domain, const char *tenant, int good)
{
	SBUF *e = sbuf_new(64), *rec = sbuf_new(512), *path = sbuf_new(128), *table = sbuf_new(128);
	DKK_TABLE *t;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sbuf_printf(path, "%s/k.key", dir);
	if (good) {
		ck_assert_msg(dkk_generate(sbuf_str(path), 1024, rec, e) == 0, "%s", sbuf_str(e));
	} else {
		ck_assert_ptr_nonnull(fp = fopen(sbuf_str(path), "w"));
		fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", fp);
		fclose(fp);
		chmod(sbuf_str(path), 0600);
	}
	sbuf_printf(table, "%s/keys", dir);
	ck_assert_ptr_nonnull(fp = fopen(sbuf_str(table), "w"));
	fprintf(fp, "%s %s s1 %s\n", domain, tenant, sbuf_str(path));
	fclose(fp);
	t = dkk_load(sbuf_str(table), e);
	ck_assert_msg(t != NULL, "%s", sbuf_str(e));
	milter_cb_set_dkim(t);
	sbuf_free(e);
	sbuf_free(rec);
	sbuf_free(path);
	sbuf_free(table);
}

static void
rm_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * deliver - one message from acme's network with the store faked: negotiate
 * (the body is asked for while DKIM keys are loaded), MAIL FROM sender, RCPT
 * each of rcpts (NULL-terminated; each must pass at RCPT), the headers, one
 * body chunk if body, end of message. Returns the end-of-message result.
 */
static sfsistat
deliver(FAKE_CTX *f, const char *sender, const char *const *rcpts, const char *const *hdrs,
        int body)
{
	static unsigned char chunk[] = "hello\r\n";
	unsigned long p0, p1, p2, p3;
	char *mail[] = {(char *)sender, NULL};
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	sfsistat r;

	store_fake = 1;
	ck_assert_int_eq(
	    milter_desc.xxfi_negotiate(
	        ctx, SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT | SMFIF_CHGFROM,
	        SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_SKIP, 0, 0, &p0,
	        &p1, &p2, &p3),
	    SMFIS_CONTINUE);
	connect_acme(f);
	fake_envelope(f, "{mail_addr}", sender);
	ck_assert_int_eq(milter_desc.xxfi_envfrom(ctx, mail), SMFIS_CONTINUE);
	for (int i = 0; rcpts && rcpts[i]; i++) {
		fake_envelope(f, "{rcpt_addr}", rcpts[i]);
		ck_assert_int_eq(milter_desc.xxfi_envrcpt(ctx, (char *[]){(char *)rcpts[i], NULL}),
		                 SMFIS_CONTINUE);
	}
	for (int i = 0; hdrs && hdrs[i]; i += 2)
		milter_desc.xxfi_header(ctx, (char *)hdrs[i], (char *)hdrs[i + 1]);
	if (body)
		ck_assert_int_ne(milter_desc.xxfi_body(ctx, chunk, sizeof(chunk) - 1),
		                 SMFIS_TEMPFAIL);
	r = milter_desc.xxfi_eom(ctx);
	milter_desc.xxfi_close(ctx);
	return r;
}

/* take_token - the text between before and after in s, into tok */
static void
take_token(const char *s, const char *before, const char *after, SBUF *tok)
{
	const char *p = strstr(s, before), *q;

	ck_assert_msg(p != NULL, "no %s in %s", before, s);
	p += strlen(before);
	ck_assert_ptr_nonnull(q = strstr(p, after));
	sbuf_reset(tok);
	sbuf_catn(tok, p, (size_t)(q - p));
}

/* open_token - open tok as purpose with the suite's key, into d */
static void
open_token(int purpose, SBUF *tok, TOKEN_DATA *d)
{
	SBUF *e = sbuf_new(64);
	KEYRING *k = keyring_parse("ring", ring_text, e);

	ck_assert_ptr_nonnull(k);
	ck_assert_msg(
	    token_open(k, purpose, sbuf_str(tok), (long)(time(NULL) / 86400), 365, d, e) == 0, "%s",
	    sbuf_str(e));
	keyring_free(k);
	sbuf_free(e);
}

/* expect_reply - the refusal a client gets, and the changes left standing */
#define expect_reply(f, want_rcode, want_xcode, want_text, want_changes)                           \
	do {                                                                                       \
		ck_assert_str_eq((f)->rcode, want_rcode);                                          \
		ck_assert_str_eq((f)->xcode, want_xcode);                                          \
		ck_assert_str_eq(sbuf_str((f)->reply), want_text);                                 \
		ck_assert_str_eq(sbuf_str((f)->changes), want_changes);                            \
	} while (0)

static const char *const one_rcpt[] = {"<x@gmail.com>", NULL};
static const char *const two_rcpts[] = {"<x@gmail.com>", "<y@gmail.com>", NULL};
static const char *const bulk_from[] = {"From", " News <news@bulk.acme.example>", NULL};
static const char *const unsub_conf[] = {"unsubscribe_url_host = unsub.example", NULL};

/* a client-sent tag that cannot be removed: the message is not sent with it */
START_TEST(tag_removal_failure_tempfails)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"X-Tenant", " beta", "From", " a@acme.example", NULL};

	f->fail_change = "del X-Tenant 1";
	ck_assert_int_eq(run(f, "127.0.0.2", "<a@acme.example>", h).eom, SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0",
	             "cannot remove a client-supplied tenant tag, try again later", "");
	ck_assert_str_eq(sbuf_str(f->failed), "del X-Tenant 1\n");
	fake_free(f);
}
END_TEST

/* bulk mail to one recipient: the client's mailto-only header replaced by ours, with a token naming
 * tenant and recipient */
START_TEST(unsubscribe_headers_added)
{
	FAKE_CTX *f = fake_new();
	const char *const h[] = {"From", " News <news@bulk.acme.example>", "List-Unsubscribe",
	                         " <mailto:leave@acme.example>", NULL};
	SBUF *tok = sbuf_new(256), *want = sbuf_new(512);
	TOKEN_DATA d;

	use_conf(unsub_conf);
	use_keyring();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, h, 0), SMFIS_CONTINUE);
	take_token(sbuf_str(f->changes), "<https://unsub.example/u/", ">", tok);
	sbuf_printf(want,
	            "ins 0 X-Tenant: acme\n"
	            "del List-Unsubscribe 1\n"
	            "ins 1 List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
	            "ins 1 List-Unsubscribe: <https://unsub.example/u/%s>\n",
	            sbuf_str(tok));
	ck_assert_str_eq(sbuf_str(f->changes), sbuf_str(want));
	open_token(TOKEN_UNSUBSCRIBE, tok, &d);
	ck_assert_str_eq(d.tenant, "acme");
	ck_assert_str_eq(d.recipient, "x@gmail.com");
	ck_assert_str_eq(sbuf_str(store_log), "commit acme 1: x@gmail.com\n");
	ck_assert_str_eq(f->rcode, "");
	sbuf_free(tok);
	sbuf_free(want);
	fake_free(f);
}
END_TEST

/* the headers cannot be written: tempfail, and the reservation is given back */
START_TEST(unsubscribe_change_failure_tempfails)
{
	FAKE_CTX *f = fake_new();

	use_conf(unsub_conf);
	use_keyring();
	f->fail_change = "ins 1 List-Unsubscribe:";
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, bulk_from, 0), SMFIS_TEMPFAIL);
	expect_reply(
	    f, "451", "4.3.0", "cannot add the unsubscribe headers, try again later",
	    "ins 0 X-Tenant: acme\nins 1 List-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
	ck_assert_ptr_nonnull(
	    strstr(sbuf_str(f->failed), "ins 1 List-Unsubscribe: <https://unsub.example/u/"));
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

/* no token keys: no link can be sealed */
START_TEST(unsubscribe_no_keys_tempfails)
{
	FAKE_CTX *f = fake_new();

	use_conf(unsub_conf);
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, bulk_from, 0), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot add the unsubscribe headers, try again later",
	             "ins 0 X-Tenant: acme\n");
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

/* bulk mail to two recipients: refused under bulk_multi_recipient = reject, sent without headers
 * under accept */
START_TEST(unsubscribe_multi_recipient)
{
	FAKE_CTX *f = fake_new();
	static const char *const reject[] = {"unsubscribe_url_host = unsub.example",
	                                     "bulk_multi_recipient = reject", NULL};

	use_conf(reject);
	use_keyring();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", two_rcpts, bulk_from, 0), SMFIS_REJECT);
	expect_reply(f, "550", "5.7.0",
	             "tenant acme: bulk mail must be sent one recipient per message, so each can "
	             "carry its own "
	             "unsubscribe link; this message has 2 recipients",
	             "ins 0 X-Tenant: acme\n");
	fake_free(f);
	f = fake_new();
	use_conf(unsub_conf);
	sbuf_reset(store_log);
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", two_rcpts, bulk_from, 0), SMFIS_CONTINUE);
	ck_assert_str_eq(f->rcode, "");
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	ck_assert_str_eq(sbuf_str(store_log), "commit acme 2: x@gmail.com y@gmail.com\n");
	fake_free(f);
}
END_TEST

/* a recipient no unsubscribe token can name */
START_TEST(unsubscribe_recipient_too_long)
{
	FAKE_CTX *f = fake_new();
	char rcpt[512];
	const char *const rcpts[] = {rcpt, NULL};

	/* <, 200 x's, @, then 3 labels of 60 y's and "example": 391 bytes of address */
	memset(rcpt, 0, sizeof(rcpt));
	rcpt[0] = '<';
	memset(rcpt + 1, 'x', 200);
	strcat(rcpt, "@");
	for (int i = 0; i < 3; i++) {
		memset(rcpt + strlen(rcpt), 'y', 60);
		strcat(rcpt, ".");
	}
	strcat(rcpt, "example>");
	use_conf(unsub_conf);
	use_keyring();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", rcpts, bulk_from, 0), SMFIS_REJECT);
	expect_reply(f, "550", "5.1.3", "the recipient address is too long for an unsubscribe link",
	             "ins 0 X-Tenant: acme\n");
	fake_free(f);
}
END_TEST

static const char *const verp_conf[] = {"return_path_domain = bounces.example",
                                        "forward_bounces = yes", NULL};

/* one recipient: the envelope sender becomes bounce+TOKEN@return_path_domain, sealing tenant,
 * recipient, stream and return path */
START_TEST(verp_sender_set)
{
	FAKE_CTX *f = fake_new();
	SBUF *tok = sbuf_new(256), *want = sbuf_new(512);
	TOKEN_DATA d;

	use_conf(verp_conf);
	use_keyring();
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 0), SMFIS_CONTINUE);
	take_token(sbuf_str(f->changes), "chgfrom <bounce+", "@bounces.example>", tok);
	sbuf_printf(want, "ins 0 X-Tenant: acme\nchgfrom <bounce+%s@bounces.example>\n",
	            sbuf_str(tok));
	ck_assert_str_eq(sbuf_str(f->changes), sbuf_str(want));
	open_token(TOKEN_VERP, tok, &d);
	ck_assert_str_eq(d.tenant, "acme");
	ck_assert_str_eq(d.recipient, "x@gmail.com");
	ck_assert_str_eq(d.stream, "transactional");
	ck_assert_str_eq(d.return_path, "a@acme.example");
	ck_assert_str_eq(f->rcode, "");
	/* two recipients, or a null sender: the envelope sender is kept */
	fake_free(f);
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<a@acme.example>", two_rcpts, acme_from, 0), SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	fake_free(f);
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<>", one_rcpt, acme_from, 0), SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	sbuf_free(tok);
	sbuf_free(want);
	fake_free(f);
}
END_TEST

/* the MTA refuses the new sender: tempfail, never sent with an unsealed return path */
START_TEST(verp_change_failure_tempfails)
{
	FAKE_CTX *f = fake_new();

	use_conf(verp_conf);
	use_keyring();
	f->fail_change = "chgfrom ";
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 0), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot set the bounce address, try again later",
	             "ins 0 X-Tenant: acme\n");
	ck_assert_ptr_nonnull(strstr(sbuf_str(f->failed), "chgfrom <bounce+"));
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

START_TEST(verp_no_keys_tempfails)
{
	FAKE_CTX *f = fake_new();

	use_conf(verp_conf);
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 0), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot set the bounce address, try again later",
	             "ins 0 X-Tenant: acme\n");
	fake_free(f);
}
END_TEST

static const char *const discard_conf[] = {"suppressed_action = discard", NULL};

/* suppressed_action = discard: the suppressed recipient is dropped, the other delivered */
START_TEST(suppressed_rcpt_dropped)
{
	FAKE_CTX *f = fake_new();

	use_conf(discard_conf);
	suppressed_key = "y@gmail.com";
	ck_assert_int_eq(deliver(f, "<a@acme.example>", two_rcpts, acme_from, 0), SMFIS_CONTINUE);
	ck_assert_str_eq(f->rcode, "");
	ck_assert_str_eq(sbuf_str(f->changes), "delrcpt <y@gmail.com>\nins 0 X-Tenant: acme\n");
	ck_assert_str_eq(sbuf_str(store_log), "commit acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

/* the drop fails: tempfail, nothing goes out, the reservation is given back */
START_TEST(delrcpt_failure_tempfails)
{
	FAKE_CTX *f = fake_new();

	use_conf(discard_conf);
	suppressed_key = "y@gmail.com";
	f->fail_change = "delrcpt";
	ck_assert_int_eq(deliver(f, "<a@acme.example>", two_rcpts, acme_from, 0), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot drop a suppressed recipient, try again later", "");
	ck_assert_str_eq(sbuf_str(f->failed), "delrcpt <y@gmail.com>\n");
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

/* every recipient suppressed: the message is discarded, unchanged */
START_TEST(all_suppressed_discarded)
{
	FAKE_CTX *f = fake_new();

	use_conf(discard_conf);
	suppressed_key = "x@gmail.com";
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 0), SMFIS_DISCARD);
	ck_assert_str_eq(f->rcode, "");
	ck_assert_str_eq(sbuf_str(f->changes), "");
	ck_assert_str_eq(sbuf_str(store_log), "");
	fake_free(f);
}
END_TEST

/* submitted with sendmail(1): a suppressed recipient refuses the message at its end, even under
 * discard */
START_TEST(local_suppressed_rcpt_refuses_message)
{
	FAKE_CTX *f = fake_new();

	use_conf(discard_conf);
	suppressed_key = "y@gmail.com";
	fake_macro(f, "i", "4AB12C");
	fake_macro(f, "_", "localhost [127.0.0.1]");
	ck_assert_int_eq(deliver(f, "<a@acme.example>", two_rcpts, acme_from, 0), SMFIS_REJECT);
	expect_reply(f, "550", "5.7.1",
	             "<y@gmail.com>: recipient suppressed (unsubscribe); mail submitted with "
	             "sendmail(1) cannot lose "
	             "one recipient, so none was sent: send it again without that recipient",
	             "");
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	fake_free(f);
}
END_TEST

/* a key for the From domain: the signature goes on top */
START_TEST(dkim_signed)
{
	FAKE_CTX *f = fake_new();
	char dir[] = "/tmp/check_milter.XXXXXX";
	const char *ch;

	use_conf(NULL);
	use_dkim(dir, "acme.example", "acme", 1);
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 1), SMFIS_CONTINUE);
	ch = sbuf_str(f->changes);
	ck_assert_msg(strncmp(ch,
	                      "ins 0 X-Tenant: acme\nins 0 DKIM-Signature: v=1; a=rsa-sha256; "
	                      "c=relaxed/relaxed; d=acme.example; s=s1;",
	                      102) == 0,
	              "%s", ch);
	ck_assert_str_eq(f->rcode, "");
	rm_dir(dir);
	fake_free(f);
}
END_TEST

/* the signature cannot be added: tempfail */
START_TEST(dkim_insert_failure_tempfails)
{
	FAKE_CTX *f = fake_new();
	char dir[] = "/tmp/check_milter.XXXXXX";

	use_conf(NULL);
	use_dkim(dir, "acme.example", "acme", 1);
	f->fail_change = "ins 0 DKIM-Signature:";
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 1), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot DKIM-sign the message, try again later",
	             "ins 0 X-Tenant: acme\n");
	ck_assert_ptr_nonnull(strstr(sbuf_str(f->failed), "ins 0 DKIM-Signature: v=1;"));
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	rm_dir(dir);
	fake_free(f);
}
END_TEST

/* a header field name libopendkim refuses (a ";" in it): the signature fails, never sent unsigned
 */
START_TEST(dkim_signing_failure_tempfails)
{
	FAKE_CTX *f = fake_new();
	char dir[] = "/tmp/check_milter.XXXXXX";
	const char *const h[] = {"From", " a@acme.example", "X;Bad", " x", NULL};

	use_conf(NULL);
	use_dkim(dir, "acme.example", "acme", 1);
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, h, 1), SMFIS_TEMPFAIL);
	expect_reply(f, "451", "4.3.0", "cannot DKIM-sign the message, try again later",
	             "ins 0 X-Tenant: acme\n");
	ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	rm_dir(dir);
	fake_free(f);
}
END_TEST

/* keys loaded, none for acme's From domain: dkim_missing_key decides */
static const struct {
	const char *action;
	sfsistat result;
	const char *rcode, *xcode, *text;
} missing_key[] = {
    {"dkim_missing_key = reject", SMFIS_REJECT, "550", "5.7.0",
     "tenant acme: no DKIM key for From domain acme.example"},
    {"dkim_missing_key = tempfail", SMFIS_TEMPFAIL, "451", "4.7.0",
     "tenant acme: no DKIM key for From domain acme.example"},
    {"dkim_missing_key = unsigned", SMFIS_CONTINUE, "", "", ""},
};

START_TEST(dkim_missing_key)
{
	FAKE_CTX *f = fake_new();
	char dir[] = "/tmp/check_milter.XXXXXX";
	const char *const ov[] = {missing_key[_i].action, NULL};

	use_conf(ov);
	use_dkim(dir, "beta.example", "beta", 1);
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, acme_from, 1),
	                 missing_key[_i].result);
	expect_reply(f, missing_key[_i].rcode, missing_key[_i].xcode, missing_key[_i].text,
	             "ins 0 X-Tenant: acme\n");
	if (missing_key[_i].result ==
	    SMFIS_CONTINUE) /* counted for the tenant's dashboard, then committed */
		ck_assert_msg(strncmp(sbuf_str(store_log), "cmd HINCRBY {t:acme}:stats:", 27) ==
		                      0 &&
		                  strstr(sbuf_str(store_log),
		                         " dkim_unsigned 1\ncommit acme 1: x@gmail.com\n"),
		              "%s", sbuf_str(store_log));
	else
		ck_assert_str_eq(sbuf_str(store_log), "release acme 1: x@gmail.com\n");
	rm_dir(dir);
	fake_free(f);
}
END_TEST


/* the stream is the envelope sender's, as tenant-policyd routes it: a From domain of the other
 * stream changes neither the unsubscribe headers nor the VERP token's stream */
START_TEST(stream_follows_the_envelope)
{
	FAKE_CTX *f = fake_new();
	SBUF *tok = sbuf_new(256);
	TOKEN_DATA d;
	static const char *const both[] = {"unsubscribe_url_host = unsub.example",
	                                   "return_path_domain = bounces.example", NULL};

	use_conf(unsub_conf);
	use_keyring();
	/* transactional envelope, bulk From: no bulk headers */
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, bulk_from, 0), SMFIS_CONTINUE);
	ck_assert_str_eq(sbuf_str(f->changes), "ins 0 X-Tenant: acme\n");
	fake_free(f);
	/* bulk envelope, transactional From: bulk headers */
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, acme_from, 0), SMFIS_CONTINUE);
	ck_assert_ptr_nonnull(strstr(sbuf_str(f->changes), "ins 1 List-Unsubscribe: <https://unsub.example/u/"));
	fake_free(f);
	/* the VERP token names the envelope's stream, which the socketmap routes by */
	use_conf(both);
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, acme_from, 0), SMFIS_CONTINUE);
	take_token(sbuf_str(f->changes), "chgfrom <bounce+", "@bounces.example>", tok);
	open_token(TOKEN_VERP, tok, &d);
	ck_assert_str_eq(d.stream, "bulk");
	fake_free(f);
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<a@acme.example>", one_rcpt, bulk_from, 0), SMFIS_CONTINUE);
	ck_assert_ptr_null(strstr(sbuf_str(f->changes), "List-Unsubscribe"));
	take_token(sbuf_str(f->changes), "chgfrom <bounce+", "@bounces.example>", tok);
	open_token(TOKEN_VERP, tok, &d);
	ck_assert_str_eq(d.stream, "transactional");
	sbuf_free(tok);
	fake_free(f);
}
END_TEST

/* a reload between MAIL and end of message: the message seals with the token keys of the
 * generation it started with; the next message with the new ones */
START_TEST(in_flight_keeps_its_generation)
{
	static const char ring2_text[] =
	    "2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 1795000001\n";
	FAKE_CTX *f = fake_new();
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	char *mail[] = {"<a@bulk.acme.example>", NULL};
	SBUF *tok = sbuf_new(256), *e = sbuf_new(64);
	unsigned long p0, p1, p2, p3;
	KEYRING *k2;

	use_conf(unsub_conf);
	use_keyring();
	store_fake = 1;
	ck_assert_int_eq(milter_desc.xxfi_negotiate(ctx, SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM,
	                                            SMFIP_NOHELO | SMFIP_NOBODY, 0, 0, &p0, &p1, &p2, &p3),
	                 SMFIS_CONTINUE);
	connect_acme(f);
	fake_envelope(f, "{mail_addr}", mail[0]);
	ck_assert_int_eq(milter_desc.xxfi_envfrom(ctx, mail), SMFIS_CONTINUE);
	fake_envelope(f, "{rcpt_addr}", one_rcpt[0]);
	ck_assert_int_eq(milter_desc.xxfi_envrcpt(ctx, (char *[]){(char *)one_rcpt[0], NULL}), SMFIS_CONTINUE);
	/* SIGHUP: key 2 only, and tokens for another host; the message started before it */
	k2 = keyring_parse("ring2", ring2_text, e);
	ck_assert_msg(k2 != NULL, "%s", sbuf_str(e));
	milter_cb_set_keyring(k2);
	{
		static const char *const other[] = {"unsubscribe_url_host = other.example", NULL};
		use_conf(other);
	}
	for (int i = 0; bulk_from[i]; i += 2)
		milter_desc.xxfi_header(ctx, (char *)bulk_from[i], (char *)bulk_from[i + 1]);
	ck_assert_int_eq(milter_desc.xxfi_eom(ctx), SMFIS_CONTINUE);
	milter_desc.xxfi_close(ctx);
	/* version 2, purpose 1 (unsubscribe), key 1: "AgEB" */
	take_token(sbuf_str(f->changes), "<https://unsub.example/u/", ">", tok);
	tok->s[4] = 0;
	ck_assert_str_eq(sbuf_str(tok), "AgEB");
	fake_free(f);
	/* the next message: the new generation's host and key 2 ("AgEC") */
	f = fake_new();
	ck_assert_int_eq(deliver(f, "<a@bulk.acme.example>", one_rcpt, bulk_from, 0), SMFIS_CONTINUE);
	take_token(sbuf_str(f->changes), "<https://other.example/u/", ">", tok);
	tok->s[4] = 0;
	ck_assert_str_eq(sbuf_str(tok), "AgEC");
	sbuf_free(tok);
	sbuf_free(e);
	fake_free(f);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tags_network_tenant);
	tcase_add_test(tc, no_mail_addr_macro_tempfails);
	tcase_add_test(tc, no_rcpt_addr_macro_tempfails);
	tcase_add_test(tc, unkeyable_rcpt_refused);
	tcase_add_test(tc, local_unkeyable_rcpt_refuses_message);
	tcase_add_test(tc, tags_sasl_tenant);
	tcase_add_loop_test(tc, refused, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, reply_text_cleaned);
	tcase_add_test(tc, two_from_fields);
	tcase_add_test(tc, store_down_tempfails);
	tcase_add_test(tc, store_down_fail_open_still_strips_tags);
	tcase_add_test(tc, warn_mode_accepts);
	tcase_add_test(tc, unknown_accept_and_tempfail);
	tcase_add_test(tc, local_null_sender);
	tcase_add_test(tc, header_change_failure_tempfails);
	tcase_add_test(tc, in_flight_keeps_configuration);
	tcase_add_test(tc, abort_then_next_message);
	tcase_add_test(tc, rcpt_store_down_tempfails);
	tcase_add_test(tc, rcpt_store_down_fail_open);
	tcase_add_test(tc, tag_removal_failure_tempfails);
	tcase_add_test(tc, unsubscribe_headers_added);
	tcase_add_test(tc, unsubscribe_change_failure_tempfails);
	tcase_add_test(tc, unsubscribe_no_keys_tempfails);
	tcase_add_test(tc, unsubscribe_multi_recipient);
	tcase_add_test(tc, unsubscribe_recipient_too_long);
	tcase_add_test(tc, verp_sender_set);
	tcase_add_test(tc, verp_change_failure_tempfails);
	tcase_add_test(tc, verp_no_keys_tempfails);
	tcase_add_test(tc, suppressed_rcpt_dropped);
	tcase_add_test(tc, delrcpt_failure_tempfails);
	tcase_add_test(tc, all_suppressed_discarded);
	tcase_add_test(tc, local_suppressed_rcpt_refuses_message);
	tcase_add_test(tc, dkim_signed);
	tcase_add_test(tc, dkim_insert_failure_tempfails);
	tcase_add_test(tc, dkim_signing_failure_tempfails);
	tcase_add_loop_test(tc, dkim_missing_key, 0, sizeof(missing_key) / sizeof(missing_key[0]));
	tcase_add_test(tc, stream_follows_the_envelope);
	tcase_add_test(tc, in_flight_keeps_its_generation);
}
