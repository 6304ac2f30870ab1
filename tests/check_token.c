/*
 * check_token - sealed tokens: round trip, unreadable recipient, size, and
 * every way to fail: tamper, truncation, wrong key, retired key, expiry,
 * version mismatch, garbage; the keyring file format and its mode check.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_token.h"
#include "tm_unsub.h"
#define SUITE_NAME "token"
#include "check_main.h"

static KEYRING *ring;
static const TOKEN_DATA sample = {.day = 20415, .tenant = "acme", .recipient = "john.doe@example.com", .list = "nov-news"};

static void
setup(void)
{
	ring = keyring_new();
	ck_assert_int_eq(keyring_add(ring, 1795000000), 1);
}

static void
teardown(void)
{
	ring = keyring_free(ring);
}

static char *
seal(const KEYRING *k, const TOKEN_DATA *d)
{
	SBUF *t = sbuf_new(128), *e = sbuf_new(64);
	char *s;

	ck_assert_msg(token_seal(k, d, t, e) == 0, "%s", sbuf_str(e));
	s = sbuf_steal(t);
	sbuf_free(e);
	return s;
}

static int
open_err(const KEYRING *k, const char *tok, long today, char *why, size_t n)
{
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;
	int rc = token_open(k, tok, today, 365, &d, e);

	snprintf(why, n, "%s", sbuf_str(e));
	sbuf_free(e);
	return rc;
}

START_TEST(round_trip)
{
	char *tok = seal(ring, &sample), *tok2 = seal(ring, &sample);
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;

	ck_assert_int_eq(token_open(ring, tok, sample.day + 10, 365, &d, e), 0);
	ck_assert_str_eq(d.tenant, "acme");
	ck_assert_str_eq(d.recipient, "john.doe@example.com");
	ck_assert_str_eq(d.list, "nov-news");
	ck_assert_int_eq(d.day, sample.day);
	ck_assert_str_ne(tok, tok2); /* a fresh nonce each time */
	ck_assert_ptr_null(strstr(tok, "john")); /* the recipient is not readable */
	ck_assert_uint_lt(strlen(tok), 120);	   /* comfortable in a URL */
	ck_assert_uint_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(tok));
	free(tok);
	free(tok2);
	sbuf_free(e);
}
END_TEST

START_TEST(failures)
{
	char *tok = seal(ring, &sample), *t2 = strdup(tok), why[128];
	KEYRING *other = keyring_new();

	t2[20] = t2[20] == 'A' ? 'B' : 'A'; /* one character changed */
	ck_assert_int_eq(open_err(ring, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token failed authentication");
	strcpy(t2, tok);
	t2[strlen(t2) - 3] = 0; /* truncated */
	ck_assert_int_eq(open_err(ring, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token failed authentication");
	ck_assert_int_eq(open_err(ring, "abc", sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, "not/base64url+at=all!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, tok, sample.day + 366, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token expired");
	keyring_add(other, 1);
	ck_assert_int_eq(open_err(other, tok, sample.day, why, sizeof(why)), -1); /* same id, other key */
	ck_assert_str_eq(why, "token failed authentication");
	strcpy(t2, tok);
	t2[0] = 'B'; /* version byte 0x04.. */
	ck_assert_int_eq(open_err(ring, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "token version") != NULL, "%s", why);
	keyring_free(other);
	free(tok);
	free(t2);
}
END_TEST

START_TEST(rotation_and_retirement)
{
	char *old = seal(ring, &sample), *neu, why[128];
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;

	ck_assert_int_eq(keyring_retire(ring, 1), -1); /* the only live key stays */
	ck_assert_int_eq(keyring_add(ring, 1796000000), 2);
	neu = seal(ring, &sample);
	ck_assert_int_eq(token_open(ring, old, sample.day, 365, &d, e), 0); /* old keys still open */
	ck_assert_int_eq(token_open(ring, neu, sample.day, 365, &d, e), 0);
	ck_assert_int_eq(keyring_retire(ring, 1), 0);
	ck_assert_int_eq(open_err(ring, old, sample.day, why, sizeof(why)), -1); /* replayed after retirement */
	ck_assert_str_eq(why, "token key 1 is retired");
	ck_assert_int_eq(token_open(ring, neu, sample.day, 365, &d, e), 0);
	free(old);
	free(neu);
	sbuf_free(e);
}
END_TEST

START_TEST(keyring_file)
{
	SBUF *text = sbuf_new(256), *e = sbuf_new(64);
	KEYRING *k2;
	char path[] = "/tmp/check_token.XXXXXX", *tok;
	int fd;
	TOKEN_DATA d;

	keyring_add(ring, 1796000000);
	keyring_retire(ring, 1);
	keyring_format(ring, text);
	ck_assert_ptr_nonnull(strstr(sbuf_str(text), " retired\n"));
	k2 = keyring_parse("keys", sbuf_str(text), e);
	ck_assert_msg(k2 != NULL, "%s", sbuf_str(e));
	tok = seal(ring, &sample);
	ck_assert_int_eq(token_open(k2, tok, sample.day, 365, &d, e), 0); /* the file opens what the ring sealed */
	ck_assert_ptr_null(keyring_parse("keys", "1 abc 0\n0 00 0\n", e));
	ck_assert_str_eq(sbuf_str(e), "keys:1: the key must be 64 hexadecimal digits\n"
				      "keys:2: expected \"ID KEY CREATED [retired]\" with ID from 1 to 255\n");
	fd = mkstemp(path);
	ck_assert(write(fd, text->s, text->len) == (ssize_t)text->len);
	close(fd);
	chmod(path, 0644);
	sbuf_reset(e);
	ck_assert_ptr_null(keyring_load(path, e));
	ck_assert_msg(strstr(sbuf_str(e), "keys must be mode 0600") != NULL, "%s", sbuf_str(e));
	chmod(path, 0600);
	keyring_free(k2);
	sbuf_reset(e);
	k2 = keyring_load(path, e);
	ck_assert_msg(k2 != NULL, "%s", sbuf_str(e));
	unlink(path);
	keyring_free(k2);
	free(tok);
	sbuf_free(text);
	sbuf_free(e);
}
END_TEST

START_TEST(unsubscribe_headers)
{
	SBUF *v = sbuf_new(64);

	unsub_header("unsub.example", "unsub.example", "TOK", v);
	ck_assert_str_eq(sbuf_str(v), "<https://unsub.example/u/TOK>, <mailto:unsubscribe+TOK@unsub.example>");
	sbuf_reset(v);
	unsub_header("unsub.example", "", "TOK", v);
	ck_assert_str_eq(sbuf_str(v), "<https://unsub.example/u/TOK>");
	ck_assert(unsub_has_https("<mailto:x@y>, < https://a.example/u>"));
	ck_assert(!unsub_has_https("<mailto:x@y>, <http://a.example/u>"));
	/* keep: only a complete pair of the tenant's own */
	ck_assert(unsub_keep_existing(0, 1, 1, 1, 1));
	ck_assert(!unsub_keep_existing(0, 1, 0, 1, 1)); /* mailto only */
	ck_assert(!unsub_keep_existing(0, 1, 1, 0, 0)); /* no Post header */
	ck_assert(!unsub_keep_existing(0, 2, 1, 1, 1)); /* two of them */
	ck_assert(!unsub_keep_existing(1, 1, 1, 1, 1)); /* replace */
	sbuf_free(v);
}
END_TEST

START_TEST(masked_addresses)
{
	static const char *const cases[][2] = {
	    {"frank@example.net", "f***k@example.net"}, {"ab@x.example", "a***@x.example"},
	    {"a@x.example", "a***@x.example"},		{"@x.example", "***@x.example"},
	    {"noat", "n***t"},
	};
	SBUF *m = sbuf_new(64);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sbuf_reset(m);
		unsub_mask(cases[i][0], m);
		ck_assert_str_eq(sbuf_str(m), cases[i][1]);
	}
	sbuf_free(m);
}
END_TEST

START_TEST(address_forms)
{
	SBUF *t = sbuf_new(64);

	ck_assert_int_eq(token_from_address("bounce+AbC-_9@rp.example", "bounce", "rp.example", t), 1);
	ck_assert_str_eq(sbuf_str(t), "AbC-_9");
	ck_assert_int_eq(token_from_address("<Bounce+x1@RP.example>", "bounce", "rp.example", t), 1);
	ck_assert_str_eq(sbuf_str(t), "x1");
	ck_assert_int_eq(token_from_address("unsubscribe+T@u.example", "unsubscribe", "u.example", t), 1);
	ck_assert_int_eq(token_from_address("bounce+@rp.example", "bounce", "rp.example", t), 0);	   /* empty */
	ck_assert_int_eq(token_from_address("bounce@rp.example", "bounce", "rp.example", t), 0);	   /* no token */
	ck_assert_int_eq(token_from_address("bouncer+x@rp.example", "bounce", "rp.example", t), 0);	   /* other prefix */
	ck_assert_int_eq(token_from_address("bounce+x@rp.example.evil", "bounce", "rp.example", t), 0); /* domain */
	ck_assert_int_eq(token_from_address("bounce+x@sub.rp.example", "bounce", "rp.example", t), 0);
	ck_assert_int_eq(token_from_address("bounce+x.y@rp.example", "bounce", "rp.example", t), 0);	   /* not base64url */
	ck_assert_int_eq(token_from_address("bounce+x", "bounce", "rp.example", t), 0);
	ck_assert_int_eq(token_from_address("", "bounce", "rp.example", t), 0);
	ck_assert_int_eq(token_from_address("bounce+x@rp.example", "bounce", "", t), 0); /* VERP off */
	sbuf_free(t);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, failures);
	tcase_add_test(tc, rotation_and_retirement);
	tcase_add_test(tc, keyring_file);
	tcase_add_test(tc, unsubscribe_headers);
	tcase_add_test(tc, address_forms);
	tcase_add_test(tc, masked_addresses);
}
