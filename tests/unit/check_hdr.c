/* check_hdr - tag-removal decisions and From author parsing */
#include "config.h"

#include <string.h>

#include "tm_hdr.h"
#define SUITE_NAME "hdr"
#include "check_main.h"

static const struct {
	const char *name;
	int is_tag;
} tags[] = {
    {"X-Tenant", 1}, {"x-tenant", 1}, {"X-TENANT", 1}, {"X-Tenant ", 1}, {"X-Tenant\t", 1},
    {"X-Tenants", 0}, {"X-Tenan", 0}, {" X-Tenant", 0}, {"X-Tenant-Id", 0}, {"", 0},
};

START_TEST(tag_decision)
{
	ck_assert_int_eq(hdr_is_tag(tags[_i].name, "X-Tenant"), tags[_i].is_tag);
}
END_TEST

static const struct {
	const char *value;
	int result;
	const char *domain_or_err;
} froms[] = {
    {" user@Acme.Example", FROM_OK, "acme.example"},
    {" \"Acme, Inc.\" <news@acme.example>", FROM_OK, "acme.example"},
    {" =?UTF-8?Q?J=C3=B6rg?= <j@b\xc3\xbc" "cher.example>", FROM_OK, "xn--bcher-kva.example"},
    {" Acme (the real one) <a@acme.example>", FROM_OK, "acme.example"},
    {" a@acme.example, b@other.example", FROM_MULTI_MAILBOX, "From field names 2 mailboxes"},
    {" team: a@acme.example, b@acme.example;", FROM_MULTI_MAILBOX, "From field names 2 mailboxes"},
    {" undisclosed-recipients:;", FROM_NONE, ""},
    {" ", FROM_NONE, ""},
    {" Just A Name", FROM_NONE, ""}, /* a bare phrase names no mailbox */
};

START_TEST(from_author)
{
	SBUF *d = sbuf_new(64), *e = sbuf_new(64);
	int r = hdr_from_domain(froms[_i].value, d, e);

	ck_assert_int_eq(r, froms[_i].result);
	ck_assert_str_eq(r == FROM_OK ? sbuf_str(d) : sbuf_str(e), froms[_i].domain_or_err);
	sbuf_free(d);
	sbuf_free(e);
}
END_TEST

START_TEST(from_oversized)
{
	char big[6000];
	SBUF *d = sbuf_new(64), *e = sbuf_new(64);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(hdr_from_domain(big, d, e), FROM_BAD);
	ck_assert_str_eq(sbuf_str(e), "From field longer than 4096 characters");
	sbuf_free(d);
	sbuf_free(e);
}
END_TEST

START_TEST(tag_names)
{
	ck_assert_int_eq(hdr_tag_valid("X-Tenant"), 1);
	ck_assert_int_eq(hdr_tag_valid("X_Tenant2"), 1);
	ck_assert_int_eq(hdr_tag_valid("X Tenant"), 0);
	ck_assert_int_eq(hdr_tag_valid("X-Tenant:"), 0);
	ck_assert_int_eq(hdr_tag_valid(""), 0);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, tag_decision, 0, sizeof(tags) / sizeof(tags[0]));
	tcase_add_loop_test(tc, from_author, 0, sizeof(froms) / sizeof(froms[0]));
	tcase_add_test(tc, from_oversized);
	tcase_add_test(tc, tag_names);
}
