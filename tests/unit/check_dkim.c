/*
 * check_dkim - the DKIM key table (parse, choice of key, conflicts) and the
 * headers a signature covers, signed with a key made here; the h= tag, and
 * libopendkim's own verifier, given the public key record through its key
 * lookup callback (no DNS): the message as signed passes, and a changed
 * body, a changed signed header or an added From or List-Unsubscribe fails,
 * while a changed unsigned header does not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "tm_dkim.h"
#define SUITE_NAME "dkim"
#include "check_main.h"

START_TEST(table_parse_and_find)
{
	SBUF *e = sbuf_new(64);
	DKK_TABLE *t = dkk_parse("t", "# comment\n"
				      "acme.example acme s1 /k/a1\n"
				      "acme.example acme s2 /k/a2\n"
				      "news.beta.example beta s1 /k/b1\n",
				 e);
	ck_assert_msg(t != NULL, "%s", sbuf_str(e));
	ck_assert_uint_eq(dkk_count(t), 3);
	ck_assert_ptr_null(dkk_find(t, "acme", "acme.example")); /* keys not read: nothing to sign with */
	dkk_free(t);
	t = dkk_parse("t", "acme.example acme s1\n", e);
	ck_assert_ptr_null(t);
	ck_assert(strstr(sbuf_str(e), "t:1: expected DOMAIN TENANT SELECTOR KEYFILE") != NULL);
	sbuf_reset(e);
	t = dkk_parse("t", "acme.example acme s1 relative/path\n", e);
	ck_assert_ptr_null(t);
	sbuf_reset(e);
	t = dkk_parse("t", "acme.example acme s1 /k/a\nacme.example beta s2 /k/b\n", e);
	ck_assert_ptr_null(t); /* one domain, two tenants */
	ck_assert(strstr(sbuf_str(e), "t:2: domain acme.example already has a key of tenant acme") != NULL);
	sbuf_free(e);
}
END_TEST

/* a table with keys read from files made here; the key's DNS record value into rec_out, unless NULL */
static DKK_TABLE *
table_with_keys_rec(char *dir, SBUF *rec_out)
{
	SBUF *e = sbuf_new(64), *rec = sbuf_new(512), *text = sbuf_new(256), *path = sbuf_new(128);
	DKK_TABLE *t;
	FILE *fp;

	sbuf_printf(path, "%s/a.key", dir);
	ck_assert_msg(dkk_generate(sbuf_str(path), 1024, rec, e) == 0, "%s", sbuf_str(e));
	ck_assert(strncmp(sbuf_str(rec), "v=DKIM1; k=rsa; p=MI", 20) == 0);
	ck_assert_int_eq(dkk_generate(sbuf_str(path), 1024, rec, e), -1); /* never over an existing key */
	if (rec_out)
		sbuf_cat(rec_out, sbuf_str(rec));
	sbuf_printf(text, "acme.example acme s1 %s\nbeta.example beta s1 %s\n", sbuf_str(path), sbuf_str(path));
	sbuf_reset(path);
	sbuf_printf(path, "%s/keys", dir);
	fp = fopen(sbuf_str(path), "w");
	fputs(sbuf_str(text), fp);
	fclose(fp);
	sbuf_reset(e);
	t = dkk_load(sbuf_str(path), e);
	ck_assert_msg(t != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	sbuf_free(rec);
	sbuf_free(text);
	sbuf_free(path);
	return t;
}

static DKK_TABLE *
table_with_keys(char *dir)
{
	return table_with_keys_rec(dir, NULL);
}

START_TEST(key_choice)
{
	char dir[] = "/tmp/check_dkim.XXXXXX";
	DKK_TABLE *t;
	SBUF *e = sbuf_new(64);
	char cmd[128];

	ck_assert(mkdtemp(dir) != NULL);
	t = table_with_keys(dir);
	ck_assert_str_eq(dkk_find(t, "acme", "acme.example")->selector, "s1");
	ck_assert_str_eq(dkk_find(t, "acme", "news.acme.example")->domain, "acme.example"); /* parent: DMARC relaxed */
	ck_assert_str_eq(dkk_find(t, "acme", "ACME.example")->domain, "acme.example");
	ck_assert_ptr_null(dkk_find(t, "acme", "beta.example")); /* never another tenant's key */
	ck_assert_ptr_null(dkk_find(t, "beta", "news.acme.example"));
	ck_assert_ptr_null(dkk_find(t, "acme", "example")); /* no key for a parent of the key's domain */
	ck_assert_ptr_null(dkk_find(t, "acme", "evilacme.example"));
	dkk_free(t);
	/* a key readable by others is refused at load */
	snprintf(cmd, sizeof(cmd), "%s/a.key", dir);
	chmod(cmd, 0644);
	snprintf(cmd, sizeof(cmd), "%s/keys", dir);
	ck_assert_ptr_null(dkk_load(cmd, e));
	ck_assert(strstr(sbuf_str(e), "DKIM keys must be mode 0600") != NULL);
	/* a file that only looks like a key is refused at load, not met per message */
	{
		static const char *const fakes[] = {
		    "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
		    "PRIVATE KEY\n"};
		for (size_t i = 0; i < 2; i++) {
			FILE *fp;
			snprintf(cmd, sizeof(cmd), "%s/a.key", dir);
			ck_assert((fp = fopen(cmd, "w")) != NULL);
			fputs(fakes[i], fp);
			fclose(fp);
			chmod(cmd, 0600);
			snprintf(cmd, sizeof(cmd), "%s/keys", dir);
			sbuf_reset(e);
			ck_assert_ptr_null(dkk_load(cmd, e));
			ck_assert_msg(strstr(sbuf_str(e), "a.key: not a readable PEM private key") != NULL, "%s",
			              sbuf_str(e));
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	sbuf_free(e);
}
END_TEST

START_TEST(signed_headers)
{
	char dir[] = "/tmp/check_dkim.XXXXXX";
	DKK_TABLE *t;
	DKS_JOB *j;
	SBUF *e = sbuf_new(64), *sig = sbuf_new(512);
	char cmd[128], *h, *end;
	static const unsigned char body[] = "hello\r\n";

	ck_assert(mkdtemp(dir) != NULL);
	t = table_with_keys(dir);
	j = dks_begin(dkk_find(t, "acme", "acme.example"), "Q1", e);
	ck_assert_msg(j != NULL, "%s", sbuf_str(e));
	ck_assert_int_eq(dks_header(j, "Received", " from x by y", e), 0);
	ck_assert_int_eq(dks_header(j, "From", " <a@acme.example>", e), 0);
	ck_assert_int_eq(dks_header(j, "Subject", " folded\n\tsubject", e), 0);
	ck_assert_int_eq(dks_header(j, "X-Tenant", " acme", e), 0);
	ck_assert_int_eq(dks_header(j, "List-Unsubscribe", "<https://u.example/u/T>", e), 0);
	ck_assert_int_eq(dks_header(j, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click", e), 0);
	ck_assert_int_eq(dks_body(j, body, sizeof(body) - 1, e), 0);
	ck_assert_msg(dks_finish(j, sig, e) == 0, "%s", sbuf_str(e));
	dks_free(j);
	ck_assert(strchr(sbuf_str(sig), '\r') == NULL); /* folded with LF for the milter protocol */
	for (h = strstr(sbuf_str(sig), "h="); h && h[-1] != ' ' && h[-1] != '\t'; h = strstr(h + 1, "h="))
		; /* not bh= */
	ck_assert_ptr_nonnull(h);
	end = strchr(h, ';');
	*end = 0;
	for (char *p = h, *q = h; ; p++) { /* drop the folding */
		if (*p != ' ' && *p != '\t' && *p != '\n')
			*q++ = *p;
		if (*p == 0)
			break;
	}
	/* present headers of the list, then From and both unsubscribe headers once more */
	ck_assert_str_eq(h, "h=From:Subject:List-Unsubscribe:List-Unsubscribe-Post:From:List-Unsubscribe:List-Unsubscribe-Post");
	dkk_free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	sbuf_free(e);
	sbuf_free(sig);
}
END_TEST

static const char *verify_record; /* what the key lookup answers for s1._domainkey.acme.example */
static char verify_query[256];

/* verify_key_lookup - libopendkim's key lookup, answered from memory instead of DNS */
static DKIM_CBSTAT
verify_key_lookup(DKIM *d, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
	(void)d;
	snprintf(verify_query, sizeof(verify_query), "%s._domainkey.%s", dkim_sig_getselector(sig),
		 dkim_sig_getdomain(sig));
	if (strcmp(verify_query, "s1._domainkey.acme.example") != 0 || strlen(verify_record) >= buflen)
		return DKIM_CBSTAT_NOTFOUND;
	memcpy(buf, verify_record, strlen(verify_record) + 1);
	return DKIM_CBSTAT_CONTINUE;
}

/*
 * verify - the message (DKIM-Signature: sig, then header lines "Name: value"
 * with LF folding, then the CRLF body) through libopendkim's verifier; 1 when
 * the signature passes, with its body-hash verdict in *bh
 */
static int
verify(const char *sig, const char *const *hdrs, const char *body, int *bh)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st = DKIM_STAT_OK, eom;
	DKIM_SIGINFO *si;
	SBUF *msg = sbuf_new(2048);
	DKIM *d;
	int pass;

	ck_assert_ptr_nonnull(lib);
	ck_assert_int_eq(dkim_set_key_lookup(lib, verify_key_lookup), DKIM_STAT_OK);
	sbuf_printf(msg, "DKIM-Signature: %s\n", sig);
	for (size_t i = 0; hdrs[i]; i++)
		sbuf_printf(msg, "%s\n", hdrs[i]);
	sbuf_cat(msg, "\n");
	{ /* CRLF line ends in the header, as on the wire */
		SBUF *crlf = sbuf_new(msg->len + 64);
		for (size_t i = 0; i < msg->len; i++) {
			if (msg->s[i] == '\n')
				sbuf_putc(crlf, '\r');
			sbuf_putc(crlf, msg->s[i]);
		}
		sbuf_cat(crlf, body);
		sbuf_free(msg);
		msg = crlf;
	}
	d = dkim_verify(lib, (const unsigned char *)"V1", NULL, &st);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(dkim_chunk(d, (unsigned char *)msg->s, msg->len), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_chunk(d, NULL, 0), DKIM_STAT_OK);
	eom = dkim_eom(d, NULL);
	si = dkim_getsignature(d);
	ck_assert_ptr_nonnull(si);
	ck_assert_str_eq(verify_query, "s1._domainkey.acme.example");
	*bh = dkim_sig_getbh(si);
	pass = eom == DKIM_STAT_OK && (dkim_sig_getflags(si) & DKIM_SIGFLAG_PASSED) != 0 && *bh == DKIM_SIGBH_MATCH;
	dkim_free(d);
	dkim_close(lib);
	sbuf_free(msg);
	return pass;
}

/* the message signed below, as its header lines would be delivered */
static const char *const signed_msg[] = {
    "Received: from x by y",
    "From: <a@acme.example>",
    "To: <r@dest.example>",
    "Subject: folded\n\tsubject",
    "X-Tenant: acme",
    "List-Unsubscribe: <https://u.example/u/T>",
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    NULL,
};
static const char signed_body[] = "hello\r\nsecond line\r\n";

/*
 * what the verifier says of the message after one change; when the header
 * hash fails, libopendkim leaves the body hash untested
 */
static const struct verify_case {
	int replace;	   /* index into signed_msg, or -1: none */
	const char *line;  /* the replacement, or a header added at the end when replace is -1 */
	const char *body;  /* NULL: the signed body */
	int pass, bh;
} verify_cases[] = {
    {-1, NULL, NULL, 1, DKIM_SIGBH_MATCH},				      /* as signed */
    {-1, NULL, "hello\r\nsecond linE\r\n", 0, DKIM_SIGBH_MISMATCH},	      /* one body byte */
    {-1, NULL, "hello\r\nsecond line\r\nmore\r\n", 0, DKIM_SIGBH_MISMATCH}, /* a line appended */
    {3, "Subject: folded\n\tsubjecT", NULL, 0, DKIM_SIGBH_UNTESTED},	      /* a signed header */
    {1, "From: <b@acme.example>", NULL, 0, DKIM_SIGBH_UNTESTED},
    {5, "List-Unsubscribe: <https://evil.example/u/T>", NULL, 0, DKIM_SIGBH_UNTESTED},
    {-1, "From: <evil@acme.example>", NULL, 0, DKIM_SIGBH_UNTESTED},		      /* oversigned: none may be added */
    {-1, "List-Unsubscribe: <mailto:evil@evil.example>", NULL, 0, DKIM_SIGBH_UNTESTED},
    {4, "X-Tenant: beta", NULL, 1, DKIM_SIGBH_MATCH},			      /* not signed: may change */
    {0, "Received: from elsewhere", NULL, 1, DKIM_SIGBH_MATCH},
    {3, "Subject:   folded  subject", NULL, 1, DKIM_SIGBH_MATCH},	      /* relaxed: whitespace and folding */
};

START_TEST(verified_by_libopendkim)
{
	const struct verify_case *c = &verify_cases[_i];
	char dir[] = "/tmp/check_dkim.XXXXXX";
	DKK_TABLE *t;
	DKS_JOB *j;
	SBUF *e = sbuf_new(64), *sig = sbuf_new(512), *rec = sbuf_new(512);
	const char *hdrs[16];
	size_t n = 0;
	char cmd[128];
	int bh = -2;

	ck_assert(mkdtemp(dir) != NULL);
	t = table_with_keys_rec(dir, rec);
	j = dks_begin(dkk_find(t, "acme", "acme.example"), "Q1", e);
	ck_assert_msg(j != NULL, "%s", sbuf_str(e));
	for (size_t i = 0; signed_msg[i]; i++) {
		char name[64];
		const char *colon = strchr(signed_msg[i], ':');
		snprintf(name, sizeof(name), "%.*s", (int)(colon - signed_msg[i]), signed_msg[i]);
		ck_assert_int_eq(dks_header(j, name, colon + 1, e), 0);
	}
	ck_assert_int_eq(dks_body(j, (const unsigned char *)signed_body, 6, e), 0); /* in two chunks */
	ck_assert_int_eq(dks_body(j, (const unsigned char *)signed_body + 6, strlen(signed_body) - 6, e), 0);
	ck_assert_msg(dks_finish(j, sig, e) == 0, "%s", sbuf_str(e));
	dks_free(j);
	for (size_t i = 0; signed_msg[i]; i++)
		hdrs[n++] = (int)i == c->replace ? c->line : signed_msg[i];
	if (c->replace < 0 && c->line)
		hdrs[n++] = c->line;
	hdrs[n] = NULL;
	verify_record = sbuf_str(rec);
	ck_assert_int_eq(verify(sbuf_str(sig), hdrs, c->body ? c->body : signed_body, &bh), c->pass);
	ck_assert_int_eq(bh, c->bh);
	dkk_free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	sbuf_free(e);
	sbuf_free(sig);
	sbuf_free(rec);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_parse_and_find);
	tcase_add_test(tc, key_choice);
	tcase_add_test(tc, signed_headers);
	tcase_add_loop_test(tc, verified_by_libopendkim, 0, sizeof(verify_cases) / sizeof(verify_cases[0]));
}
