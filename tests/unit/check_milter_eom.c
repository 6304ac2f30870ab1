/*
 * NAME
 *	check_milter_eom - the end-of-message actions, driven through the recording seam
 * DESCRIPTION
 *	What the milter does to a message it accepts, with the store faked:
 *	the unsubscribe headers and their tokens, the VERP bounce address,
 *	the DKIM signature, suppressed recipients dropped or refusing the
 *	message, the stream taken from the envelope, and the generation a
 *	message keeps across a reload. Every failure to change the message
 *	tempfails and gives the reservation back.
 * SEE ALSO
 *	check_milter.c (the fixture and main), check_milter.h
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check_milter.h"
#include "tm_dkim.h"
#include "tm_token.h"

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

/* eom_tests - this file's cases, in the suite's one test case */
void
eom_tests(TCase *tc)
{
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
