/*
 * fuzz_policy - libFuzzer target for the policy delegation and socketmap
 * parsers (policy_parse, netstring_parse). The first two bytes pick the
 * limits (max_line 1..64, max_attrs 1..16, so they are reached); the rest
 * is the connection's input, in an allocation of exactly its size, so
 * ASan sees any read past it. Properties, any breach aborts:
 *
 *	a request uses at most the input and POLICY_REQUEST_MAX bytes, ends
 *	with its empty line, has at most max_attrs attributes, each a
 *	non-empty name without '=' and a line no longer than max_line, and
 *	no name or value holds a LF or NUL;
 *
 *	the same lines ended by LF and by CRLF parse alike: the same outcome,
 *	the same attributes, byte for byte;
 *
 *	a request less its last byte is still incomplete (0), never another
 *	request or an error;
 *
 *	a netstring's data lies inside the input, at most max bytes, and is
 *	followed by ','.
 *
 * Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm_msg.h"
#include "tm_policy.h"
#include "tm_sbuf.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	return 0;
}

/* parse - policy_parse on an exact-size copy of in[0..n); the copy is returned in *copy */
static long
parse(const char *in, size_t n, size_t max_line, size_t max_attrs, PREQ *req, char **copy)
{
	SBUF *err = sbuf_new(64);
	long rc;

	*copy = malloc(n ? n : 1);
	memcpy(*copy, in, n);
	rc = policy_parse(*copy, n, max_line, max_attrs, req, err);
	if (rc < -1 || rc > (long)n || (rc == -1 && err->len == 0) || (rc != -1 && err->len != 0))
		abort();
	sbuf_free(err);
	return rc;
}

/* check_request - the properties of one parsed request in buf */
static void
check_request(const char *buf, long rc, size_t max_line, size_t max_attrs, const PREQ *req)
{
	if ((size_t)rc > POLICY_REQUEST_MAX(max_line, max_attrs) || buf[rc - 1] != '\n' ||
	    req->n > max_attrs)
		abort();
	for (size_t i = 0; i < req->n; i++) {
		size_t nl = strlen(req->name[i]), vl = strlen(req->value[i]);
		if (req->name[i] < buf || req->value[i] + vl >= buf + rc || nl == 0 ||
		    nl + 1 + vl > max_line || memchr(req->name[i], '=', nl) != NULL ||
		    memchr(req->name[i], '\n', nl) != NULL ||
		    memchr(req->value[i], '\n', vl) != NULL)
			abort();
	}
}

/* policy_check - the policy request properties for one input */
static void
policy_check(const char *in, size_t n, size_t max_line, size_t max_attrs)
{
	static PREQ a, b, c; /* large: 16 KB each */
	SBUF *lf = sbuf_new(n + 1), *crlf = sbuf_new(2 * n + 1);
	char *ca, *cb, *cc;
	long ra, rb, rc;

	/* the input's lines, trailing CRs removed, ended by LF and by CRLF */
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(in + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (in + i)) : n - i;
		while (len > 0 && in[i + len - 1] == '\r')
			len--;
		sbuf_catn(lf, in + i, len);
		sbuf_catn(crlf, in + i, len);
		if (nl) {
			sbuf_putc(lf, '\n');
			sbuf_cat(crlf, "\r\n");
		}
		i = nl ? (size_t)(nl - in) + 1 : n;
	}
	ra = parse(lf->s, lf->len, max_line, max_attrs, &a, &ca);
	rb = parse(crlf->s, crlf->len, max_line, max_attrs, &b, &cb);
	if ((ra > 0) != (rb > 0) || (ra < 0) != (rb < 0))
		abort();
	if (ra > 0) {
		check_request(ca, ra, max_line, max_attrs, &a);
		check_request(cb, rb, max_line, max_attrs, &b);
		if (a.n != b.n)
			abort();
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.name[i], b.name[i]) != 0 ||
			    strcmp(a.value[i], b.value[i]) != 0)
				abort();
		/* one byte short of the request: still arriving */
		if (parse(lf->s, (size_t)ra - 1, max_line, max_attrs, &c, &cc) != 0)
			abort();
		free(cc);
	}
	free(ca);
	free(cb);
	/* the raw input too, CRs where they fall */
	rc = parse(in, n, max_line, max_attrs, &c, &cc);
	if (rc > 0)
		check_request(cc, rc, max_line, max_attrs, &c);
	free(cc);
	sbuf_free(lf);
	sbuf_free(crlf);
}

/* netstring_check - the socketmap netstring properties for one input */
static void
netstring_check(const char *in, size_t n, size_t max)
{
	SBUF *err = sbuf_new(64);
	char *copy = malloc(n ? n : 1);
	const char *data = NULL;
	size_t dlen = 0;
	long rc;

	memcpy(copy, in, n);
	rc = netstring_parse(copy, n, max, &data, &dlen, err);
	if (rc < -1 || rc > (long)n || (rc == -1 && err->len == 0))
		abort();
	if (rc > 0 && (data < copy || dlen > max || data + dlen >= copy + rc || data[dlen] != ',' ||
	               (size_t)rc != (size_t)(data - copy) + dlen + 1))
		abort();
	free(copy);
	sbuf_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 2;

	if (size < 2)
		return 0;
	policy_check(in, size - 2, 1 + data[0] % 64, 1 + data[1] % 16);
	netstring_check(in, size - 2, data[0]);
	return 0;
}
