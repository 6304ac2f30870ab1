/*
 * NAME
 *	dsn_walk 3h - what lib/dsn.c and lib/dsn_text.c share (not installed)
 * DESCRIPTION
 *	WALK is the state of one dsn_parse(): the report being filled, the
 *	rules, and the human-readable text of the message. dsn.c walks the MIME
 *	structure and reads the RFC 3464 and RFC 5965 fields; dsn_text.c finds
 *	recipients and their reasons in the words of a plain-text bounce.
 */
#ifndef DSN_WALK_H
#define DSN_WALK_H

#include <gmime/gmime.h>

#include "tm_dsn.h"
#include "tm_sbuf.h"

#define DSN_MAX_RCPTS 100
#define DSN_MAX_TEXT (256 * 1024)

typedef struct {
	DSN_REPORT *out;
	const BRULES *rules;
	SBUF *text;	/* human-readable parts, for plain-text bounces */
	char *to;	/* To of the returned original */
	char *rcvd_for; /* the envelope recipient of the returned original's first Received ("for <x>"), or NULL */
	int orig_seen;	/* the first returned original's header fields were read: none after it count for rcvd_for */
	char *jmrp;	/* X-HmXmrOriginalRecipient of a returned original (Microsoft's JMRP report) */
	GMimeMessage *inner; /* the first attached message (a reference), maybe a bounce forwarded whole */
	int guessed;	/* the recipient is the returned original's, for want of any the words name */
	int pasted;	/* the input had no header: a bounce's text, pasted (dsn_parse) */
	int have_fields;
	int warning;	/* a plain-text delay warning: its recipients are still being tried */
	char *sender_domain; /* the domain of the bounce's To (the original's sender), or NULL */
} WALK;

/* dsn_add - a new recipient of r (owning recipient), or NULL for a repeat or past DSN_MAX_RCPTS */
DSN_RCPT *dsn_add(DSN_REPORT *r, char *recipient);
/* dsn_first_addr - the address of l's first mailbox (borrowed from l), or NULL */
const char *dsn_first_addr(InternetAddressList *l);
/* dsn_clean_addr - "rfc822; <User@Example.COM>" -> "User@Example.COM" (owned), or NULL */
char *dsn_clean_addr(const char *v);
/* dsn_field_at - does line start with one of the field names ("Received:", ...) of names (NULL-ended)? */
int dsn_field_at(const char *line, const char *const names[]);
/* dsn_classify - x's status, code, category and finality from its action and text */
void dsn_classify(WALK *w, DSN_RCPT *x);

/* dsn_text_of - x's text: text[from, to), at most 2000 bytes, on one line (control bytes are spaces) */
void dsn_text_of(DSN_RCPT *x, const char *from, const char *to);

/* dsn_fields.c */
/* A block of header fields: names and values, unfolded (at most 64) */
typedef struct {
	char *name[64], *value[64];
	int n;
} FIELDS;
/* fields_next - the next block of "Name: value" lines at *pp into f (cleared first); 0 at the end */
int fields_next(const char **pp, FIELDS *f);
/* fields_get - the first value of the field name in f (borrowed), or NULL */
const char *fields_get(const FIELDS *f, const char *name);
/* fields_clear - free f's names and values */
void fields_clear(FIELDS *f);
/* dsn_received_qid - the Postfix queue id a Received field v names, kept as a candidate in out */
void dsn_received_qid(DSN_REPORT *out, const char *v);
/* dsn_original_headers - a returned original's header fields, as text (text/rfc822-headers, or inline) */
void dsn_original_headers(WALK *w, const char *text);
/* dsn_original_message - a returned original's header fields, attached whole (message/rfc822) */
void dsn_original_message(WALK *w, GMimeMessage *m);

/* dsn_reply_status - whose status counts: the receiver's own in x's reply, over the reporting MTA's guess */
void dsn_reply_status(DSN_RCPT *x);
/* dsn_set_verdict - x's reason, category and rule from v */
void dsn_set_verdict(DSN_RCPT *x, const BOUNCE_VERDICT *v);

/* dsn_kind.c */
/* dsn_looks_like_bounce - from the null sender or a mailer daemon, a report, or a subject bounces use */
int dsn_looks_like_bounce(GMimeMessage *m);
/* dsn_says_undelivered - no bounce by its headers, but it returns an original its words say was not delivered */
int dsn_says_undelivered(const WALK *w, GMimeMessage *m);
/* dsn_is_autoreply - an automatic reply, by its headers or subject */
int dsn_is_autoreply(GMimeMessage *m);
/* dsn_is_vacation - a person's automatic reply by its own marks (X-Autoreply, its subject), not Auto-Submitted */
int dsn_is_vacation(GMimeMessage *m);
/* dsn_autoreply - m is an automatic reply: its From, with verdict v (nothing failed) */
void dsn_autoreply(DSN_REPORT *out, GMimeMessage *m, const BOUNCE_VERDICT *v);
/* dsn_arf - the recipients of a feedback report, each with what its Feedback-Type means */
void dsn_arf(WALK *w);
/* dsn_is_jmrp - a report of Microsoft's Junk Mail Reporting Program (the complainant: w->jmrp) */
int dsn_is_jmrp(GMimeMessage *m);
/* dsn_challenge - a challenge-response notice (the rules say auto-reply): an auto-reply */
void dsn_challenge(WALK *w, GMimeMessage *m);

/* dsn_ses.c */
/* dsn_ses - the text is an Amazon SES notification (SNS by mail): its recipients read; 0 if it is not one */
int dsn_ses(WALK *w);

/* dsn_text.c */
/* dsn_cut_original - the text, up to where a returned original begins; its To and Received recipient, when no original was found */
void dsn_cut_original(WALK *w);
/* dsn_context - what text says after its first mention of addr, on one line (owned; "" if none) */
char *dsn_context(const char *text, const char *addr);
/* dsn_html_text - the words of an HTML part, appended to out */
void dsn_html_text(SBUF *out, const char *html);
/* dsn_text_bounce - the recipients of a plain-text bounce m, and why each failed */
void dsn_text_bounce(WALK *w, GMimeMessage *m);

#endif
