/*
 * NAME
 *	maillog - parse Postfix delivery log lines
 * DESCRIPTION
 *	Works on the part after "PROGRAM[PID]: ", so any timestamp format and
 *	host name before it are accepted. A delivery record is
 *	"QUEUEID: to=<rcpt>, [orig_to=<a>,] relay=..., ..., dsn=X.Y.Z,
 *	status=WORD (text)". Lines longer than the buffers are cut, never
 *	overrun.
 * SEE ALSO
 *	tm_maillog.h, Postfix's smtp(8) and qmgr(8) logging
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tm_maillog.h"

static const char *const status_names[] = {"sent", "deferred", "bounced", "expired"};

const char *
maillog_status_name(int st)
{
	return st >= 0 && st <= ML_EXPIRED ? status_names[st] : "unknown";
}

/* ml_copy - [p, end) into out (size n), cut to fit */
static void
ml_copy(char *out, size_t n, const char *p, const char *end)
{
	size_t len = (size_t)(end - p) < n - 1 ? (size_t)(end - p) : n - 1;

	memcpy(out, p, len);
	out[len] = 0;
}

/* ml_field - the value of "name=" in [p, end), up to ", " (or '>' for <...>) */
static int
ml_field(const char *p, const char *end, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);

	for (const char *q = p; q + nl < end; q++) {
		const char *v, *e;
		if (memcmp(q, name, nl) != 0 || (q > p && q[-1] != ' '))
			continue;
		v = q + nl;
		if (*v == '<') {
			v++;
			e = memchr(v, '>', (size_t)(end - v));
		} else {
			e = v;
			while (e < end && *e != ',' && *e != ' ')
				e++;
		}
		if (e == NULL)
			return 0;
		ml_copy(out, n, v, e);
		return 1;
	}
	return 0;
}

int
maillog_parse(const char *line, size_t len, MAILLOG_REC *out)
{
	const char *end = line + len, *p, *svc, *colon, *st, *word;
	size_t i;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	memset(out, 0, sizeof(*out));
	/* the program token: the first "NAME[PID]: " whose NAME contains '/' (postfix/smtp) */
	for (p = line; p < end; p++) {
		const char *b, *q;
		if (*p != '[')
			continue;
		for (q = p + 1; q < end && isdigit((unsigned char)*q); q++)
			;
		if (q == p + 1 || q + 2 >= end || q[0] != ']' || q[1] != ':' || q[2] != ' ')
			continue;
		for (b = p; b > line && b[-1] != ' '; b--)
			;
		if (memchr(b, '/', (size_t)(p - b)) == NULL)
			continue;
		ml_copy(out->service, sizeof(out->service), b, p);
		p = q + 3;
		break;
	}
	if (p >= end || *out->service == 0)
		return 0;
	svc = p;
	/* the queue id: letters and digits, then ": to=<" */
	for (colon = svc; colon < end && isalnum((unsigned char)*colon); colon++)
		;
	if (colon == svc || colon + 6 > end || memcmp(colon, ": to=<", 6) != 0)
		return 0;
	ml_copy(out->qid, sizeof(out->qid), svc, colon);
	if (!ml_field(colon, end, "to=", out->rcpt, sizeof(out->rcpt)) || *out->rcpt == 0)
		return 0;
	ml_field(colon, end, "orig_to=", out->orig_rcpt, sizeof(out->orig_rcpt));
	ml_field(colon, end, "relay=", out->relay, sizeof(out->relay));
	ml_field(colon, end, "dsn=", out->dsn, sizeof(out->dsn));
	if ((st = memmem(colon, (size_t)(end - colon), ", status=", 9)) == NULL)
		return 0;
	word = st + 9;
	for (i = 0; i <= ML_EXPIRED; i++) {
		size_t wl = strlen(status_names[i]);
		if (word + wl <= end && memcmp(word, status_names[i], wl) == 0 &&
		    (word + wl == end || word[wl] == ' ' || word[wl] == ','))
			break;
	}
	if (i > ML_EXPIRED)
		return 0;
	out->status = (int)i;
	p = word + strlen(status_names[i]);
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '(') { /* the reply, up to the last ')' */
		const char *close = end;
		while (close > p && close[-1] != ')')
			close--;
		ml_copy(out->text, sizeof(out->text), p + 1, close > p + 1 ? close - 1 : end);
	}
	return 1;
}
