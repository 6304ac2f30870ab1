/*
 * NAME
 *	maillog - parse Postfix delivery log records
 * DESCRIPTION
 *	A line is read from its first byte: the syslog header, then the tag,
 *	then the delivery record field by field, each field where Postfix's
 *	log_adhoc() puts it. Nothing is searched for, because the record
 *	quotes text a stranger chose (the recipient, the remote reply), and
 *	other lines quote more of it (our milter's, smtpd's, cleanup's): a
 *	search could find a planted "status=bounced" there. Fields are never
 *	cut: a cut address can name someone else.
 * SEE ALSO
 *	tm_maillog.h, Postfix log_adhoc.c, smtp(8), qmgr(8)
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "tm_maillog.h"
#include "tm_mem.h"

static const char *const status_names[] = {"sent", "deferred", "bounced", "expired"};

/* the programs that write delivery records (the part of the tag after its last '/') */
static const char *const ml_agents[] = {"smtp",  "lmtp",  "local",   "virtual", "pipe",
                                        "error", "retry", "discard", "qmgr",    NULL};

static const char *const ml_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char *
maillog_status_name(int st)
{
	return st >= 0 && st <= ML_EXPIRED ? status_names[st] : "unknown";
}

#define ML_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define ML_ALNUM(c) (ML_DIGIT(c) || ((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
/* a byte of a host name, relay or tag: printable ASCII, no space */
#define ML_GRAPH(c) ((unsigned char)(c) > 0x20 && (unsigned char)(c) < 0x7f)

/* ml_digits - n digits at p, within end */
static int
ml_digits(const char *p, const char *end, int n)
{
	if (end - p < n)
		return 0;
	for (int i = 0; i < n; i++)
		if (!ML_DIGIT(p[i]))
			return 0;
	return 1;
}

/* ml_lit - the literal s at p; returns the end of it or NULL */
static const char *
ml_lit(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return p != NULL && (size_t)(end - p) >= n && memcmp(p, s, n) == 0 ? p + n : NULL;
}

/* ml_ts3164 - "Nov 23 12:51:37" or "Nov  3 12:51:37"; the end of it, or NULL */
static const char *
ml_ts3164(const char *p, const char *end)
{
	size_t m;

	if (end - p < 15)
		return NULL;
	for (m = 0; m < 12 && memcmp(p, ml_months[m], 3) != 0; m++)
		;
	if (m == 12 || p[3] != ' ' || !(p[4] == ' ' || ML_DIGIT(p[4])) || !ML_DIGIT(p[5]) ||
	    p[6] != ' ' || !ml_digits(p + 7, end, 2) || p[9] != ':' || !ml_digits(p + 10, end, 2) ||
	    p[12] != ':' || !ml_digits(p + 13, end, 2))
		return NULL;
	return p + 15;
}

/* ml_ts3339 - "2026-11-23T12:51:37Z", with optional .fraction and a Z, +HH:MM or +HHMM offset */
static const char *
ml_ts3339(const char *p, const char *end)
{
	const char *q, *f;

	if (end - p < 20 || !ml_digits(p, end, 4) || p[4] != '-' || !ml_digits(p + 5, end, 2) ||
	    p[7] != '-' || !ml_digits(p + 8, end, 2) || p[10] != 'T' ||
	    !ml_digits(p + 11, end, 2) || p[13] != ':' || !ml_digits(p + 14, end, 2) ||
	    p[16] != ':' || !ml_digits(p + 17, end, 2))
		return NULL;
	q = p + 19;
	if (*q == '.') {
		for (f = ++q; q < end && ML_DIGIT(*q); q++)
			;
		if (q == f || q - f > 9)
			return NULL;
	}
	if (q < end && *q == 'Z')
		return q + 1;
	if (end - q < 5 || !(*q == '+' || *q == '-') || !ml_digits(q + 1, end, 2))
		return NULL;
	if (q[3] == ':' && ml_digits(q + 4, end, 2))
		return q + 6;
	if (ml_digits(q + 3, end, 2)) /* journalctl -o short-iso: +0000 */
		return q + 5;
	return NULL;
}

/* ml_service_ok - NAME matches a pattern, and names a delivery agent or the pattern names it */
static int
ml_service_ok(const char *name, const char *const *patterns)
{
	static const char *const def[] = {MAILLOG_DEFAULT_NAMES, NULL};
	const char *prog = strrchr(name, '/'), *pp;
	int agent = 0;

	if (prog == NULL || *++prog == 0)
		return 0;
	for (int i = 0; ml_agents[i]; i++)
		if (strcmp(prog, ml_agents[i]) == 0)
			agent = 1;
	for (const char *const *p = patterns ? patterns : def; *p; p++) {
		if (fnmatch(*p, name, 0) != 0)
			continue;
		if (agent)
			return 1;
		if ((pp = strrchr(*p, '/')) != NULL && strpbrk(pp + 1, "*?[\\") == NULL &&
		    strcmp(pp + 1, prog) == 0)
			return 1;
	}
	return 0;
}

/*
 * ml_addr - the address at p up to its closing '>' (quote-aware, see
 * tm_maillog.h) into out (size n); returns the byte after '>' or NULL when
 * it is empty, unterminated, holds a control byte or does not fit.
 */
static const char *
ml_addr(const char *p, const char *end, char *out, size_t n)
{
	const char *s = p;
	int quoted = 0;

	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			return NULL;
		if (quoted) {
			if (c == '\\' && (++p == end || (unsigned char)*p < 0x20 || *p == 0x7f))
				return NULL;
			else if (c == '"')
				quoted = 0;
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '>') {
			break;
		} else if (c == ' ' || c == ',' || c == '<') {
			return NULL;
		}
	}
	if (p == end || p == s || (size_t)(p - s) >= n)
		return NULL;
	memcpy(out, s, (size_t)(p - s));
	out[p - s] = 0;
	return p + 1;
}

/* ml_num - a delay: digits with an optional fraction ("0.07", "432000") */
static const char *
ml_num(const char *p, const char *end)
{
	const char *s;

	if (p == NULL)
		return NULL;
	for (s = p; p < end && ML_DIGIT(*p); p++)
		;
	if (p == s)
		return NULL;
	if (p < end && *p == '.') {
		for (s = ++p; p < end && ML_DIGIT(*p); p++)
			;
		if (p == s)
			return NULL;
	}
	return p;
}

/* ml_dsn - "X.Y.Z" as RFC 3463 writes it into out (16 bytes: always fits) */
static const char *
ml_dsn(const char *p, const char *end, char *out)
{
	const char *s = p, *q;

	if (p == NULL || end - p < 5 || !(*p == '2' || *p == '4' || *p == '5') || p[1] != '.')
		return NULL;
	p += 2;
	for (int part = 0; part < 2; part++) {
		for (q = p; p < end && ML_DIGIT(*p) && p - q < 3; p++)
			;
		if (p == q || (p < end && ML_DIGIT(*p)))
			return NULL;
		if (part == 0 && (p == end || *p++ != '.'))
			return NULL;
	}
	memcpy(out, s, (size_t)(p - s));
	out[p - s] = 0;
	return p;
}

/* ml_record - the message after "NAME[PID]: "; MAILLOG_* */
static int
ml_record(const char *p, const char *end, MAILLOG_REC *out)
{
	const char *q, *s;
	size_t i, n;

	for (q = p; q < end && ML_ALNUM(*q); q++)
		;
	if (q == p || (s = ml_lit(q, end, ": to=<")) == NULL)
		return MAILLOG_OTHER;
	/* from here on the line claims to be a delivery record: what does not fit is malformed */
	if ((size_t)(q - p) >= sizeof(out->qid))
		return MAILLOG_MALFORMED;
	memcpy(out->qid, p, (size_t)(q - p));
	out->qid[q - p] = 0;
	if ((p = ml_lit(ml_addr(s, end, out->rcpt, sizeof(out->rcpt)), end, ", ")) == NULL)
		return MAILLOG_MALFORMED;
	*out->orig_rcpt = 0;
	if ((s = ml_lit(p, end, "orig_to=<")) != NULL &&
	    (p = ml_lit(ml_addr(s, end, out->orig_rcpt, sizeof(out->orig_rcpt)), end, ", ")) ==
	        NULL)
		return MAILLOG_MALFORMED;
	if ((p = ml_lit(p, end, "relay=")) == NULL)
		return MAILLOG_MALFORMED;
	for (q = p; q < end && ML_GRAPH(*q) && *q != ','; q++)
		;
	if (q == p || (size_t)(q - p) >= sizeof(out->relay))
		return MAILLOG_MALFORMED;
	memcpy(out->relay, p, (size_t)(q - p));
	out->relay[q - p] = 0;
	if ((p = ml_lit(q, end, ", ")) == NULL)
		return MAILLOG_MALFORMED;
	if ((s = ml_lit(p, end, "conn_use=")) != NULL) {
		for (q = s; q < end && ML_DIGIT(*q); q++)
			;
		if (q == s || (p = ml_lit(q, end, ", ")) == NULL)
			return MAILLOG_MALFORMED;
	}
	p = ml_lit(ml_num(ml_lit(p, end, "delay="), end), end, ", delays=");
	for (int k = 0; k < 4 && p; k++)
		p = k < 3 ? ml_lit(ml_num(p, end), end, "/") : ml_num(p, end);
	p = ml_lit(ml_dsn(ml_lit(ml_lit(p, end, ", "), end, "dsn="), end, out->dsn), end,
	           ", status=");
	if (p == NULL)
		return MAILLOG_MALFORMED;
	for (i = 0; i <= ML_EXPIRED; i++)
		if ((q = ml_lit(p, end, status_names[i])) != NULL &&
		    (q == end || *q == ' ' || *q == ','))
			break;
	if (i > ML_EXPIRED)
		return MAILLOG_MALFORMED;
	out->status = (int)i;
	out->text_truncated = 0;
	*out->text = 0;
	/* qmgr's older expiry wording has no reply */
	if (i == ML_EXPIRED && ml_lit(q, end, ", returned to sender") == end)
		return MAILLOG_RECORD;
	/* the reply: from the '(' after the status word to the line's last byte, a ')' */
	if ((p = ml_lit(q, end, " (")) == NULL || end[-1] != ')' || end - 1 < p)
		return MAILLOG_MALFORMED;
	n = (size_t)(end - 1 - p);
	if (n >= sizeof(out->text)) {
		n = sizeof(out->text) - 1;
		out->text_truncated = 1;
	}
	memcpy(out->text, p, n);
	out->text[n] = 0;
	return MAILLOG_RECORD;
}

int
maillog_parse(const char *line, size_t len, const char *const *patterns, MAILLOG_REC *out)
{
	const char *end = line + len, *p, *q, *name;

	if (len > 0 && end[-1] == '\n')
		end--;
	if (end > line && end[-1] == '\r')
		end--;
	for (p = line; p < end; p++)
		if (*p == 0 || *p == '\n' || *p == '\r')
			return MAILLOG_OTHER;
	/* TIMESTAMP SP HOST SP NAME[PID]: SP */
	if ((p = ml_ts3164(line, end)) == NULL && (p = ml_ts3339(line, end)) == NULL)
		return MAILLOG_OTHER;
	if (p == end || *p++ != ' ')
		return MAILLOG_OTHER;
	for (q = p; q < end && ML_GRAPH(*q); q++)
		;
	if (q == p || q == end || *q != ' ')
		return MAILLOG_OTHER;
	for (name = p = q + 1; p < end && ML_GRAPH(*p) && *p != '['; p++)
		;
	if (p == name || p == end || *p != '[' || (size_t)(p - name) >= sizeof(out->service))
		return MAILLOG_OTHER;
	memcpy(out->service, name, (size_t)(p - name));
	out->service[p - name] = 0;
	for (q = ++p; q < end && ML_DIGIT(*q) && q - p < 10; q++)
		;
	if (q == p || (p = ml_lit(q, end, "]: ")) == NULL)
		return MAILLOG_OTHER;
	if (!ml_service_ok(out->service, patterns))
		return MAILLOG_OTHER;
	return ml_record(p, end, out);
}

char **
maillog_names_split(const char *list)
{
	static const char sep[] = " \t\r\n,";
	char **v;
	size_t n = 0;

	for (const char *p = list; p && *(p += strspn(p, sep)); p += strcspn(p, sep))
		n++;
	if (n == 0)
		return NULL;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (const char *p = list; *(p += strspn(p, sep)); p += strcspn(p, sep))
		v[n++] = xstrndup(p, strcspn(p, sep));
	return v;
}

char **
maillog_names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	return NULL;
}
