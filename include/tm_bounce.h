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

/*
 * The reasons: what a report says happened. Rules name a reason; its
 * category follows from it, in one table (bounce_reason_category). Only
 * proof that the recipient does not exist (user-unknown, host-unknown,
 * not-accept, has-moved) is hard, and only when final and permanent.
 */
enum bounce_reason {
	BR_NONE,	 /* no rule matched */
	BR_DELIVERED,
	BR_USER_UNKNOWN, /* hard */
	BR_HOST_UNKNOWN,
	BR_NOT_ACCEPT,	 /* null MX, RFC 7505 */
	BR_HAS_MOVED,
	BR_MAILBOX_FULL, /* soft: the recipient's side; final ones feed the streak */
	BR_MESSAGE_TOO_BIG,
	BR_EXPIRED,
	BR_SYSTEM_ERROR,
	BR_MAILER_ERROR,
	BR_ON_HOLD,	 /* delayed, still being tried */
	BR_UNKNOWN,	 /* failed, no reason stated */
	BR_BLOCKED,	 /* block: the sender's side; never suppresses */
	BR_SPAM_CONTENT,
	BR_POLICY,
	BR_AUTHENTICATION,
	BR_TLS_REQUIRED,
	BR_RATE_LIMITED, /* throttle */
	BR_TOO_MANY_CONN,
	BR_FEEDBACK_ABUSE, /* complaint */
	BR_FEEDBACK_FRAUD,
	BR_FEEDBACK_VIRUS,
	BR_FEEDBACK_OPTOUT, /* unsubscribe */
	BR_FEEDBACK_OTHER,  /* none */
	BR_AUTOREPLY,
	BR_COUNT
};

const char *bounce_reason_name(int r);	 /* "user-unknown" */
int bounce_reason_parse(const char *s);	 /* -1 if unknown */
int bounce_reason_category(int r);	 /* the taxonomy table */

/*
 * BOUNCE_VERDICT - a decision and what made it: the rule (its file, line
 * and "# source:" comment) or, for a decision of the code, a note.
 * origin and source point into the rules, valid while they are.
 */
typedef struct {
	int reason;	    /* BR_* */
	int category;	    /* BC_* */
	const char *origin; /* the rules file, or NULL */
	int line;
	const char *source; /* or NULL */
	const char *note;   /* when origin is NULL: why */
} BOUNCE_VERDICT;

/* bounce_explain - what decided: "bounce-rules.conf:42" (the rule), or the note */
void bounce_explain(const BOUNCE_VERDICT *v, SBUF *out);

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
/* brules_unsourced - rules with no "# source:" comment above them, "origin:line" each */
size_t brules_unsourced(const BRULES *r, SBUF *where);

/*
 * bounce_classify - status ("5.1.1", may be ""), code (550, or 0), text (the
 * diagnostic or reply, may be ""). The first rule that matches decides:
 * returns its reason (BR_NONE if none), v the verdict.
 */
int bounce_classify(const BRULES *r, const char *status, int code, const char *text, BOUNCE_VERDICT *v);

/*
 * bounce_match_len - how many leading bytes of text (of length len) rule
 * matching sees: len, or at most BOUNCE_MATCH_MAX, ending on a UTF-8
 * character boundary.
 */
size_t bounce_match_len(const char *text, size_t len);
/*
 * bounce_join_lines - the first len bytes of text into out (len + 1 bytes),
 * as the rules read it: each run of blanks and line ends one space, and
 * the "550-5.7.1 " that starts each continuation line of a multi-line SMTP
 * reply left out
 */
void bounce_join_lines(const char *text, size_t len, char *out);

/* bounce_extract_status - the first enhanced status code ("5.1.1") in text, or "" */
void bounce_extract_status(const char *text, char *out, size_t n);
/*
 * bounce_addr_span - the address written in free text around the '@' at
 * at: *start and *end (borrowed, into text), its quotes and trailing dots
 * left out. 1 when it has a local part and a domain with a dot, else 0.
 * The one reading of "an address in a bounce's words": the rules mask it,
 * lib/dsn_text.c takes it as a candidate recipient.
 */
int bounce_addr_span(const char *text, const char *at, const char **start, const char **end);

/* bounce_extract_code - the first basic reply code (250..599) at a word start in text, or 0 */
int bounce_extract_code(const char *text);

/*
 * bounce_log_verdict - the category of one Postfix delivery record
 * (tm_maillog.h), and why: sent is delivered; otherwise the rules on its
 * dsn= and text. A deferral, an expiry or a 4xx reply is never hard; a
 * failure no rule explains is unknown (bounced), expired (expired) or
 * on-hold (deferred).
 */
int bounce_log_verdict(const BRULES *r, const MAILLOG_REC *rec, BOUNCE_VERDICT *v);
/* bounce_log_category - bounce_log_verdict, with the reason's name in why */
int bounce_log_category(const BRULES *r, const MAILLOG_REC *rec, SBUF *why);
/* bounce_log_final - is the record a final outcome (1), or a deferral (0)? */
int bounce_log_final(const MAILLOG_REC *rec);

/*
 * bounce_dsn_verdict - the category of one recipient of a delivery status
 * notification: Action delivered, relayed or expanded is delivered;
 * otherwise the rules on status, code and text. Action delayed is not
 * final (bounce_dsn_final); a plain-text bounce (text_bounce) is. A temporary or
 * not final failure is never hard; one no rule explains is unknown (final)
 * or on-hold.
 */
int bounce_dsn_verdict(const BRULES *r, const char *action, int text_bounce, const char *status, int code,
		       const char *text, BOUNCE_VERDICT *v);
/* bounce_dsn_final - is a DSN recipient final (Action failed; no Action and a 5.x.x status), or a warning? */
int bounce_dsn_final(const char *action, const char *status);
/* bounce_arf_reason - an ARF Feedback-Type's: abuse, fraud, virus, opt-out*, else feedback-other */
int bounce_arf_reason(const char *feedback_type);
/* bounce_arf_category - its category: complaint, unsubscribe, or none */
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
