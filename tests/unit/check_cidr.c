/* check_cidr - CIDR parsing and matching, IPv4, IPv6 and mapped addresses */
#include "config.h"

#include <string.h>

#include "tm_cidr.h"
#define SUITE_NAME "cidr"
#include "check_main.h"

static const struct {
	const char *net, *addr;
	int match;
} matches[] = {
    {"192.0.2.0/24", "192.0.2.77", 1},
    {"192.0.2.0/24", "192.0.3.1", 0},
    {"192.0.2.128/25", "192.0.2.127", 0},
    {"192.0.2.128/25", "192.0.2.200", 1},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"0.0.0.0/0", "2001:db8::1", 0},
    {"127.0.0.2", "127.0.0.2", 1},
    {"127.0.0.2", "127.0.0.3", 0},
    {"10.0.0.0/8", "::ffff:10.1.2.3", 1},
    {"::ffff:10.0.0.0/104", "10.9.9.9", 1},
    {"2001:db8::/32", "2001:db8:ffff::1", 1},
    {"2001:db8::/32", "2001:db9::1", 0},
    {"2001:db8::1/128", "IPv6:2001:db8::1", 1},
    {"2001:db8::/33", "2001:db8:8000::1", 0},
};

START_TEST(match)
{
	CIDR c;
	IPADDR a;
	SBUF *err = sbuf_new(64);

	ck_assert_msg(cidr_parse(matches[_i].net, &c, err) == 0, "%s", sbuf_str(err));
	ck_assert_int_eq(ipaddr_parse(matches[_i].addr, &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), matches[_i].match);
	sbuf_free(err);
}
END_TEST

static const struct {
	const char *in, *err;
} bad[] = {
    {"192.0.2.1/24", "\"192.0.2.1/24\" has host bits set; did you mean 192.0.2.0/24?"},
    {"192.0.2.0/33", "prefix length 33 out of range 0..32"},
    {"2001:db8::/129", "prefix length 129 out of range 0..128"},
    {"192.0.2.0/", "bad prefix length in \"192.0.2.0/\""},
    {"192.0.2.0/-1", "bad prefix length in \"192.0.2.0/-1\""},
    {"192.0.2.0/2x", "bad prefix length in \"192.0.2.0/2x\""},
    {"example.com/24", "\"example.com\" is not an IP address"},
    {"/8", "\"/8\" is not an IP address"},
    {"300.1.1.1", "\"300.1.1.1\" is not an IP address"},
    {"::ffff:10.0.0.0/8", "prefix length 8 out of range 96..128 for a mapped address"},
};

START_TEST(refuse)
{
	CIDR c;
	SBUF *err = sbuf_new(64);

	ck_assert_int_eq(cidr_parse(bad[_i].in, &c, err), -1);
	ck_assert_str_eq(sbuf_str(err), bad[_i].err);
	sbuf_free(err);
}
END_TEST

START_TEST(canonical)
{
	CIDR c;
	SBUF *err = sbuf_new(64), *out = sbuf_new(64);

	ck_assert_int_eq(cidr_parse("2001:DB8:0:0::/48", &c, err), 0);
	cidr_format(&c, out);
	ck_assert_str_eq(sbuf_str(out), "2001:db8::/48");
	sbuf_reset(out);
	ck_assert_int_eq(cidr_parse("127.0.0.2", &c, err), 0);
	cidr_format(&c, out);
	ck_assert_str_eq(sbuf_str(out), "127.0.0.2/32");
	sbuf_free(err);
	sbuf_free(out);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, match, 0, sizeof(matches) / sizeof(matches[0]));
	tcase_add_loop_test(tc, refuse, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, canonical);
}
