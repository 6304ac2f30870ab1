/*
 * check_maillog - Postfix delivery records read field by field from lines
 * Postfix writes (smtp, lmtp-style relays, local, pipe, qmgr; RFC 3164 and
 * RFC 3339 headers; orig_to, conn_use; a per-instance syslog name), and
 * the lines that must not be read as records: other tags and programs,
 * record text planted in our milter's line, in smtpd's and cleanup's lines,
 * in a quoted local part or in the reply; oversized fields (never cut);
 * NUL, CR and LF inside a line. log_quote() against literal expectations.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_logquote.h"
#include "tm_maillog.h"
#include "tm_sbuf.h"
#define SUITE_NAME "maillog"
#include "check_main.h"

#define H "Nov 23 12:51:37 relay " /* an RFC 3164 header up to the tag */
#define SENT_TAIL                                                                                  \
	", relay=mx.dest.example[192.0.2.5]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, "        \
	"status=sent (250 2.0.0 Ok)"
#define BOUNCED_TAIL ", relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, status=bounced (x)"

static const char *const only_out[] = {"postfix-out-*/smtp", NULL};
static const char *const explicit_prog[] = {"postfix/mydeliver", NULL};
static const char *const every_tag[] = {"*", NULL};
static const char *const smtpd_too[] = {"postfix/smtpd", "postfix/cleanup", "tenant-milter", "*",
                                        NULL};

/* delivery records, and what each holds */
static const struct {
	const char *line;
	const char *const *patterns;
	const char *service, *qid, *rcpt, *orig, *relay, *dsn, *text;
	int status;
} recs[] = {
    /* kept from check_bounce */
    {"Nov 23 12:51:37 relay postfix/smtp[9096]: 13FB81044DF: to=<a@acme.example>, "
     "relay=127.0.0.1[127.0.0.1]:33652, "
     "delay=0.07, delays=0/0.06/0.01/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
     NULL, "postfix/smtp", "13FB81044DF", "a@acme.example", "", "127.0.0.1[127.0.0.1]:33652",
     "2.0.0", "250 2.0.0 Ok", ML_SENT},
    {"2026-11-23T12:51:37.123456+00:00 relay postfix-out-acme/smtp[9084]: F38F21044DD: "
     "to=<x@dest.example>, "
     "orig_to=<X@Dest.example>, relay=mx.dest.example[192.0.2.5]:25, delay=1.2, "
     "delays=0.03/0.05/0/1, dsn=5.1.1, "
     "status=bounced (host mx.dest.example[192.0.2.5] said: 550 5.1.1 <x@dest.example>: User "
     "unknown (in reply to "
     "RCPT TO command))",
     NULL, "postfix-out-acme/smtp", "F38F21044DD", "x@dest.example", "X@Dest.example",
     "mx.dest.example[192.0.2.5]:25", "5.1.1",
     "host mx.dest.example[192.0.2.5] said: 550 5.1.1 <x@dest.example>: User unknown (in reply to "
     "RCPT TO command)",
     ML_BOUNCED},
    {"Nov 23 12:00:01 relay postfix/smtp[1]: 4A: to=<d@dest.example>, relay=none, delay=30, "
     "delays=0/0/30/0, "
     "dsn=4.4.1, status=deferred (connect to mx.dest.example[192.0.2.5]:25: Connection timed "
     "out)\n",
     NULL, "postfix/smtp", "4A", "d@dest.example", "", "none", "4.4.1",
     "connect to mx.dest.example[192.0.2.5]:25: Connection timed out", ML_DEFERRED},
    {"Nov 23 12:00:01 relay postfix/qmgr[2]: 4B: to=<e@dest.example>, relay=none, delay=432000, "
     "delays=432000/0/0/0, dsn=4.4.1, status=expired, returned to sender",
     NULL, "postfix/qmgr", "4B", "e@dest.example", "", "none", "4.4.1", "", ML_EXPIRED},
    /* qmgr in log_adhoc's own form; a space-padded day */
    {"Nov  3 09:00:00 relay postfix/qmgr[2]: 4C: to=<e@dest.example>, relay=none, delay=432000, "
     "delays=432000/0/0/0, dsn=4.4.7, status=expired (message is too old)\n",
     NULL, "postfix/qmgr", "4C", "e@dest.example", "", "none", "4.4.7", "message is too old",
     ML_EXPIRED},
    /* connection reuse, RFC 3339 with Z */
    {"2026-11-23T12:51:37Z relay postfix/smtp[7]: 5D: to=<c@dest.example>, "
     "relay=mx.dest.example[192.0.2.5]:25, "
     "conn_use=2, delay=0.5, delays=0.1/0/0/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as "
     "ABC)",
     NULL, "postfix/smtp", "5D", "c@dest.example", "", "mx.dest.example[192.0.2.5]:25", "2.0.0",
     "250 2.0.0 Ok: queued as ABC", ML_SENT},
    /* journalctl -o short-iso */
    {"2026-11-23T12:51:37+0100 relay postfix/smtp[7]: 5E: to=<c@dest.example>" SENT_TAIL, NULL,
     "postfix/smtp", "5E", "c@dest.example", "", "mx.dest.example[192.0.2.5]:25", "2.0.0",
     "250 2.0.0 Ok", ML_SENT},
    /* a planted record in a quoted local part: the real status is sent, the address whole */
    {H "postfix/smtp[9]: 6E: to=<\"x, status=bounced\"@a.example>" SENT_TAIL, NULL, "postfix/smtp",
     "6E", "\"x, status=bounced\"@a.example", "", "mx.dest.example[192.0.2.5]:25", "2.0.0",
     "250 2.0.0 Ok", ML_SENT},
    {H "postfix/smtp[9]: 6F: to=<\"v@x.test>" BOUNCED_TAIL "\"@a.example>" SENT_TAIL, NULL,
     "postfix/smtp", "6F", "\"v@x.test>" BOUNCED_TAIL "\"@a.example", "",
     "mx.dest.example[192.0.2.5]:25", "2.0.0", "250 2.0.0 Ok", ML_SENT},
    /* a backslash-escaped quote does not end the quoted part */
    {H "postfix/smtp[9]: 70: to=<\"a\\\">, b\"@x.test>, orig_to=<\"o\\\\\"@x.test>" SENT_TAIL, NULL,
     "postfix/smtp", "70", "\"a\\\">, b\"@x.test", "\"o\\\\\"@x.test",
     "mx.dest.example[192.0.2.5]:25", "2.0.0", "250 2.0.0 Ok", ML_SENT},
    /* status= inside the reply is reply text */
    {H "postfix/smtp[9]: 71: to=<v@x.test>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
       "dsn=4.2.0, "
       "status=deferred (host mx said: 450 4.2.0 <v@x.test>, status=bounced (5.1.1) dsn=5.1.1)",
     NULL, "postfix/smtp", "71", "v@x.test", "", "mx[192.0.2.1]:25", "4.2.0",
     "host mx said: 450 4.2.0 <v@x.test>, status=bounced (5.1.1) dsn=5.1.1", ML_DEFERRED},
    /* CRLF, and no line end at all (the first line) */
    {H "postfix/smtp[9]: 72: to=<v@x.test>" SENT_TAIL "\r\n", NULL, "postfix/smtp", "72",
     "v@x.test", "", "mx.dest.example[192.0.2.5]:25", "2.0.0", "250 2.0.0 Ok", ML_SENT},
    /* the other delivery agents, and master.cf's postfix/$service_name/smtp */
    {H "postfix/local[5]: 73: to=<u@relay.example>, orig_to=<alias@relay.example>, relay=local, "
       "delay=0.01, "
       "delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
     NULL, "postfix/local", "73", "u@relay.example", "alias@relay.example", "local", "2.0.0",
     "delivered to mailbox", ML_SENT},
    {H "postfix/pipe[6]: 74: to=<bounce@relay.example>, relay=feedback, delay=0.1, "
       "delays=0/0/0/0.1, dsn=2.0.0, "
       "status=sent (delivered via feedback service (category=hard))",
     NULL, "postfix/pipe", "74", "bounce@relay.example", "", "feedback", "2.0.0",
     "delivered via feedback service (category=hard)", ML_SENT},
    {H "postfix/relay/smtp[6]: 75: to=<v@x.test>" BOUNCED_TAIL, NULL, "postfix/relay/smtp", "75",
     "v@x.test", "", "none", "5.1.1", "x", ML_BOUNCED},
    {H "postfix/error[6]: 76: to=<v@x.test>" BOUNCED_TAIL, NULL, "postfix/error", "76", "v@x.test",
     "", "none", "5.1.1", "x", ML_BOUNCED},
    /* configured names: a per-instance pattern, and one program named outright */
    {H "postfix-out-acme/smtp[6]: 77: to=<v@x.test>" BOUNCED_TAIL, only_out,
     "postfix-out-acme/smtp", "77", "v@x.test", "", "none", "5.1.1", "x", ML_BOUNCED},
    {H "postfix/mydeliver[6]: 78: to=<v@x.test>" BOUNCED_TAIL, explicit_prog, "postfix/mydeliver",
     "78", "v@x.test", "", "none", "5.1.1", "x", ML_BOUNCED},
    /* a long queue id (enable_long_queue_ids) */
    {H "postfix/smtp[6]: 4dYkXn1Z3Jz9vR8: to=<v@x.test>" BOUNCED_TAIL, NULL, "postfix/smtp",
     "4dYkXn1Z3Jz9vR8", "v@x.test", "", "none", "5.1.1", "x", ML_BOUNCED},
};

START_TEST(records)
{
	MAILLOG_REC r;

	ck_assert_int_eq(maillog_parse(recs[_i].line, strlen(recs[_i].line), recs[_i].patterns, &r),
	                 MAILLOG_RECORD);
	ck_assert_str_eq(r.service, recs[_i].service);
	ck_assert_str_eq(r.qid, recs[_i].qid);
	ck_assert_str_eq(r.rcpt, recs[_i].rcpt);
	ck_assert_str_eq(r.orig_rcpt, recs[_i].orig);
	ck_assert_str_eq(r.relay, recs[_i].relay);
	ck_assert_str_eq(r.dsn, recs[_i].dsn);
	ck_assert_str_eq(r.text, recs[_i].text);
	ck_assert_int_eq(r.status, recs[_i].status);
	ck_assert_int_eq(r.text_truncated, 0);
}
END_TEST

/* lines that are no delivery record: len 0 means strlen */
static const struct {
	const char *line;
	size_t len;
	const char *const *patterns;
	int rc;
} others[] = {
    /* kept from check_bounce */
    {"Nov 23 12:51:31 relay postfix/smtpd[8884]: connect from unknown[127.0.0.1]", 0, NULL,
     MAILLOG_OTHER},
    {"Nov 23 12:51:37 relay postfix/qmgr[1]: 13FB81044DF: removed", 0, NULL, MAILLOG_OTHER},
    {"Nov 23 12:51:37 relay postfix/cleanup[2]: 13FB81044DF: message-id=<x@y>", 0, NULL,
     MAILLOG_OTHER},
    {"Nov 23 12:51:37 relay postfix/smtp[3]: 13FB81044DF: to=<a@b>, status=weird (x)", 0, NULL,
     MAILLOG_MALFORMED},
    {"Nov 23 12:51:37 relay postfix/smtp[3]: 13FB81044DF: to=<a@b", 0, NULL, MAILLOG_MALFORMED},
    {"Nov 23 12:51:37 relay kernel[0]: 13FB81044DF: to=<a@b>, status=sent (x)", 0, NULL,
     MAILLOG_OTHER},
    {"", 0, NULL, MAILLOG_OTHER},
    {"garbage \x01\x02 [123]: ", 0, NULL, MAILLOG_OTHER},
    /* the tag: no '/', not a configured name, not a delivery agent */
    {H "postfix[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, every_tag, MAILLOG_OTHER},
    {H "exim/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, only_out, MAILLOG_OTHER},
    {H "postfix/mydeliver[6]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/smtpd[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/cleanup[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/bounce[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/smtp: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {H "postfix/smtp[]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    /* the header: anchored at the line's first byte */
    {"postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {"4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {" " H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {"Nov 23 12:51:37  relay postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    {"Nov 23 12:51:37 postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {"Nov 23 relay postfix/smtp[3]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_OTHER},
    {"Foo 23 12:51:37 relay postfix/smtp[3]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    {"2026-11-23 12:51:37 relay postfix/smtp[3]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    {"2026-11-23T12:51:37 relay postfix/smtp[3]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    {"2026-11-23T12:51:37.+00:00 relay postfix/smtp[3]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    /* record text in our milter's line, quoted by log_quote() or (as it once was) raw */
    {H "tenant-milter[123]: 3F2A1C0: reject: tenant=acme sender=\"x " H
       "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL "\" rcpt=\"y@a.example\": 5.7.1 not yours",
     0, smtpd_too, MAILLOG_OTHER},
    {H "tenant-milter[123]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, smtpd_too, MAILLOG_OTHER},
    {H "postfix/tenant-milter[123]: 3F2A1C0: reject: sender=<x: to=<v@x.test>" BOUNCED_TAIL ">", 0,
     every_tag, MAILLOG_OTHER},
    /* Postfix's own lines that quote client text; even with their programs configured */
    {H "postfix/smtpd[8884]: NOQUEUE: reject: RCPT from x[192.0.2.7]: 554 5.7.1 <v@x.test>: Relay "
       "access denied; "
       "from=<\"a: to=<v@x.test>" BOUNCED_TAIL "\"@a.example> to=<v@x.test> proto=ESMTP helo=<x>",
     0, smtpd_too, MAILLOG_OTHER},
    {H "postfix/cleanup[1]: 3F2A1C0: milter-reject: END-OF-MESSAGE from x[192.0.2.7]: 5.7.1 no; "
       "from=<\"x: to=<v@x.test>" BOUNCED_TAIL
       "\"@a.example> to=<y@a.example> proto=ESMTP helo=<h>",
     0, smtpd_too, MAILLOG_OTHER},
    {H "postfix/smtp[1]: 3F2A1C0: host mx[192.0.2.1] said: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    /* an address that cannot hide a field list: unquoted space, comma, '<', or an open quote */
    {H "postfix/smtp[1]: 4A: to=<v@x.test" BOUNCED_TAIL ">" SENT_TAIL, 0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[1]: 4A: to=<v@x.test,w@x.test>" SENT_TAIL, 0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[1]: 4A: to=<<v@x.test>" SENT_TAIL, 0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[1]: 4A: to=<\"v@x.test>" BOUNCED_TAIL, 0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[1]: 4A: to=<>" SENT_TAIL, 0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[1]: 4A: to=<v@x.test>x" SENT_TAIL, 0, NULL, MAILLOG_MALFORMED},
    /* the fields in order, each once: missing, reordered, or text after the reply */
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, dsn=5.0.0, status=bounced (x)", 0, NULL,
     MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delays=1/0/0/0, delay=1, dsn=5.1.1, "
       "status=bounced (x)",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0, dsn=5.1.1, "
       "status=bounced (x)",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1, "
       "status=bounced (x)",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, "
       "status=bounced",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>" BOUNCED_TAIL " and more", 0, NULL,
     MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, "
       "status=bouncedx (x)",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, "
       "status=sent, "
       "returned to sender",
     0, NULL, MAILLOG_MALFORMED},
    {H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=a b, delay=1, delays=1/0/0/0, dsn=5.1.1, "
       "status=bounced (x)",
     0, NULL, MAILLOG_MALFORMED},
    /* NUL, CR and LF inside the line */
    {H "postfix/smtp[1]: 4A: to=<victim@x.test\0aaaa@evil.example>" BOUNCED_TAIL,
     sizeof(H "postfix/smtp[1]: 4A: to=<victim@x.test\0aaaa@evil.example>" BOUNCED_TAIL) - 1, NULL,
     MAILLOG_OTHER},
    {H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL "\0",
     sizeof(H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL "\0") - 1, NULL, MAILLOG_OTHER},
    {H "postfix/smtp[1]: 4A: to=<v@x.test>, relay=none, delay=1, delays=1/0/0/0, dsn=5.1.1, "
       "status=bounced (x\r)",
     0, NULL, MAILLOG_OTHER},
    {H "tenant-milter[1]: x\n" H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, 0, NULL,
     MAILLOG_OTHER},
    {H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL "\n\n", 0, NULL, MAILLOG_OTHER},
};

START_TEST(not_records)
{
	MAILLOG_REC r;
	size_t len = others[_i].len ? others[_i].len : strlen(others[_i].line);

	ck_assert_int_eq(maillog_parse(others[_i].line, len, others[_i].patterns, &r),
	                 others[_i].rc);
}
END_TEST

/* nothing is cut: an address, relay or queue id that does not fit is no record */
START_TEST(never_cut)
{
	SBUF *l = sbuf_new(1024);
	MAILLOG_REC r;
	char pad[600];

	memset(pad, 'a', sizeof(pad));
	/* victim@x.test. and 400 bytes: not a record for victim@x.test. */
	sbuf_printf(l, H "postfix/smtp[1]: 4A: to=<victim@x.test.%.400s>" BOUNCED_TAIL, pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_MALFORMED);
	sbuf_reset(l);
	sbuf_printf(
	    l, H "postfix/smtp[1]: 4A: to=<v@x.test>, orig_to=<victim@x.test.%.400s>" BOUNCED_TAIL,
	    pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_MALFORMED);
	/* the bound: 386 bytes fit, 387 do not */
	sbuf_reset(l);
	sbuf_printf(l, H "postfix/smtp[1]: 4A: to=<%.379s@x.test>" BOUNCED_TAIL, pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_RECORD);
	ck_assert_uint_eq(strlen(r.rcpt), 386);
	sbuf_reset(l);
	sbuf_printf(l, H "postfix/smtp[1]: 4A: to=<%.380s@x.test>" BOUNCED_TAIL, pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_MALFORMED);
	sbuf_reset(l);
	sbuf_printf(
	    l,
	    H
	    "postfix/smtp[1]: 4A: to=<v@x.test>, relay=%.256s, delay=1, delays=1/0/0/0, dsn=5.1.1, "
	    "status=bounced (x)",
	    pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_MALFORMED);
	sbuf_reset(l);
	sbuf_printf(l, H "postfix/smtp[1]: %.32s: to=<v@x.test>" BOUNCED_TAIL,
	            "ABCDEF0123456789ABCDEF0123456789");
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_MALFORMED);
	sbuf_reset(l);
	sbuf_printf(l, H "postfix/%.60s[1]: 4A: to=<v@x.test>" BOUNCED_TAIL, pad);
	ck_assert_int_eq(maillog_parse(l->s, l->len, every_tag, &r), MAILLOG_OTHER);
	sbuf_free(l);
}
END_TEST

/* the reply alone is capped, and says so */
START_TEST(long_reply)
{
	SBUF *l = sbuf_new(8192);
	MAILLOG_REC r;

	sbuf_cat(l, H "postfix/smtp[3]: 5C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, "
	              "dsn=5.0.0, "
	              "status=bounced (550 ");
	for (int i = 0; i < 7000; i++)
		sbuf_putc(l, 'x');
	sbuf_cat(l, ")\n");
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_RECORD);
	ck_assert_int_eq(r.text_truncated, 1);
	ck_assert_uint_eq(strlen(r.text), 4095);
	ck_assert_int_eq(strncmp(r.text, "550 xxx", 7), 0);
	ck_assert_str_eq(r.rcpt, "a@b.example");
	ck_assert_int_eq(r.status, ML_BOUNCED);
	/* 4095 bytes fit whole */
	sbuf_truncate(l, l->len - 2 - (7000 - 4091));
	sbuf_cat(l, ")");
	ck_assert_int_eq(maillog_parse(l->s, l->len, NULL, &r), MAILLOG_RECORD);
	ck_assert_int_eq(r.text_truncated, 0);
	ck_assert_uint_eq(strlen(r.text), 4095);
	sbuf_free(l);
}
END_TEST

START_TEST(names_split)
{
	char **v = maillog_names_split(" postfix/smtp,postfix-out-*/smtp\tpostfix/relay/* ,");

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "postfix/smtp");
	ck_assert_str_eq(v[1], "postfix-out-*/smtp");
	ck_assert_str_eq(v[2], "postfix/relay/*");
	ck_assert_ptr_null(v[3]);
	v = maillog_names_free(v);
	ck_assert_ptr_null(v);
	ck_assert_ptr_null(maillog_names_split(" , \t"));
	ck_assert_ptr_null(maillog_names_split(""));
	ck_assert_ptr_null(maillog_names_split(NULL));
	ck_assert_ptr_null(maillog_names_free(NULL));
}
END_TEST

static const struct {
	const char *in;
	size_t n;
	const char *out;
} quotes[] = {
    {"", 0, "\"\""},
    {"abc@x.test", 10, "\"abc@x.test\""},
    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
    {"x\r\ny\t", 5, "\"x\\x0D\\x0Ay\\x09\""},
    {"a\0b", 3, "\"a\\x00b\""},
    {"\x1f\x7f\x80\xc3\xa9\xff", 6, "\"\\x1F\\x7F\\x80\\xC3\\xA9\\xFF\""},
    {"x\" rcpt=\"v@x.test", 17, "\"x\\\" rcpt=\\\"v@x.test\""},
    {"~ !#", 4, "\"~ !#\""},
};

START_TEST(quote)
{
	SBUF *b = sbuf_new(8);

	sbuf_cat(b, "sender=");
	log_quote(b, quotes[_i].in, quotes[_i].n);
	ck_assert_str_eq(sbuf_str(b) + 7, quotes[_i].out);
	sbuf_free(b);
}
END_TEST

/* the invariant: our quoted fields never hold an unescaped '"' and never make a record */
START_TEST(quoted_milter_line)
{
	static const char hostile[] =
	    "x\" rcpt=\"y\"\n" H "postfix/smtp[1]: 4A: to=<v@x.test>" BOUNCED_TAIL;
	SBUF *b = sbuf_new(256);
	MAILLOG_REC r;
	size_t q = 0;

	sbuf_cat(b, H "tenant-milter[123]: 3F2A1C0: reject: tenant=acme sender=");
	log_quote(b, hostile, sizeof(hostile) - 1);
	sbuf_cat(b, " rcpt=");
	log_quote(b, hostile, sizeof(hostile) - 1);
	sbuf_cat(b, ": 5.7.1 not yours\n");
	ck_assert_ptr_null(memchr(b->s, '\n', b->len - 1));
	for (size_t i = 0; i < b->len; i++)
		if (b->s[i] == '"' && b->s[i - 1] != '\\')
			q++;
	ck_assert_uint_eq(q, 4); /* two fields, each opened and closed once */
	ck_assert_int_eq(maillog_parse(b->s, b->len, NULL, &r), MAILLOG_OTHER);
	ck_assert_int_eq(maillog_parse(b->s, b->len, smtpd_too, &r), MAILLOG_OTHER);
	sbuf_free(b);
}
END_TEST

/* inputs the fuzzer (fuzz/run) once crashed on, replayed line by line under the sanitizers */
START_TEST(fuzz_regressions)
{
	char dir[512], path[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/fuzz", TOP_SRCDIR);
	ck_assert((d = opendir(dir)) != NULL);
	while ((e = readdir(d)) != NULL) {
		FILE *fp;
		char *data = malloc(1 << 20);
		size_t len;
		if (e->d_name[0] == '.') {
			free(data);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ck_assert((fp = fopen(path, "rb")) != NULL);
		len = fread(data, 1, 1 << 20, fp);
		fclose(fp);
		for (char *p = data, *end = data + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char *line =
			    malloc(l ? l : 1); /* not NUL-terminated, exactly as long as the line */
			MAILLOG_REC rec;
			int rc;
			memcpy(line, p, l);
			rc = maillog_parse(line, l, every_tag, &rec);
			ck_assert(rc >= MAILLOG_MALFORMED && rc <= MAILLOG_RECORD);
			free(line);
			p += l + 1;
		}
		free(data);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 1);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, records, 0, sizeof(recs) / sizeof(recs[0]));
	tcase_add_loop_test(tc, not_records, 0, sizeof(others) / sizeof(others[0]));
	tcase_add_test(tc, never_cut);
	tcase_add_test(tc, long_reply);
	tcase_add_test(tc, names_split);
	tcase_add_loop_test(tc, quote, 0, sizeof(quotes) / sizeof(quotes[0]));
	tcase_add_test(tc, quoted_milter_line);
	tcase_add_test(tc, fuzz_regressions);
}
