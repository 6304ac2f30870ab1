/* check_addr - address and domain parsing: quoting, IDN, trailing dots, case, length */
#include "config.h"

#include <string.h>

#include "tm_addr.h"
#define SUITE_NAME "addr"
#include "check_main.h"

static const struct {
	const char *in;
	const char *local;  /* NULL: null sender */
	const char *domain; /* NULL with local == NULL and err == NULL: null sender */
	const char *err;    /* expected failure reason */
} cases[] = {
    {"<user@Example.COM>", "user", "example.com", NULL},
    {"  <user@example.com.>  ", "user", "example.com", NULL},
    {"user@example.com", "user", "example.com", NULL},
    {"<>", NULL, NULL, NULL},
    {"", NULL, NULL, NULL},
    {"<\"john doe\"@example.com>", "john doe", "example.com", NULL},
    {"<\"a@b\"@example.com>", "a@b", "example.com", NULL},
    {"<\"a\\\"q\"@example.com>", "a\"q", "example.com", NULL},
    {"<@relay.example,@other.example:user@example.com>", "user", "example.com", NULL},
    {"<User.Name+tag@Bücher.Example>", "User.Name+tag", "xn--bcher-kva.example", NULL},
    {"<jörg@xn--bcher-kva.example>", "jörg", "xn--bcher-kva.example", NULL},
    {"<user@[192.0.2.1]>", "user", "[192.0.2.1]", NULL},
    {"<user@[IPv6:2001:DB8::1]>", "user", "[ipv6:2001:db8::1]", NULL},
    {"<user>", NULL, NULL, "address has no domain"},
    {"<@example.com>", NULL, NULL, "malformed source route"},
    {"<user@example.com", NULL, NULL, "unbalanced angle brackets"},
    {"<\"open@example.com>", NULL, NULL, "unterminated quoted local part"},
    {"<user@exa mple.com>", NULL, NULL, "unexpected ' ' in address"},
    {"<a@b@example.com>", "a@b", "example.com", "-"}, /* '@' outside quotes: last wins */
    {"<user@example..com>", NULL, NULL, "empty label in domain"},
    {"<user@>", NULL, NULL, "empty domain"},
    {"<user@exa_mple.com>", "user", "exa_mple.com", NULL},
    {"<user@ex!ample.com>", NULL, NULL, "invalid character 0x21 in domain"},
    {"<user@\xff\xfe.example>", NULL, NULL, "invalid internationalised domain: *"},
    {"<a\rb@example.com>", NULL, NULL, "control character in address"},
    {"<u@xn--bcher-kva.Example>", "u", "xn--bcher-kva.example", NULL},
    {"<u@XN--ofu_qqexam>", NULL, NULL, "invalid A-label in domain"}, /* fuzz_hdr */
    {"<u@xn--eff.example>", NULL, NULL, "invalid A-label in domain"},
    {"<u@b\xc3\xbc"
     "cher.a\xcd\xbe"
     "b.example>",
     NULL, NULL, "invalid character 0x3b in domain"}, /* NFC: ';' */
    {"\"a\\\x1b\"@example.com", NULL, NULL,
     "control character in address"}, /* fuzz_addr: escaped */
    {"\"a\\\"b\"@example.com", "a\"b", "example.com", NULL},
    {"<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com>",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "example.com",
     NULL}, /* 65: kept */
    {"<u@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com>", NULL, NULL,
     "domain label longer than 63 characters"},
};

START_TEST(parse)
{
	ADDR a;
	SBUF *err = sbuf_new(64);
	int rc = addr_parse(cases[_i].in, &a, err);

	if (cases[_i].err && strcmp(cases[_i].err, "-") != 0) {
		ck_assert_int_eq(rc, -1);
		if (cases[_i].err[strlen(cases[_i].err) - 1] == '*')
			ck_assert(strncmp(sbuf_str(err), cases[_i].err, strlen(cases[_i].err) - 1) == 0);
		else
			ck_assert_str_eq(sbuf_str(err), cases[_i].err);
	} else if (cases[_i].local == NULL) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(a.is_null, 1);
	} else if (strcmp(cases[_i].in, "<a@b@example.com>") == 0) {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(a.domain, "example.com");
	} else {
		ck_assert_msg(rc == 0, "%s: %s", cases[_i].in, sbuf_str(err));
		ck_assert_str_eq(a.local, cases[_i].local);
		ck_assert_str_eq(a.domain, cases[_i].domain);
	}
	addr_clear(&a);
	sbuf_free(err);
}
END_TEST

START_TEST(overlong_input)
{
	char big[3000];
	ADDR a;
	SBUF *err = sbuf_new(64);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[10] = '@';
	ck_assert_int_eq(addr_parse(big, &a, err), -1);
	ck_assert_str_eq(sbuf_str(err), "address longer than 1024 characters");
	sbuf_free(err);
}
END_TEST

START_TEST(overlong_domain)
{
	char d[400];
	SBUF *out = sbuf_new(64), *err = sbuf_new(64);

	for (int i = 0; i < 390; i += 10)
		memcpy(d + i, "abcdefghi.", 10);
	memcpy(d + 390, "example", 8);
	ck_assert_int_eq(domain_normalize(d, strlen(d), out, err), -1);
	ck_assert_str_eq(sbuf_str(err), "domain longer than 253 characters");
	sbuf_free(out);
	sbuf_free(err);
}
END_TEST

START_TEST(parents)
{
	const char *d = "a.b.example.com";

	ck_assert_str_eq(domain_parent(d), "b.example.com");
	ck_assert_str_eq(domain_parent(domain_parent(d)), "example.com");
	ck_assert_str_eq(domain_parent("example.com"), "com");
	ck_assert_ptr_null(domain_parent("com"));
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, overlong_input);
	tcase_add_test(tc, overlong_domain);
	tcase_add_test(tc, parents);
}
