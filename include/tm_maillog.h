/*
 * NAME
 *	tm_maillog 3h - Postfix delivery log records
 * DESCRIPTION
 *	maillog_parse() reads one line of a mail log, in the maillog_file
 *	format ("Nov 23 12:51:37 host postfix/smtp[9096]: ...") or syslog's
 *	(the same, or with an RFC 3339 timestamp "2026-11-23T12:51:37Z",
 *	"...37.123456+00:00", or journalctl -o short-iso's "...37+0000"), and
 *	returns the delivery attempt it records: queue id, recipient, relay,
 *	dsn, status and the remote reply. The RFC 3164 day may be space-padded.
 *
 *	A line is a record only when Postfix wrote it: it is anchored at the
 *	syslog header ("TIMESTAMP HOST NAME[PID]: "), NAME must match one of
 *	the configured syslog name patterns (fnmatch(3), no flags, so '*'
 *	also matches '/'), and the program after NAME's last '/' must be a
 *	delivery agent: smtp, lmtp, local, virtual, pipe, error, retry,
 *	discard or qmgr. A pattern whose part after its last '/' has no glob
 *	character ("postfix-out-acme/relay") opts that one program in as well.
 *	NAME always contains a '/', as Postfix's tags do. The message is then
 *	read field by field in the order Postfix's log_adhoc() writes it,
 *	never by searching:
 *
 *	QID: to=<A>, [orig_to=<A>, ]relay=R, [conn_use=N, ]delay=D,
 *	delays=a/b/c/d, dsn=X.Y.Z, status=WORD (TEXT)
 *
 *	An address A ends at the first '>' outside double quotes; inside
 *	quotes (Postfix's external form, info_log_address_format = external,
 *	the default since Postfix 3.5) '>', ',' and ' ' are data and '\'
 *	escapes the next byte. Outside quotes a ' ', ',' or '<' makes the line
 *	malformed, so no address can hide a second field list.
 *
 *	Nothing is cut: a field that does not fit its buffer makes the line
 *	malformed. The one exception is TEXT, which is only used to classify:
 *	it keeps its first sizeof(text) - 1 bytes and sets text_truncated.
 * SEE ALSO
 *	Postfix log_adhoc.c, tenant-milter.conf(5) postfix_syslog_names
 */
#ifndef TM_MAILLOG_H
#define TM_MAILLOG_H

#include <stddef.h>

enum maillog_status { ML_SENT, ML_DEFERRED, ML_BOUNCED, ML_EXPIRED };

/* the syslog name patterns used when maillog_parse() is given NULL */
#define MAILLOG_DEFAULT_NAMES "postfix*/*"

/* maillog_parse() results */
#define MAILLOG_RECORD 1       /* a delivery record, in *out */
#define MAILLOG_OTHER 0        /* any other line */
#define MAILLOG_MALFORMED (-1) /* "QID: to=<" from a delivery agent, then no record */

/*
 * The longest address kept, plus its NUL: an RFC 5321 address as Postfix
 * prints it, a 64-octet local part quoted with each octet escaped (130),
 * '@' and a 255-octet domain. A longer one makes the line malformed.
 */
#define MAILLOG_ADDR_SIZE (130 + 1 + 255 + 1)

typedef struct {
	char service[64]; /* the tag's NAME: "postfix-out-acme/smtp" */
	char qid[32];
	char rcpt[MAILLOG_ADDR_SIZE]; /* as Postfix printed it, quotes included: "\"a b\"@x.test" */
	char orig_rcpt[MAILLOG_ADDR_SIZE]; /* orig_to=, or "" */
	char relay[256];
	char dsn[16];       /* "5.1.1" */
	int status;         /* ML_* */
	int text_truncated; /* 1: text holds only the reply's first sizeof(text) - 1 bytes */
	char text[4096];    /* the parenthesised reply or reason, or "" */
} MAILLOG_REC;

/*
 * maillog_parse - one log line of len bytes (one trailing "\n" or "\r\n"
 * allowed; any other NUL, CR or LF makes it no record). patterns is a
 * NULL-terminated list of syslog name patterns, or NULL for
 * MAILLOG_DEFAULT_NAMES. Returns MAILLOG_RECORD, MAILLOG_OTHER or
 * MAILLOG_MALFORMED (worth a warning: Postfix's delivery agent wrote a
 * line we cannot read, or one with an oversized field). *out is defined
 * only for MAILLOG_RECORD. Pure: no allocation, no state.
 */
int maillog_parse(const char *line, size_t len, const char *const *patterns, MAILLOG_REC *out);
const char *maillog_status_name(int st);

/*
 * maillog_names_split - a postfix_syslog_names value ("postfix/smtp, postfix-out-acme/smtp",
 * separated by white space or commas) as an owned NULL-terminated vector,
 * or NULL (meaning MAILLOG_DEFAULT_NAMES) when it holds no pattern.
 * maillog_names_free() accepts NULL and returns NULL.
 */
char **maillog_names_split(const char *list);
char **maillog_names_free(char **names);

#endif
