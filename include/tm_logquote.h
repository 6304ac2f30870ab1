/*
 * NAME
 *	tm_logquote 3h - client text in our log lines, unambiguously
 * DESCRIPTION
 *	log_quote() appends '"', the n bytes at s, and '"' to out. Inside,
 *	'"' and '\' are written as \" and \\, and every byte below 0x20, 0x7f
 *	and every byte from 0x80 up as \xHH (upper-case hex). So the quoted
 *	text holds no unescaped '"', no newline and no control byte: a reader
 *	(or tenant-feedback's log parser) cannot take any of it for the end
 *	of the field, a new log line, or a field of its own. s may hold NUL
 *	bytes; s may be NULL when n is 0.
 * SEE ALSO
 *	tm_maillog.h
 */
#ifndef TM_LOGQUOTE_H
#define TM_LOGQUOTE_H

#include <stddef.h>

#include "tm_sbuf.h"

/* log_quote - append s[0..n) to out as a quoted, escaped string */
void log_quote(SBUF *out, const char *s, size_t n);

#endif
