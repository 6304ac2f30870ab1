/*
 * check_policy - the policy protocol and netstring parsers with malformed,
 * oversized and truncated input, and with LF and CRLF line ends; the weighted, sticky transport choice;
 * and the whole routing decision on a snapshot.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tm_egress.h"
#include "tm_policy.h"
#include "tm_route.h"
#define SUITE_NAME "policy"
#include "check_main.h"

static PREQ req;

START_TEST(policy_request_complete)
{
	char buf[] = "request=smtpd_access_policy\nprotocol_state=DATA\nsender=a@b.example\ninstance=1a.2b\n"
		     "empty=\n\nrequest=smtpd_access_policy\n";
	SBUF *e = sbuf_new(64);
	long used = policy_parse(buf, sizeof(buf) - 1, 2048, 64, &req, e);

	ck_assert_int_eq(used, (long)strlen("request=smtpd_access_policy\nprotocol_state=DATA\nsender=a@b.example\n"
					    "instance=1a.2b\nempty=\n\n"));
	ck_assert_uint_eq(req.n, 5);
	ck_assert_str_eq(preq_get(&req, "sender"), "a@b.example");
	ck_assert_str_eq(preq_get(&req, "empty"), "");
	ck_assert_ptr_null(preq_get(&req, "sasl_username"));
	/* the rest is an incomplete second request: more input needed */
	ck_assert_int_eq(policy_parse(buf + used, sizeof(buf) - 1 - (size_t)used, 2048, 64, &req, e), 0);
	sbuf_free(e);
}
END_TEST

START_TEST(policy_truncated_needs_more)
{
	const char *whole = "request=smtpd_access_policy\nsender=a@b.example\n\n";
	SBUF *e = sbuf_new(64);

	for (size_t n = 0; n < strlen(whole); n++) {
		char buf[128];
		memcpy(buf, whole, n);
		ck_assert_int_eq(policy_parse(buf, n, 2048, 64, &req, e), 0);
	}
	ck_assert_uint_eq(e->len, 0);
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *in;
	size_t max_line, max_attrs;
	const char *err;
} bad[] = {
    {"garbage\n\n", 2048, 64, "malformed attribute line \"garbage\": expected name=value"},
    {"=value\n\n", 2048, 64, "malformed attribute line \"=value\": expected name=value"},
    {"a=1\nb=2\nc=3\n\n", 2048, 2, "more than 2 attributes"},
    {"sender=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64, 64,
     "line longer than 64 bytes"},
    {"sender=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n", 64, 64,
     "line longer than 64 bytes"},
};

START_TEST(policy_malformed)
{
	char buf[256];
	SBUF *e = sbuf_new(64);

	snprintf(buf, sizeof(buf), "%s", bad[_i].in);
	ck_assert_int_eq(policy_parse(buf, strlen(buf), bad[_i].max_line, bad[_i].max_attrs, &req, e), -1);
	ck_assert_str_eq(sbuf_str(e), bad[_i].err);
	sbuf_free(e);
}
END_TEST

/*
 * Line ends: Postfix sends LF; a CRLF client must get the same request from
 * both passes (limits, then split). Each input is followed by the start of
 * a next request, which must be left alone; used is the bytes of the first.
 */
static const struct {
	const char *what, *in;
	size_t max_line;
	long used; /* -1: malformed, 0: more input needed */
	size_t n;
	const char *attrs[4][2];
	const char *err;
} line_ends[] = {
    {"LF", "request=smtpd_access_policy\nsender=a@b.example\nempty=\n\nrequest=", 2048, 55, 3,
     {{"request", "smtpd_access_policy"}, {"sender", "a@b.example"}, {"empty", ""}}},
    {"CRLF parses as LF", "request=smtpd_access_policy\r\nsender=a@b.example\r\nempty=\r\n\r\nrequest=", 2048,
     59, 3, {{"request", "smtpd_access_policy"}, {"sender", "a@b.example"}, {"empty", ""}}},
    {"LF lines, CRLF empty line", "a=1\nb=2\n\r\nc=", 2048, 10, 2, {{"a", "1"}, {"b", "2"}}},
    {"CRLF lines, LF empty line", "a=1\r\nb=2\r\n\nc=", 2048, 11, 2, {{"a", "1"}, {"b", "2"}}},
    {"\"\\r\\n\" alone is an empty request", "\r\na=1\n", 2048, 2, 0, {{NULL, NULL}}},
    {"\"\\r\\n\" ends the request; the rest waits", "a=1\r\n\r\nb=2\r\n", 2048, 7, 1, {{"a", "1"}}},
    {"a bare CR inside a value is data", "sender=a\rb\n\n", 2048, 12, 1, {{"sender", "a\rb"}}},
    {"CRLF: a bare CR inside a value is data", "sender=a\rb\r\n\r\n", 2048, 14, 1, {{"sender", "a\rb"}}},
    {"only one trailing CR is the line end's", "a=1\r\r\n\r\n", 2048, 8, 1, {{"a", "1\r"}}},
    {"a CR before the empty line's CR LF", "a=1\n\r\r\n\n", 2048, -1, 0, {{NULL, NULL}},
     "malformed attribute line \"\r\": expected name=value"},
    /* the limit counts the content, not CR LF: 16 bytes fit a 16-byte limit either way */
    {"max_line: 16 bytes + LF", "sender=123456789\n\n", 16, 18, 1, {{"sender", "123456789"}}},
    {"max_line: 16 bytes + CRLF", "sender=123456789\r\n\r\n", 16, 20, 1, {{"sender", "123456789"}}},
    {"max_line: 16 bytes + CR, LF still to come", "sender=123456789\r", 16, 0, 0, {{NULL, NULL}}},
    {"max_line: 17 bytes + CRLF", "sender=1234567890\r\n\r\n", 16, -1, 0, {{NULL, NULL}},
     "line longer than 16 bytes"},
    {"max_line: 16 bytes + CR + more, LF still to come", "sender=123456789\rx", 16, -1, 0, {{NULL, NULL}},
     "line longer than 16 bytes"},
};

START_TEST(policy_line_ends)
{
	char buf[256];
	size_t len = strlen(line_ends[_i].in);
	SBUF *e = sbuf_new(64);
	long used;

	memcpy(buf, line_ends[_i].in, len);
	used = policy_parse(buf, len, line_ends[_i].max_line, 64, &req, e);
	ck_assert_msg(used == line_ends[_i].used, "%s: used %ld (%s)", line_ends[_i].what, used, sbuf_str(e));
	if (used < 0)
		ck_assert_str_eq(sbuf_str(e), line_ends[_i].err);
	if (used <= 0)
		goto out;
	ck_assert_uint_eq(sbuf_len(e), 0);
	ck_assert_msg(req.n == line_ends[_i].n, "%s: %zu attributes", line_ends[_i].what, req.n);
	for (size_t k = 0; k < req.n; k++) {
		ck_assert_str_eq(req.name[k], line_ends[_i].attrs[k][0]);
		ck_assert_str_eq(req.value[k], line_ends[_i].attrs[k][1]);
	}
	/* what follows the request is untouched */
	ck_assert(memcmp(buf + used, line_ends[_i].in + used, len - (size_t)used) == 0);
out:
	sbuf_free(e);
}
END_TEST

START_TEST(policy_crlf_truncated_needs_more)
{
	const char *whole = "request=smtpd_access_policy\r\nsender=a@b.example\r\n\r\n";
	SBUF *e = sbuf_new(64);

	for (size_t n = 0; n < strlen(whole); n++) {
		char buf[128];
		memcpy(buf, whole, n);
		ck_assert_msg(policy_parse(buf, n, 2048, 64, &req, e) == 0, "prefix of %zu bytes", n);
	}
	ck_assert_uint_eq(e->len, 0);
	sbuf_free(e);
}
END_TEST

/* The input buffer tenant-policyd sizes with POLICY_REQUEST_MAX holds the largest CRLF request. */
START_TEST(policy_largest_request)
{
	char buf[8 * 18 + 2];
	SBUF *e = sbuf_new(64);
	size_t len = 0;

	ck_assert_uint_eq(POLICY_REQUEST_MAX(16, 8), 146);
	for (int i = 0; i < 8; i++) {
		memcpy(buf + len, "attr_0=123456789\r\n", 18); /* 16 bytes of content */
		buf[len + 5] = (char)('0' + i);
		len += 18;
	}
	memcpy(buf + len, "\r\n", 2);
	len += 2;
	ck_assert_uint_eq(len, sizeof(buf));
	ck_assert_int_eq(policy_parse(buf, len, 16, 8, &req, e), 146);
	ck_assert_uint_eq(req.n, 8);
	ck_assert_str_eq(req.name[7], "attr_7");
	ck_assert_str_eq(req.value[7], "123456789");
	sbuf_free(e);
}
END_TEST

START_TEST(policy_nul_and_encoder)
{
	char buf[] = "sender=a\0b\n\n";
	SBUF *e = sbuf_new(64), *out = sbuf_new(64);

	ck_assert_int_eq(policy_parse(buf, sizeof(buf) - 1, 2048, 64, &req, e), -1);
	ck_assert_str_eq(sbuf_str(e), "NUL byte in request");
	policy_reply(out, "451 4.3.0 two\nlines");
	ck_assert_str_eq(sbuf_str(out), "action=451 4.3.0 two lines\n\n");
	sbuf_free(e);
	sbuf_free(out);
}
END_TEST

START_TEST(netstrings)
{
	const char *d;
	size_t n;
	SBUF *e = sbuf_new(64), *out = sbuf_new(64);

	ck_assert_int_eq(netstring_parse("12:sender a@b.c,rest", 20, 4096, &d, &n, e), 16);
	ck_assert_uint_eq(n, 12);
	ck_assert(memcmp(d, "sender a@b.c", 12) == 0);
	ck_assert_int_eq(netstring_parse("0:,", 3, 4096, &d, &n, e), 3);
	ck_assert_uint_eq(n, 0);
	/* truncated anywhere: more input needed */
	for (size_t k = 0; k < 16; k++)
		ck_assert_int_eq(netstring_parse("12:sender a@b.c,", k, 4096, &d, &n, e), 0);
	ck_assert_int_eq(netstring_parse("5:abcde;", 8, 4096, &d, &n, e), -1);
	ck_assert_str_eq(sbuf_str(e), "malformed netstring: data not followed by ','");
	sbuf_reset(e);
	ck_assert_int_eq(netstring_parse("x:abc,", 6, 4096, &d, &n, e), -1);
	ck_assert_str_eq(sbuf_str(e), "malformed netstring: expected LENGTH:DATA,");
	sbuf_reset(e);
	ck_assert_int_eq(netstring_parse("99999:", 6, 4096, &d, &n, e), -1);
	ck_assert_str_eq(sbuf_str(e), "netstring longer than 4096 bytes");
	sbuf_reset(e);
	ck_assert_int_eq(netstring_parse("012:", 4, 4096, &d, &n, e), -1);
	netstring_put(out, "OK out-a:", 9);
	ck_assert_str_eq(sbuf_str(out), "9:OK out-a:,");
	sbuf_free(e);
	sbuf_free(out);
}
END_TEST

static EGRESS *
three(int b_up)
{
	EGRESS *e = egress_new();
	TRANSPORT t = {.ip = "127.0.0.2", .helo = "x.test", .up = 1};
	char *names[] = {"out-a", "out-b", "out-c"};
	long w[] = {1, 2, 7};
	SBUF *warn = sbuf_new(64);

	for (int i = 0; i < 3; i++) {
		t.name = names[i];
		t.up = i == 1 ? b_up : 1;
		egress_add_transport(e, &t);
	}
	egress_add_pool(e, "p", names, w, 3, warn);
	ck_assert_uint_eq(warn->len, 0);
	sbuf_free(warn);
	return e;
}

START_TEST(weighted_and_sticky)
{
	EGRESS *e = three(1), *down = three(0);
	int count[3] = {0}, moved_to[3] = {0}, stayed_wrongly = 0;
	char key[32];

	for (int i = 0; i < 100000; i++) {
		const TRANSPORT *t, *t2;
		snprintf(key, sizeof(key), "%08X.%d", i * 2654435761u, i);
		t = egress_pick(e, 0, key);
		ck_assert_ptr_eq(egress_pick(e, 0, key), t); /* sticky: same instance, same transport */
		count[t->name[4] - 'a']++;
		t2 = egress_pick(down, 0, key);
		ck_assert_str_ne(t2->name, "out-b");
		if (strcmp(t->name, "out-b") == 0)
			moved_to[t2->name[4] - 'a']++;
		else if (strcmp(t->name, t2->name) != 0)
			stayed_wrongly++; /* only out-b's share may move */
	}
	/* weights 1:2:7 -> 10%, 20%, 70%, within 1 point over 100,000 draws */
	ck_assert_msg(count[0] > 9000 && count[0] < 11000, "out-a %d", count[0]);
	ck_assert_msg(count[1] > 19000 && count[1] < 21000, "out-b %d", count[1]);
	ck_assert_msg(count[2] > 69000 && count[2] < 71000, "out-c %d", count[2]);
	ck_assert_int_eq(stayed_wrongly, 0);
	/*
	 * out-b's ~20,000 keys are spread over the survivors by their weights 1:7,
	 * 2,500 and 17,500 (a standard deviation is about 47 keys)
	 */
	ck_assert_int_eq(moved_to[1], 0);
	ck_assert_msg(moved_to[0] > 2200 && moved_to[0] < 2800, "out-b -> out-a %d", moved_to[0]);
	ck_assert_msg(moved_to[2] > 17200 && moved_to[2] < 17800, "out-b -> out-c %d", moved_to[2]);
	egress_free(e);
	egress_free(down);
}
END_TEST

START_TEST(all_down_and_names)
{
	EGRESS *e = egress_new();
	TRANSPORT t = {.name = "out-a", .ip = "127.0.0.2", .helo = "x.test", .up = 0};
	char *names[] = {"out-a", "ghost"};
	long w[] = {1, 1};
	SBUF *warn = sbuf_new(64), *why = sbuf_new(64), *n = sbuf_new(16);
	long weight;

	egress_add_transport(e, &t);
	egress_add_pool(e, "p", names, w, 2, warn);
	ck_assert_str_eq(sbuf_str(warn), "pool p: ignoring unknown transport ghost\n");
	ck_assert_ptr_null(egress_pick(e, 0, "k"));
	ck_assert_ptr_null(egress_pick(e, 5, "k"));
	ck_assert(!transport_name_valid("relay", why));
	ck_assert_str_eq(sbuf_str(why), "transport name \"relay\" is a Postfix service already; choose another, such as smtp-relay");
	ck_assert(!transport_name_valid("Out_A", why));
	ck_assert(transport_name_valid("out-eu-1", why));
	ck_assert_int_eq(pool_member_parse("out-a:7", n, &weight, why), 0);
	ck_assert_str_eq(sbuf_str(n), "out-a");
	ck_assert_int_eq(weight, 7);
	ck_assert_int_eq(pool_member_parse("out-a:0", n, &weight, why), -1);
	egress_free(e);
	sbuf_free(warn);
	sbuf_free(why);
	sbuf_free(n);
}
END_TEST

START_TEST(route_decisions)
{
	TSNAP *s = tsnap_new(1);
	SBUF *e = sbuf_new(64), *a = sbuf_new(64);
	EGRESS *eg = egress_new();
	TRANSPORT t = {.ip = "127.0.0.2", .helo = "x.test", .up = 1};
	char *tx[] = {"out-tx"}, *bulk[] = {"out-bulk"};
	long w[] = {1};
	IPADDR ip;
	ROUTE r;
	int acme, beta, gamma;

	t.name = "out-tx";
	egress_add_transport(eg, &t);
	t.name = "out-bulk";
	t.up = 0;
	egress_add_transport(eg, &t);
	egress_add_pool(eg, "tx", tx, w, 1, e);
	egress_add_pool(eg, "bulk", bulk, w, 1, e);
	tsnap_set_egress(s, eg);
	acme = tsnap_add_tenant(s, "acme", TS_ACTIVE, NULL);
	beta = tsnap_add_tenant(s, "beta", TS_ACTIVE, NULL);
	tsnap_add_domain(s, acme, "acme.example", e);
	tsnap_add_domain_stream(s, acme, "news.acme.example", STREAM_BULK, e);
	tsnap_add_network(s, beta, "192.0.2.0/24", e);
	tsnap_set_pool(s, acme, STREAM_TRANSACTIONAL, 0);
	tsnap_set_pool(s, acme, STREAM_BULK, 1);
	gamma = tsnap_add_tenant(s, "gamma", TS_ACTIVE, NULL);
	tsnap_add_network(s, gamma, "198.51.100.0/24", e);
	tsnap_set_pool(s, gamma, STREAM_ANY, 0);
	tsnap_finish(s, e);

	route_decide(s, NULL, NULL, "<a@Acme.Example>", "inst1", &r);
	ck_assert_int_eq(r.verdict, ROUTE_TRANSPORT);
	ck_assert_int_eq(r.stream, STREAM_TRANSACTIONAL);
	route_policy_action(&r, a);
	/* the sender's domain is acme's: the socketmap routes it, per recipient, with Postfix's next hop */
	ck_assert_str_eq(sbuf_str(a), "DUNNO");
	sbuf_reset(a);
	route_socketmap_reply(&r, a);
	ck_assert_str_eq(sbuf_str(a), "OK out-tx:");
	/* a null sender from gamma's network: only the policy service knows the tenant */
	ipaddr_parse("198.51.100.9", &ip);
	route_decide(s, NULL, &ip, "<>", "inst5", &r);
	ck_assert_int_eq(r.verdict, ROUTE_TRANSPORT);
	sbuf_reset(a);
	route_policy_action(&r, a);
	ck_assert_str_eq(sbuf_str(a), "FILTER out-tx:");
	/* a VERP sender names its tenant and stream through its token: route_pick */
	route_pick(s, tsnap_find(s, "acme"), STREAM_BULK, "bounce+tok@rp.example", &r);
	ck_assert_int_eq(r.verdict, ROUTE_ALL_DOWN);
	ck_assert_str_eq(r.pool->name, "bulk");
	route_pick(s, tsnap_find(s, "acme"), STREAM_TRANSACTIONAL, "bounce+tok@rp.example", &r);
	ck_assert_str_eq(r.transport->name, "out-tx");
	sbuf_reset(a);
	/* a subdomain with its own stream, whose pool is all down */
	route_decide(s, NULL, NULL, "n@x.news.acme.example", "inst2", &r);
	ck_assert_int_eq(r.stream, STREAM_BULK);
	ck_assert_int_eq(r.verdict, ROUTE_ALL_DOWN);
	sbuf_reset(a);
	route_policy_action(&r, a);
	ck_assert_str_eq(sbuf_str(a), "451 4.3.0 tenant acme: every transport of pool bulk is down, try again later");
	sbuf_reset(a);
	route_socketmap_reply(&r, a);
	ck_assert_str_eq(sbuf_str(a), "TEMP tenant acme: every transport of pool bulk is down");
	/* beta has no pool: normal routing */
	ipaddr_parse("192.0.2.7", &ip);
	route_decide(s, NULL, &ip, "x@elsewhere.example", "inst3", &r);
	ck_assert_str_eq(r.res.tenant->name, "beta");
	ck_assert_int_eq(r.verdict, ROUTE_NONE);
	sbuf_reset(a);
	route_policy_action(&r, a);
	ck_assert_str_eq(sbuf_str(a), "DUNNO");
	/* nobody's */
	route_decide(s, NULL, NULL, "x@nobody.example", "inst4", &r);
	ck_assert_ptr_null(r.res.tenant);
	sbuf_reset(a);
	route_socketmap_reply(&r, a);
	ck_assert_str_eq(sbuf_str(a), "NOTFOUND ");
	tsnap_unref(s);
	sbuf_free(e);
	sbuf_free(a);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, policy_request_complete);
	tcase_add_test(tc, policy_truncated_needs_more);
	tcase_add_loop_test(tc, policy_malformed, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, policy_line_ends, 0, sizeof(line_ends) / sizeof(line_ends[0]));
	tcase_add_test(tc, policy_crlf_truncated_needs_more);
	tcase_add_test(tc, policy_largest_request);
	tcase_add_test(tc, policy_nul_and_encoder);
	tcase_add_test(tc, netstrings);
	tcase_add_test(tc, weighted_and_sticky);
	tcase_add_test(tc, all_down_and_names);
	tcase_add_test(tc, route_decisions);
}
