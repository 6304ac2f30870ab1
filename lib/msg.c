/*
 * NAME
 *	msg - diagnostics to syslog or stderr
 * DESCRIPTION
 *	One sink per process, chosen at start-up. Lines written to stderr carry
 *	a level prefix like Postfix's ("warning:", "fatal:", "panic:").
 * SEE ALSO
 *	tm_msg.h; Postfix msg(3)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "tm_msg.h"

static int msg_to_stderr = 1;
static int msg_to_syslog = 0;
static int msg_level = MSG_INFO;
static const char *msg_ident = "tenant-milter";

static const struct {
	const char *name;
	int code;
} msg_facilities[] = {
	{"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
	{"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
	{"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* msg_facility_code - map a syslog facility name to its code */
int
msg_facility_code(const char *name)
{
	for (size_t i = 0; i < sizeof(msg_facilities) / sizeof(msg_facilities[0]); i++)
		if (strcmp(name, msg_facilities[i].name) == 0)
			return msg_facilities[i].code;
	return -1;
}

/* msg_open - choose the sink */
void
msg_open(const char *ident, int to_stderr, const char *facility)
{
	int fac = facility ? msg_facility_code(facility) : LOG_MAIL;

	msg_ident = ident;
	msg_to_stderr = to_stderr;
	msg_to_syslog = !to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, fac < 0 ? LOG_MAIL : fac);
}

/* msg_also_stderr - copy syslog lines to stderr too, until a daemon detaches */
void
msg_also_stderr(int on)
{
	msg_to_stderr = on;
}

void
msg_set_level(int level)
{
	msg_level = level;
}

/* msg_vlog - write one line; never allocates, so it is safe on any path */
static void
msg_vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (msg_to_stderr)
		fprintf(stderr, "%s: %s%s\n", msg_ident, tag, line);
	if (msg_to_syslog)
		syslog(prio, "%s%s", tag, line);
}

#define MSG_BODY(lvl, prio, tag)                                                                   \
	va_list ap;                                                                                \
	if (msg_level < (lvl))                                                                     \
		return;                                                                            \
	va_start(ap, fmt);                                                                         \
	msg_vlog((prio), (tag), fmt, ap);                                                          \
	va_end(ap)

void
msg_debug(const char *fmt, ...)
{
	MSG_BODY(MSG_DEBUG, LOG_DEBUG, "debug: ");
}

void
msg_info(const char *fmt, ...)
{
	MSG_BODY(MSG_INFO, LOG_INFO, "");
}

void
msg_warn(const char *fmt, ...)
{
	MSG_BODY(MSG_WARN, LOG_WARNING, "warning: ");
}

void
msg_error(const char *fmt, ...)
{
	MSG_BODY(MSG_ERROR, LOG_ERR, "error: ");
}

void
msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void
msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}
