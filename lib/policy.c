/*
 * NAME
 *	policy - policy delegation and netstring parsing, in place
 * DESCRIPTION
 *	Both parsers first establish that a whole request is present, within
 *	the limits, and only then touch the buffer. A line without '=', an
 *	empty name, a NUL byte, a line or a request over its limit, and a
 *	netstring whose length is not digits or whose data is not followed by
 *	',' are malformed: the caller logs and closes, as Postfix's own
 *	servers do. Postfix ends lines with LF only; a client that sends CRLF
 *	gets the same request, because one shared function (policy_line_len)
 *	takes the CR off in both passes.
 * SEE ALSO
 *	tm_policy.h, Postfix SMTPD_POLICY_README, socketmap_table(5)
 */
#include "config.h"

#include <string.h>

#include "tm_policy.h"

/*
 * policy_line_len - the length of a line's content, from its n bytes before
 * the LF (or before the end of the input, for a line still arriving): one
 * trailing CR is the line end's, not content. Both passes use this, so the
 * limit, the empty line and the value all see "name=value\r\n" as
 * "name=value".
 */
static size_t
policy_line_len(const char *line, size_t n)
{
	return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
}

long
policy_parse(char *buf, size_t len, size_t max_line, size_t max_attrs, PREQ *req, SBUF *err)
{
	size_t pos = 0, nattr = 0, n;
	char *nl, *attrs_end;

	if (max_attrs > POLICY_MAX_ATTRS_HARD)
		max_attrs = POLICY_MAX_ATTRS_HARD;
	/* pass 1: is a whole request here, and within the limits? */
	for (;;) {
		size_t rest = len - pos;
		nl = memchr(buf + pos, '\n', rest);
		n = policy_line_len(buf + pos, nl ? (size_t)(nl - (buf + pos)) : rest);
		if (n > max_line) {
			sbuf_printf(err, "line longer than %zu bytes", max_line);
			return -1;
		}
		if (nl == NULL)
			return 0;
		if (memchr(buf + pos, 0, n) != NULL) {
			sbuf_cat(err, "NUL byte in request");
			return -1;
		}
		if (n == 0)
			break; /* the empty line, "\n" or "\r\n" */
		if (++nattr > max_attrs) {
			sbuf_printf(err, "more than %zu attributes", max_attrs);
			return -1;
		}
		pos = (size_t)(nl - buf) + 1;
	}
	attrs_end = buf + pos; /* where the empty line starts */
	/* pass 2: split in place; every line before attrs_end ends in LF */
	req->n = 0;
	for (char *p = buf; p < attrs_end;) {
		char *lf = memchr(p, '\n', (size_t)(attrs_end - p)), *eq;
		n = policy_line_len(p, (size_t)(lf - p));
		p[n] = 0;
		eq = memchr(p, '=', n);
		if (eq == NULL || eq == p) {
			sbuf_printf(err, "malformed attribute line \"%.40s\": expected name=value", p);
			return -1;
		}
		*eq = 0;
		req->name[req->n] = p;
		req->value[req->n++] = eq + 1;
		p = lf + 1;
	}
	return (long)(nl - buf) + 1;
}

const char *
preq_get(const PREQ *req, const char *name)
{
	for (size_t i = 0; i < req->n; i++)
		if (strcmp(req->name[i], name) == 0)
			return req->value[i];
	return NULL;
}

void
policy_reply(SBUF *out, const char *action)
{
	sbuf_cat(out, "action=");
	for (const char *p = action; *p; p++)
		sbuf_putc(out, *p == '\r' || *p == '\n' ? ' ' : *p);
	sbuf_cat(out, "\n\n");
}

long
netstring_parse(const char *buf, size_t len, size_t max, const char **data, size_t *dlen, SBUF *err)
{
	size_t i = 0, n = 0;

	while (i < len && buf[i] >= '0' && buf[i] <= '9') {
		if (i == 0 && buf[i] == '0' && i + 1 < len && buf[i + 1] != ':') {
			sbuf_cat(err, "netstring length has a leading zero");
			return -1;
		}
		n = n * 10 + (size_t)(buf[i] - '0');
		if (n > max) {
			sbuf_printf(err, "netstring longer than %zu bytes", max);
			return -1;
		}
		i++;
	}
	if (i == len)
		return 0; /* the length is still arriving (bounded by max above) */
	if (i == 0 || buf[i] != ':') {
		sbuf_cat(err, "malformed netstring: expected LENGTH:DATA,");
		return -1;
	}
	if (len < i + 1 + n + 1)
		return 0;
	if (buf[i + 1 + n] != ',') {
		sbuf_cat(err, "malformed netstring: data not followed by ','");
		return -1;
	}
	*data = buf + i + 1;
	*dlen = n;
	return (long)(i + 1 + n + 1);
}

void
netstring_put(SBUF *out, const char *data, size_t n)
{
	sbuf_printf(out, "%zu:", n);
	sbuf_catn(out, data, n);
	sbuf_putc(out, ',');
}
