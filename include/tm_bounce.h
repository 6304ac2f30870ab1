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
 *	This module is the one home of what a delivery outcome means: the
 *	category of a Postfix log record (bounce_log_category), of a reported
 *	recipient (bounce_dsn_category, bounce_arf_category), and what each
 *	category does (bounce_effect: the counter, the suppression, the soft
 *	streak). tenant-feedback and lib/dsn.c ask it; lib/feedback.lua only
 *	applies the effect it is given.
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

#include "tm_maillog.h"
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

/*
 * bounce_log_category - the category of one Postfix delivery record
 * (tm_maillog.h), with why: sent is delivered; otherwise the rules on its
 * dsn= and text, with bounced hard and anything else soft when no rule
 * says more; a deferral or expiry is never a hard bounce by itself.
 */
int bounce_log_category(const BRULES *r, const MAILLOG_REC *rec, SBUF *why);
/* bounce_log_final - is the record a final outcome (1), or a deferral (0)? */
int bounce_log_final(const MAILLOG_REC *rec);

/*
 * bounce_dsn_category - the category of one recipient of a delivery status
 * notification, with why: Action delivered, relayed or expanded is
 * delivered; otherwise the rules on status, code and text, with a failure
 * (Action failed, or a plain-text bounce: text_bounce) hard and anything
 * else soft when no rule says more.
 */
int bounce_dsn_category(const BRULES *r, const char *action, int text_bounce, const char *status, int code,
			const char *text, SBUF *why);
/* bounce_arf_category - an ARF Feedback-Type's: opt-out*, not-spam (none), else complaint */
int bounce_arf_category(const char *feedback_type);

enum bounce_streak {
	BS_KEEP, /* the recipient's soft-bounce streak is left as it is */
	BS_END,	 /* it ends: a delivery or a hard bounce */
	BS_FEED, /* one more soft bounce: soft_bounce_limit in the window suppresses */
};

typedef struct {
	const char *counter; /* the {t:NAME}:fb:DATE field to count; NULL: nothing to apply */
	int supp_reason;     /* SR_* (tm_suppress.h) to suppress the recipient with, or -1 */
	int supp_global;     /* 1: in the global list tm:supp; 0: in the tenant's */
	int streak;	     /* BS_* */
	int streak_reason;   /* SR_* of a streak at the limit (tenant list), or -1 */
} BOUNCE_EFFECT;

/*
 * bounce_effect - what an outcome of category does: final is a bounce or a
 * report (1) or a deferral (0); hard_global is hard_bounce_scope = global
 */
BOUNCE_EFFECT bounce_effect(int category, int final, int hard_global);

#endif
