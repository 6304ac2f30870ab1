/*
 * fuzz_addr - libFuzzer target for the address normaliser: rw_canon()
 * (trivial-rewrite replayed), addr_parse() and supp_key_rw(), once with
 * Postfix's defaults and once with a local domain (relay.test, also
 * $myorigin). The input is one address. Properties, any breach aborts:
 *
 *	rw_canon: the output has no control byte, is no longer than the
 *	input plus "@$myorigin", and is empty (the null address) or has an
 *	unquoted '@' with a non-empty local part and domain after it;
 *
 *	addr_parse: a local part of at most ADDR_MAX_LOCAL bytes without
 *	control bytes (empty only as the quoted "", which RFC 5321 allows), and a domain that is a
 *normalised host name (at most ADDR_MAX_DOMAIN bytes of [a-z0-9-._], no empty label) or an address
 *	literal;
 *
 *	supp_key: a key is "local@domain", not empty, no control byte, the
 *	last '@' followed by a normalised domain (the key of ""@x.test is
 *	"@x.test"); and a key whose local part
 *	reads back unquoted (see plain_local: a key drops the quotes of a
 *	quoted local part, so those keys cannot) is its own key: normalising
 *	twice gives the same key.
 *
 * Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_msg.h"
#include "tm_rewrite.h"
#include "tm_sbuf.h"
#include "tm_suppress.h"

static RW_CONF *local_rw, *std_rw; /* std_rw: what a NULL RW_CONF stands for */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	SBUF *err = sbuf_new(64);

	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	std_rw = rw_defaults();
	local_rw = rw_parse("mydestination = relay.test\nmyorigin = relay.test\n", err);
	if (local_rw == NULL || local_rw->nlocal != 1)
		abort();
	sbuf_free(err);
	return 0;
}

/* ctl_free - no byte below 0x20 and no DEL in s[0..n) */
static int
ctl_free(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* domain_ok - a normalised domain: a host name or an address literal */
static int
domain_ok(const char *d)
{
	size_t n = strlen(d), label = 0;

	if (n == 0)
		return 0;
	if (*d == '[') {
		if (n < 3 || d[n - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9') ||
			      d[i] == '.' || d[i] == ':' || d[i] == '[' || d[i] == ']'))
				return 0;
		return 1;
	}
	if (n > ADDR_MAX_DOMAIN)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (label == 0 || label > 63)
				return 0;
			label = 0;
		} else if ((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9') ||
		           d[i] == '-' || d[i] == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

/* last_unquoted_at - the offset of the last '@' outside quotes and backslash pairs, or -1 */
static long
last_unquoted_at(const char *s, size_t n)
{
	long at = -1;
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '@')
			at = (long)i;
	}
	return at;
}

/* check_canon - rw_canon's properties for one configuration */
static void
check_canon(const RW_CONF *rw, const char *in)
{
	SBUF *out = sbuf_new(64), *err = sbuf_new(64);
	size_t origin = rw ? strlen(rw->myorigin) + 1 : 0;

	if (rw_canon(rw, in, out, err) == 0) {
		long at = last_unquoted_at(out->s, out->len);
		if (!ctl_free(out->s, out->len) || out->len > strlen(in) + origin)
			abort();
		if (out->len > 0 && (at <= 0 || (size_t)at + 1 >= out->len))
			abort();
	} else if (err->len == 0 || out->len != 0) {
		abort();
	}
	sbuf_free(out);
	sbuf_free(err);
}

/* check_parse - addr_parse's properties */
static void
check_parse(const char *in)
{
	SBUF *err = sbuf_new(64);
	ADDR a;

	if (addr_parse(in, &a, err) == 0) {
		if (a.is_null ? a.local != NULL || a.domain != NULL
		              : a.local == NULL || a.domain == NULL ||
		                    (*a.local == 0 && strchr(in, '"') == NULL) ||
		                    strlen(a.local) > ADDR_MAX_LOCAL ||
		                    !ctl_free(a.local, strlen(a.local)) || !domain_ok(a.domain))
			abort();
		addr_clear(&a);
	} else if (err->len == 0 || a.local != NULL || a.domain != NULL) {
		abort();
	}
	sbuf_free(err);
}

/*
 * plain_local - can a key's local part be read back without quotes? Not
 * with a quote, backslash, space, '<', '>' or ',', nor a leading '@'; and
 * at a local domain, where an unquoted '@', '!' or '%' is rewritten, none
 * of those either.
 */
static int
plain_local(const RW_CONF *rw, const char *k, size_t n)
{
	int local = rw_is_local(rw ? rw : std_rw, k + n + 1); /* an address literal always is */

	if (n == 0 || *k == '@')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("\"\\ <>,", k[i]) != NULL || (local && strchr("@!%", k[i]) != NULL))
			return 0;
	return 1;
}

/* check_key - supp_key_rw's properties for one configuration */
static void
check_key(const RW_CONF *rw, const char *in)
{
	SBUF *k = sbuf_new(64), *k2 = sbuf_new(64), *err = sbuf_new(64);
	const char *at;

	if (supp_key_rw(rw, in, k, err) == 0) {
		at = strrchr(k->s, '@');
		if (k->len == 0 || !ctl_free(k->s, k->len) || at == NULL || !domain_ok(at + 1))
			abort();
		if (plain_local(rw, k->s, (size_t)(at - k->s))) {
			sbuf_reset(err);
			if (supp_key_rw(rw, k->s, k2, err) != 0 || strcmp(k->s, k2->s) != 0) {
				fprintf(stderr, "key \"%s\" gives \"%s\" (%s)\n", k->s,
				        sbuf_str(k2), sbuf_str(err));
				abort();
			}
		}
	} else if (err->len == 0 || k->len != 0) {
		abort();
	}
	sbuf_free(k);
	sbuf_free(k2);
	sbuf_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;

	if (size > 2 * ADDR_MAX_INPUT)
		return 0;
	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = 0;
	check_canon(NULL, in);
	check_canon(local_rw, in);
	check_parse(in);
	check_key(NULL, in);
	check_key(local_rw, in);
	free(in);
	return 0;
}
