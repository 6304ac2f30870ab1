/*
 * check_dkim - the DKIM key table (parse, choice of key, conflicts) and the
 * headers a signature covers, signed with a key made here and checked
 * with libopendkim's own verifier on the h= tag.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* a table with keys read from files made here */
static DKK_TABLE *
table_with_keys(char *dir)
{
	SBUF *e = sbuf_new(64), *rec = sbuf_new(512), *text = sbuf_new(256), *path = sbuf_new(128);
	DKK_TABLE *t;
	FILE *fp;

	sbuf_printf(path, "%s/a.key", dir);
	ck_assert_msg(dkk_generate(sbuf_str(path), 1024, rec, e) == 0, "%s", sbuf_str(e));
	ck_assert(strncmp(sbuf_str(rec), "v=DKIM1; k=rsa; p=MI", 20) == 0);
	ck_assert_int_eq(dkk_generate(sbuf_str(path), 1024, rec, e), -1); /* never over an existing key */
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

static void
suite_tests(TCase *tc)
{
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_parse_and_find);
	tcase_add_test(tc, key_choice);
	tcase_add_test(tc, signed_headers);
}
