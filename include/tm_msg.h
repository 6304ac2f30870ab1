/*
 * NAME
 *	tm_msg 3h - diagnostics
 * DESCRIPTION
 *	msg_info() is gated by log_level; msg_warn() is for recoverable problems;
 *	msg_fatal() is only for start-up and configuration; msg_panic() is for a
 *	broken invariant. Request-path code returns a status instead of aborting.
 */
#ifndef TM_MSG_H
#define TM_MSG_H

#include <stdarg.h>

enum msg_level { MSG_ERROR = 0, MSG_WARN = 1, MSG_INFO = 2, MSG_DEBUG = 3 };

/* msg_open - log to syslog (to_stderr == 0) or to stderr, as ident */
void msg_open(const char *ident, int to_stderr, const char *facility);
void msg_also_stderr(int on); /* also write syslog lines to stderr */
void msg_set_level(int level);
int msg_facility_code(const char *name); /* -1 if unknown */

void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void msg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
