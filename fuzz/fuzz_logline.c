/*
 * fuzz_logline - libFuzzer target for the log-line invariant: client text,
 * however hostile, never makes a delivery record. The input is split into
 * a sender, a recipient and a HELO name and logged three ways:
 *
 *	our milter's reject line, each field through log_quote(): never a
 *	record, and one line (no newline inside);
 *
 *	Postfix cleanup's milter-reject line, the fields raw as Postfix prints
 *	them (less CR, LF and NUL, which an SMTP command line cannot carry):
 *	never a record, even with cleanup's and every other name configured;
 *
 *	Postfix smtp's delivery record for that recipient, its local part in
 *	Postfix's external form (quoted when it is no dot-atom, '"' and '\'
 *	escaped), status sent, the HELO name in the reply: read as sent, for
 *	exactly that address, or malformed (oversized, control bytes), never
 *	anything else.
 *
 * Any other outcome aborts. Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm_logquote.h"
#include "tm_maillog.h"
#include "tm_msg.h"
#include "tm_sbuf.h"

static const char *const every_name[] = {"*", "postfix/cleanup", "postfix/smtpd", "tenant-milter",
                                         NULL};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	return 0;
}

/* raw - s as Postfix would print it from an SMTP command: no CR, LF or NUL */
static void
raw(SBUF *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbuf_putc(out, s[i] == '\r' || s[i] == '\n' || s[i] == 0 ? '?' : s[i]);
}

/* atext - RFC 5322 atext, and 8-bit bytes (SMTPUTF8), which Postfix leaves unquoted */
static int
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* external - rcpt in Postfix's external form: local part quoted unless a dot-atom */
static void
external(SBUF *out, const char *s, size_t n)
{
	const char *at = NULL;
	size_t ln;
	int dotatom;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	ln = at ? (size_t)(at - s) : n;
	dotatom = ln > 0 && s[0] != '.' && s[ln - 1] != '.';
	for (size_t i = 0; i < ln && dotatom; i++)
		dotatom = atext((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.');
	if (dotatom) {
		raw(out, s, ln);
	} else {
		sbuf_putc(out, '"');
		for (size_t i = 0; i < ln; i++) {
			if (s[i] == '"' || s[i] == '\\')
				sbuf_putc(out, '\\');
			raw(out, s + i, 1);
		}
		sbuf_putc(out, '"');
	}
	sbuf_putc(out, '@');
	/* the domain: the host name characters of it, as smtpd takes no other */
	for (const char *p = at ? at + 1 : s + n; p < s + n; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
			sbuf_putc(out, *p);
	if (out->s[out->len - 1] == '@')
		sbuf_cat(out, "x.test");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + (size >= 2 ? 2 : size);
	size_t rest = size >= 2 ? size - 2 : 0, a, b;
	const char *sender, *rcpt, *helo;
	size_t ns, nr, nh;
	SBUF *l = sbuf_new(256), *addr = sbuf_new(64);
	MAILLOG_REC r;
	int rc;

	a = size >= 2 ? data[0] % (rest + 1) : 0;
	b = size >= 2 ? data[1] % (rest - a + 1) : 0;
	sender = p, ns = a;
	rcpt = p + a, nr = b;
	helo = p + a + b, nh = rest - a - b;

	/* our milter's line */
	sbuf_cat(l,
	         "Nov 23 12:51:37 relay tenant-milter[123]: 3F2A1C0: reject: tenant=acme sender=");
	log_quote(l, sender, ns);
	sbuf_cat(l, " rcpt=");
	log_quote(l, rcpt, nr);
	sbuf_cat(l, " helo=");
	log_quote(l, helo, nh);
	sbuf_cat(l, ": 5.7.1 tenant acme: sender not yours\n");
	if (memchr(l->s, '\n', l->len - 1) != NULL || memchr(l->s, 0, l->len) != NULL)
		abort();
	if (maillog_parse(l->s, l->len, NULL, &r) != MAILLOG_OTHER ||
	    maillog_parse(l->s, l->len, every_name, &r) != MAILLOG_OTHER)
		abort();

	/* Postfix cleanup's line, the client's text raw */
	sbuf_reset(l);
	sbuf_cat(
	    l, "2026-11-23T12:51:37.123456+00:00 relay postfix/cleanup[1]: 3F2A1C0: milter-reject: "
	       "END-OF-MESSAGE from x[1.2.3.4]: 5.7.1 text; from=<");
	raw(l, sender, ns);
	sbuf_cat(l, "> to=<");
	raw(l, rcpt, nr);
	sbuf_cat(l, "> proto=ESMTP helo=<");
	raw(l, helo, nh);
	sbuf_cat(l, ">\n");
	if (maillog_parse(l->s, l->len, NULL, &r) != MAILLOG_OTHER ||
	    maillog_parse(l->s, l->len, every_name, &r) != MAILLOG_OTHER)
		abort();

	/* Postfix smtp's delivery record for that recipient: sent, whatever it holds */
	external(addr, rcpt, nr);
	sbuf_reset(l);
	sbuf_cat(l, "Nov  3 12:51:37 relay postfix-out-acme/smtp[9]: 3F2A1C0: to=<");
	sbuf_catn(l, addr->s, addr->len);
	sbuf_cat(l, ">, relay=mx.x.test[192.0.2.1]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, "
	            "status=sent (250 2.0.0 Ok: queued as ");
	raw(l, helo, nh);
	sbuf_cat(l, ")\n");
	rc = maillog_parse(l->s, l->len, NULL, &r);
	if (rc == MAILLOG_RECORD) {
		if (r.status != ML_SENT || strcmp(r.rcpt, addr->s) != 0 ||
		    strcmp(r.dsn, "2.0.0") != 0 || *r.orig_rcpt != 0 ||
		    strcmp(r.relay, "mx.x.test[192.0.2.1]:25") != 0)
			abort();
	} else {
		int ctl = 0;
		for (size_t i = 0; i < addr->len; i++)
			ctl |= (unsigned char)addr->s[i] < 0x20 || addr->s[i] == 0x7f;
		if (rc != MAILLOG_MALFORMED || (!ctl && addr->len < sizeof(r.rcpt)))
			abort();
	}
	sbuf_free(l);
	sbuf_free(addr);
	return 0;
}
