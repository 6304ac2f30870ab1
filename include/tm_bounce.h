/*
 * NAME
 *	tm_bounce 3h - delivery outcome classification (rules are data)
 * DESCRIPTION
 *	A rule file (conf/bounce-rules.conf) lists conditions on the enhanced
 *	status code, the basic SMTP reply code and the reply text, and the
 *	category they mean. The first rule that matches wins, so specific rules
 *	come first: "mailbox full" before 5.x.x, "user unknown" before a
 *	generic 550.
 *
 *	text=/REGEX/ conditions see at most the first BOUNCE_MATCH_MAX bytes of
 *	the text, cut before a UTF-8 character that would not fit: POSIX regexec
 *	is quadratic on an unanchored ".*" rule, and a Diagnostic-Code can be
 *	256 KB. The status and code conditions are not affected: callers take
 *	them from the whole text (bounce_extract_status, bounce_extract_code)
 *	and pass them separately.
 */
#ifndef TM_BOUNCE_H
#define TM_BOUNCE_H

#include <stddef.h>

#include "tm_sbuf.h"

enum bounce_category {
	BC_NONE,	/* not a bounce or a report */
	BC_DELIVERED,
	BC_HARD,
	BC_SOFT,
	BC_BLOCK,	/* policy or reputation: do not suppress, watch the tenant */
	BC_THROTTLE,	/* slow down */
	BC_COMPLAINT,
	BC_UNSUBSCRIBE, /* ARF opt-out */
	BC_AUTOREPLY,	/* ignored */
};

const char *bounce_category_name(int c);
int bounce_category_parse(const char *s); /* -1 if unknown */

/* the most bytes of a text that text=/REGEX/ conditions are matched against */
#define BOUNCE_MATCH_MAX 4096

typedef struct bounce_rules BRULES;

/* brules_parse - NULL with "origin:line: reason" per problem in errs */
BRULES *brules_parse(const char *origin, const char *text, SBUF *errs);
BRULES *brules_load(const char *path, SBUF *errs);
BRULES *brules_free(BRULES *r);
/* brules_default - the rules shipped in conf/bounce-rules.conf, compiled in */
BRULES *brules_default(void);
size_t brules_count(const BRULES *r);

/*
 * bounce_classify - status ("5.1.1", may be ""), code (550, or 0), text (the
 * diagnostic or reply, may be ""). Returns the category; reason gets the
 * matching rule's reason (or a fallback).
 */
int bounce_classify(const BRULES *r, const char *status, int code, const char *text, SBUF *reason);

/*
 * bounce_match_len - how many leading bytes of text (of length len) rule
 * matching sees: len, or at most BOUNCE_MATCH_MAX, ending on a UTF-8
 * character boundary.
 */
size_t bounce_match_len(const char *text, size_t len);

/* bounce_extract_status - the first enhanced status code ("5.1.1") in text, or "" */
void bounce_extract_status(const char *text, char *out, size_t n);
/* bounce_extract_code - the first basic reply code (250..599) at a word start in text, or 0 */
int bounce_extract_code(const char *text);

#endif
