/*
 * NAME
 *	tm_feedback 3h - delivery outcomes into suppression lists and counters
 * DESCRIPTION
 *	One outcome (a log record or a DSN/ARF recipient) is applied in two
 *	steps: when its tenant is not given, lib/feedback.c reads the
 *	queue-id maps of its queue ids first (one HMGET each, until one lists
 *	the recipient); then one call of lib/feedback.lua, given every key it
 *	touches, applies the effect and, in the same atomic call, stores the
 *	reader's position: an outcome is applied if and only if the position
 *	moved past it. docs/redis-schema.md lists the keys and the calls.
 */
#ifndef TM_FEEDBACK_H
#define TM_FEEDBACK_H

#include "tm_conf.h"
#include "tm_dsn.h"
#include "tm_provider.h"
#include "tm_store.h"

#define FB_MAX_QIDS 4 /* queue ids of ours a report may name (its own, the returned Received lines) */

typedef struct {
	const char *tenant;	/* a VERP token's (validated); NULL: the recorded queue ids decide */
	const char *qid;	/* the reporter's queue id (the dedup key), "" if unknown */
	const char *report_id;	/* the report's own dedup id, a second key beside qid's: a
				   VERP report's token id and category (its qid is then a
				   key only when the map of qid names the token's tenant
				   and lists the recipient: our own bounce, which the log
				   counts too); a tagged redacted complaint's digest of its
				   tenant and the report's own Message-ID; NULL for any
				   other report */
	const char *const *qids; /* further candidate queue ids of ours, nqids of them */
	size_t nqids;
	int category;		/* BC_* */
	const char *rcpt;	/* as reported (to=, Final-Recipient) */
	const char *orig_rcpt;	/* orig_to=, Original-Recipient, or NULL */
	const char *transport;	/* "postfix-out-acme/smtp", or "" */
	int final;		/* a bounce or report (1), or a deferral (0) */
	const char *pos_key;	/* "" or the position key */
	const char *pos;	/* the position after this outcome, or "" */
	int unnamed;		/* a complaint naming no recipient (rcpt NULL) from a verified
				   feedback loop (1): the tenant its tag or a map of a queue id
				   in its original names counts it, once per queue id, and no
				   one is suppressed; from anyone else (-1): unattributed */
} FB_EVENT;

#define FB_ARGV_MAX 28 /* EVALSHA, the SHA, the key count, 8 KEYS, 17 ARGV */
#define FB_BUF_MAX 13  /* the arguments feedback_argv builds */
/*
 * feedback_argv - the EVALSHA argv of one event: its count (at most
 * FB_ARGV_MAX strings, stored in buf and borrowed from e and c), or -1 with
 * err when the queue-id maps cannot be read. Step 1 reads them through
 * maps at once (one HMGET per candidate until one names the recipient), so
 * maps must have no replies pending; it may be NULL for an event with a
 * tenant or with no queue id, which need no read.
 */
int feedback_argv(STORE *maps, const CONF *c, const PMAP *pm, const FB_EVENT *e, const char **argv,
                  char buf[][384], SBUF *err);

/*
 * A batch: the outcomes of one pipelined round of "follow". feedback_batch_add
 * copies what it needs of e. feedback_batch_send runs step 1 for every
 * outcome added (the HMGETs of each candidate rank pipelined, in a MULTI,
 * on s, which must have no replies pending), then queues each outcome's
 * EVALSHA on s in order, undrained: the caller drains them, with what it
 * queues after, as one count (store_drain_flags). It empties the batch.
 * 0, or -1 with err: drop s, some of the batch may be queued.
 */
typedef struct fb_batch FB_BATCH;
FB_BATCH *feedback_batch_new(void);
FB_BATCH *feedback_batch_free(FB_BATCH *b);
void feedback_batch_add(FB_BATCH *b, const CONF *c, const PMAP *pm, const FB_EVENT *e);
int feedback_batch_send(FB_BATCH *b, STORE *s, SBUF *err);

/* feedback_script - lib/feedback.lua, for SCRIPT LOAD before pipelined batches */
STORE_SCRIPT *feedback_script(void);

/*
 * feedback_apply - run one event now, both steps on s: 0 with *applied (and, when not
 * applied, why in why_not if given; the tenant charged in who if given, also when already counted),
 * or -1 with err
 */
int feedback_apply(STORE *s, const CONF *c, const PMAP *pm, const FB_EVENT *e, int *applied, SBUF *why_not,
		   SBUF *who, SBUF *err);

struct token_data;
struct tsnap;
/*
 * feedback_forward_check - may a message to a VERP address go on to the
 * return path its token sealed (forward_bounces)? Only when every rule
 * holds, so that nobody can make the relay send mail where it chooses:
 *  - the token is a version-2 VERP token (token_open(TOKEN_VERP) gave
 *    legacy 0) with a return path;
 *  - the message is a bounce or a feedback report (DSN, ARF or a plain
 *    text bounce, with at least one recipient; no auto-reply);
 *  - the return path is one address: addr_parse() takes it, it is not
 *    null, and it has none of , ; : < > ( ) [ ] " \ nor white space or
 *    control characters, so sendmail(1) reads no list, group, route or
 *    comment in it;
 *  - its domain belongs to the token's tenant in snap (tenant_domain_owner).
 * 1 when all hold; 0 with the reason in why. With snap NULL, every rule
 * but the last: the caller then reads the directory and asks again.
 */
int feedback_forward_check(const struct token_data *verp, const DSN_REPORT *rep,
                           const struct tsnap *snap, SBUF *why);

/*
 * feedback_fbl_trusted - does an Authentication-Results value, added by our
 * own verifier (authserv_id), say that a DKIM signature of one of the
 * feedback-loop domains (a white-space or comma separated list) verified?
 * 1 with the domain in domain, or 0 with the reason in why. Only such an
 * ARF report may name its tenant by the returned message's tag: the tag is
 * ours (tenant-milter replaces any a client sends), and the signature proves
 * the report is the provider's, not a forgery.
 */
int feedback_fbl_trusted(const char *ar, const char *authserv_id, const char *domains, SBUF *domain, SBUF *why);

#endif
