/*
 * NAME
 *	tm_maillog 3h - Postfix delivery log lines
 * DESCRIPTION
 *	maillog_parse() reads one line of Postfix's delivery log, in the
 *	maillog_file format ("Nov 23 12:51:37 host postfix/smtp[9096]: ...")
 *	or syslog's (the same, or with an RFC 3339 timestamp), whatever the
 *	service's syslog_name ("postfix-out-acme/smtp"), and returns the
 *	delivery attempt it records: queue id, recipient, relay, dsn, status
 *	and the remote reply. Other lines are not delivery records.
 */
#ifndef TM_MAILLOG_H
#define TM_MAILLOG_H

#include <stddef.h>

enum maillog_status { ML_SENT, ML_DEFERRED, ML_BOUNCED, ML_EXPIRED };

typedef struct {
	char service[64];  /* "postfix-out-acme/smtp" */
	char qid[32];
	char rcpt[321];
	char orig_rcpt[321]; /* orig_to=, or "" */
	char relay[256];
	char dsn[16];	   /* "5.1.1" */
	int status;	   /* ML_* */
	char text[1024];   /* the parenthesised reply or reason */
} MAILLOG_REC;

/* maillog_parse - 1 for a delivery record, 0 for any other line (never fails) */
int maillog_parse(const char *line, size_t len, MAILLOG_REC *out);
const char *maillog_status_name(int st);

#endif
