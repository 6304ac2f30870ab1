/*
 * NAME
 *	check_milter - the callbacks, driven through the recording seam
 * DESCRIPTION
 *	The suite's fixture (a tenant snapshot, the Redis side faked at link
 *	time) and its connect, MAIL FROM and RCPT cases: every reply a client
 *	can get there, the tenant tag and the From checks at end of message.
 *	The end-of-message actions (unsubscribe headers, VERP, DKIM, dropped
 *	recipients) are in check_milter_eom.c; one program runs both.
 * SEE ALSO
 *	check_milter.h, check_milter_eom.c, seam_fake.c
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_milter.h"
#include "tm_egress.h"
#include "tm_quota.h"
#include "tm_store.h"
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
int store_fake;
const char *suppressed_key;
SBUF *store_log;
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
RESULT
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

const char *const acme_from[] = {"From", " Acme <news@acme.example>", NULL};

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
SMFICTX *
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
	eom_tests(tc); /* check_milter_eom.c */
}
