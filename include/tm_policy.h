/*
 * NAME
 *	tm_policy 3h - Postfix policy delegation and socketmap wire formats
 * DESCRIPTION
 *	A policy request is "name=value" lines ended by an empty line; the
 *	reply is "action=..." and an empty line. A line ends with LF; one CR
 *	just before the LF belongs to the line end, so "name=value\r\n" is
 *	"name=value" and "\r\n" is the empty line, for the limits and for the
 *	value alike. Any other CR is part of the value. A socketmap request and reply
 *	are netstrings, "LEN:DATA,", holding "mapname key" and "OK value",
 *	"NOTFOUND ", "TEMP reason" or "PERM reason".
 *
 *	The parsers work in place on a connection's input buffer and never
 *	read past len: they return the bytes one complete request used, 0 when
 *	more input is needed, or -1 with a reason when the input is malformed
 *	or over a limit, in which case the connection is to be closed.
 */
#ifndef TM_POLICY_H
#define TM_POLICY_H

#include <stddef.h>

#include "tm_sbuf.h"

#define POLICY_MAX_ATTRS_HARD 1024

typedef struct {
	const char *name[POLICY_MAX_ATTRS_HARD];
	const char *value[POLICY_MAX_ATTRS_HARD];
	size_t n;
} PREQ;

/*
 * policy_parse - one request from buf[0..len), which it modifies in place
 * (NUL-terminating names and values; req points into buf). max_line bounds
 * a line (not counting its CR LF), max_attrs the attributes of one request.
 */
long policy_parse(char *buf, size_t len, size_t max_line, size_t max_attrs, PREQ *req, SBUF *err);
/*
 * POLICY_REQUEST_MAX - the most bytes one request within the limits takes:
 * max_attrs lines of max_line bytes, each ended by CRLF, then CRLF. A
 * connection's input buffer of this size always holds a whole request.
 */
#define POLICY_REQUEST_MAX(max_line, max_attrs) ((max_attrs) * ((max_line) + 2) + 2)
/* preq_get - the value of an attribute, or NULL */
const char *preq_get(const PREQ *req, const char *name);
/* policy_reply - append "action=ACTION\n\n"; CR, LF and NUL in action become spaces */
void policy_reply(SBUF *out, const char *action);

/* netstring_parse - one netstring; *data points into buf, *dlen its length (max bytes of data) */
long netstring_parse(const char *buf, size_t len, size_t max, const char **data, size_t *dlen, SBUF *err);
void netstring_put(SBUF *out, const char *data, size_t n);

#endif
