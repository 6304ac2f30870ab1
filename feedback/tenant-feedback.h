/*
 * NAME
 *	tenant-feedback 3h - what tenant-feedback's files share
 * DESCRIPTION
 *	tenant-feedback.c parses the options, loads what a command needs and
 *	dispatches through its command table; fb_classify.c holds the read-only
 *	commands (classify, scan), fb_follow.c the log follower (follow) and
 *	fb_mail.c the pipe(8) commands (dsn, unsubscribe).
 */
#ifndef TENANT_FEEDBACK_H
#define TENANT_FEEDBACK_H

#include <stddef.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_maillog.h"
#include "tm_provider.h"
#include "tm_sbuf.h"

/* FB_CTX - what main() loaded for a command; all borrowed for the command's run */
typedef struct FB_CTX {
	CONF *c;
	const BRULES *rules;
	const char *rules_path; /* the file rules came from, read again on SIGHUP; NULL: built in */
	const PMAP *pm;     /* the provider map: NULL without FB_CMD_PMAP, or when unreadable */
	char *const *names; /* postfix_syslog_names, split; NULL-terminated */
} FB_CTX;

/* fb_usage - the usage text on stderr, exit status 2 */
void fb_usage(void) __attribute__((noreturn));

/* fb_read_all - a whole file ("-": standard input), NUL-terminated; owned, or NULL with err */
char *fb_read_all(const char *path, size_t *len, SBUF *err);

/*
 * fb_log_record - maillog_parse() with the configured syslog names: 1 for a
 * delivery record in rec; a malformed one is skipped with a warning naming
 * path, unit ("line", "offset") and where, never its text
 */
int fb_log_record(const char *line, size_t n, char *const *names, MAILLOG_REC *rec,
                  const char *path, const char *unit, long long where);

/*
 * The commands, run by main() with what it loaded; each returns the exit status.
 * fb_cmd_classify - "classify [--json] FILE...": a line per recipient; 1: a file unreadable
 * fb_cmd_scan - "scan [--json] FILE|-": each delivery record of a Postfix log, classified
 * fb_cmd_follow - "follow [--from-start] [--once] FILE|-": a Postfix log applied to Redis
 * fb_cmd_dsn - "dsn [RECIPIENT]": one bounce or report; 0, or 75 to make Postfix retry
 * fb_cmd_unsubscribe - "unsubscribe RECIPIENT": the mailto path of RFC 8058; 0, or 75
 */
int fb_cmd_classify(const FB_CTX *x, int argc, char **argv);
int fb_cmd_scan(const FB_CTX *x, int argc, char **argv);
int fb_cmd_follow(const FB_CTX *x, int argc, char **argv);
int fb_cmd_dsn(const FB_CTX *x, int argc, char **argv);
int fb_cmd_unsubscribe(const FB_CTX *x, int argc, char **argv);

#endif
