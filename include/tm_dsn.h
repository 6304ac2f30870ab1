/*
 * NAME
 *	tm_dsn 3h - delivery status notifications and feedback reports
 * DESCRIPTION
 *	dsn_parse() reads one message with GMime and finds what it reports:
 *	RFC 3464 delivery-status fields, RFC 5965 feedback-report fields, the
 *	headers of the returned original (X-Tenant, Message-ID, To), or, for
 *	the many MTAs that send plain-text bounces (qmail, Exim, old Sendmail,
 *	Exchange, Domino...), recipients and reply texts found in the text. Each
 *	recipient is classified with the bounce rules.
 */
#ifndef TM_DSN_H
#define TM_DSN_H

#include <stddef.h>

#include "tm_bounce.h"
#include "tm_sbuf.h"

enum dsn_kind { DSN_NONE, DSN_DSN, DSN_ARF, DSN_TEXT, DSN_AUTOREPLY };

#define DSN_MAX_QIDS 4

typedef struct {
	char *recipient;      /* Final-Recipient (or the one a text names) */
	char *orig_recipient; /* Original-Recipient, the address the sender gave, when it differs; or NULL */
	char status[16]; /* "5.1.1"; "" if unknown */
	int code;	 /* 550; 0 if unknown */
	char *action;	 /* failed, delayed, delivered, relayed, expanded; "" */
	char *text;	 /* diagnostic or reply text */
	int category;
	char *reason; /* the reason's name: "user-unknown" (tm_bounce.h) */
	int final;    /* a failure (1) or a delay warning (0) */
	char *rule;   /* what decided: "bounce-rules.conf:42", or the code's note */
	char *source; /* the deciding rule's "# source:" comment, or NULL */
	int by_rule;  /* a rule decided (1), or the code, for want of one (0) */
} DSN_RCPT;

typedef struct {
	int kind;
	char *feedback_type; /* ARF */
	char *tenant;	     /* X-Tenant of the returned original */
	char *message_id;    /* Message-ID of the returned original */
	char *report_id;     /* the report's own Message-ID (its sender's, not the original's), or NULL */
	char *queue_id;	     /* X-Postfix-Queue-ID of the reporting MTA, if it is Postfix */
	char *auth_results;  /* the report's own topmost Authentication-Results, or NULL */
	char *qids[DSN_MAX_QIDS]; /* "(Postfix) ... id QID" of the returned original's Received fields */
	size_t nqids;
	DSN_RCPT *r;
	size_t n;
	/* a feedback report that names no recipient (redacted: "undisclosed recipient"): its
	   verdict, recipient NULL; n is then 0. Counted against the tenant, it suppresses no one */
	DSN_RCPT *unnamed;
} DSN_REPORT;

/* dsn_parse - 0 (kind DSN_NONE when it is no bounce or report); never fails on bad input */
int dsn_parse(const char *data, size_t len, const BRULES *rules, DSN_REPORT *out);
void dsn_report_clear(DSN_REPORT *r);

#endif
