/*
 * check_token - sealed tokens: round trip for each purpose, unreadable
 * recipient, size; a token of one purpose never opens as the other, and
 * neither does a tampered purpose byte; literal version-1 and version-2
 * tokens from a fixed key (made outside this code, see below) open with
 * the right fields and legacy flag; fields are never cut, only refused;
 * every way to fail: tamper, truncation, wrong key, retired key, expiry,
 * version mismatch, garbage; the keyring file format and its mode check;
 * and the rules that decide whether a bounce is forwarded.
 *
 * The literal tokens were made with Python's cryptography package, key
 * 00 01 .. 1f (id 1), nonce a0 a1 .. ab, day 20415:
 *
 *	k2 = HKDF(SHA256(), 32, salt=b"tenant-milter token v2",
 *		  info=b"unsubscribe" or b"verp").derive(key)
 *	v1: h = bytes([1, 1]); p = day(>I) + (len byte + bytes) * 3
 *	    h + nonce + AESGCM(key).encrypt(nonce, p, h)
 *	v2: h = bytes([2, purpose, 1]); p = day(>I) + (len >H + bytes) * 4
 *	    h + nonce + AESGCM(k2).encrypt(nonce, p, h)
 *
 * then base64url without padding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_dsn.h"
#include "tm_feedback.h"
#include "tm_tenant.h"
#include "tm_token.h"
#include "tm_unsub.h"
#define SUITE_NAME "token"
#include "check_main.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static KEYRING *ring;
static const TOKEN_DATA sample = {.day = 20415, .tenant = "acme", .recipient = "john.doe@example.com", .list = "nov-news"};
static const TOKEN_DATA sample_verp = {.day = 20415,
                                       .tenant = "acme",
                                       .recipient = "john.doe@example.com",
                                       .return_path = "news@acme.example"};
static const char fixed_ring[] =
    "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1795000000\n";

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

static KEYRING *
fixed_keyring(void)
{
	SBUF *e = sbuf_new(64);
	KEYRING *k = keyring_parse("fixed", fixed_ring, e);

	ck_assert_msg(k != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	return k;
}

static char *
seal(const KEYRING *k, int purpose, const TOKEN_DATA *d)
{
	SBUF *t = sbuf_new(128), *e = sbuf_new(64);
	char *s;

	ck_assert_msg(token_seal(k, purpose, d, t, e) == 0, "%s", sbuf_str(e));
	s = sbuf_steal(t);
	sbuf_free(e);
	return s;
}

static int
open_err(const KEYRING *k, int purpose, const char *tok, long today, char *why, size_t n)
{
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;
	int rc = token_open(k, purpose, tok, today, 365, &d, e);

	snprintf(why, n, "%s", sbuf_str(e));
	sbuf_free(e);
	return rc;
}

/*
 * b64url_decode - base64url without padding, decoded here and not by the code
 * under test; the decoded length, or -1 on a character outside the alphabet
 */
static long
b64url_decode(const char *s, unsigned char *out, size_t max)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned long acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s; s++) {
		const char *p = strchr(alpha, *s);
		if (p == NULL)
			return -1;
		acc = (acc << 6) | (unsigned long)(p - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}

/* mem_has - NEEDLE anywhere in N bytes */
static int
mem_has(const unsigned char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

static const struct rt_case {
	int purpose;
	const TOKEN_DATA *in;
	const char *list, *return_path;
	long raw_len; /* 3 header + 12 nonce + payload + 16 tag */
} round_trip_cases[] = {
    /* payload: day 4, then (2-byte length + bytes) for acme, john.doe@example.com, nov-news, "" */
    {TOKEN_UNSUBSCRIBE, &sample, "nov-news", "", 3 + 12 + 44 + 16},
    /* ... acme, john.doe@example.com, "", news@acme.example */
    {TOKEN_VERP, &sample_verp, "", "news@acme.example", 3 + 12 + 53 + 16},
};

START_TEST(round_trip)
{
	const struct rt_case *c = &round_trip_cases[_i];
	const int purpose = c->purpose;
	char *tok = seal(ring, purpose, c->in), *tok2 = seal(ring, purpose, c->in);
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;
	unsigned char raw[256];
	long raw_len;

	/* the recipient is not readable: not in the decoded bytes, nor any other field */
	raw_len = b64url_decode(tok, raw, sizeof(raw));
	ck_assert_int_eq(raw_len, c->raw_len);
	ck_assert_int_eq(raw[0], 2);
	ck_assert_int_eq(raw[1], purpose);
	ck_assert_int_eq(raw[2], 1);
	ck_assert(!mem_has(raw, (size_t)raw_len, "john"));
	ck_assert(!mem_has(raw, (size_t)raw_len, "example.com"));
	ck_assert(!mem_has(raw, (size_t)raw_len, "acme"));
	ck_assert(!mem_has(raw, (size_t)raw_len, purpose == TOKEN_UNSUBSCRIBE ? "nov-news" : "news@"));
	ck_assert_int_eq(token_open(ring, purpose, tok, sample.day + 10, 365, &d, e), 0);
	ck_assert_str_eq(d.tenant, "acme");
	ck_assert_str_eq(d.recipient, "john.doe@example.com");
	ck_assert_str_eq(d.list, c->list);
	ck_assert_str_eq(d.return_path, c->return_path);
	ck_assert_int_eq(d.day, 20415);
	ck_assert_int_eq(d.legacy, 0);
	ck_assert_str_ne(tok, tok2); /* a fresh nonce each time */
	ck_assert_uint_lt(strlen(tok), 120);	   /* comfortable in a URL */
	ck_assert_uint_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(tok));
	/* the clear header: version 2, the purpose, key 1 */
	ck_assert_int_eq(strncmp(tok, purpose == TOKEN_UNSUBSCRIBE ? "AgEB" : "AgIB", 4), 0);
	free(tok);
	free(tok2);
	sbuf_free(e);
}
END_TEST

/* a token opens only as what it was sealed for, and its purpose byte cannot be changed */
static const struct purpose_case {
	int sealed, opened;
	const char *swap; /* replace the first 4 characters (the header) with this, or NULL */
	int rc;
	const char *why;
} purposes_cases[] = {
    {TOKEN_UNSUBSCRIBE, TOKEN_UNSUBSCRIBE, NULL, 0, ""},
    {TOKEN_VERP, TOKEN_VERP, NULL, 0, ""},
    {TOKEN_UNSUBSCRIBE, TOKEN_VERP, NULL, -1, "an unsubscribe token is no VERP token"},
    {TOKEN_VERP, TOKEN_UNSUBSCRIBE, NULL, -1, "a VERP token is no unsubscribe token"},
    /* the purpose byte changed to match the opener: the AAD and the key both differ */
    {TOKEN_UNSUBSCRIBE, TOKEN_VERP, "AgIB", -1, "token failed authentication"},
    {TOKEN_VERP, TOKEN_UNSUBSCRIBE, "AgEB", -1, "token failed authentication"},
    {TOKEN_UNSUBSCRIBE, TOKEN_UNSUBSCRIBE, "AgMB", -1, "token purpose 3 is unknown"},
    {TOKEN_UNSUBSCRIBE, TOKEN_UNSUBSCRIBE, "AgAB", -1, "token purpose 0 is unknown"},
    {TOKEN_UNSUBSCRIBE, 0, NULL, -1, "token purpose 0 is unknown"},
    {TOKEN_VERP, 3, NULL, -1, "token purpose 3 is unknown"},
};

START_TEST(purposes)
{
	const struct purpose_case *c = &purposes_cases[_i];
	char *tok = seal(ring, c->sealed, c->sealed == TOKEN_VERP ? &sample_verp : &sample),
	     why[128];

	if (c->swap)
		memcpy(tok, c->swap, 4);
	ck_assert_int_eq(open_err(ring, c->opened, tok, sample.day, why, sizeof(why)), c->rc);
	ck_assert_str_eq(why, c->why);
	free(tok);
}
END_TEST

static const struct refusal_case {
	int purpose;
	const char *tenant, *list, *return_path;
	const char *why;
} seal_refusals_cases[] = {
    {0, "acme", "", "", "token purpose 0 is unknown"},
    {TOKEN_UNSUBSCRIBE, "acme", "", "news@acme.example",
     "an unsubscribe token carries no return path"},
    {TOKEN_VERP, "acme", "nov-news", "", "a VERP token carries no list id"},
};

START_TEST(seal_refusals)
{
	const struct refusal_case *c = &seal_refusals_cases[_i];
	SBUF *t = sbuf_new(64), *e = sbuf_new(64);
	TOKEN_DATA d = sample;

	d.tenant = c->tenant;
	d.list = c->list;
	d.return_path = c->return_path;
	ck_assert_int_eq(token_seal(ring, c->purpose, &d, t, e), -1);
	ck_assert_str_eq(sbuf_str(e), c->why);
	ck_assert_uint_eq(t->len, 0);
	sbuf_free(t);
	sbuf_free(e);
}
END_TEST

/* fields are sealed whole up to their limits and refused beyond, never cut */
static const struct limit_case {
	int purpose;
	int field; /* 0 tenant, 1 recipient, 2 list, 3 return path */
	size_t len;
	const char *why; /* NULL: it round-trips */
} field_limits_cases[] = {
    {TOKEN_UNSUBSCRIBE, 1, 300, NULL},
    {TOKEN_UNSUBSCRIBE, 1, 320, NULL},
    {TOKEN_UNSUBSCRIBE, 1, 384, NULL},
    {TOKEN_UNSUBSCRIBE, 1, 385, "the token recipient is 385 bytes, over the limit of 384"},
    {TOKEN_UNSUBSCRIBE, 1, 5000, "the token recipient is 5000 bytes, over the limit of 384"},
    {TOKEN_UNSUBSCRIBE, 0, 63, NULL},
    {TOKEN_UNSUBSCRIBE, 0, 64, "the token tenant is 64 bytes, over the limit of 63"},
    {TOKEN_UNSUBSCRIBE, 2, 255, NULL},
    {TOKEN_UNSUBSCRIBE, 2, 256, "the token list id is 256 bytes, over the limit of 255"},
    {TOKEN_VERP, 1, 300, NULL},
    {TOKEN_VERP, 3, 384, NULL},
    {TOKEN_VERP, 3, 385, "the token return path is 385 bytes, over the limit of 384"},
};

START_TEST(field_limits)
{
	const struct limit_case *c = &field_limits_cases[_i];
	const int purpose = c->purpose;
	TOKEN_DATA d = purpose == TOKEN_VERP ? sample_verp : sample, o;
	const char **f[4] = {&d.tenant, &d.recipient, &d.list, &d.return_path};
	const char **g[4] = {&o.tenant, &o.recipient, &o.list, &o.return_path};
	char *s = malloc(c->len + 1);
	SBUF *t = sbuf_new(64), *e = sbuf_new(64);

	memset(s, 'a', c->len);
	if (c->field == 1 || c->field == 3)
		memcpy(s + c->len - 12, "@example.com", 12);
	s[c->len] = 0;
	*f[c->field] = s;
	if (c->why) {
		ck_assert_int_eq(token_seal(ring, purpose, &d, t, e), -1);
		ck_assert_str_eq(sbuf_str(e), c->why);
		ck_assert_uint_eq(t->len, 0);
	} else {
		ck_assert_msg(token_seal(ring, purpose, &d, t, e) == 0, "%s", sbuf_str(e));
		ck_assert_uint_le(t->len, TOKEN_TEXT_MAX);
		ck_assert_msg(token_open(ring, purpose, sbuf_str(t), sample.day, 365, &o, e) == 0,
		              "%s", sbuf_str(e));
		ck_assert_uint_eq(strlen(*g[c->field]), c->len);
		ck_assert_str_eq(*g[c->field], s);
	}
	free(s);
	sbuf_free(t);
	sbuf_free(e);
}
END_TEST

/* every field at its limit still makes a token that token_open and tenant-httpd read */
START_TEST(largest_token)
{
	char tenant[TOKEN_TENANT_MAX + 1], rcpt[TOKEN_ADDR_MAX + 1], list[TOKEN_LIST_MAX + 1];
	TOKEN_DATA d = {.day = 20415, .tenant = tenant, .recipient = rcpt, .list = list}, o;
	SBUF *t = sbuf_new(64), *e = sbuf_new(64);

	memset(tenant, 't', sizeof(tenant) - 1), tenant[sizeof(tenant) - 1] = 0;
	memset(rcpt, 'r', sizeof(rcpt) - 1), rcpt[sizeof(rcpt) - 1] = 0;
	memset(list, 'l', sizeof(list) - 1), list[sizeof(list) - 1] = 0;
	ck_assert_msg(token_seal(ring, TOKEN_UNSUBSCRIBE, &d, t, e) == 0, "%s", sbuf_str(e));
	ck_assert_uint_le(t->len, TOKEN_TEXT_MAX);
	ck_assert_msg(token_open(ring, TOKEN_UNSUBSCRIBE, sbuf_str(t), 20415, 365, &o, e) == 0,
	              "%s", sbuf_str(e));
	ck_assert_str_eq(o.tenant, tenant);
	ck_assert_str_eq(o.recipient, rcpt);
	ck_assert_str_eq(o.list, list);
	sbuf_free(t);
	sbuf_free(e);
}
END_TEST

/* tokens made outside this code, from the fixed key (see the top of the file) */
static const struct literal_case {
	const char *what, *tok;
	int purpose, rc;
	const char *why, *list, *return_path;
	int legacy;
} literal_tokens_cases[] = {
    {"v1 unsubscribe token, as an unsubscribe token",
     "AQGgoaKjpKWmp6ipqqvmGDOSQaph0gdx7bxvFO66H8kZderWLxzwawjlEMZ9b70AapHKVSBLoxeQ86pg3SyUxyPVYdV7",
     TOKEN_UNSUBSCRIBE, 0, "", "nov-news", "", 1},
    {"v1 tokens carry no purpose: also as a VERP token",
     "AQGgoaKjpKWmp6ipqqvmGDOSQaph0gdx7bxvFO66H8kZderWLxzwawjlEMZ9b70AapHKVSBLoxeQ86pg3SyUxyPVYdV7",
     TOKEN_VERP, 0, "", "nov-news", "", 1},
    {"v1 VERP token with a sender: the sender stays in list, never a return path",
     "AQGgoaKjpKWmp6ipqqvmGDOSQaph0gdx7bxvFO66H8kZderWLxzwawjlEMZkb7cBNL_"
     "OQT5Ycfl8qWQK75x6WMKAxN7jwilurq_UtpPY",
     TOKEN_VERP, 0, "", "news@acme.example", "", 1},
    {"v2 unsubscribe token",
     "AgEBoKGio6SlpqeoqaqrwrUom0n0EXxr92Udzc9Fe_6Mz-r_YOx_o_ozaPt9M_"
     "lpFTOlDmMXKX2ppvMgwQ9f9QIN1BYJff81IrXS",
     TOKEN_UNSUBSCRIBE, 0, "", "nov-news", "", 0},
    {"v2 VERP token",
     "AgIBoKGio6SlpqeoqaqrRxmbr4hf-Bbv5xcGv-wKiqXaibZSaqmD_X3hR7EFtrsZd0EGDK2esbGEL_Lmne78ZZbyod_"
     "1Xh5doHf3sKmRvJAHWps6",
     TOKEN_VERP, 0, "", "", "news@acme.example", 0},
    {"v2 unsubscribe token as VERP",
     "AgEBoKGio6SlpqeoqaqrwrUom0n0EXxr92Udzc9Fe_6Mz-r_YOx_o_ozaPt9M_"
     "lpFTOlDmMXKX2ppvMgwQ9f9QIN1BYJff81IrXS",
     TOKEN_VERP, -1, "an unsubscribe token is no VERP token", "", "", 0},
    /* the header and its AAD say VERP, but the unsubscribe key sealed it: only the key
       derivation tells them apart, so this fails if both purposes shared a key */
    {"VERP header, sealed with the unsubscribe key",
     "AgIBoKGio6SlpqeoqaqrwrUom0n0EXxr92Udzc9Fe_6Mz-r_YOx_o_ozaPt9M_"
     "lpHV3bFisOP0q7xZ4LY6u2H4w5vgMHiN4fTTH2g1ynb-lR-Ew2",
     TOKEN_VERP, -1, "token failed authentication", "", "", 0},
    {"unsubscribe header, sealed with the VERP key",
     "AgEBoKGio6SlpqeoqaqrRxmbr4hf-Bbv5xcGv-wKiqXaibZSaqmD_"
     "X3hR7EFtrsZfy94FOWHp4aWTJ9FHaIA88VFKzwwpKRsYFzC",
     TOKEN_UNSUBSCRIBE, -1, "token failed authentication", "", "", 0},
    {"v2 VERP token sealed with the keyring key itself, not a derived one",
     "AgIBoKGio6Slpqeoqaqr5hgzkkXPY9wPAIfHbRWosF7INnXS0joN8X5K41HIGmzSdkfuwUckTh_"
     "9Z6VsVOaBJnY2JAeGNJrzrOo3xOMHY85PxtVj",
     TOKEN_VERP, -1, "token failed authentication", "", "", 0},
};

START_TEST(literal_tokens)
{
	const struct literal_case *c = &literal_tokens_cases[_i];
	KEYRING *k = fixed_keyring();
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;
	int rc = token_open(k, c->purpose, c->tok, 20415 + 10, 365, &d, e);

	ck_assert_msg(rc == c->rc, "%s: %d (%s)", c->what, rc, sbuf_str(e));
	ck_assert_str_eq(sbuf_str(e), c->why);
	if (rc == 0) {
		ck_assert_int_eq(d.day, 20415);
		ck_assert_str_eq(d.tenant, "acme");
		ck_assert_str_eq(d.recipient, "john.doe@example.com");
		ck_assert_str_eq(d.list, c->list);
		ck_assert_str_eq(d.return_path, c->return_path);
		ck_assert_int_eq(d.legacy, c->legacy);
	} else {
		ck_assert_str_eq(d.tenant, ""); /* nothing half-opened */
		ck_assert_str_eq(d.return_path, "");
	}
	/* version 1 stays valid only for token_lifetime */
	if (c->legacy) {
		char why[64];
		ck_assert_int_eq(open_err(k, c->purpose, c->tok, 20415 + 366, why, sizeof(why)),
		                 -1);
		ck_assert_str_eq(why, "token expired");
	}
	keyring_free(k);
	sbuf_free(e);
}
END_TEST

START_TEST(failures)
{
	char *tok = seal(ring, TOKEN_UNSUBSCRIBE, &sample), *t2 = strdup(tok), why[128];
	KEYRING *other = keyring_new();

	t2[20] = t2[20] == 'A' ? 'B' : 'A'; /* one character changed */
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token failed authentication");
	strcpy(t2, tok);
	t2[strlen(t2) - 4] = 0; /* truncated by 3 bytes */
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token failed authentication");
	strcpy(t2, tok);
	t2[strlen(t2) - 3] = 0; /* a dangling character: 6 bits, no byte */
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "malformed token");
	{
		/* fuzz_token: 76 bytes end in a character with 4 unused bits, which must stay zero
		 */
		TOKEN_DATA d76 = sample;
		char *t76;
		size_t n;
		d76.list = "nov-news1";
		t76 = seal(ring, TOKEN_UNSUBSCRIBE, &d76);
		n = strlen(t76);
		ck_assert_uint_eq(n, 102);
		ck_assert_int_eq(
		    open_err(ring, TOKEN_UNSUBSCRIBE, t76, sample.day, why, sizeof(why)), 0);
		ck_assert_msg(strchr("AQgw", t76[n - 1]) != NULL, "last character %c", t76[n - 1]);
		t76[n - 1]++; /* the same 76 bytes, other unused bits */
		ck_assert_int_eq(
		    open_err(ring, TOKEN_UNSUBSCRIBE, t76, sample.day, why, sizeof(why)), -1);
		ck_assert_str_eq(why, "malformed token");
		free(t76);
	}
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, "abc", sample.day, why, sizeof(why)),
	                 -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, "", sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, "AgEB", sample.day, why, sizeof(why)),
	                 -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE,
	                          "not/base64url+at=all!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
	                          sample.day, why, sizeof(why)),
	                 -1);
	ck_assert_str_eq(why, "malformed token");
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, tok, sample.day + 366, why, sizeof(why)),
	                 -1);
	ck_assert_str_eq(why, "token expired");
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, tok, sample.day - 2, why, sizeof(why)),
	                 -1);
	ck_assert_str_eq(why, "token expired"); /* from the future */
	keyring_add(other, 1);
	ck_assert_int_eq(open_err(other, TOKEN_UNSUBSCRIBE, tok, sample.day, why, sizeof(why)),
	                 -1); /* same id, other key */
	ck_assert_str_eq(why, "token failed authentication");
	strcpy(t2, tok);
	t2[0] = 'B'; /* "Bg": version byte 000001 10 */
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token version 6 is not 2");
	strcpy(t2, tok);
	t2[3] = 'C'; /* key id 2 */
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "token key 2 is unknown");
	free(t2);
	t2 = malloc(TOKEN_TEXT_MAX + 2);
	memset(t2, 'A', TOKEN_TEXT_MAX + 1);
	t2[TOKEN_TEXT_MAX + 1] = 0;
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, t2, sample.day, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "malformed token"); /* overlong */
	keyring_free(other);
	free(tok);
	free(t2);
}
END_TEST

START_TEST(rotation_and_retirement)
{
	char *old = seal(ring, TOKEN_UNSUBSCRIBE, &sample), *neu, why[128];
	SBUF *e = sbuf_new(64);
	TOKEN_DATA d;

	ck_assert_int_eq(keyring_retire(ring, 1), -1); /* the only live key stays */
	ck_assert_int_eq(keyring_add(ring, 1796000000), 2);
	neu = seal(ring, TOKEN_UNSUBSCRIBE, &sample);
	ck_assert_int_eq(strncmp(neu, "AgEC", 4), 0); /* sealed with key 2 */
	ck_assert_int_eq(token_open(ring, TOKEN_UNSUBSCRIBE, old, sample.day, 365, &d, e),
	                 0); /* old keys still open */
	ck_assert_int_eq(token_open(ring, TOKEN_UNSUBSCRIBE, neu, sample.day, 365, &d, e), 0);
	ck_assert_int_eq(keyring_retire(ring, 1), 0);
	ck_assert_int_eq(open_err(ring, TOKEN_UNSUBSCRIBE, old, sample.day, why, sizeof(why)),
	                 -1); /* replayed after retirement */
	ck_assert_str_eq(why, "token key 1 is retired");
	ck_assert_int_eq(token_open(ring, TOKEN_UNSUBSCRIBE, neu, sample.day, 365, &d, e), 0);
	free(old);
	free(neu);
	sbuf_free(e);
}
END_TEST

START_TEST(keyring_file)
{
	SBUF *text = sbuf_new(256), *e = sbuf_new(64);
	KEYRING *k2;
	char path[] = "/tmp/check_token.XXXXXX", *tok, *vtok;
	int fd;
	TOKEN_DATA d;

	keyring_add(ring, 1796000000);
	keyring_retire(ring, 1);
	keyring_format(ring, text);
	ck_assert_ptr_nonnull(strstr(sbuf_str(text), " retired\n"));
	k2 = keyring_parse("keys", sbuf_str(text), e);
	ck_assert_msg(k2 != NULL, "%s", sbuf_str(e));
	tok = seal(ring, TOKEN_UNSUBSCRIBE, &sample);
	vtok = seal(ring, TOKEN_VERP, &sample_verp);
	/* the file opens what the ring sealed: the per-purpose keys come back from the file's key
	 */
	ck_assert_int_eq(token_open(k2, TOKEN_UNSUBSCRIBE, tok, sample.day, 365, &d, e), 0);
	ck_assert_int_eq(token_open(k2, TOKEN_VERP, vtok, sample.day, 365, &d, e), 0);
	ck_assert_str_eq(d.return_path, "news@acme.example");
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
	free(vtok);
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

/* token_id names one sealed token: the same token the same id, a second seal of the same data another;
   digest_id is SHA-256 */
START_TEST(token_ids)
{
	char *a = seal(ring, TOKEN_VERP, &sample_verp), *b = seal(ring, TOKEN_VERP, &sample_verp);
	char ia[TOKEN_ID_LEN], ia2[TOKEN_ID_LEN], ib[TOKEN_ID_LEN];

	ck_assert_int_eq(token_id(a, ia), 0);
	ck_assert_int_eq(token_id(a, ia2), 0);
	ck_assert_int_eq(token_id(b, ib), 0);
	ck_assert_uint_eq(strlen(ia), TOKEN_ID_LEN - 1);
	ck_assert_int_eq(ia[0], 'V');
	ck_assert_uint_eq(strspn(ia + 1, "0123456789abcdef"), TOKEN_ID_LEN - 2);
	ck_assert_str_eq(ia, ia2);
	ck_assert_str_ne(ia, ib); /* each seal's nonce is its own: one id per message */
	/* the SHA-256 of "abc" (FIPS 180-2), its first 12 bytes: the same digest names a report ("M") */
	ck_assert_int_eq(digest_id('M', "abc", 3, ia), 0);
	ck_assert_str_eq(ia, "Mba7816bf8f01cfea414140de");
	free(a);
	free(b);
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

/* when tenant-feedback dsn forwards a message that came to a VERP address */
enum { V2, LEGACY };

static const struct forward_case {
	int token;
	const char *return_path;
	int kind;
	size_t nrcpt;
	int with_snap;
	int rc;
	const char *why;
} forward_rules_cases[] = {
    {V2, "news@acme.example", DSN_DSN, 1, 1, 1, ""},
    {V2, "news@ACME.Example", DSN_DSN, 1, 1, 1, ""},      /* compared normalised */
    {V2, "news@mail.acme.example", DSN_DSN, 1, 1, 1, ""}, /* a parent's owner owns it */
    {V2, "news@acme.example", DSN_ARF, 1, 1, 1, ""},
    {V2, "news@acme.example", DSN_TEXT, 2, 1, 1, ""},
    {V2, "news@evil.example", DSN_DSN, 1, 0, 1, ""}, /* without the directory: all but the domain */
    {LEGACY, "news@acme.example", DSN_DSN, 1, 1, 0, "a version-1 token is never forwarded for"},
    {V2, "", DSN_DSN, 1, 1, 0, "the token seals no return path"},
    {V2, "news@acme.example", DSN_NONE, 0, 1, 0, "the message is no bounce or report"},
    {V2, "news@acme.example", DSN_AUTOREPLY, 1, 1, 0, "the message is no bounce or report"},
    {V2, "news@acme.example", DSN_DSN, 0, 1, 0, "the message is no bounce or report"},
    {V2, "news@acme.example,victim@else.example", DSN_DSN, 1, 1, 0,
     "the return path <news@acme.example,victim@else.example> is not one plain address"},
    {V2, "news@acme.example victim@else.example", DSN_DSN, 1, 1, 0,
     "the return path <news@acme.example victim@else.example> is not one plain address"},
    {V2, "<news@acme.example>", DSN_DSN, 1, 1, 0,
     "the return path <<news@acme.example>> is not one plain address"},
    {V2, "<>", DSN_DSN, 1, 1, 0, "the return path <<>> is not one plain address"},
    {V2, "@relay.example:news@acme.example", DSN_DSN, 1, 1, 0,
     "the return path <@relay.example:news@acme.example> is not one plain address"},
    {V2, "list: a@acme.example;", DSN_DSN, 1, 1, 0,
     "the return path <list: a@acme.example;> is not one plain address"},
    {V2, "\"a,b\"@acme.example", DSN_DSN, 1, 1, 0,
     "the return path <\"a,b\"@acme.example> is not one plain address"},
    {V2, "news(x)@acme.example", DSN_DSN, 1, 1, 0,
     "the return path <news(x)@acme.example> is not one plain address"},
    {V2, "news@acme.example\n", DSN_DSN, 1, 1, 0,
     "the return path <news@acme.example\n> is not one plain address"},
    {V2, "news@", DSN_DSN, 1, 1, 0, "the return path <news@> is not an address: "},
    {V2, "news@evil.example", DSN_DSN, 1, 1, 0,
     "the return path domain evil.example belongs to no tenant, not to tenant acme"},
    {V2, "b@beta.example", DSN_DSN, 1, 1, 0,
     "the return path domain beta.example belongs to tenant beta, not to tenant acme"},
    {V2, "b@news.beta.example", DSN_DSN, 1, 1, 0,
     "the return path domain news.beta.example belongs to tenant beta, not to tenant acme"},
    {V2, "x@shop.acme.example", DSN_DSN, 1, 1, 0,
     "the return path domain shop.acme.example belongs to tenant beta, not to tenant acme"}, /* most
                                                                                                specific
                                                                                                owner
                                                                                              */
};

START_TEST(forward_rules)
{
	const struct forward_case *c = &forward_rules_cases[_i];
	DSN_RCPT r[2] = {{.recipient = "john.doe@example.com", .category = BC_HARD},
	                 {.recipient = "x@example.com"}};
	DSN_REPORT rep = {.kind = c->kind, .r = r, .n = c->nrcpt};
	TOKEN_DATA d = sample_verp;
	TSNAP *snap = tsnap_new(1);
	SBUF *why = sbuf_new(64), *e = sbuf_new(64);
	int a = tsnap_add_tenant(snap, "acme", TS_ACTIVE, NULL),
	    b = tsnap_add_tenant(snap, "beta", TS_ACTIVE, NULL);

	ck_assert_int_eq(tsnap_add_domain(snap, a, "acme.example", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, b, "beta.example", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, b, "shop.acme.example", e), 0);
	tsnap_finish(snap, e);
	ck_assert_str_eq(sbuf_str(e), "");
	d.legacy = c->token == LEGACY;
	d.return_path = c->return_path;
	ck_assert_int_eq(feedback_forward_check(&d, &rep, c->with_snap ? snap : NULL, why), c->rc);
	/* the reason as far as this code words it (addr_parse words the rest) */
	ck_assert_msg(strncmp(sbuf_str(why), c->why, strlen(c->why)) == 0, "%s", sbuf_str(why));
	ck_assert_uint_eq(why->len > 0, c->rc == 0);
	tsnap_unref(snap);
	sbuf_free(why);
	sbuf_free(e);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, round_trip, 0, NELEM(round_trip_cases));
	tcase_add_loop_test(tc, purposes, 0, NELEM(purposes_cases));
	tcase_add_loop_test(tc, seal_refusals, 0, NELEM(seal_refusals_cases));
	tcase_add_loop_test(tc, field_limits, 0, NELEM(field_limits_cases));
	tcase_add_test(tc, largest_token);
	tcase_add_loop_test(tc, literal_tokens, 0, NELEM(literal_tokens_cases));
	tcase_add_loop_test(tc, forward_rules, 0, NELEM(forward_rules_cases));
	tcase_add_test(tc, failures);
	tcase_add_test(tc, rotation_and_retirement);
	tcase_add_test(tc, keyring_file);
	tcase_add_test(tc, unsubscribe_headers);
	tcase_add_test(tc, address_forms);
	tcase_add_test(tc, token_ids);
	tcase_add_test(tc, masked_addresses);
}
